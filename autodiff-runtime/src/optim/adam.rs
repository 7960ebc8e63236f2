//! Adam, as `optax.adam`.

use super::{OptimError, Optimizer, Params, STALE_STATE, check_shape};

/// Adam, as `optax.adam`: `chain(scale_by_adam(b1, b2, eps, eps_root), scale_by_learning_rate(lr))`.
///
/// Per element, with `g` the gradient and `t` the step count after incrementing:
///
/// ```text
/// m      = (1 - b1) * g + b1 * m
/// v      = (1 - b2) * (g * g) + b2 * v
/// m_hat  = m / (1 - b1^t)
/// v_hat  = v / (1 - b2^t)
/// u      = m_hat / (sqrt(v_hat + eps_root) + eps)
/// param  = param + (-lr) * u
/// ```
///
/// This is optax's order of operations exactly (`tree_update_moment`,
/// `tree_update_moment_per_elem_norm`, `tree_bias_correction`, `scale(-lr)`, `apply_updates`).
/// `b^t` is `f64::powf` of the count converted to a float: optax computes `decay**count` with an
/// int32 count, which JAX lowers to XLA's floating-point `pow` after converting the count, not to
/// repeated multiplication (`powi` would differ in the last bits and the difference compounds over
/// a run).
#[derive(Debug, Clone, PartialEq)]
pub struct Adam<P> {
    /// The learning rate (optax's `learning_rate`).
    pub learning_rate: f64,
    /// Decay of the first moment (default 0.9).
    pub b1: f64,
    /// Decay of the second moment (default 0.999).
    pub b2: f64,
    /// Added to the root of the second moment (default 1e-8).
    pub eps: f64,
    /// Added to the second moment inside the root (default 0.0).
    pub eps_root: f64,
    state: Option<AdamState<P>>,
}

#[derive(Debug, Clone, PartialEq)]
struct AdamState<P> {
    count: u64,
    mu: P,
    nu: P,
}

impl<P> Adam<P> {
    /// Adam with optax's defaults: b1 = 0.9, b2 = 0.999, eps = 1e-8, eps_root = 0.0.
    pub fn new(learning_rate: f64) -> Self {
        Adam {
            learning_rate,
            b1: 0.9,
            b2: 0.999,
            eps: 1e-8,
            eps_root: 0.0,
            state: None,
        }
    }

    /// Sets the two moment decays.
    pub fn with_betas(mut self, b1: f64, b2: f64) -> Self {
        self.b1 = b1;
        self.b2 = b2;
        self
    }

    /// Sets `eps` (outside the root) and `eps_root` (inside it).
    pub fn with_eps(mut self, eps: f64, eps_root: f64) -> Self {
        self.eps = eps;
        self.eps_root = eps_root;
        self
    }

    /// The number of steps taken since creation or the last reset.
    pub fn count(&self) -> u64 {
        self.state.as_ref().map_or(0, |s| s.count)
    }
}

impl<P: Params> Optimizer<P> for Adam<P> {
    fn step(&mut self, params: &mut P, grad: &P) -> Result<(), OptimError> {
        check_shape("the gradient", params, grad)?;
        if let Some(state) = &self.state {
            check_shape(STALE_STATE, params, &state.mu)?;
        }
        let state = self.state.get_or_insert_with(|| AdamState {
            count: 0,
            mu: params.zeros_like(),
            nu: params.zeros_like(),
        });
        state.count = state.count.saturating_add(1);
        let t = state.count as f64;
        let (b1, b2, eps, eps_root) = (self.b1, self.b2, self.eps, self.eps_root);
        let bias1 = 1.0 - b1.powf(t);
        let bias2 = 1.0 - b2.powf(t);
        let step_size = -self.learning_rate;
        let elems = params
            .elems_mut()
            .zip(state.mu.elems_mut())
            .zip(state.nu.elems_mut())
            .zip(grad.elems());
        for (((p, m), v), &g) in elems {
            *m = (1.0 - b1) * g + b1 * *m;
            *v = (1.0 - b2) * (g * g) + b2 * *v;
            let m_hat = *m / bias1;
            let v_hat = *v / bias2;
            let u = m_hat / ((v_hat + eps_root).sqrt() + eps);
            *p += step_size * u;
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.state = None;
    }
}
