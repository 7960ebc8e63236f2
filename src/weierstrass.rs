//! The post's Weierstrass function, written as the post writes it: a term function and a sum
//! over `n` terms in a `for` loop.
//!
//! `W_n(x) = Σ_{k<n} a^k cos(b^k π x)`; the post uses `a = 1/2`, `b = 3`.

use autodiff_runtime::differentiable;
use std::f64::consts::PI;

/// The post's `a`.
pub const A: f64 = 0.5;
/// The post's `b`.
pub const B: f64 = 3.0;

/// One term, `a^n cos(b^n π x)`: `w_term(x, n=n)` in the post.
///
/// `powf` rather than `powi`: like NumPy's `3.0**k` it is correctly rounded, while `powi`'s
/// repeated multiplication is off by an ulp for k ≥ 34, where `b^k π x` exceeds 2^53 and an
/// ulp changes the phase completely. With `powf` the float64 numbers are NumPy's and JAX's.
#[differentiable(wrt(x))]
pub fn w_term(x: f64, n: usize, a: f64, b: f64) -> f64 {
    a.powf(n as f64) * (b.powf(n as f64) * PI * x).cos()
}

/// The partial sum of the first `n` terms: `weierstrass(x, n)` in the post.
#[differentiable(wrt(x))]
pub fn weierstrass(x: f64, n: usize, a: f64, b: f64) -> f64 {
    let mut res = 0.0;
    for k in 0..n {
        res += w_term(x, k, a, b);
    }
    res
}

/// The sum with its term function as an argument, as the post's `weierstrass(x, n, f=...)`:
/// called with `grad_w_term` it sums the derivatives of the terms ("switching the order of
/// summation and differentiation").
pub fn weierstrass_with(
    x: f64,
    n: usize,
    a: f64,
    b: f64,
    f: impl Fn(f64, usize, f64, f64) -> f64,
) -> f64 {
    let mut res = 0.0;
    for k in 0..n {
        res += f(x, k, a, b);
    }
    res
}

/// The derivative written by hand, `Σ -a^k b^k π sin(b^k π x)`: the limit for benchmarks and
/// an oracle for tests.
pub fn weierstrass_derivative_by_hand(x: f64, n: usize, a: f64, b: f64) -> f64 {
    let mut res = 0.0;
    for k in 0..n {
        let bk = b.powf(k as f64);
        res -= a.powf(k as f64) * bk * PI * (bk * PI * x).sin();
    }
    res
}
