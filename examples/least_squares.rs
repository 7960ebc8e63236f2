//! Gauss–Newton on an exponential decay fit with the generated Jacobian of a residual vector.
//!
//! `cargo run --release --example least_squares`
//!
//! `residuals` returns a `Vec<f64>`; `#[differentiable(wrt(p))]` gives `jacobian_residuals`, one
//! reverse sweep per residual, with the three parameters as columns. Each step solves the normal
//! equations `(Jᵀ J) δ = -Jᵀ r`.

use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{Array1, Array2};

/// `p0 e^(-p1 t) + p2 - y` at every data point.
#[differentiable(wrt(p))]
pub fn residuals(p: &[f64], t: &[f64], y: &[f64]) -> Vec<f64> {
    let mut r = vec![0.0; t.len()];
    for i in 0..t.len() {
        r[i] = p[0] * (-p[1] * t[i]).exp() + p[2] - y[i];
    }
    r
}

/// Solves the 3×3 system `a x = b` by Cramer's rule.
fn solve3(a: &Array2<f64>, b: &Array1<f64>) -> [f64; 3] {
    let det = |m: &Array2<f64>| {
        m[[0, 0]] * (m[[1, 1]] * m[[2, 2]] - m[[1, 2]] * m[[2, 1]])
            - m[[0, 1]] * (m[[1, 0]] * m[[2, 2]] - m[[1, 2]] * m[[2, 0]])
            + m[[0, 2]] * (m[[1, 0]] * m[[2, 1]] - m[[1, 1]] * m[[2, 0]])
    };
    let d = det(a);
    let mut x = [0.0; 3];
    for (c, xc) in x.iter_mut().enumerate() {
        let mut m = a.clone();
        m.column_mut(c).assign(b);
        *xc = det(&m) / d;
    }
    x
}

/// Gauss–Newton from `p0`; returns the parameters and the number of steps.
pub fn fit(p0: [f64; 3], t: &[f64], y: &[f64], verbose: bool) -> ([f64; 3], usize) {
    let mut p = p0;
    for step in 0..50 {
        let r = Array1::from(residuals(&p, t, y));
        let j = jacobian_residuals(&p, t, y);
        let g = j.t().dot(&r);
        if verbose {
            println!(
                "step {step:2}: ½|r|² = {:.6e}, |Jᵀr| = {:.3e}",
                0.5 * r.dot(&r),
                g.dot(&g).sqrt()
            );
        }
        if g.dot(&g).sqrt() < 1e-12 {
            return (p, step);
        }
        let delta = solve3(&j.t().dot(&j), &-g);
        for (pi, di) in p.iter_mut().zip(delta) {
            *pi += di;
        }
    }
    (p, 50)
}

fn main() {
    // Data from p = (2, 1.3, 0.5) with a small deterministic perturbation.
    let t: Vec<f64> = (0..40).map(|i| i as f64 * 0.1).collect();
    let y: Vec<f64> = t
        .iter()
        .enumerate()
        .map(|(i, &ti)| 2.0 * (-1.3 * ti).exp() + 0.5 + 0.01 * (i as f64 * 1.7).sin())
        .collect();
    let (p, steps) = fit([1.0, 0.5, 0.0], &t, &y, true);
    println!("fitted p = {p:.6?} after {steps} Gauss-Newton steps (data made with (2, 1.3, 0.5))");
}
