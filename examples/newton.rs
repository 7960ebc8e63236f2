//! Newton's method on an N-dimensional Rosenbrock function with the generated Hessian.
//!
//! `cargo run --release --example newton`
//!
//! Each step solves `H p = -g` with `hessian_rosenbrock` and `grad_rosenbrock` (damped by `λ I`
//! until the step is a descent direction, then halved until the value decreases), so the
//! iteration converges quadratically near the minimum at (1, …, 1). `hvp_rosenbrock` gives
//! `H v` for one more pair of sweeps, without forming `H`, which is what an iterative solver
//! would use in high dimension.

use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{Array1, Array2};

/// `Σ 100 (x[i+1] − x[i]²)² + (1 − x[i])²`.
#[differentiable(hessian)]
pub fn rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    s
}

/// Solves `a p = b` by Gaussian elimination with partial pivoting; `None` if `a` is singular.
pub fn solve(mut a: Array2<f64>, mut b: Array1<f64>) -> Option<Array1<f64>> {
    let n = b.len();
    for k in 0..n {
        let pivot = (k..n).max_by(|&i, &j| a[[i, k]].abs().total_cmp(&a[[j, k]].abs()))?;
        if a[[pivot, k]].abs() < 1e-300 {
            return None;
        }
        for j in 0..n {
            a.swap([k, j], [pivot, j]);
        }
        b.swap(k, pivot);
        for i in k + 1..n {
            let m = a[[i, k]] / a[[k, k]];
            for j in k..n {
                a[[i, j]] -= m * a[[k, j]];
            }
            b[i] -= m * b[k];
        }
    }
    let mut p = Array1::zeros(n);
    for k in (0..n).rev() {
        let tail: f64 = (k + 1..n).map(|j| a[[k, j]] * p[j]).sum();
        p[k] = (b[k] - tail) / a[[k, k]];
    }
    Some(p)
}

/// Damped Newton from `x0` until the gradient's norm is below `tol`; returns the point and the
/// number of steps, and prints each step when `verbose`.
pub fn minimize(x0: &[f64], tol: f64, max_steps: usize, verbose: bool) -> (Vec<f64>, usize) {
    let mut x = x0.to_vec();
    for step in 0..max_steps {
        let g = Array1::from(grad_rosenbrock(&x));
        let norm = g.dot(&g).sqrt();
        if verbose {
            println!(
                "step {step:2}: f = {:.6e}, |g| = {norm:.3e}",
                rosenbrock(&x)
            );
        }
        if norm < tol {
            return (x, step);
        }
        let h = hessian_rosenbrock(&x);
        let mut lambda = 0.0;
        let p = loop {
            let damped = &h + &(Array2::<f64>::eye(x.len()) * lambda);
            match solve(damped, -&g) {
                Some(p) if p.dot(&g) < 0.0 => break p,
                _ => lambda = (lambda * 10.0_f64).max(1e-3),
            }
        };
        let f0 = rosenbrock(&x);
        let mut t = 1.0;
        loop {
            let trial: Vec<f64> = x.iter().zip(p.iter()).map(|(a, d)| a + t * d).collect();
            if rosenbrock(&trial) < f0 || t < 1e-12 {
                x = trial;
                break;
            }
            t *= 0.5;
        }
    }
    (x, max_steps)
}

fn main() {
    let n = 10;
    let x0: Vec<f64> = (0..n)
        .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
        .collect();
    let (x, steps) = minimize(&x0, 1e-10, 200, true);
    println!("minimum after {steps} Newton steps: {x:.10?}");
    // H v without forming H: the same as the Hessian's product.
    let v: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).sin()).collect();
    let hv = hvp_rosenbrock(&x, &v);
    let direct = hessian_rosenbrock(&x).dot(&Array1::from(v));
    let gap = hv
        .iter()
        .zip(direct.iter())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    println!("hvp_rosenbrock vs hessian · v at the minimum: max difference {gap:.1e}");
}
