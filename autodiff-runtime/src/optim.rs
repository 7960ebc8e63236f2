//! Gradient-based optimizers over `f64` and `ndarray` parameters, with optax's arithmetic.
//!
//! [`Adam`] and [`Sgd`] follow `optax.adam` and `optax.sgd` operation by operation, in the same
//! order and with the same roundings, so a run here reproduces an optax run in float64 up to the
//! differences in the gradients fed to it. [`minimize`] and [`maximize`] run the usual loop over any
//! `value_and_grad`-shaped closure; [`Run`] adds a recorded history of the parameters.
//!
//! ```
//! use autodiff_runtime::optim::{self, Adam};
//!
//! // f(x) = (x - 3)², f'(x) = 2 (x - 3)
//! let mut adam = Adam::new(0.1);
//! let trace = optim::minimize(&mut adam, 0.0, 500, |x: &f64| ((x - 3.0).powi(2), 2.0 * (x - 3.0)))?;
//! assert!((trace.params - 3.0).abs() < 1e-3);
//! # Ok::<(), optim::OptimError>(())
//! ```

use std::fmt;

pub use crate::params::Params;

mod adam;
mod sgd;
pub use adam::Adam;
pub use sgd::Sgd;

/// Why an optimizer step or run was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptimError {
    /// A value had a different shape from the parameters it must update.
    ShapeMismatch {
        /// What had the wrong shape: the gradient, or the optimizer's state from an earlier run.
        what: &'static str,
        /// The parameters' shape.
        expected: Vec<usize>,
        /// The offending value's shape.
        found: Vec<usize>,
    },
    /// [`Run::record_every`] was given 0.
    ZeroRecordInterval,
}

impl fmt::Display for OptimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptimError::ShapeMismatch {
                what,
                expected,
                found,
            } => write!(
                f,
                "{what} has shape {found:?} but the parameters have shape {expected:?}"
            ),
            OptimError::ZeroRecordInterval => {
                write!(
                    f,
                    "record_every must be at least 1 (it is a number of steps)"
                )
            }
        }
    }
}

impl std::error::Error for OptimError {}

/// One optimizer: turns a gradient into an in-place update of the parameters.
pub trait Optimizer<P: Params> {
    /// Applies one step: `params += update(grad)`, advancing the optimizer's state.
    ///
    /// The state is created at the first step from the parameters' shape (optax's `init`).
    /// Nothing is changed when an error is returned.
    fn step(&mut self, params: &mut P, grad: &P) -> Result<(), OptimError>;

    /// Forgets the state (moments, step count), as if the optimizer were new.
    fn reset(&mut self);
}

fn check_shape<P: Params>(what: &'static str, params: &P, other: &P) -> Result<(), OptimError> {
    if params.same_shape(other) {
        Ok(())
    } else {
        Err(OptimError::ShapeMismatch {
            what,
            expected: params.dims(),
            found: other.dims(),
        })
    }
}

const STALE_STATE: &str =
    "the optimizer's state (call reset() before reusing it on other parameters)";

/// The outcome of a run: final parameters, the objective at every step, and recorded parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace<P> {
    /// The parameters after the last step.
    pub params: P,
    /// `values[k]` is the objective at the parameters before step `k + 1`, i.e. after `k` steps,
    /// as the closure returned it (not negated by [`maximize`]).
    pub values: Vec<f64>,
    /// `(k, params after k steps)` for every `k` in `0..=steps` that is a multiple of
    /// [`Run::record_every`]; empty when no interval was set.
    pub history: Vec<(usize, P)>,
}

/// How to run an optimizer: the number of steps and how often to record the parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    steps: usize,
    record_every: Option<usize>,
}

impl Run {
    /// A run of `steps` steps that records no history.
    pub fn new(steps: usize) -> Self {
        Run {
            steps,
            record_every: None,
        }
    }

    /// Records the parameters after every `k`-th step (and before the first) in
    /// [`Trace::history`]. `k = 0` is refused when the run starts.
    pub fn record_every(self, k: usize) -> Self {
        Run {
            record_every: Some(k),
            ..self
        }
    }

    /// Minimises: each step calls `value_and_grad(&params)` and feeds the gradient to `opt`.
    pub fn minimize<P, O, F>(
        &self,
        opt: &mut O,
        init: P,
        value_and_grad: F,
    ) -> Result<Trace<P>, OptimError>
    where
        P: Params,
        O: Optimizer<P>,
        F: FnMut(&P) -> (f64, P),
    {
        self.run(opt, init, value_and_grad, false)
    }

    /// Maximises: as [`Run::minimize`] of the negated objective. Negation is exact, so this takes
    /// the same steps as minimising `-f` with gradient `-∇f`; [`Trace::values`] holds `f` itself.
    pub fn maximize<P, O, F>(
        &self,
        opt: &mut O,
        init: P,
        value_and_grad: F,
    ) -> Result<Trace<P>, OptimError>
    where
        P: Params,
        O: Optimizer<P>,
        F: FnMut(&P) -> (f64, P),
    {
        self.run(opt, init, value_and_grad, true)
    }

    fn run<P, O, F>(
        &self,
        opt: &mut O,
        init: P,
        mut value_and_grad: F,
        negate: bool,
    ) -> Result<Trace<P>, OptimError>
    where
        P: Params,
        O: Optimizer<P>,
        F: FnMut(&P) -> (f64, P),
    {
        let every = match self.record_every {
            Some(0) => return Err(OptimError::ZeroRecordInterval),
            other => other,
        };
        // `usize::is_multiple_of` needs Rust 1.87; the workspace declares rust-version 1.85.
        #[allow(clippy::manual_is_multiple_of)]
        let records = |k: usize| every.is_some_and(|e| k % e == 0);
        let mut params = init;
        let mut values = Vec::with_capacity(self.steps);
        let mut history = Vec::new();
        for k in 0..self.steps {
            if records(k) {
                history.push((k, params.clone()));
            }
            let (value, mut grad) = value_and_grad(&params);
            if negate {
                grad.elems_mut().for_each(|g| *g = -*g);
            }
            values.push(value);
            opt.step(&mut params, &grad)?;
        }
        if records(self.steps) {
            history.push((self.steps, params.clone()));
        }
        Ok(Trace {
            params,
            values,
            history,
        })
    }
}

/// Minimises for `steps` steps from `init`; `value_and_grad` returns the objective and its
/// gradient, e.g. `|x: &f64| value_and_grad_f(*x)` for a generated scalar function.
pub fn minimize<P, O, F>(
    opt: &mut O,
    init: P,
    steps: usize,
    value_and_grad: F,
) -> Result<Trace<P>, OptimError>
where
    P: Params,
    O: Optimizer<P>,
    F: FnMut(&P) -> (f64, P),
{
    Run::new(steps).minimize(opt, init, value_and_grad)
}

/// Maximises for `steps` steps from `init` (see [`Run::maximize`]).
pub fn maximize<P, O, F>(
    opt: &mut O,
    init: P,
    steps: usize,
    value_and_grad: F,
) -> Result<Trace<P>, OptimError>
where
    P: Params,
    O: Optimizer<P>,
    F: FnMut(&P) -> (f64, P),
{
    Run::new(steps).maximize(opt, init, value_and_grad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use ndarray::{Array1, Array2, array};

    /// f(x) = Σ w_i (x_i - c_i)², separable so each element can also be optimised alone.
    const W: [f64; 4] = [1.0, 3.0, 0.5, 10.0];
    const C: [f64; 4] = [1.5, -2.0, 0.25, 4.0];

    fn quad_elem(i: usize, x: f64) -> (f64, f64) {
        (W[i] * (x - C[i]).powi(2), 2.0 * W[i] * (x - C[i]))
    }

    fn quad_array(x: &Array1<f64>) -> (f64, Array1<f64>) {
        let mut value = 0.0;
        let mut grad = x.zeros_like();
        for (i, (&xi, gi)) in x.iter().zip(grad.iter_mut()).enumerate() {
            let (v, g) = quad_elem(i, xi);
            value += v;
            *gi = g;
        }
        (value, grad)
    }

    #[test]
    fn adam_converges_on_a_quadratic() {
        let mut adam = Adam::new(0.05);
        let trace = minimize(&mut adam, Array1::zeros(4), 3000, quad_array).unwrap();
        for (x, c) in trace.params.iter().zip(C) {
            assert!((x - c).abs() < 1e-6, "x = {x}, optimum {c}");
        }
        assert_eq!(trace.values.len(), 3000);
        assert!(trace.values[2999] < 1e-10 * trace.values[0]);
        assert_eq!(adam.count(), 3000);
    }

    #[test]
    fn first_adam_step_moves_by_the_learning_rate_against_the_gradient() {
        // After one step m_hat = g and v_hat = g², so the update is -lr * g / (|g| + eps).
        for (x0, g) in [(1.0, 2.0), (-3.0, -0.5), (0.25, 1e-3)] {
            let mut adam = Adam::new(0.1);
            let mut x: f64 = x0;
            adam.step(&mut x, &g).unwrap();
            let expected = x0 - 0.1 * g / (g.abs() + 1e-8);
            assert_relative_eq!(x, expected, max_relative = 4.0 * f64::EPSILON);
        }
    }

    #[test]
    fn adam_steps_follow_optax_order_exactly() {
        // optax, operation by operation: tree_update_moment, tree_update_moment_per_elem_norm,
        // tree_bias_correction (decay**count as a float power), scale(-lr), apply_updates.
        // These gradients were picked so that each tempting reordering — `(1 - b2) * g * g`,
        // `(-lr * m_hat) / denominator`, or `b^t` by repeated multiplication — changes the result.
        let (lr, b1, b2, eps) = (0.1, 0.9, 0.999, 1e-8);
        let grads = [-0.19, 0.7, -0.3, -2.49];
        let (mut m, mut v, mut by_hand) = (0.0, 0.0, 0.0);
        for (t, g) in (1..).zip(grads) {
            m = (1.0 - b1) * g + b1 * m;
            v = (1.0 - b2) * (g * g) + b2 * v;
            let m_hat = m / (1.0 - f64::powf(b1, t as f64));
            let v_hat = v / (1.0 - f64::powf(b2, t as f64));
            by_hand += (-lr) * (m_hat / (v_hat.sqrt() + eps));
        }

        let mut adam = Adam::new(lr);
        let mut x: f64 = 0.0;
        for g in grads {
            adam.step(&mut x, &g).unwrap();
        }
        assert_eq!(x, by_hand);
    }

    #[test]
    fn sgd_with_momentum_matches_three_steps_by_hand() {
        // f(x) = x², g = 2x, lr = 0.1, momentum 0.9, x0 = 1:
        // trace 2, x 0.8; g 1.6, trace 1.6 + 1.8 = 3.4, x 0.46; g 0.92, trace 0.92 + 3.06 = 3.98,
        // x 0.46 - 0.398 = 0.062.
        let mut sgd = Sgd::with_momentum(0.1, 0.9);
        let run = Run::new(3).record_every(1);
        let trace = run
            .minimize(&mut sgd, 1.0, |x: &f64| (x * x, 2.0 * x))
            .unwrap();
        let xs: Vec<f64> = trace.history.iter().map(|&(_, x)| x).collect();
        for (x, by_hand) in xs.iter().zip([1.0, 0.8, 0.46, 0.062]) {
            assert_relative_eq!(*x, by_hand, max_relative = 1e-14);
        }
        assert_eq!(xs.len(), 4);
        assert_relative_eq!(trace.values[2], 0.46 * 0.46, max_relative = 1e-14);
    }

    #[test]
    fn sgd_nesterov_and_plain_match_three_steps_by_hand() {
        // Nesterov: trace 2, u 2 + 1.8 = 3.8, x 0.62; g 1.24, trace 3.04, u 1.24 + 2.736 = 3.976,
        // x 0.2224; g 0.4448, trace 3.1808, u 0.4448 + 2.86272 = 3.30752, x -0.108352.
        let mut nesterov = Sgd::nesterov(0.1, 0.9);
        let trace = minimize(&mut nesterov, 1.0, 3, |x: &f64| (x * x, 2.0 * x)).unwrap();
        assert_relative_eq!(trace.params, -0.108352, max_relative = 1e-13);
        // Plain: x ← x - 0.2 x = 0.8 x.
        let mut plain = Sgd::new(0.1);
        let trace = minimize(&mut plain, 1.0, 3, |x: &f64| (x * x, 2.0 * x)).unwrap();
        assert_relative_eq!(trace.params, 0.512, max_relative = 1e-14);
    }

    fn run_adam<P: Params>(init: P, f: impl FnMut(&P) -> (f64, P)) -> P {
        minimize(&mut Adam::new(0.1), init, 200, f).unwrap().params
    }

    #[test]
    fn adam_on_containers_equals_adam_on_each_element() {
        let x0 = [0.0, 1.0, -1.0, 2.0];
        let alone: Vec<f64> = (0..4)
            .map(|i| run_adam(x0[i], |x: &f64| quad_elem(i, *x)))
            .collect();

        let arr = run_adam(Array1::from(x0.to_vec()), quad_array);
        assert_eq!(arr.to_vec(), alone);

        let vec = run_adam(x0.to_vec(), |x: &Vec<f64>| {
            let (v, g) = quad_array(&Array1::from(x.clone()));
            (v, g.to_vec())
        });
        assert_eq!(vec, alone);

        let fixed = run_adam(x0, |x: &[f64; 4]| {
            let (v, g) = quad_array(&Array1::from(x.to_vec()));
            (v, [g[0], g[1], g[2], g[3]])
        });
        assert_eq!(fixed.to_vec(), alone);

        // A column-major matrix: the logical order, not the memory order, pairs the elements.
        let m0 = Array2::from_shape_vec((2, 2), x0.to_vec()).unwrap();
        let m0 = m0.t().as_standard_layout().t().to_owned();
        assert!(!m0.is_standard_layout());
        let mat = run_adam(m0, |x: &Array2<f64>| {
            let flat: Array1<f64> = x.iter().copied().collect();
            let (v, g) = quad_array(&flat);
            (v, Array2::from_shape_vec((2, 2), g.to_vec()).unwrap())
        });
        assert_eq!(mat.iter().copied().collect::<Vec<_>>(), alone);
    }

    #[test]
    fn maximize_is_minimize_of_the_negation() {
        let f = |x: &Array1<f64>| {
            let (v, g) = quad_array(x);
            (-v, -g)
        };
        let up = maximize(&mut Adam::new(0.1), Array1::zeros(4), 50, f).unwrap();
        let down = minimize(&mut Adam::new(0.1), Array1::zeros(4), 50, quad_array).unwrap();
        assert_eq!(up.params, down.params);
        let negated: Vec<f64> = down.values.iter().map(|v| -v).collect();
        assert_eq!(up.values, negated);
    }

    #[test]
    fn history_records_every_kth_step_including_start_and_end() {
        let mut adam = Adam::new(0.1);
        let trace = Run::new(10)
            .record_every(5)
            .minimize(&mut adam, 0.0, |x: &f64| quad_elem(0, *x))
            .unwrap();
        let steps: Vec<usize> = trace.history.iter().map(|&(k, _)| k).collect();
        assert_eq!(steps, [0, 5, 10]);
        assert_eq!(trace.history[0].1, 0.0);
        assert_eq!(trace.history[2].1, trace.params);
        // values[k] is the objective at the parameters recorded after k steps.
        assert_eq!(trace.values[5], quad_elem(0, trace.history[1].1).0);
    }

    #[test]
    fn mismatched_shapes_are_refused_without_changing_anything() {
        let mut adam = Adam::new(0.1);
        let mut x = array![1.0, 2.0];
        let err = adam.step(&mut x, &array![1.0]).unwrap_err();
        assert_eq!(
            err,
            OptimError::ShapeMismatch {
                what: "the gradient",
                expected: vec![2],
                found: vec![1]
            }
        );
        assert_eq!(x, array![1.0, 2.0]);
        assert_eq!(adam.count(), 0);

        adam.step(&mut x, &array![1.0, 1.0]).unwrap();
        let mut other = array![1.0, 2.0, 3.0];
        let err = adam.step(&mut other, &array![1.0, 1.0, 1.0]).unwrap_err();
        assert!(err.to_string().contains("reset()"), "{err}");
        adam.reset();
        adam.step(&mut other, &array![1.0, 1.0, 1.0]).unwrap();
        assert_eq!(adam.count(), 1);

        let mut sgd = Sgd::with_momentum(0.1, 0.9);
        sgd.step(&mut x, &array![1.0, 1.0]).unwrap();
        assert!(sgd.step(&mut other, &array![1.0, 1.0, 1.0]).is_err());
    }

    #[test]
    fn a_zero_record_interval_is_refused() {
        let err = Run::new(3)
            .record_every(0)
            .minimize(&mut Sgd::new(0.1), 1.0, |x: &f64| (x * x, 2.0 * x))
            .unwrap_err();
        assert_eq!(err, OptimError::ZeroRecordInterval);
    }
}
