//! What the benchmarks share: the peers our gradients are compared with, written once so that
//! `tests/peers.rs` can check them (it includes this module by path) and the benchmarks time
//! exactly the code that was checked.
//!
//! - forward mode: [`num_dual`] dual numbers, with the functions generic over its `DualNum`;
//! - tape-based reverse mode: the [`reverse`] crate (a `Var` per value, a `RefCell<Vec<Node>>`
//!   tape, one node per operation);
//! - central finite differences with the runtime's default step.
//!
//! Every peer computes the same arithmetic, in the same order, as the `#[differentiable]` function
//! it stands beside, so values agree to the last bit where the operations allow it. The Sharpe
//! ratios are the exception: ndarray's `mean` sums in eight interleaved partial sums and its `std`
//! is Welford's one-pass algorithm, so the peers (a plain sum and the two-pass variance) agree
//! with them to rounding only.

#![allow(dead_code)] // Each bench target uses part of this module.

use autodiff_runtime::ndarray::{Array1, Array2, ArrayView1, ArrayView2, Zip};
use autodiff_runtime::optim::{Adam, Run};
use num_dual::{Dual64, DualNum, DualSVec64};
use reverse::{Gradient, Tape, Var};
use std::f64::consts::PI;

// ----- Weierstrass -----

/// `Σ_{k<n} a^k cos(b^k π x)`, generic over num-dual's `DualNum` (`f64` gives the plain sum).
///
/// `a^k` and `b^k` by `powf`, as `weierstrass::w_term`: `powi` rounds differently for large k,
/// and from there the arguments `b^k π x` (up to 1e47) and so the terms have nothing in common.
pub fn weierstrass_dual<D: DualNum<Primitive = f64>>(x: D, n: usize, a: f64, b: f64) -> D {
    let mut res = D::from(0.0);
    for k in 0..n {
        let bk = b.powf(k as f64) * PI;
        res += (x.clone() * bk).cos() * a.powf(k as f64);
    }
    res
}

/// The derivative of the Weierstrass sum by forward mode: one `Dual64` evaluation.
#[inline]
pub fn weierstrass_num_dual(x: f64, n: usize, a: f64, b: f64) -> f64 {
    num_dual::first_derivative(|x| weierstrass_dual(x, n, a, b), x).1
}

/// `Σ_{k<n} a^k cos(b^k π x)` on the `reverse` crate's tape (4 nodes per term). Needs `n ≥ 1`.
pub fn weierstrass_var<'t>(x: Var<'t>, n: usize, a: f64, b: f64) -> Var<'t> {
    (0..n)
        .map(|k| (x * (b.powf(k as f64) * PI)).cos() * a.powf(k as f64))
        .sum()
}

/// The derivative of the Weierstrass sum by the `reverse` crate, reusing `tape` (cleared first,
/// so its allocation is reused across points).
#[inline]
pub fn weierstrass_reverse(tape: &Tape, x: f64, n: usize, a: f64, b: f64) -> f64 {
    tape.clear();
    let xv = tape.add_var(x);
    let y = weierstrass_var(xv, n, a, b);
    y.grad().wrt(&xv)
}

/// The central difference of `f` at `x` with the runtime's default step, dividing by the distance
/// between the points actually evaluated (as `autodiff_runtime::check::central_difference`).
#[inline(always)]
pub fn central(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = autodiff_runtime::check::default_step(x);
    let (plus, minus) = (x + h, x - h);
    (f(plus) - f(minus)) / (plus - minus)
}

// ----- RK4 of Lotka–Volterra -----

/// The loss of `autodiff_examples::rk4::lotka_volterra_loss`, generic over num-dual's `DualNum`,
/// with `p = (α, β, γ, δ, x0, y0)`.
pub fn lotka_volterra_dual<D: DualNum<Primitive = f64>>(p: [D; 6], dt: f64, steps: usize) -> D {
    let [alpha, beta, gamma, delta, x0, y0] = p;
    let f = |x: &D, y: &D| {
        let fx = alpha.clone() * x - beta.clone() * x * y;
        let fy = delta.clone() * x * y - gamma.clone() * y;
        (fx, fy)
    };
    let (mut x, mut y) = (x0, y0);
    let mut loss = D::from(0.0);
    for _ in 0..steps {
        let (k1x, k1y) = f(&x, &y);
        let (k2x, k2y) = f(
            &(x.clone() + k1x.clone() * (0.5 * dt)),
            &(y.clone() + k1y.clone() * (0.5 * dt)),
        );
        let (k3x, k3y) = f(
            &(x.clone() + k2x.clone() * (0.5 * dt)),
            &(y.clone() + k2y.clone() * (0.5 * dt)),
        );
        let (k4x, k4y) = f(
            &(x.clone() + k3x.clone() * dt),
            &(y.clone() + k3y.clone() * dt),
        );
        x += (k1x + k2x * 2.0 + k3x * 2.0 + k4x) * (dt / 6.0);
        y += (k1y + k2y * 2.0 + k3y * 2.0 + k4y) * (dt / 6.0);
        loss += (x.clone() * &x + y.clone() * &y) * dt;
    }
    loss
}

/// The gradient of the RK4 loss by forward mode: one pass with 6 derivative lanes
/// (`DualSVec64<6>`), the natural forward-mode choice for 6 inputs.
pub fn lotka_volterra_num_dual(p: [f64; 6], dt: f64, steps: usize) -> (f64, [f64; 6]) {
    let v = nalgebra::SVector::<f64, 6>::from(p);
    let (value, g) = num_dual::gradient(
        |v: nalgebra::SVector<DualSVec64<6>, 6>| {
            let q: [DualSVec64<6>; 6] = std::array::from_fn(|i| v[i]);
            lotka_volterra_dual(q, dt, steps)
        },
        &v,
    );
    (value, g.into())
}

/// The RK4 loss on the `reverse` crate's tape. `zero` is a constant on the same tape (the crate
/// has no way to make a `Var` from a float without one).
pub fn lotka_volterra_var<'t>(p: [Var<'t>; 6], zero: Var<'t>, dt: f64, steps: usize) -> Var<'t> {
    let [alpha, beta, gamma, delta, x0, y0] = p;
    let f = |x: Var<'t>, y: Var<'t>| (alpha * x - beta * x * y, delta * x * y - gamma * y);
    let (mut x, mut y) = (x0, y0);
    let mut loss = zero;
    for _ in 0..steps {
        let (k1x, k1y) = f(x, y);
        let (k2x, k2y) = f(x + 0.5 * dt * k1x, y + 0.5 * dt * k1y);
        let (k3x, k3y) = f(x + 0.5 * dt * k2x, y + 0.5 * dt * k2y);
        let (k4x, k4y) = f(x + dt * k3x, y + dt * k3y);
        x = x + dt / 6.0 * (k1x + 2.0 * k2x + 2.0 * k3x + k4x);
        y = y + dt / 6.0 * (k1y + 2.0 * k2y + 2.0 * k3y + k4y);
        loss = loss + dt * (x * x + y * y);
    }
    loss
}

/// The gradient of the RK4 loss by the `reverse` crate, reusing `tape` (cleared first).
/// Returns the value, the gradient and the number of tape nodes recorded.
pub fn lotka_volterra_reverse(
    tape: &Tape,
    p: [f64; 6],
    dt: f64,
    steps: usize,
) -> (f64, [f64; 6], usize) {
    tape.clear();
    let vars: [Var<'_>; 6] = std::array::from_fn(|i| tape.add_var(p[i]));
    let zero = tape.add_var(0.0);
    let loss = lotka_volterra_var(vars, zero, dt, steps);
    let g = loss.grad();
    let grad: [f64; 6] = std::array::from_fn(|i| g.wrt(&vars[i]));
    (loss.val(), grad, tape.len())
}

/// Bytes per node of the `reverse` crate's tape: two weights (`f64`) and two indices (`usize`).
pub const REVERSE_NODE_BYTES: usize =
    2 * std::mem::size_of::<f64>() + 2 * std::mem::size_of::<usize>();

/// The central-difference gradient of `f` over the 6 inputs: 12 evaluations.
pub fn central6(f: impl Fn([f64; 6]) -> f64, p: [f64; 6]) -> [f64; 6] {
    std::array::from_fn(|i| {
        let h = autodiff_runtime::check::default_step(p[i]);
        let (mut plus, mut minus) = (p, p);
        plus[i] += h;
        minus[i] -= h;
        (f(plus) - f(minus)) / (plus[i] - minus[i])
    })
}

// ----- Sharpe ratio of two assets (`autodiff_examples::portfolio::sharpe_ratio`) -----

/// `mean(r) / std(r)` (population standard deviation) of `r`, generic over num-dual's `DualNum`,
/// with the two-pass variance. Needs a non-empty `r`.
pub fn mean_over_std_dual<D: DualNum<Primitive = f64>>(r: &[D]) -> D {
    let t = r.len() as f64;
    let m = r.iter().cloned().sum::<D>() / t;
    let var = r
        .iter()
        .map(|x| {
            let d = x.clone() - &m;
            d.clone() * d
        })
        .sum::<D>()
        / t;
    m / var.sqrt()
}

/// `mean(r) / std(r)` on the `reverse` crate's tape, two-pass variance. Needs a non-empty `r`.
pub fn mean_over_std_var<'t>(r: &[Var<'t>]) -> Var<'t> {
    let t = r.len() as f64;
    let m = r.iter().copied().sum::<Var<'t>>() / t;
    let var = r
        .iter()
        .map(|&x| {
            let d = x - m;
            d * d
        })
        .sum::<Var<'t>>()
        / t;
    m / var.sqrt()
}

/// The two-asset Sharpe ratio `S(θ)` of `r_t = (R_t0 + R_t1 θ) / (1 + θ)`, generic over
/// num-dual's `DualNum`.
pub fn sharpe_dual<D: DualNum<Primitive = f64>>(theta: D, returns: ArrayView2<f64>) -> D {
    let one_plus = theta.clone() + 1.0;
    let r: Vec<D> = returns
        .column(0)
        .iter()
        .zip(returns.column(1))
        .map(|(&a, &b)| (theta.clone() * b + a) / &one_plus)
        .collect();
    mean_over_std_dual(&r)
}

/// `(S(θ), dS/dθ)` by forward mode: one `Dual64` evaluation.
#[inline]
pub fn sharpe_num_dual(theta: f64, returns: ArrayView2<f64>) -> (f64, f64) {
    num_dual::first_derivative(|t| sharpe_dual(t, returns), theta)
}

/// The two-asset Sharpe ratio on the `reverse` crate's tape (3 nodes per period for `r_t`, 4 for
/// the mean and the variance).
pub fn sharpe_var<'t>(theta: Var<'t>, returns: ArrayView2<f64>) -> Var<'t> {
    let one_plus = theta + 1.0;
    let r: Vec<Var<'t>> = returns
        .column(0)
        .iter()
        .zip(returns.column(1))
        .map(|(&a, &b)| (theta * b + a) / one_plus)
        .collect();
    mean_over_std_var(&r)
}

/// `(S(θ), dS/dθ, tape nodes)` by the `reverse` crate, reusing `tape` (cleared first).
pub fn sharpe_reverse(tape: &Tape, theta: f64, returns: ArrayView2<f64>) -> (f64, f64, usize) {
    tape.clear();
    let t = tape.add_var(theta);
    let s = sharpe_var(t, returns);
    let g = s.grad();
    (s.val(), g.wrt(&t), tape.len())
}

/// `(S(θ), dS/dθ)` written by hand: two fused passes over the rows, no temporary array.
///
/// With `c = 1/(1+θ)`, `r_t = (a_t + θ b_t) c` and `dr_t/dθ = (b_t − a_t) c²`;
/// `m = mean(r)`, `σ² = mean((r − m)²)`, `dm = mean(dr)`, `dσ = mean((r − m)(dr − dm)) / σ`,
/// `dS = (dm − S dσ) / σ` with `S = m / σ`.
pub fn sharpe_and_derivative_by_hand(theta: f64, returns: ArrayView2<f64>) -> (f64, f64) {
    let (a, b) = (returns.column(0), returns.column(1));
    let t = a.len() as f64;
    let c = 1.0 / (1.0 + theta);
    let c2 = c * c;
    let (mut sum_r, mut sum_dr) = (0.0, 0.0);
    for (&at, &bt) in a.iter().zip(&b) {
        sum_r += (at + theta * bt) * c;
        sum_dr += (bt - at) * c2;
    }
    let (m, dm) = (sum_r / t, sum_dr / t);
    let (mut squares, mut cross) = (0.0, 0.0);
    for (&at, &bt) in a.iter().zip(&b) {
        let d = (at + theta * bt) * c - m;
        squares += d * d;
        cross += d * ((bt - at) * c2 - dm);
    }
    let sigma = (squares / t).sqrt();
    let s = m / sigma;
    let dsigma = cross / t / sigma;
    (s, (dm - s * dsigma) / sigma)
}

// ----- Sharpe ratio of N assets (`autodiff_examples::portfolio::sharpe_n`) -----

/// Returns from a one-factor model, `r_ti = μ_i + β_i f_t + ε_ti`, `t × n`, seeded: correlated like
/// real assets, and cheap to draw for many assets (no Cholesky factor of an N×N covariance).
/// The same as the helper in `tests/portfolio.rs`.
pub fn factor_returns(n: usize, t: usize, seed: u64) -> Array2<f64> {
    use autodiff_examples::sample::rand::{RngExt, SeedableRng};
    let mut rng = autodiff_examples::sample::rand::rngs::StdRng::seed_from_u64(seed);
    let normal = autodiff_examples::sample::rand_distr::StandardNormal;
    let f: Vec<f64> = (0..t).map(|_| rng.sample::<f64, _>(normal)).collect();
    Array2::from_shape_fn((t, n), |(ti, i)| {
        let eps: f64 = rng.sample(normal);
        0.05 + 0.001 * (i % 13) as f64 + (0.5 + 0.01 * (i % 7) as f64) * 0.1 * f[ti] + 0.2 * eps
    })
}

/// The weights the N-asset benchmarks differentiate at (as `tests/portfolio.rs`).
pub fn n_asset_weights(n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| 1.0 + ((i * 37) % 11) as f64 * 0.05)
}

/// The N-asset Sharpe ratio `S(w)` of `r = R w / Σw`, generic over num-dual's `DualNum`.
pub fn sharpe_n_dual<D: DualNum<Primitive = f64>>(w: &[D], returns: ArrayView2<f64>) -> D {
    let s = w.iter().cloned().sum::<D>();
    let r: Vec<D> = returns
        .rows()
        .into_iter()
        .map(|row| row.iter().zip(w).map(|(&x, wi)| wi.clone() * x).sum::<D>() / &s)
        .collect();
    mean_over_std_dual(&r)
}

/// One forward-mode pass: `∂S/∂w_i`, with `w` as `Dual64`s whose derivative parts are all zero
/// (the pass sets the `i`-th to 1 and resets it).
#[inline]
pub fn sharpe_n_num_dual_pass(w: &mut [Dual64], i: usize, returns: ArrayView2<f64>) -> f64 {
    w[i].eps = 1.0;
    let s = sharpe_n_dual(w, returns);
    w[i].eps = 0.0;
    s.eps
}

/// `(S(w), ∇S)` by forward mode: one `Dual64` pass per weight, N passes.
pub fn sharpe_n_num_dual(w: ArrayView1<f64>, returns: ArrayView2<f64>) -> (f64, Array1<f64>) {
    let mut wd: Vec<Dual64> = w.iter().map(|&x| Dual64::new(x, 0.0)).collect();
    let g = Array1::from_shape_fn(w.len(), |i| sharpe_n_num_dual_pass(&mut wd, i, returns));
    (sharpe_n_dual(&wd, returns).re, g)
}

/// The N-asset Sharpe ratio on the `reverse` crate's tape: two nodes per product `R_ti w_i`
/// (the multiplication and the running sum), so about `2 T N` nodes.
pub fn sharpe_n_var<'t>(w: &[Var<'t>], returns: ArrayView2<f64>) -> Var<'t> {
    let s = w.iter().copied().sum::<Var<'t>>();
    let r: Vec<Var<'t>> = returns
        .rows()
        .into_iter()
        .map(|row| row.iter().zip(w).map(|(&x, &wi)| wi * x).sum::<Var<'t>>() / s)
        .collect();
    mean_over_std_var(&r)
}

/// `(S(w), ∇S, tape nodes)` by the `reverse` crate, reusing `tape` (cleared first).
pub fn sharpe_n_reverse(
    tape: &Tape,
    w: ArrayView1<f64>,
    returns: ArrayView2<f64>,
) -> (f64, Array1<f64>, usize) {
    tape.clear();
    let vars: Vec<Var<'_>> = w.iter().map(|&x| tape.add_var(x)).collect();
    let s = sharpe_n_var(&vars, returns);
    let g = s.grad().wrt(&vars);
    (s.val(), Array1::from(g), tape.len())
}

/// `∂S/∂r_t = α + β r_t` (see `sharpe_n_gradient_by_hand`), from `m`, `σ` and `T`.
fn sharpe_n_dr_coefficients(m: f64, sigma: f64, t: f64) -> (f64, f64) {
    let t_sigma3 = t * sigma.powi(3);
    (1.0 / (t * sigma) + m * m / t_sigma3, -m / t_sigma3)
}

/// The hand-written N-asset gradient of `portfolio::sharpe_n_gradient_by_hand`, with `Rᵀ(∂S/∂r)`
/// accumulated row by row (`g += (∂S/∂r_t) R_t·`), which reads a row-major `R` contiguously,
/// instead of ndarray's `R.t().dot(..)` (without BLAS: one strided dot product per column).
pub fn sharpe_n_gradient_by_rows(w: ArrayView1<f64>, returns: ArrayView2<f64>) -> Array1<f64> {
    let s = w.sum();
    let r = returns.dot(&w) / s;
    let t = r.len() as f64;
    let m = r.mean().unwrap_or(0.0);
    let sigma = r.std(0.0);
    let dr = r.mapv(|rt| 1.0 / (t * sigma) - m * (rt - m) / (t * sigma.powi(3)));
    let through_s = r.dot(&dr) / s;
    let mut g = Array1::zeros(w.len());
    for (row, &d) in returns.rows().into_iter().zip(&dr) {
        g.scaled_add(d, &row);
    }
    g.mapv_inplace(|x| x / s - through_s);
    g
}

/// The hand-written N-asset gradient in one pass over `R`: while row `t` is in cache, `p_t = R_t·w`,
/// the column sums `c += R_t·` and `q += p_t R_t·`; then, as `∂S/∂r_t = α + β r_t`,
/// `Rᵀ(∂S/∂r) = α c + β q / s`. Reads `R` once, as the plain function does.
pub fn sharpe_n_gradient_one_pass(w: ArrayView1<f64>, returns: ArrayView2<f64>) -> Array1<f64> {
    let s = w.sum();
    let n = w.len();
    let mut p = Array1::zeros(returns.nrows());
    let mut colsum = Array1::<f64>::zeros(n);
    let mut q = Array1::<f64>::zeros(n);
    // Slices where the layout allows, so that the update loop vectorises (distinct `&mut` slices
    // do not alias; ndarray's `Zip` over raw pointers is not known not to).
    let (cs, qs) = (
        colsum.as_slice_mut().expect("a new array is contiguous"),
        q.as_slice_mut().expect("a new array is contiguous"),
    );
    for (row, pt) in returns.rows().into_iter().zip(p.iter_mut()) {
        let v = row.dot(&w);
        *pt = v;
        let update = |(c, q): (&mut f64, &mut f64), x: f64| {
            *c += x;
            *q += v * x;
        };
        match row.as_slice() {
            Some(xs) => cs
                .iter_mut()
                .zip(qs.iter_mut())
                .zip(xs)
                .for_each(|(cq, &x)| update(cq, x)),
            None => cs
                .iter_mut()
                .zip(qs.iter_mut())
                .zip(&row)
                .for_each(|(cq, &x)| update(cq, x)),
        }
    }
    let r = p / s;
    let t = r.len() as f64;
    let m = r.mean().unwrap_or(0.0);
    let sigma = r.std(0.0);
    let (alpha, beta) = sharpe_n_dr_coefficients(m, sigma, t);
    let through_s = (alpha * r.sum() + beta * r.dot(&r)) / s;
    Zip::from(&colsum)
        .and(&q)
        .map_collect(|&c, &q| (alpha * c + beta * q / s) / s - through_s)
}

/// The central-difference gradient of `f` at `w`: 2 evaluations per component.
pub fn central_n(f: impl Fn(ArrayView1<f64>) -> f64, w: ArrayView1<f64>) -> Array1<f64> {
    let mut p = w.to_owned();
    Array1::from_shape_fn(w.len(), |i| central_component(&f, &mut p, i))
}

/// The central difference of `f` in the `i`-th component of `p` (restored afterwards).
#[inline]
pub fn central_component(f: impl Fn(ArrayView1<f64>) -> f64, p: &mut Array1<f64>, i: usize) -> f64 {
    let x = p[i];
    let h = autodiff_runtime::check::default_step(x);
    let (plus, minus) = (x + h, x - h);
    p[i] = plus;
    let f_plus = f(p.view());
    p[i] = minus;
    let f_minus = f(p.view());
    p[i] = x;
    (f_plus - f_minus) / (plus - minus)
}

// ----- Adam on the two-asset Sharpe ratio -----

/// Adam's steps in the benchmark, as in the post.
pub const ADAM_STEPS: usize = 1000;
/// Adam's learning rate, as in the post (optax's other defaults).
pub const ADAM_LEARNING_RATE: f64 = 0.1;

/// `θ` after [`ADAM_STEPS`] steps of Adam maximising the Sharpe ratio from `θ = 0`, with the
/// gradient from `value_and_grad`.
#[inline]
pub fn adam_sharpe(mut value_and_grad: impl FnMut(f64) -> (f64, f64)) -> f64 {
    let mut adam = Adam::new(ADAM_LEARNING_RATE);
    Run::new(ADAM_STEPS)
        .maximize(&mut adam, 0.0, |theta: &f64| value_and_grad(*theta))
        .expect("a valid run")
        .params
}

/// The `θ` at which each of Adam's steps evaluates the gradient (steps 0 to `ADAM_STEPS − 1`).
pub fn adam_trajectory(mut value_and_grad: impl FnMut(f64) -> (f64, f64)) -> Vec<f64> {
    let mut adam = Adam::new(ADAM_LEARNING_RATE);
    let trace = Run::new(ADAM_STEPS)
        .record_every(1)
        .maximize(&mut adam, 0.0, |theta: &f64| value_and_grad(*theta))
        .expect("a valid run");
    trace
        .history
        .into_iter()
        .take(ADAM_STEPS)
        .map(|(_, theta)| theta)
        .collect()
}
