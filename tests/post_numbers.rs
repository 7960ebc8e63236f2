//! The post's numbers from the generated gradients, against the reference data.
//!
//! Weierstrass: only `n` up to 20 on the post's grid of 10 000 points, a few hundred thousand term
//! derivatives, well under a second unoptimised. (The examples cover n up to 100.) Portfolio: the
//! whole of `portfolio_part`, into a temporary directory.

use std::path::Path;

use autodiff_examples::post::{
    GRID_POINTS, derivative_l1_norm, derivative_l1_norm_switched, grid, log_slope, portfolio_part,
};
use autodiff_examples::reference::{self, NormRow, NormSlopeRow};
use autodiff_examples::weierstrass::{A, B};
use std::f64::consts::PI;

/// The unit roundoff of f64, 2⁻⁵³.
const U: f64 = f64::EPSILON / 2.0;

fn norm_row(n: usize) -> NormRow {
    reference::norms()
        .unwrap()
        .into_iter()
        .find(|r| r.n as usize == n)
        .unwrap_or_else(|| panic!("norms.csv has no row for n = {n}"))
}

fn slope_row(range: (u32, u32)) -> NormSlopeRow {
    reference::norm_slopes()
        .unwrap()
        .into_iter()
        .find(|r| r.range == range)
        .unwrap_or_else(|| panic!("norm_slopes.csv has no row for {range:?}"))
}

/// `π Σ_{k<n} (ab)^k`: the largest |W_n'| can be, and the scale its rounding errors are measured
/// against (data/REFERENCE.md).
fn derivative_scale(n: usize) -> f64 {
    PI * (0..n).map(|k| (A * B).powi(k as i32)).sum::<f64>()
}

#[test]
fn derivative_norms_match_jax_float64() {
    let xs = grid();
    let xs = xs.as_slice().unwrap();
    let points = GRID_POINTS as f64;
    for n in [1, 2, 5, 10] {
        let ours = derivative_l1_norm(xs, n);
        let jax = norm_row(n).l1_jax_f64;
        // Both sides round the same operations per term (3^k is exact, the argument is
        // (3^k π) x in both), so the points differ only by the last-ulp choices of sin and of the
        // order of the pullback's products: a few u per term, at most 4u · scale per point, which
        // is 4u · scale / mean|d| relative to the norm. The sums of 10 000 non-negative numbers,
        // ours in grid order and XLA's in its own, are each within (N - 1)u of the exact sum.
        let mean_abs = jax / points;
        let tolerance = 2.0 * (points - 1.0) * U + 4.0 * U * derivative_scale(n) / mean_abs;
        let relative = (ours - jax).abs() / jax;
        assert!(
            relative <= tolerance,
            "n = {n}: ours {ours:e}, JAX float64 {jax:e}: relative difference {relative:.1e} > {tolerance:.1e}"
        );
    }
}

#[test]
fn switched_order_gives_the_same_norms() {
    let xs = grid();
    let xs = xs.as_slice().unwrap();
    for n in [1, 2, 5, 10] {
        let ours = derivative_l1_norm(xs, n);
        let switched = derivative_l1_norm_switched(xs, n);
        // The same n term derivatives, added in another order (the reverse sweep accumulates from
        // the last term down): per point at most 2(n - 1)u · scale apart, about 2(n - 1)u · 4
        // relative to the norm, below 1e-14 for these n. 1e-12 leaves room; a missing or doubled
        // term would move the norm by a percent or more.
        let relative = (switched - ours).abs() / ours;
        assert!(
            relative <= 1e-12,
            "n = {n}: differentiating the sum {ours:e}, summing the derivatives {switched:e}"
        );
    }
}

#[test]
fn norm_grows_by_ab_per_term_from_10_to_20() {
    let xs = grid();
    let xs = xs.as_slice().unwrap();
    let slope = log_slope(
        (10, derivative_l1_norm(xs, 10)),
        (20, derivative_l1_norm(xs, 20)),
    );
    let reference = slope_row((10, 20));
    let log_ab = (A * B).ln();
    assert_eq!(reference.log_ab, log_ab);
    // data/REFERENCE.md: at n = 20 the float64 derivative is good to 3e-7 of its scale (about 4
    // times the grid's mean |W_20'|), so the norm to 1.2e-6 relative and the slope over 10 terms
    // to 1.2e-7 (n = 10 adds ~1e-11). The exact slope itself is 4.5e-6 below the limit log(ab).
    assert!(
        (slope - reference.exact_f64grid).abs() < 2e-7,
        "slope 10-20: ours {slope}, exact on the float64 grid {}",
        reference.exact_f64grid
    );
    assert!(
        (slope - log_ab).abs() < 1e-5,
        "slope 10-20: ours {slope}, log(ab) {log_ab}"
    );
}

#[test]
fn portfolio_part_finds_the_closed_form_optimum_and_writes_both_figures() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("post_numbers_portfolio");
    let _ = std::fs::remove_dir_all(&dir);
    let report = portfolio_part(&dir).expect("the portfolio part runs");
    assert!(
        (report.theta - reference::THETA_STAR).abs() < 1e-9,
        "Adam ended at {}, the closed form is {}",
        report.theta,
        reference::THETA_STAR
    );
    for name in ["cumulative_returns.png", "sharpe_curve.png"] {
        let path = dir.join(name);
        assert!(report.figures.contains(&path), "{name} not reported");
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            bytes.len() > 1000 && bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            "{}: not a PNG",
            path.display()
        );
    }
}

#[test]
fn the_recipe_drawn_with_our_sampler_is_optimised_to_a_stationary_point() {
    let r = autodiff_examples::post::recipe_part(7).expect("the recipe runs");
    // Sample moments of 1000 draws: within 5 standard errors of the recipe's.
    let se = |var: f64| (var / 1000.0).sqrt();
    assert!((r.means[0] - 0.1).abs() < 5.0 * se(0.17390735240615365));
    assert!((r.means[1] - 0.09).abs() < 5.0 * se(0.09140498447418667));
    assert_eq!(r.cov[1], r.cov[2]);
    assert!(r.theta.is_finite() && r.theta > 0.0);
    assert!(r.sharpe.is_finite());
}
