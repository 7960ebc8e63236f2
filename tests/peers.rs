//! The benchmarks' peers (num-dual forward mode, the `reverse` crate's tape, central
//! differences) compute the same derivatives as the generated gradients, so the benchmarks compare
//! like with like. The peers live in `benches/common/`, included here by path.

#[path = "../benches/common/mod.rs"]
mod common;

use autodiff_examples::rk4::{self, DT, PARAMS, STEPS};
use autodiff_examples::weierstrass::{A, B, grad_weierstrass, weierstrass};
use std::f64::consts::PI;

#[test]
fn weierstrass_peers_agree_with_grad() {
    let tape = reverse::Tape::new();
    let xs = autodiff_runtime::batch::linspace(-2.0, 2.0, 101);
    for n in [1, 3, 10, 20, 100] {
        // Rounding is relative to the sum of the terms' magnitudes, π Σ (ab)^k.
        let scale: f64 = (0..n).map(|k| PI * (A * B).powi(k as i32)).sum();
        for &x in &xs {
            let g = grad_weierstrass(x, n, A, B);
            let dual = common::weierstrass_num_dual(x, n, A, B);
            let rev = common::weierstrass_reverse(&tape, x, n, A, B);
            assert!(
                (g - dual).abs() <= 1e-13 * scale,
                "n={n} x={x}: {g} vs num-dual {dual}"
            );
            assert!(
                (g - rev).abs() <= 1e-13 * scale,
                "n={n} x={x}: {g} vs reverse {rev}"
            );
            // The generic function at f64 is the plain function, bit for bit.
            assert_eq!(
                common::weierstrass_dual(x, n, A, B),
                weierstrass(x, n, A, B)
            );
            if n <= 3 {
                // Central differences are only accurate while b^k π h stays small (truncation
                // error (b^k π h)² / 6 relative per term; h ≈ 1.2e-5 here).
                let fd = common::central(|x| weierstrass(x, n, A, B), x);
                assert!(
                    (g - fd).abs() <= 1e-6 * scale,
                    "n={n} x={x}: {g} vs central {fd}"
                );
            }
        }
    }
}

#[test]
fn rk4_peers_agree_with_grad() {
    let tape = reverse::Tape::new();
    let [alpha, beta, gamma, delta, x0, y0] = PARAMS;
    let (value, g) =
        rk4::value_and_grad_lotka_volterra_loss(alpha, beta, gamma, delta, x0, y0, DT, STEPS);
    let g = [g.0, g.1, g.2, g.3, g.4, g.5];
    let (dual_value, dual) = common::lotka_volterra_num_dual(PARAMS, DT, STEPS);
    let (rev_value, rev, nodes) = common::lotka_volterra_reverse(&tape, PARAMS, DT, STEPS);
    let fd = common::central6(
        |p| rk4::lotka_volterra_loss(p[0], p[1], p[2], p[3], p[4], p[5], DT, STEPS),
        PARAMS,
    );
    assert_eq!(dual_value, value);
    assert_eq!(rev_value, value);
    assert_eq!(common::lotka_volterra_dual(PARAMS, DT, STEPS), value);
    for i in 0..6 {
        let close = |v: f64, tol: f64| (g[i] - v).abs() <= tol * g[i].abs().max(1.0);
        assert!(
            close(dual[i], 1e-12),
            "component {i}: {} vs num-dual {}",
            g[i],
            dual[i]
        );
        assert!(
            close(rev[i], 1e-12),
            "component {i}: {} vs reverse {}",
            g[i],
            rev[i]
        );
        assert!(
            close(fd[i], 1e-7),
            "component {i}: {} vs central {}",
            g[i],
            fd[i]
        );
    }
    // The reverse crate's tape grows by a fixed number of nodes per step.
    let (_, _, nodes_short) = common::lotka_volterra_reverse(&tape, PARAMS, DT, 10);
    assert_eq!((nodes - 7) % STEPS, 0, "{nodes} nodes");
    assert_eq!((nodes - 7) / STEPS, (nodes_short - 7) / 10);
}
