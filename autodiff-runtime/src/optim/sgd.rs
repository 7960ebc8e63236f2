//! Stochastic gradient descent, as `optax.sgd`.

use super::{OptimError, Optimizer, Params, STALE_STATE, check_shape};

/// Stochastic gradient descent, as `optax.sgd(learning_rate, momentum=None, nesterov=False)`.
///
/// Without momentum: `param = param + (-lr) * g`. With momentum `μ` (optax's `trace`):
///
/// ```text
/// trace  = g + μ * trace
/// u      = g + μ * trace   if nesterov (with the new trace), else trace
/// param  = param + (-lr) * u
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Sgd<P> {
    /// The learning rate.
    pub learning_rate: f64,
    /// The momentum decay, or `None` for plain gradient descent.
    pub momentum: Option<f64>,
    /// Nesterov's variant of momentum (ignored without momentum).
    pub nesterov: bool,
    trace: Option<P>,
}

impl<P> Sgd<P> {
    /// Plain gradient descent, without momentum.
    pub fn new(learning_rate: f64) -> Self {
        Sgd {
            learning_rate,
            momentum: None,
            nesterov: false,
            trace: None,
        }
    }

    /// Gradient descent with (heavy-ball) momentum.
    pub fn with_momentum(learning_rate: f64, momentum: f64) -> Self {
        Sgd {
            momentum: Some(momentum),
            ..Sgd::new(learning_rate)
        }
    }

    /// Gradient descent with Nesterov momentum.
    pub fn nesterov(learning_rate: f64, momentum: f64) -> Self {
        Sgd {
            nesterov: true,
            ..Sgd::with_momentum(learning_rate, momentum)
        }
    }
}

impl<P: Params> Optimizer<P> for Sgd<P> {
    fn step(&mut self, params: &mut P, grad: &P) -> Result<(), OptimError> {
        check_shape("the gradient", params, grad)?;
        let step_size = -self.learning_rate;
        let Some(mu) = self.momentum else {
            for (p, &g) in params.elems_mut().zip(grad.elems()) {
                *p += step_size * g;
            }
            return Ok(());
        };
        if let Some(trace) = &self.trace {
            check_shape(STALE_STATE, params, trace)?;
        }
        let trace = self.trace.get_or_insert_with(|| params.zeros_like());
        let nesterov = self.nesterov;
        for ((p, t), &g) in params.elems_mut().zip(trace.elems_mut()).zip(grad.elems()) {
            *t = g + mu * *t;
            let u = if nesterov { g + mu * *t } else { *t };
            *p += step_size * u;
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.trace = None;
    }
}
