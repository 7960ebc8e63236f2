//! Kernels of the standard AD benchmarks (GradBench, the successor of ADBench), written as a
//! user writes them, each beside a hand-written gradient: the benchmarks time the two together
//! (`autodiff-benches/benches/kernels.rs`) and `tests/kernels.rs` checks that they agree.
//!
//! - [`llsq`]: GradBench's linear least squares, a polynomial fit by nested loops with a running
//!   power (`mul *= t`);
//! - [`logsumexp`]: GradBench's `lse`, the stable log-sum-exp (a running max, then a sum).

use autodiff_runtime::differentiable;

/// The sample points of GradBench's `llsq`: `t_i = -1 + 2i/(n-1)`.
fn llsq_t(i: usize, n: usize) -> f64 {
    -1.0 + 2.0 * i as f64 / (n - 1) as f64
}

/// `½ Σ_i (sign(t_i) − Σ_j x_j t_i^j)²` over `n` points `t_i` in [-1, 1]: fitting the
/// polynomial with coefficients `x` to a step.
#[differentiable]
pub fn llsq(x: &[f64], n: usize) -> f64 {
    let mut sum = 0.0;
    for i in 0..n {
        let t = -1.0 + 2.0 * i as f64 / (n - 1) as f64;
        let mut inner = t.signum();
        let mut mul = 1.0;
        for xj in x {
            inner -= xj * mul;
            mul *= t;
        }
        sum += inner * inner;
    }
    sum / 2.0
}

/// The gradient of [`llsq`] by hand: the residual of each point, then `∂/∂x_j = −Σ_i r_i t_i^j`.
pub fn llsq_gradient_by_hand(x: &[f64], n: usize) -> Vec<f64> {
    let mut g = vec![0.0; x.len()];
    for i in 0..n {
        let t = llsq_t(i, n);
        let mut r = t.signum();
        let mut mul = 1.0;
        for xj in x {
            r -= xj * mul;
            mul *= t;
        }
        let mut mul = 1.0;
        for gj in g.iter_mut() {
            *gj -= r * mul;
            mul *= t;
        }
    }
    g
}

/// `log Σ exp(x_i)`, computed as `m + log Σ exp(x_i − m)` with `m = max x_i` so that nothing
/// overflows.
#[differentiable]
pub fn logsumexp(x: &[f64]) -> f64 {
    let m = x.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let s: f64 = x.iter().map(|v| (v - m).exp()).sum();
    m + s.ln()
}

/// The gradient of [`logsumexp`] by hand, the softmax: `exp(x_i − m) / Σ exp(x_j − m)`.
pub fn logsumexp_gradient_by_hand(x: &[f64]) -> Vec<f64> {
    let m = x.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mut g: Vec<f64> = x.iter().map(|v| (v - m).exp()).collect();
    let s: f64 = g.iter().sum();
    for gi in g.iter_mut() {
        *gi /= s;
    }
    g
}
