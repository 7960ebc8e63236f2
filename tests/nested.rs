//! Nested differentiation: a generated `grad_*` called inside another `#[differentiable]`
//! function and differentiated again (its callee has `#[differentiable(hessian)]`), as
//! `jax.grad(lambda x: g(jax.grad(f)(x)))`. The three programs of the issue: a charged particle
//! whose force is the gradient of a potential, fitted by an outer gradient; a min–max saddle
//! whose inner maximisation runs gradient steps; a Hessian diagonal as the gradient of a
//! gradient's entry. Each against central differences at many points, and `jvp_*` of the outer
//! function against its gradient.

mod common;

use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray;
use common::check_many;

/// The potential of a unit charge at (a, 0) seen at (x, y), softened, in a harmonic trap.
#[differentiable(hessian)]
pub fn potential(x: f64, y: f64, a: f64) -> f64 {
    1.0 / ((x - a).powi(2) + y * y + 0.5).sqrt() + 0.1 * (x * x + y * y)
}

/// The squared force on the particle; the force is minus the potential's gradient.
#[differentiable]
pub fn force_sq(x: f64, y: f64, a: f64) -> f64 {
    let (gx, gy, _) = grad_potential(x, y, a);
    let (fx, fy) = (-gx, -gy);
    fx * fx + fy * fy
}

/// The particle moved by a few steps of the force, and its distance to a target: an outer
/// objective of the charge position `a` through an inner loop of gradients.
#[differentiable]
pub fn settle(x0: f64, y0: f64, a: f64) -> f64 {
    let (mut x, mut y) = (x0, y0);
    for _ in 0..5 {
        let (gx, gy, _) = grad_potential(x, y, a);
        x -= 0.3 * gx;
        y -= 0.3 * gy;
    }
    (x - 1.0).powi(2) + y * y
}

/// f(x, y) = x y + x² / 2 − y² / 2 + sin(x + y) / 4: concave in y near the saddle.
#[differentiable(hessian, wrt(y))]
pub fn saddle(x: f64, y: f64) -> f64 {
    x * y + 0.5 * x * x - 0.5 * y * y + 0.25 * (x + y).sin()
}

/// max_y f(x, y) by gradient ascent in y, then the value: the outer gradient in x goes through
/// every inner step (unrolled, not the envelope theorem).
#[differentiable]
pub fn inner_max(x: f64, y0: f64) -> f64 {
    let mut y = y0;
    for _ in 0..8 {
        y += 0.5 * grad_saddle(x, y);
    }
    saddle(x, y)
}

#[differentiable(hessian)]
pub fn smooth(x: f64, y: f64) -> f64 {
    (x * y).exp() * 0.1 + x.sin() * y.cos() + x * x * x / 6.0
}

/// ∂²f/∂x² + ∂²f/∂y² as the derivative of the gradient's entries, and its own gradient (third
/// derivatives).
#[differentiable]
pub fn laplacian_part(x: f64, y: f64) -> f64 {
    let (gx, gy) = grad_smooth(x, y);
    gx * 0.5 + gy * gy
}

#[test]
fn a_force_from_a_gradient_differentiated_again() {
    check_many(
        "force_sq",
        3,
        1.0,
        40,
        &|p| force_sq(p[0], p[1], p[2]),
        &|p| {
            let (v, (a, b, c)) = value_and_grad_force_sq(p[0], p[1], p[2]);
            (v, vec![a, b, c])
        },
    );
    check_many("settle", 3, 1.0, 40, &|p| settle(p[0], p[1], p[2]), &|p| {
        let (v, (a, b, c)) = value_and_grad_settle(p[0], p[1], p[2]);
        (v, vec![a, b, c])
    });
}

#[test]
fn a_saddle_through_inner_gradient_steps() {
    check_many("inner_max", 2, 1.0, 40, &|p| inner_max(p[0], p[1]), &|p| {
        let (v, (a, b)) = value_and_grad_inner_max(p[0], p[1]);
        (v, vec![a, b])
    });
}

#[test]
fn a_gradient_of_gradient_entries() {
    check_many(
        "laplacian_part",
        2,
        1.5,
        40,
        &|p| laplacian_part(p[0], p[1]),
        &|p| {
            let (v, (a, b)) = value_and_grad_laplacian_part(p[0], p[1]);
            (v, vec![a, b])
        },
    );
    // d/dx of grad_smooth's x entry is the Hessian's corner.
    for p in common::points(2, 20, 1.0) {
        let h = hessian_smooth(p[0], p[1]);
        let (d, _) = grad_laplacian_part(p[0], p[1]);
        let (_, gy) = grad_smooth(p[0], p[1]);
        let want = 0.5 * h[[0, 0]] + 2.0 * gy * h[[1, 0]];
        assert!(
            (d - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{d} vs {want}"
        );
    }
}

#[test]
fn forward_mode_through_a_nested_gradient() {
    for p in common::points(6, 20, 1.0) {
        let (v, t) = jvp_force_sq(p[0], p[1], p[2], p[3], p[4], p[5]);
        let (g0, g1, g2) = grad_force_sq(p[0], p[1], p[2]);
        assert_eq!(v.to_bits(), force_sq(p[0], p[1], p[2]).to_bits());
        let want = g0 * p[3] + g1 * p[4] + g2 * p[5];
        assert!(
            (t - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{t} vs {want}"
        );
    }
}

// ----- inner gradients with respect to one array -----

/// GradBench's saddle as a Rust user writes it: points as slices, the inner player's gradient
/// w.r.t. its own point `y` (an array), ascended for a few steps inside the outer objective.
#[differentiable(hessian, wrt(y))]
pub fn payoff(x: &[f64], y: &[f64]) -> f64 {
    x[0] * x[0] + x[1] * x[1] - y[0] * y[0] - y[1] * y[1] + (x[0] * y[1]).sin() + x[1] * y[0]
}

#[differentiable]
pub fn best_response_value(x: &[f64], y0: &[f64]) -> f64 {
    let mut y = y0.to_vec();
    for _ in 0..8 {
        let g: Vec<f64> = grad_payoff(x, &y);
        for i in 0..y.len() {
            y[i] += 0.2 * g[i];
        }
    }
    payoff(x, &y)
}

/// The same with fixed-size points copied into a writable state (`let mut y = y0;`).
#[differentiable(hessian, wrt(y))]
pub fn payoff_fixed(x: f64, y: [f64; 2]) -> f64 {
    x * x - y[0] * y[0] - y[1] * y[1] + (x * y[1]).sin() + y[0] * y[1] * x
}

#[differentiable]
pub fn ascend_fixed(x: f64, y0: [f64; 2]) -> f64 {
    let mut y = y0;
    for _ in 0..5 {
        let g: [f64; 2] = grad_payoff_fixed(x, y);
        y[0] += 0.2 * g[0];
        y[1] += 0.2 * g[1];
    }
    payoff_fixed(x, y)
}

/// An ndarray gradient read whole: the squared norm of the inner gradient, scaled.
#[differentiable(hessian, wrt(y))]
pub fn energy_nd(x: f64, y: &ndarray::Array1<f64>) -> f64 {
    x * x - y.iter().map(|v| v * v).sum::<f64>() + (x * y[1]).sin() * y[0]
}

#[differentiable]
pub fn gradient_norm_nd(x: f64, y: &ndarray::Array1<f64>) -> f64 {
    let g: ndarray::Array1<f64> = grad_energy_nd(x, y);
    g.iter().map(|v| v * v).sum::<f64>() * x
}

#[test]
fn a_saddle_whose_inner_gradient_is_an_array() {
    check_many(
        "best_response_value",
        4,
        1.0,
        40,
        &|p| best_response_value(&p[..2], &p[2..]),
        &|p| {
            let (v, (gx, gy)) = value_and_grad_best_response_value(&p[..2], &p[2..]);
            (v, gx.into_iter().chain(gy).collect())
        },
    );
}

#[test]
fn fixed_size_state_copied_from_a_parameter_through_inner_gradients() {
    check_many(
        "ascend_fixed",
        3,
        1.0,
        40,
        &|p| ascend_fixed(p[0], [p[1], p[2]]),
        &|p| {
            let (v, (gx, gy)) = value_and_grad_ascend_fixed(p[0], [p[1], p[2]]);
            (v, vec![gx, gy[0], gy[1]])
        },
    );
}

#[test]
fn an_ndarray_inner_gradient_used_whole() {
    check_many(
        "gradient_norm_nd",
        4,
        1.0,
        40,
        &|p| gradient_norm_nd(p[0], &ndarray::Array1::from(p[1..].to_vec())),
        &|p| {
            let y = ndarray::Array1::from(p[1..].to_vec());
            let (v, (gx, gy)) = value_and_grad_gradient_norm_nd(p[0], &y);
            let mut g = vec![gx];
            g.extend(gy.iter());
            (v, g)
        },
    );
    // The inner gradient by hand: ∂/∂y0 = -2 y0 + sin(x y1), ∂/∂y1 = -2 y1 + x cos(x y1) y0.
    let y = ndarray::arr1(&[0.3, -0.4, 0.5]);
    let g = grad_energy_nd(0.7, &y);
    let want = [
        -2.0 * 0.3 + (0.7_f64 * -0.4).sin(),
        -2.0 * -0.4 + 0.7 * (0.7_f64 * -0.4).cos() * 0.3,
        -2.0 * 0.5,
    ];
    for (a, b) in g.iter().zip(want) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
}
