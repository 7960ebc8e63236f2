//! Users' own derivatives: `#[custom_derivative(pullback = rule)]` for functions the macro
//! cannot see into (`libm::erf`, a linear solve), used from `#[differentiable]` callers, and
//! `stop_gradient`. Checked against central differences and hand-derived formulas.

mod common;

use autodiff_runtime::check::{self, Tolerance};
use autodiff_runtime::{custom_derivative, differentiable, stop_gradient};
use common::check;
use std::f64::consts::{FRAC_1_SQRT_2, PI};

// ----- erf, and a probit likelihood through it -----

#[custom_derivative(pullback = erf_pullback)]
pub fn erf(x: f64) -> f64 {
    libm::erf(x)
}

/// d erf / dx = 2/√π · e^(−x²)
pub fn erf_pullback(x: f64, d_out: f64) -> (f64,) {
    (d_out * 2.0 / PI.sqrt() * (-x * x).exp(),)
}

/// The standard normal CDF.
#[differentiable]
pub fn phi(z: f64) -> f64 {
    0.5 * (1.0 + erf(z * FRAC_1_SQRT_2))
}

/// The negative log-likelihood of a probit model `P(y = 1 | x) = Φ(w·x + b)`.
#[differentiable(wrt(w, b))]
pub fn probit_nll(w: &[f64], b: f64, xs: &[f64], ys: &[f64]) -> f64 {
    let d = w.len();
    let mut nll = 0.0;
    for (i, &y) in ys.iter().enumerate() {
        let z: f64 = xs[i * d..(i + 1) * d]
            .iter()
            .zip(w)
            .map(|(x, w)| x * w)
            .sum::<f64>()
            + b;
        let p = phi(z).clamp(1e-12, 1.0 - 1e-12);
        nll -= y * p.ln() + (1.0 - y) * (1.0 - p).ln();
    }
    nll
}

#[test]
fn erf_rule_is_checked_and_gives_grad_functions() {
    for x in [-2.0, -0.7, 0.0, 0.3, 1.9] {
        check::pullback(
            |x: &f64| erf(*x),
            |x, d| erf_pullback(*x, d).0,
            &x,
            Tolerance::default(),
        )
        .unwrap();
        let (v, g) = value_and_grad_erf(x);
        assert_eq!(v, libm::erf(x));
        assert_eq!(g, grad_erf(x));
        assert_eq!(g, 2.0 / PI.sqrt() * (-x * x).exp());
        assert!((pullback_erf(x, 3.0).0 - 3.0 * g).abs() <= 1e-15 * g.abs());
    }
    // Φ'(z) is the normal density.
    for z in [-1.5, 0.0, 0.8] {
        let want = (-z * z / 2.0_f64).exp() / (2.0 * PI).sqrt();
        assert!((grad_phi(z) - want).abs() < 1e-15);
    }
}

#[test]
fn probit_through_a_custom_rule_matches_central_differences() {
    let xs = [0.5, -1.0, 1.5, 0.2, -0.3, 0.8, 1.1, -0.6, 0.0, 0.9];
    let ys = [1.0, 0.0, 1.0, 1.0, 0.0];
    let mut used = 0;
    for p in [
        [0.1, -0.2, 0.3],
        [0.8, 0.4, -0.5],
        [-0.3, 1.2, 0.0],
        [0.0, 0.0, 0.0],
    ] {
        let (gw, gb) = grad_probit_nll(&p[..2], p[2], &xs, &ys);
        let g = [gw[0], gw[1], gb];
        let f = |q: &[f64]| probit_nll(&q[..2], q[2], &xs, &ys);
        used += check("probit_nll", &f, &g, &p) as usize;
    }
    assert_eq!(used, 4);
}

// ----- a linear solve with its adjoint rule -----

/// The solution of the 2 × 2 system `A x = b` (`A` row-major), by Cramer's rule.
#[custom_derivative(pullback = solve2_pullback)]
pub fn solve2(a: &[f64; 4], b: &[f64; 2]) -> (f64, f64) {
    let det = a[0] * a[3] - a[1] * a[2];
    (
        (b[0] * a[3] - a[1] * b[1]) / det,
        (a[0] * b[1] - a[2] * b[0]) / det,
    )
}

/// The implicit-function adjoint: `b̄ = A⁻ᵀ x̄`, `Ā = −b̄ xᵀ`.
pub fn solve2_pullback(a: &[f64; 4], b: &[f64; 2], d_out: (f64, f64)) -> ([f64; 4], [f64; 2]) {
    let (x0, x1) = solve2(a, b);
    let at = [a[0], a[2], a[1], a[3]];
    let (b0, b1) = solve2(&at, &[d_out.0, d_out.1]);
    ([-b0 * x0, -b0 * x1, -b1 * x0, -b1 * x1], [b0, b1])
}

/// A loss of the solution for a matrix and right-hand side given as arrays.
#[differentiable]
pub fn solution_loss(a: [f64; 4], b: [f64; 2]) -> f64 {
    let (x0, x1) = solve2(&a, &b);
    x0 * x0 + 3.0 * x1
}

/// The same solve with scalar arguments and its rule.
#[custom_derivative(pullback = solve2s_pullback)]
pub fn solve2s(a00: f64, a01: f64, a10: f64, a11: f64, b0: f64, b1: f64) -> (f64, f64) {
    solve2(&[a00, a01, a10, a11], &[b0, b1])
}

#[allow(clippy::too_many_arguments)]
pub fn solve2s_pullback(
    a00: f64,
    a01: f64,
    a10: f64,
    a11: f64,
    b0: f64,
    b1: f64,
    d_out: (f64, f64),
) -> (f64, f64, f64, f64, f64, f64) {
    let (da, db) = solve2_pullback(&[a00, a01, a10, a11], &[b0, b1], d_out);
    (da[0], da[1], da[2], da[3], db[0], db[1])
}

/// Backward Euler for `y' = M y` over `steps` steps, each solving `(I − h M) y₁ = y₀`.
#[differentiable(wrt(m00, m01, m10, m11, y0, z0))]
#[allow(clippy::too_many_arguments)]
pub fn implicit_euler(
    m00: f64,
    m01: f64,
    m10: f64,
    m11: f64,
    y0: f64,
    z0: f64,
    h: f64,
    steps: usize,
) -> f64 {
    let (mut y, mut z) = (y0, z0);
    for _ in 0..steps {
        (y, z) = solve2s(1.0 - h * m00, -h * m01, -h * m10, 1.0 - h * m11, y, z);
    }
    y * y + 3.0 * z
}

#[test]
fn solves_through_a_custom_rule() {
    for (a, b) in [
        ([2.0, 0.5, 0.2, -1.5], [1.0, 0.5]),
        ([0.3, -0.7, 1.1, 0.4], [-0.2, 1.5]),
    ] {
        let (ga, gb) = grad_solution_loss(a, b);
        let x: Vec<f64> = a.iter().chain(&b).copied().collect();
        let g: Vec<f64> = ga.iter().chain(&gb).copied().collect();
        let f = |p: &[f64]| solution_loss([p[0], p[1], p[2], p[3]], [p[4], p[5]]);
        assert!(check("solution_loss", &f, &g, &x));
    }
    let x = [-1.0, 0.5, 0.2, -2.0, 1.0, 0.5];
    let g = grad_implicit_euler(x[0], x[1], x[2], x[3], x[4], x[5], 0.1, 20);
    let g = [g.0, g.1, g.2, g.3, g.4, g.5];
    let f = |p: &[f64]| implicit_euler(p[0], p[1], p[2], p[3], p[4], p[5], 0.1, 20);
    assert!(check("implicit_euler", &f, &g, &x));
}

// ----- stop_gradient -----

#[differentiable]
pub fn stopped(x: f64, v: &[f64]) -> f64 {
    let c = stop_gradient(x * x);
    let s = stop_gradient(v);
    x * c + v[0] * s[1]
}

#[test]
fn stop_gradient_cuts_the_derivative() {
    let v = [2.0, 3.0];
    let (gx, gv) = grad_stopped(1.5, &v);
    assert_eq!(gx, 1.5 * 1.5); // d/dx (x · c), c = x² held constant
    assert_eq!(gv, vec![3.0, 0.0]); // d/dv (v₀ · s₁), s held constant
    assert_eq!(value_and_grad_stopped(1.5, &v).0, stopped(1.5, &v));
}
