//! [argmin](https://docs.rs/argmin) problems from generated gradients (feature `argmin`).
//!
//! argmin's solvers (L-BFGS, BFGS, conjugate gradient, steepest descent, ...) ask a problem for
//! its cost and its gradient through the `CostFunction` and `Gradient` traits. [`Problem`]
//! implements both from a function and its generated `grad_*`, with `Vec<f64>` parameters
//! (argmin-math's `vec` backend):
//!
//! ```
//! use argmin::core::{Executor, State};
//! use argmin::solver::linesearch::MoreThuenteLineSearch;
//! use argmin::solver::quasinewton::LBFGS;
//! use autodiff_runtime::argmin::Problem;
//! use autodiff_runtime::differentiable;
//!
//! #[differentiable]
//! fn rosenbrock(x: &[f64]) -> f64 {
//!     x.windows(2)
//!         .map(|w| 100.0 * (w[1] - w[0] * w[0]).powi(2) + (1.0 - w[0]).powi(2))
//!         .sum()
//! }
//!
//! let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7);
//! let run = Executor::new(Problem::new(rosenbrock, grad_rosenbrock), solver)
//!     .configure(|state| state.param(vec![-1.2, 1.0, -0.5]).max_iters(200))
//!     .run()
//!     .unwrap();
//! let best = run.state().get_best_param().unwrap();
//! assert!(best.iter().all(|v| (v - 1.0).abs() < 1e-6));
//! ```

use argmin::core::{CostFunction, Error, Gradient};

/// A function of a `&[f64]` and its gradient, as an argmin problem over `Vec<f64>`.
#[derive(Clone, Copy, Debug)]
pub struct Problem<F, G> {
    cost: F,
    gradient: G,
}

impl<F, G> Problem<F, G>
where
    F: Fn(&[f64]) -> f64,
    G: Fn(&[f64]) -> Vec<f64>,
{
    /// `cost` is the function, `gradient` its generated `grad_*` (or any function or closure
    /// of the same shape: `|x: &[f64]| grad_f(x, &data)` for a function with data).
    pub fn new(cost: F, gradient: G) -> Self {
        Problem { cost, gradient }
    }
}

impl<F, G> CostFunction for Problem<F, G>
where
    F: Fn(&[f64]) -> f64,
{
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, param: &Vec<f64>) -> Result<f64, Error> {
        Ok((self.cost)(param))
    }
}

impl<F, G> Gradient for Problem<F, G>
where
    G: Fn(&[f64]) -> Vec<f64>,
{
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, param: &Vec<f64>) -> Result<Vec<f64>, Error> {
        Ok((self.gradient)(param))
    }
}
