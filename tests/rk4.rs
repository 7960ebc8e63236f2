//! The RK4 workload of the benchmarks (`autodiff_examples::rk4`): the generated gradient against
//! central finite differences and against the discrete adjoint written by hand, so that the
//! benchmark's hand-written limit is known to be right.

use autodiff_examples::rk4::{
    DT, PARAMS, STEPS, grad_lotka_volterra_loss, lotka_volterra_adjoint, lotka_volterra_loss,
    value_and_grad_lotka_volterra_loss,
};
use autodiff_runtime::check::{self, Tolerance};

fn loss(p: &[f64; 6], steps: usize) -> f64 {
    let [alpha, beta, gamma, delta, x0, y0] = *p;
    lotka_volterra_loss(alpha, beta, gamma, delta, x0, y0, DT, steps)
}

fn grad(p: &[f64; 6], steps: usize) -> [f64; 6] {
    let [alpha, beta, gamma, delta, x0, y0] = *p;
    let g = grad_lotka_volterra_loss(alpha, beta, gamma, delta, x0, y0, DT, steps);
    [g.0, g.1, g.2, g.3, g.4, g.5]
}

fn adjoint(p: &[f64; 6], steps: usize) -> (f64, [f64; 6]) {
    let [alpha, beta, gamma, delta, x0, y0] = *p;
    lotka_volterra_adjoint(alpha, beta, gamma, delta, x0, y0, DT, steps)
}

/// The benchmark's point, and a few others (other orbits, other parameter regimes).
fn points() -> Vec<[f64; 6]> {
    vec![
        PARAMS,
        [1.0, 0.5, 0.8, 0.3, 2.0, 1.0],
        [0.7, 0.2, 1.3, 0.25, 6.0, 3.5],
        [1.5, 1.0, 3.0, 1.0, 1.0, 1.0],
    ]
}

/// Central differences with the default step `ε^(1/3) max(1, |p|)`: at these points the generated
/// gradient and the central difference differ by at most ~4e-9 relative (measured), so 1e-7
/// leaves a margin of 25 while still catching any wrong term in a derivative.
const FD_TOLERANCE: Tolerance = Tolerance {
    epsilon: 1e-6,
    max_relative: 1e-7,
};

#[test]
fn grad_matches_central_differences() {
    for p in points() {
        for steps in [1, 10, STEPS] {
            check::gradient(
                |q: &[f64; 6]| loss(q, steps),
                &grad(&p, steps),
                &p,
                FD_TOLERANCE,
            )
            .unwrap_or_else(|e| panic!("at {p:?}, {steps} steps: {e}"));
        }
    }
}

#[test]
fn hand_written_adjoint_matches_central_differences() {
    for p in points() {
        for steps in [1, 10, STEPS] {
            let (_, g) = adjoint(&p, steps);
            check::gradient(|q: &[f64; 6]| loss(q, steps), &g, &p, FD_TOLERANCE)
                .unwrap_or_else(|e| panic!("at {p:?}, {steps} steps: {e}"));
        }
    }
}

#[test]
fn grad_matches_the_hand_written_adjoint_to_rounding() {
    for p in points() {
        for steps in [0, 1, 2, 10, STEPS] {
            let ours = grad(&p, steps);
            let (value, hand) = adjoint(&p, steps);
            // Both are exact derivatives of the same floating-point computation; they differ only
            // in the order of the adjoint sums (measured: at most 2e-14 relative).
            for i in 0..6 {
                assert!(
                    approx::relative_eq!(ours[i], hand[i], epsilon = 1e-12, max_relative = 1e-12),
                    "at {p:?}, {steps} steps, component {i}: grad {} vs hand {}",
                    ours[i],
                    hand[i]
                );
            }
            // The same arithmetic in the same order: the values agree exactly.
            assert_eq!(value, loss(&p, steps));
        }
    }
}

#[test]
fn value_and_grad_agrees_with_the_function_and_grad() {
    for p in points() {
        let [alpha, beta, gamma, delta, x0, y0] = p;
        let (value, g) =
            value_and_grad_lotka_volterra_loss(alpha, beta, gamma, delta, x0, y0, DT, STEPS);
        assert_eq!(value, loss(&p, STEPS));
        assert_eq!([g.0, g.1, g.2, g.3, g.4, g.5], grad(&p, STEPS));
    }
}

#[test]
fn zero_steps_give_zero_loss_and_gradient() {
    assert_eq!(loss(&PARAMS, 0), 0.0);
    assert_eq!(grad(&PARAMS, 0), [0.0; 6]);
    assert_eq!(adjoint(&PARAMS, 0), (0.0, [0.0; 6]));
}
