//! The post's portfolio example: the Sharpe ratio of two assets as a function of the weight
//! θ of the second (`w₁ = 1`, `w₂ = θ`, normalised), and its N-asset generalisation.
//!
//! `r_t = (R_t0 + R_t1 θ) / (1 + θ)`, `S(θ) = mean(r) / std(r)` with the population standard
//! deviation (ddof = 0), as `jnp.std`.

use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{ArrayView1, ArrayView2};

/// The Sharpe ratio written with whole-array expressions, as the post writes it with NumPy.
#[differentiable(wrt(theta))]
pub fn sharpe_ratio(theta: f64, returns: ArrayView2<f64>) -> f64 {
    let r = (&returns.column(0) + &(&returns.column(1) * theta)) / (1.0 + theta);
    r.mean().unwrap() / r.std(0.0)
}

/// The same Sharpe ratio written with loops over the rows (two passes, like `std`).
#[differentiable(wrt(theta))]
pub fn sharpe_ratio_loop(theta: f64, returns: ArrayView2<f64>) -> f64 {
    let t = returns.nrows();
    let mut sum = 0.0;
    for i in 0..t {
        sum += (returns[[i, 0]] + returns[[i, 1]] * theta) / (1.0 + theta);
    }
    let mean = sum / t as f64;
    let mut squares = 0.0;
    for i in 0..t {
        let d = (returns[[i, 0]] + returns[[i, 1]] * theta) / (1.0 + theta) - mean;
        squares += d * d;
    }
    mean / (squares / t as f64).sqrt()
}

/// The Sharpe ratio of a portfolio of N assets with weights `w` (normalised to sum to 1):
/// the gradient with respect to all N weights comes from one reverse sweep.
#[differentiable(wrt(w))]
pub fn sharpe_n(w: ArrayView1<f64>, returns: ArrayView2<f64>) -> f64 {
    let r = returns.dot(&w) / w.sum();
    r.mean().unwrap() / r.std(0.0)
}

/// The N-asset Sharpe ratio's gradient written by hand, the limit for benchmarks:
/// with `p = R w`, `s = Σw`, `r = p / s`, `S = m / σ`:
/// `∂S/∂r_t = 1/(Tσ) − m (r_t − m) / (Tσ³)`, `∂S/∂w = Rᵀ(∂S/∂r) / s − (Σ_t r_t ∂S/∂r_t) / s`.
pub fn sharpe_n_gradient_by_hand(
    w: ArrayView1<f64>,
    returns: ArrayView2<f64>,
) -> autodiff_runtime::ndarray::Array1<f64> {
    let s = w.sum();
    let r = returns.dot(&w) / s;
    let t = r.len() as f64;
    let m = r.mean().unwrap_or(0.0);
    let sigma = r.std(0.0);
    let dr = r.mapv(|rt| 1.0 / (t * sigma) - m * (rt - m) / (t * sigma.powi(3)));
    let through_s = r.dot(&dr) / s;
    returns.t().dot(&dr) / s - through_s
}
