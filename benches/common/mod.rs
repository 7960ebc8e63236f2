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
//! it stands beside, so values agree to the last bit where the operations allow it.

#![allow(dead_code)] // Each bench target uses part of this module.

pub mod pending;

use num_dual::{DualNum, DualSVec64};
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
