//! The post's Weierstrass function against the reference data (`data/weierstrass_f64.csv`),
//! within what float64 can promise for each n (see `data/REFERENCE.md`).

use autodiff_examples::reference;
use autodiff_examples::weierstrass::{
    A, B, grad_w_term, grad_weierstrass, value_and_grad_weierstrass, w_term, weierstrass,
    weierstrass_derivative_by_hand, weierstrass_with,
};
use std::f64::consts::PI;

/// `π Σ_{k<n} (ab)^k`: the scale of the derivative.
fn deriv_scale(n: u32) -> f64 {
    PI * (0..n).map(|k| (A * B).powi(k as i32)).sum::<f64>()
}

/// `Σ_{k<n} a^k`: the scale of the value.
fn value_scale(n: u32) -> f64 {
    (0..n).map(|k| A.powi(k as i32)).sum()
}

/// The accuracy float64 can reach against the exact derivative, relative to `deriv_scale`,
/// as measured for the reference (data/REFERENCE.md); `None` where float64 carries no
/// information. We allow twice that.
fn exact_deriv_tolerance(n: u32) -> Option<f64> {
    let t = match n {
        0..=2 => 1e-15,
        3..=5 => 2e-14,
        6..=10 => 6e-12,
        11..=20 => 3e-7,
        21..=30 => 1.5e-2,
        _ => return None,
    };
    Some(2.0 * t)
}

fn exact_value_tolerance(n: u32) -> f64 {
    2.0 * if n <= 20 { 1e-12 } else { 3e-10 }
}

#[test]
fn values_and_derivatives_match_the_reference() {
    let rows = reference::weierstrass().expect("reference data");
    assert_eq!(rows.len(), 1672);
    let mut worst_np = 0.0f64;
    for r in &rows {
        let n = r.n as usize;
        let (v, d) = value_and_grad_weierstrass(r.x, n, A, B);
        assert_eq!(
            v,
            weierstrass(r.x, n, A, B),
            "value_and_grad's value is the function's"
        );
        assert_eq!(d, grad_weierstrass(r.x, n, A, B));

        let (vs, ds) = (value_scale(r.n), deriv_scale(r.n));
        assert!(
            (v - r.value_exact).abs() <= exact_value_tolerance(r.n) * vs,
            "W_{n}({}) = {v}, exact {}",
            r.x,
            r.value_exact
        );
        if let Some(tol) = exact_deriv_tolerance(r.n) {
            assert!(
                (d - r.deriv_exact).abs() <= tol * ds,
                "W_{n}'({}) = {d}, exact {}, error {:e} of the scale",
                r.x,
                r.deriv_exact,
                (d - r.deriv_exact).abs() / ds
            );
        }
        // Against NumPy's float64 evaluation of the same formula: the same arithmetic up to
        // the order of three products per term (the reverse sweep of this loop runs in forward
        // order, as NumPy sums).
        if r.n <= 30 {
            let e = (d - r.deriv_np_f64).abs() / ds;
            worst_np = worst_np.max(e);
            assert!(
                e <= 1e-13,
                "W_{n}'({}) = {d}, NumPy {}, {e:e} of the scale",
                r.x,
                r.deriv_np_f64
            );
        }
    }
    // In practice the two agree to the last bit; the bound above allows for another libm.
    assert!(worst_np <= 1e-13);
}

#[test]
fn generated_gradient_equals_the_hand_written_derivative() {
    for i in 0..200 {
        let x = -2.0 + 4.0 * (i as f64 + 0.5) / 200.0;
        for n in [1, 5, 10, 20] {
            let g = grad_weierstrass(x, n, A, B);
            let h = weierstrass_derivative_by_hand(x, n, A, B);
            approx::assert_relative_eq!(
                g,
                h,
                epsilon = 1e-14 * deriv_scale(n as u32),
                max_relative = 1e-13
            );
        }
    }
}

#[test]
fn switching_summation_and_differentiation_gives_the_same_derivative() {
    for i in 0..100 {
        let x = -2.0 + 4.0 * (i as f64 + 0.25) / 100.0;
        for n in [1, 10, 30] {
            let summed = weierstrass_with(x, n, A, B, grad_w_term);
            let g = grad_weierstrass(x, n, A, B);
            approx::assert_relative_eq!(
                summed,
                g,
                epsilon = 1e-14 * deriv_scale(n as u32),
                max_relative = 1e-13
            );
            assert_eq!(
                weierstrass_with(x, n, A, B, w_term),
                weierstrass(x, n, A, B)
            );
        }
    }
}

#[test]
fn l1_norm_of_the_derivative_grows_like_ab_to_the_n() {
    // For large n float64 cannot give pointwise derivatives (the phase b^k π x is lost past
    // k = 34, and before that an ulp of x is amplified by b^k), but the L1 norm over the
    // post's grid is a stable summary. Our grid is `numpy.linspace`'s; the reference's JAX
    // grid differs from it in the last bit at some points, and an ulp of x moves the phase of
    // the last term by δ = b^(n-1) π |x| 2^-53, so the norm by about that, relatively. The
    // tolerance is 8δ (|x| ≤ 2), at least 1e-12, and at most 2% where the phases are lost and
    // the norm is a sum over 10 000 effectively random phases (fluctuation ~ 1/√10 000).
    // (On NumPy's grid, NumPy's float64 norms agree with ours to 1e-14 at n = 10, 15 and 50.)
    let norms = reference::norms().expect("reference data");
    let xs: Vec<f64> = autodiff_examples::grids::linspace(-2.0, 2.0, 10_000).to_vec();
    let mut ours = vec![];
    for row in &norms {
        let l1: f64 = autodiff_runtime::batch::map(&xs[..], |x: &f64| {
            grad_weierstrass(*x, row.n as usize, A, B).abs()
        })
        .iter()
        .sum();
        let ulp_phase = B.powi(row.n as i32 - 1) * PI * 2.0 * f64::EPSILON / 2.0;
        let tol = (8.0 * ulp_phase).clamp(1e-12, 0.02);
        approx::assert_relative_eq!(l1, row.l1_jax_f64, max_relative = tol);
        ours.push((row.n, l1));
    }
    // The growth: log-slope between n = 10 and 100 is log(ab), as the reference's float64 is
    // (0.4052) and unlike the post's float32 code (0.046, its 3**n wraps in int32).
    let l1 = |n: u32| ours.iter().find(|(m, _)| *m == n).map(|(_, v)| *v).unwrap();
    let slope = (l1(100).ln() - l1(10).ln()) / 90.0;
    approx::assert_relative_eq!(slope, (A * B).ln(), max_relative = 2e-3);
    let slope_ref = reference::norm_slopes().expect("reference data");
    let jax = slope_ref
        .iter()
        .find(|r| r.range == (10, 100))
        .map(|r| r.jax_f64)
        .unwrap();
    approx::assert_relative_eq!(slope, jax, max_relative = 1e-3);
}
