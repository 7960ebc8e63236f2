//! A small ODE integrated by explicit RK4 with scalar code: the benchmark workload for loops whose
//! state is overwritten every iteration (so the reverse sweep needs a tape).
//!
//! The Lotka–Volterra system
//!
//! ```text
//! x' = α x − β x y        (prey)
//! y' = δ x y − γ y        (predators)
//! ```
//!
//! from `(x0, y0)`, with `steps` classical RK4 steps of size `dt`, and the loss
//! `L = Σ_{i=1..steps} dt · (x_i² + y_i²)` (a Riemann sum of `x² + y²` along the trajectory).
//!
//! [`lotka_volterra_loss`] is the `#[differentiable]` function; [`lotka_volterra_adjoint`] is its
//! discrete adjoint written by hand (the limit for benchmarks, and an oracle for tests).

use autodiff_runtime::differentiable;

/// The parameters and initial state used by the benchmarks and tests: `(α, β, γ, δ, x0, y0)`.
pub const PARAMS: [f64; 6] = [1.1, 0.4, 0.4, 0.1, 10.0, 5.0];
/// The step size used by the benchmarks and tests.
pub const DT: f64 = 0.01;
/// The number of steps used by the benchmarks (`t` from 0 to 10).
pub const STEPS: usize = 1000;

/// Values the generated `grad_lotka_volterra_loss` records per iteration of its loop, as its doc
/// comment says (`Tape: loop 1 records `x`, `y` per iteration`): the two state variables.
/// Everything else in the loop body is recomputed from them in the reverse sweep.
pub const RECORDED_PER_STEP: usize = 2;

/// The loss of an RK4 integration of Lotka–Volterra (see the module documentation).
#[differentiable(wrt(alpha, beta, gamma, delta, x0, y0))]
#[allow(clippy::too_many_arguments)]
pub fn lotka_volterra_loss(
    alpha: f64,
    beta: f64,
    gamma: f64,
    delta: f64,
    x0: f64,
    y0: f64,
    dt: f64,
    steps: usize,
) -> f64 {
    let mut x = x0;
    let mut y = y0;
    let mut loss = 0.0;
    for _step in 0..steps {
        let k1x = alpha * x - beta * x * y;
        let k1y = delta * x * y - gamma * y;
        let x2 = x + 0.5 * dt * k1x;
        let y2 = y + 0.5 * dt * k1y;
        let k2x = alpha * x2 - beta * x2 * y2;
        let k2y = delta * x2 * y2 - gamma * y2;
        let x3 = x + 0.5 * dt * k2x;
        let y3 = y + 0.5 * dt * k2y;
        let k3x = alpha * x3 - beta * x3 * y3;
        let k3y = delta * x3 * y3 - gamma * y3;
        let x4 = x + dt * k3x;
        let y4 = y + dt * k3y;
        let k4x = alpha * x4 - beta * x4 * y4;
        let k4y = delta * x4 * y4 - gamma * y4;
        x += dt / 6.0 * (k1x + 2.0 * k2x + 2.0 * k3x + k4x);
        y += dt / 6.0 * (k1y + 2.0 * k2y + 2.0 * k3y + k4y);
        loss += dt * (x * x + y * y);
    }
    loss
}

/// The right-hand side `f(x, y) = (α x − β x y, δ x y − γ y)`, written exactly as in
/// [`lotka_volterra_loss`] so both round the same way.
#[inline(always)]
fn rhs(p: &[f64; 4], x: f64, y: f64) -> (f64, f64) {
    let [alpha, beta, gamma, delta] = *p;
    (alpha * x - beta * x * y, delta * x * y - gamma * y)
}

/// Pulls the adjoint `(kx_bar, ky_bar)` of `f(x, y)` back to the state (added to `sx, sy`) and to
/// the parameters (added to `pb`).
///
/// `∂f/∂(x, y) = [[α − β y, −β x], [δ y, δ x − γ]]`, `∂f/∂(α, β, γ, δ) = [[x, −x y, 0, 0],
/// [0, 0, −y, x y]]`; the adjoint is the transpose applied to `(kx_bar, ky_bar)`.
#[inline(always)]
fn rhs_pullback(
    p: &[f64; 4],
    x: f64,
    y: f64,
    kx_bar: f64,
    ky_bar: f64,
    pb: &mut [f64; 4],
) -> (f64, f64) {
    let [alpha, beta, gamma, delta] = *p;
    let xy = x * y;
    pb[0] += x * kx_bar;
    pb[1] -= xy * kx_bar;
    pb[2] -= y * ky_bar;
    pb[3] += xy * ky_bar;
    (
        (alpha - beta * y) * kx_bar + delta * y * ky_bar,
        -beta * x * kx_bar + (delta * x - gamma) * ky_bar,
    )
}

/// The value of [`lotka_volterra_loss`] and its gradient with respect to `(α, β, γ, δ, x0, y0)`,
/// by the discrete adjoint of RK4 written by hand.
///
/// The forward sweep stores the state before each step (`2 · (steps + 1)` values, the same
/// memory as the generated gradient's tape); the reverse sweep recomputes each step's stages
/// from it and runs their adjoints in reverse order:
///
/// ```text
/// u1 = s,  u2 = s + dt/2 k1,  u3 = s + dt/2 k2,  u4 = s + dt k3,  k_j = f(u_j)
/// s' = s + dt/6 (k1 + 2 k2 + 2 k3 + k4)
///
/// given s'_bar (plus 2 dt s' from the loss term at s'):
///   k1_bar = dt/6 s'_bar, k2_bar = k3_bar = dt/3 s'_bar, k4_bar = dt/6 s'_bar, s_bar = s'_bar
///   u4_bar = J(u4)ᵀ k4_bar;  s_bar += u4_bar;  k3_bar += dt   u4_bar
///   u3_bar = J(u3)ᵀ k3_bar;  s_bar += u3_bar;  k2_bar += dt/2 u3_bar
///   u2_bar = J(u2)ᵀ k2_bar;  s_bar += u2_bar;  k1_bar += dt/2 u2_bar
///   u1_bar = J(u1)ᵀ k1_bar;  s_bar += u1_bar
/// ```
///
/// with the parameters' adjoints accumulated from every `f` on the way.
#[allow(clippy::too_many_arguments)]
pub fn lotka_volterra_adjoint(
    alpha: f64,
    beta: f64,
    gamma: f64,
    delta: f64,
    x0: f64,
    y0: f64,
    dt: f64,
    steps: usize,
) -> (f64, [f64; 6]) {
    let p = [alpha, beta, gamma, delta];
    let half = 0.5 * dt;
    let sixth = dt / 6.0;
    // Forward: the state before every step.
    let mut states: Vec<(f64, f64)> = Vec::with_capacity(steps);
    let (mut x, mut y) = (x0, y0);
    let mut loss = 0.0;
    for _ in 0..steps {
        states.push((x, y));
        let (k1x, k1y) = rhs(&p, x, y);
        let (k2x, k2y) = rhs(&p, x + half * k1x, y + half * k1y);
        let (k3x, k3y) = rhs(&p, x + half * k2x, y + half * k2y);
        let (k4x, k4y) = rhs(&p, x + dt * k3x, y + dt * k3y);
        x += sixth * (k1x + 2.0 * k2x + 2.0 * k3x + k4x);
        y += sixth * (k1y + 2.0 * k2y + 2.0 * k3y + k4y);
        loss += dt * (x * x + y * y);
    }
    // Reverse. (x, y) is the state after the step being reversed; (xb, yb) its adjoint.
    let mut pb = [0.0; 4];
    let (mut xb, mut yb) = (0.0, 0.0);
    for &(sx, sy) in states.iter().rev() {
        // The loss term at the state after this step.
        xb += 2.0 * dt * x;
        yb += 2.0 * dt * y;
        // Recompute the stages from the state before the step.
        let (k1x, k1y) = rhs(&p, sx, sy);
        let (u2x, u2y) = (sx + half * k1x, sy + half * k1y);
        let (k2x, k2y) = rhs(&p, u2x, u2y);
        let (u3x, u3y) = (sx + half * k2x, sy + half * k2y);
        let (k3x, k3y) = rhs(&p, u3x, u3y);
        let (u4x, u4y) = (sx + dt * k3x, sy + dt * k3y);
        // s' = s + dt/6 (k1 + 2 k2 + 2 k3 + k4).
        let (k1xb, k1yb) = (sixth * xb, sixth * yb);
        let (mut k2xb, mut k2yb) = (2.0 * sixth * xb, 2.0 * sixth * yb);
        let (mut k3xb, mut k3yb) = (2.0 * sixth * xb, 2.0 * sixth * yb);
        let (k4xb, k4yb) = (sixth * xb, sixth * yb);
        let (mut sxb, mut syb) = (xb, yb);
        // k4 = f(u4), u4 = s + dt k3.
        let (u4xb, u4yb) = rhs_pullback(&p, u4x, u4y, k4xb, k4yb, &mut pb);
        sxb += u4xb;
        syb += u4yb;
        k3xb += dt * u4xb;
        k3yb += dt * u4yb;
        // k3 = f(u3), u3 = s + dt/2 k2.
        let (u3xb, u3yb) = rhs_pullback(&p, u3x, u3y, k3xb, k3yb, &mut pb);
        sxb += u3xb;
        syb += u3yb;
        k2xb += half * u3xb;
        k2yb += half * u3yb;
        // k2 = f(u2), u2 = s + dt/2 k1.
        let (u2xb, u2yb) = rhs_pullback(&p, u2x, u2y, k2xb, k2yb, &mut pb);
        sxb += u2xb;
        syb += u2yb;
        let (k1xb, k1yb) = (k1xb + half * u2xb, k1yb + half * u2yb);
        // k1 = f(s).
        let (u1xb, u1yb) = rhs_pullback(&p, sx, sy, k1xb, k1yb, &mut pb);
        sxb += u1xb;
        syb += u1yb;
        (x, y) = (sx, sy);
        (xb, yb) = (sxb, syb);
    }
    (loss, [pb[0], pb[1], pb[2], pb[3], xb, yb])
}
