//! Nested gradients: a particle pushed by the force of a charge (the force is the generated
//! gradient of a potential), and an outer gradient descent that moves the charge so that the
//! particle ends where we want it.
//!
//! `cargo run --release --example particle`
//!
//! `settle` calls `grad_potential` inside its loop; `#[differentiable(hessian)]` on `potential`
//! makes that call differentiable again (its pullback is a Hessian-vector product), so
//! `grad_settle` is exact through every inner step.

use autodiff_runtime::differentiable;

/// A unit charge at (a, b), softened, in a weak harmonic trap, seen at (x, y).
#[differentiable(hessian, wrt(x, y))]
pub fn potential(x: f64, y: f64, a: f64, b: f64) -> f64 {
    -1.0 / ((x - a).powi(2) + (y - b).powi(2) + 0.3).sqrt() + 0.05 * (x * x + y * y)
}

/// The particle starts at the origin and follows the force for `steps` steps; the result is
/// its squared distance to the target (1, 0.5).
#[differentiable(wrt(a, b))]
pub fn settle(a: f64, b: f64, steps: usize) -> f64 {
    let (mut x, mut y) = (0.0, 0.0);
    for _ in 0..steps {
        let (gx, gy) = grad_potential(x, y, a, b);
        x -= 0.2 * gx;
        y -= 0.2 * gy;
    }
    (x - 1.0).powi(2) + (y - 0.5).powi(2)
}

fn main() {
    let (mut a, mut b) = (0.3, -0.2);
    for it in 0..=20 {
        let (loss, (ga, gb)) = value_and_grad_settle(a, b, 40);
        if it % 4 == 0 {
            println!("outer step {it:3}: charge at ({a:.4}, {b:.4}), distance² {loss:.3e}");
        }
        a -= 0.5 * ga;
        b -= 0.5 * gb;
    }
    // The outer gradient at the start against central differences of the whole simulation.
    let (a, b, h) = (0.3, -0.2, 1e-6);
    let fd = (settle(a + h, b, 40) - settle(a - h, b, 40)) / (2.0 * h);
    let (ga, _) = grad_settle(a, b, 40);
    println!("∂/∂a at the start: generated {ga:.10}, central differences {fd:.10}");
}
