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
    let xs = autodiff_examples::grids::linspace(-2.0, 2.0, 101);
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

#[test]
fn sharpe_peers_agree_with_grad() {
    use autodiff_examples::portfolio::{sharpe_ratio, value_and_grad_sharpe_ratio};
    use autodiff_examples::reference;
    let returns = reference::returns().expect("reference data");
    let r = returns.view();
    let tape = reverse::Tape::new();
    for row in reference::sharpe()
        .expect("reference data")
        .iter()
        .step_by(37)
    {
        let theta = row.theta;
        let (s, g) = value_and_grad_sharpe_ratio(theta, r);
        let (rev_s, rev_g, nodes) = common::sharpe_reverse(&tape, theta, r);
        // θ and 1 + θ; per period 4 for r_t (θ b, + a, and a reciprocal and a product for the
        // division), 1 for the mean's sum, 4 for the variance's term and sum; then 3.
        assert_eq!(nodes, 9 * r.nrows() + 5, "{nodes} nodes");
        for (name, (sv, gv)) in [
            ("hand", common::sharpe_and_derivative_by_hand(theta, r)),
            ("num-dual", common::sharpe_num_dual(theta, r)),
            ("reverse", (rev_s, rev_g)),
        ] {
            // Where dS/dθ crosses zero, relative error means nothing: 1e-14 absolute there.
            assert!(
                approx::relative_eq!(sv, s, epsilon = 0.0, max_relative = 1e-13),
                "θ = {theta}: S {s} vs {name} {sv}"
            );
            assert!(
                approx::relative_eq!(gv, g, epsilon = 1e-14, max_relative = 1e-11),
                "θ = {theta}: dS/dθ {g} vs {name} {gv}"
            );
        }
        let fd = common::central(|t| sharpe_ratio(t, r), theta);
        assert!(
            approx::relative_eq!(fd, g, epsilon = 1e-9, max_relative = 1e-6),
            "θ = {theta}: dS/dθ {g} vs central {fd}"
        );
    }
}

#[test]
fn hand_written_sharpe_derivative_matches_the_reference_at_every_theta() {
    use autodiff_examples::reference;
    let returns = reference::returns().expect("reference data");
    for row in &reference::sharpe().expect("reference data") {
        let (s, ds) = common::sharpe_and_derivative_by_hand(row.theta, returns.view());
        assert!(approx::relative_eq!(
            s,
            row.s_numpy_f64,
            epsilon = 0.0,
            max_relative = 1e-12
        ));
        assert!(
            approx::relative_eq!(
                ds,
                row.ds_analytic_f64,
                epsilon = 1e-13,
                max_relative = 1e-12
            ),
            "θ = {}: {ds} vs {}",
            row.theta,
            row.ds_analytic_f64
        );
    }
}

#[test]
fn n_asset_sharpe_peers_agree_with_grad() {
    use autodiff_examples::portfolio::{
        sharpe_n, sharpe_n_gradient_by_hand, value_and_grad_sharpe_n,
    };
    let tape = reverse::Tape::new();
    for (n, seed) in [(1, 1), (2, 2), (3, 3), (10, 4), (37, 5)] {
        let returns = common::factor_returns(n, 200, seed);
        let r = returns.view();
        let w = common::n_asset_weights(n);
        let (s, g) = value_and_grad_sharpe_n(w.view(), r);
        let (dual_s, dual) = common::sharpe_n_num_dual(w.view(), r);
        let (rev_s, rev, nodes) = common::sharpe_n_reverse(&tape, w.view(), r);
        // w (n), Σw (n − 1); per period 2n − 1 for the row's dot product, 2 for the division
        // (a reciprocal and a product), 1 for the mean's sum and 4 for the variance's term and
        // sum; then 3 (the mean's and the variance's divisions by T are counted per period).
        assert_eq!(
            nodes,
            n + (n - 1) + 200 * (2 * n + 6) + 3,
            "n = {n}: {nodes} nodes"
        );
        assert!(approx::relative_eq!(
            dual_s,
            s,
            epsilon = 0.0,
            max_relative = 1e-13
        ));
        assert!(approx::relative_eq!(
            rev_s,
            s,
            epsilon = 0.0,
            max_relative = 1e-13
        ));
        let fd = common::central_n(|v| sharpe_n(v, r), w.view());
        // Relative to the largest component; at n = 1 the gradient is zero (S does not depend
        // on the one weight), so rounding is measured against S itself.
        let scale = g.iter().fold(s.abs() * 1e-3, |m, x| m.max(x.abs()));
        for (name, v, tol) in [
            ("hand", sharpe_n_gradient_by_hand(w.view(), r), 1e-10),
            (
                "hand by rows",
                common::sharpe_n_gradient_by_rows(w.view(), r),
                1e-10,
            ),
            (
                "hand in one pass",
                common::sharpe_n_gradient_one_pass(w.view(), r),
                1e-10,
            ),
            ("num-dual", dual, 1e-10),
            ("reverse", rev, 1e-10),
            ("central", fd, 1e-6),
        ] {
            for i in 0..n {
                assert!(
                    (g[i] - v[i]).abs() <= tol * scale,
                    "n = {n}, component {i}: {} vs {name} {}",
                    g[i],
                    v[i]
                );
            }
        }
        // The generic function at f64 is the same function up to the order of summation.
        let plain: Vec<f64> = w.to_vec();
        assert!(approx::relative_eq!(
            common::sharpe_n_dual(&plain, r),
            s,
            epsilon = 0.0,
            max_relative = 1e-13
        ));
    }
}

#[test]
fn adam_with_the_hand_written_derivative_reaches_the_optimum() {
    use autodiff_examples::portfolio::value_and_grad_sharpe_ratio;
    use autodiff_examples::reference;
    let returns = reference::returns().expect("reference data");
    let r = returns.view();
    let theta = common::adam_sharpe(|t| common::sharpe_and_derivative_by_hand(t, r));
    approx::assert_abs_diff_eq!(theta, reference::THETA_STAR, epsilon = 1e-9);
    let thetas = common::adam_trajectory(|t| value_and_grad_sharpe_ratio(t, r));
    assert_eq!(thetas.len(), common::ADAM_STEPS);
    assert_eq!(thetas[0], 0.0);
    // The trajectory's last θ is one step before the end, where the run has converged.
    approx::assert_abs_diff_eq!(
        thetas[thetas.len() - 1],
        reference::THETA_STAR,
        epsilon = 1e-6
    );
}
