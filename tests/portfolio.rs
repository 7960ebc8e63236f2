//! The post's portfolio example against the reference data: the Sharpe ratio and its
//! derivative at 1000 θ, Adam's trajectory, the closed-form optimum; the N-asset gradient.

mod common;

use autodiff_examples::portfolio::*;
use autodiff_examples::reference;
use autodiff_examples::sample::MultivariateNormal;
use autodiff_examples::sample::rand::SeedableRng;
use autodiff_runtime::ndarray::{Array1, Array2};
use autodiff_runtime::optim::{Adam, Run};

#[test]
fn sharpe_and_its_derivative_match_the_reference_at_every_theta() {
    let returns = reference::returns().expect("reference data");
    let rows = reference::sharpe().expect("reference data");
    assert_eq!(rows.len(), 1000);
    for row in &rows {
        let (s, ds) = value_and_grad_sharpe_ratio(row.theta, returns.view());
        approx::assert_relative_eq!(s, row.s_jax_f64, max_relative = 1e-10);
        approx::assert_relative_eq!(ds, row.ds_jax_f64, max_relative = 1e-10);
        assert_eq!(s, sharpe_ratio(row.theta, returns.view()));
        let (sl, dsl) = value_and_grad_sharpe_ratio_loop(row.theta, returns.view());
        approx::assert_relative_eq!(sl, row.s_jax_f64, max_relative = 1e-10);
        approx::assert_relative_eq!(dsl, row.ds_analytic_f64, max_relative = 1e-10);
    }
}

#[test]
fn adam_reproduces_the_reference_trajectory_and_the_closed_form_optimum() {
    let returns = reference::returns().expect("reference data");
    let trajectory = reference::adam().expect("reference data");
    let mut adam = Adam::new(0.1);
    let trace = Run::new(1000)
        .record_every(100)
        .maximize(&mut adam, 0.0, |theta: &f64| {
            value_and_grad_sharpe_ratio(*theta, returns.view())
        })
        .expect("a valid run");
    assert_eq!(trace.history.len(), 11);
    for (step, theta) in &trace.history {
        let want = trajectory
            .iter()
            .find(|r| r.step as usize == *step)
            .map(|r| r.theta_f64_eager)
            .expect("a reference row every 100 steps");
        approx::assert_abs_diff_eq!(*theta, want, epsilon = 1e-12);
    }
    approx::assert_abs_diff_eq!(trace.params, 2.33390027269952, epsilon = 1e-9);
    approx::assert_abs_diff_eq!(trace.params, reference::THETA_STAR, epsilon = 1e-9);
    approx::assert_relative_eq!(
        sharpe_ratio(trace.params, returns.view()),
        reference::S_AT_THETA_STAR,
        max_relative = 1e-12
    );
}

/// Returns of `n` correlated assets over `t` periods, seeded.
fn random_returns(n: usize, t: usize, seed: u64) -> Array2<f64> {
    let mut rng = autodiff_examples::sample::rand::rngs::StdRng::seed_from_u64(seed);
    let mean = Array1::from_shape_fn(n, |i| 0.05 + 0.01 * (i % 7) as f64);
    let cov = Array2::from_shape_fn((n, n), |(i, j)| {
        if i == j {
            0.04 + 0.002 * (i % 5) as f64
        } else {
            0.01
        }
    });
    MultivariateNormal::new(mean, cov)
        .expect("positive definite")
        .sample_n(&mut rng, t)
}

/// Returns from a one-factor model, `r_ti = μ_i + β_i f_t + ε_ti`: correlated like real assets,
/// and cheap to draw for many assets (no Cholesky factor of an N×N covariance).
fn factor_returns(n: usize, t: usize, seed: u64) -> Array2<f64> {
    use autodiff_examples::sample::rand::RngExt;
    let mut rng = autodiff_examples::sample::rand::rngs::StdRng::seed_from_u64(seed);
    let normal = autodiff_examples::sample::rand_distr::StandardNormal;
    let f: Vec<f64> = (0..t).map(|_| rng.sample::<f64, _>(normal)).collect();
    Array2::from_shape_fn((t, n), |(ti, i)| {
        let eps: f64 = rng.sample(normal);
        0.05 + 0.001 * (i % 13) as f64 + (0.5 + 0.01 * (i % 7) as f64) * 0.1 * f[ti] + 0.2 * eps
    })
}

#[test]
fn n_asset_gradient_matches_finite_differences_and_the_hand_written_one() {
    for (n, seed) in [(1, 1), (2, 2), (3, 3), (10, 4)] {
        let returns = random_returns(n, 200, seed);
        let w = Array1::from_shape_fn(n, |i| 1.0 + 0.1 * i as f64);
        let g = grad_sharpe_n(w.view(), returns.view());
        assert_eq!(g.len(), n);
        let f = |v: &[f64]| sharpe_n(Array1::from(v.to_vec()).view(), returns.view());
        assert!(common::check(
            "sharpe_n",
            &f,
            g.as_slice().unwrap(),
            w.as_slice().unwrap()
        ));
        let h = sharpe_n_gradient_by_hand(w.view(), returns.view());
        for (a, b) in g.iter().zip(&h) {
            approx::assert_relative_eq!(*a, *b, epsilon = 1e-14, max_relative = 1e-10);
        }
    }
}

#[test]
fn n_asset_gradient_at_n_1000_along_random_directions() {
    // A full finite-difference gradient would take 2000 evaluations; a directional derivative
    // ⟨∇S, d⟩ against (S(w + hd) − S(w − hd)) / 2h checks every component at once.
    let n = 1000;
    let returns = factor_returns(n, 1000, 7);
    let w = Array1::from_shape_fn(n, |i| 1.0 + ((i * 37) % 11) as f64 * 0.05);
    let g = grad_sharpe_n(w.view(), returns.view());
    let h = sharpe_n_gradient_by_hand(w.view(), returns.view());
    for (a, b) in g.iter().zip(&h) {
        approx::assert_relative_eq!(*a, *b, epsilon = 1e-14, max_relative = 1e-9);
    }
    for k in 0..3u64 {
        let d = Array1::from_shape_fn(n, |i| {
            (((i as u64 * 2654435761 + k * 97) % 1000) as f64 / 500.0) - 1.0
        });
        let along = |t: f64| sharpe_n((&w + &(&d * t)).view(), returns.view());
        let fd = common::fd(&|v: &[f64]| along(v[0]), &[0.0], 0, 1e-3);
        approx::assert_relative_eq!(g.dot(&d), fd, epsilon = 1e-9, max_relative = 1e-6);
    }
}
