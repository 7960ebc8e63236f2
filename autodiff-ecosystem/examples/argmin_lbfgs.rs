//! Minimises the N-dimensional Rosenbrock function with argmin's L-BFGS, the gradient generated
//! by `#[differentiable]`: `cargo run --release -p autodiff-ecosystem --example argmin_lbfgs`.

use argmin::core::{Executor, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use autodiff_runtime::argmin::Problem;
use autodiff_runtime::differentiable;

/// Σ 100 (x[i+1] − x[i]²)² + (1 − x[i])², minimum 0 at (1, …, 1).
#[differentiable]
pub fn rosenbrock(x: &[f64]) -> f64 {
    x.windows(2)
        .map(|w| 100.0 * (w[1] - w[0] * w[0]).powi(2) + (1.0 - w[0]).powi(2))
        .sum()
}

fn main() -> Result<(), argmin::core::Error> {
    for n in [2, 10, 100] {
        let start: Vec<f64> = (0..n)
            .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
            .collect();
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7);
        let run = Executor::new(Problem::new(rosenbrock, grad_rosenbrock), solver)
            .configure(|state| state.param(start).max_iters(1000).counting(true))
            .run()?;
        let state = run.state();
        let best = state.get_best_param().expect("L-BFGS keeps its best point");
        let worst = best.iter().map(|v| (v - 1.0).abs()).fold(0.0, f64::max);
        println!(
            "n = {n:3}: {} iterations, {} gradient calls, f = {:.3e}, max |x_i - 1| = {worst:.1e}",
            state.get_iter(),
            state
                .get_func_counts()
                .get("gradient_count")
                .copied()
                .unwrap_or_default(),
            state.get_best_cost(),
        );
    }
    Ok(())
}
