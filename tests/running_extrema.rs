//! Running maxima and minima (`m = m.max(v)`, `fold(f64::NEG_INFINITY, f64::max)`): the reverse
//! sweep of such a loop runs forward without a tape and gives the adjoint to the element that
//! won last. Checked against forward mode (`jvp_*`, which follows the same tie rule step by
//! step) on ties, NaN and empty inputs, and against central differences where smooth.

mod common;

use autodiff_runtime::differentiable;
use common::{check, splitmix_points};

/// A running max of shifted values with an active initial value, then a sum that reads it.
#[differentiable]
fn shifted_max(x: &[f64], start: f64) -> f64 {
    let mut m = start;
    for v in x {
        m = m.max(v * v - 1.0);
    }
    let mut s = 0.0;
    for v in x {
        s += (v - m).exp();
    }
    m + s.ln()
}

/// A running min through `fold`, and a running max of the same elements, both used.
#[differentiable]
fn range_of(x: &[f64]) -> f64 {
    let lo = x.iter().fold(f64::INFINITY, |a, &b| a.min(b));
    let hi = x.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    (hi - lo) * x[0]
}

/// The element on the left (`v.max(m)`: ties switch to the element), which is recorded as
/// before: the last winner is not known until the end.
#[differentiable]
fn max_element_first(x: &[f64], start: f64) -> f64 {
    let mut m = start;
    for &v in x {
        m = v.max(m);
    }
    m * start
}

/// Inside an outer loop: a running max per row.
#[differentiable]
fn sum_of_row_maxima(x: &[f64], rows: usize) -> f64 {
    let cols = x.len() / rows;
    let mut total = 0.0;
    for r in 0..rows {
        let mut m = x[r * cols];
        for c in 0..cols {
            m = m.max(x[r * cols + c].sin());
        }
        total += m * m;
    }
    total
}

/// The gradient by forward mode, one tangent per input (for `f(x, start)`).
fn by_jvp(x: &[f64], start: f64, jvp: impl Fn(&[f64], f64, &[f64], f64) -> f64) -> (Vec<f64>, f64) {
    let mut gx = vec![];
    for i in 0..x.len() {
        let mut t = vec![0.0; x.len()];
        t[i] = 1.0;
        gx.push(jvp(x, start, &t, 0.0));
    }
    (gx, jvp(x, start, &vec![0.0; x.len()], 1.0))
}

fn same(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-12 * a.abs().max(1.0)
}

#[test]
fn running_max_with_active_start() {
    let cases: Vec<(Vec<f64>, f64)> = vec![
        (vec![0.3, -1.2, 0.8, 0.1], -5.0),
        (vec![0.3, -1.2, 0.8, 0.1], 5.0), // the start wins: no element takes the adjoint
        (vec![1.0, -1.0, 0.5], -0.5),     // a tie between 1² − 1 and (−1)² − 1: the first
        (vec![1.0, -1.0, 0.5], 0.0),      // the start ties with the winners: the start
    ];
    for (x, start) in cases {
        let (gx, gs) = grad_shifted_max(&x, start);
        let (jx, js) = by_jvp(&x, start, |x, s, dx, ds| jvp_shifted_max(x, s, dx, ds).1);
        for (a, b) in gx.iter().zip(&jx) {
            assert!(same(*a, *b), "x={x:?} start={start}: {gx:?} vs jvp {jx:?}");
        }
        assert!(
            same(gs, js),
            "x={x:?} start={start}: d/dstart {gs} vs jvp {js}"
        );
    }
    let mut used = 0;
    for seed in 0..20 {
        let x = splitmix_points(seed, 6);
        let start = -0.5;
        let (gx, gs) = grad_shifted_max(&x, start);
        let mut g = gx.clone();
        g.push(gs);
        let mut at = x.clone();
        at.push(start);
        used += check("shifted_max", &|v| shifted_max(&v[..6], v[6]), &g, &at) as usize;
    }
    assert!(used >= 10, "only {used} of 20 points smooth");
}

#[test]
fn fold_min_and_max() {
    // Points where two elements are closer than the stencil are not usable; most are.
    let mut used = 0;
    for seed in 0..20 {
        let x = splitmix_points(50 + seed, 7);
        let g = grad_range_of(&x);
        used += check("range_of", &|v| range_of(v), &g, &x) as usize;
    }
    assert!(used >= 10, "only {used} of 20 points smooth");
    // Ties: the first of equal extremes takes the adjoint, as forward mode says.
    let x = [0.5, 2.0, -1.0, 2.0, -1.0];
    let g = grad_range_of(&x);
    for (i, gi) in g.iter().enumerate() {
        let mut t = [0.0; 5];
        t[i] = 1.0;
        let (_, d) = jvp_range_of(&x, &t);
        assert!(same(*gi, d), "{i}: {g:?} vs jvp {d}");
    }
}

#[test]
fn element_first_max_switches_on_ties() {
    let x = [1.0, 3.0, 3.0, 2.0];
    let (gx, gs) = grad_max_element_first(&x, 3.0);
    let (jx, js) = by_jvp(&x, 3.0, |x, s, dx, ds| {
        jvp_max_element_first(x, s, dx, ds).1
    });
    assert_eq!((gx.clone(), gs), (jx, js));
    // The last of the tied elements takes it (ties switch to the element).
    assert_eq!(gx, vec![0.0, 0.0, 3.0, 0.0]);
}

#[test]
fn row_maxima_inside_an_outer_loop() {
    let mut used = 0;
    for seed in 0..10 {
        let x = splitmix_points(90 + seed, 12);
        let g = grad_sum_of_row_maxima(&x, 3);
        used += check("sum_of_row_maxima", &|v| sum_of_row_maxima(v, 3), &g, &x) as usize;
        for i in 0..12 {
            let mut t = vec![0.0; 12];
            t[i] = 1.0;
            let (_, d) = jvp_sum_of_row_maxima(&x, 3, &t, ());
            assert!(same(g[i], d), "{i}: {g:?} vs jvp {d}");
        }
    }
    assert!(used >= 5, "only {used} of 10 points smooth");
}

/// With no element, the start is the maximum and takes the whole adjoint.
#[differentiable]
fn plain_max(x: &[f64], start: f64) -> f64 {
    let mut m = start;
    for &v in x {
        m = m.max(v);
    }
    3.0 * m
}

#[test]
fn empty_input_gives_the_start_the_adjoint() {
    assert_eq!(grad_plain_max(&[], 0.7), (vec![], 3.0));
    assert_eq!(grad_plain_max(&[0.1, 0.9], 0.7), (vec![0.0, 3.0], 0.0));
    assert_eq!(grad_plain_max(&[0.1, 0.7], 0.7), (vec![0.0, 0.0], 3.0));
}

#[test]
fn nan_elements_and_start() {
    let nan = f64::NAN;
    for (x, start) in [
        (vec![nan, 0.2], nan),       // NaN start, then a number wins
        (vec![nan, nan], nan),       // all NaN: each wins, the last keeps it
        (vec![0.2, nan, 0.9], -3.0), // a NaN element never wins
        (vec![nan], 0.5),
    ] {
        let (gx, gs) = grad_plain_max(&x, start);
        let (jx, js) = by_jvp(&x, start, |x, s, dx, ds| jvp_plain_max(x, s, dx, ds).1);
        for (a, b) in gx.iter().zip(&jx) {
            assert!(same(*a, *b), "x={x:?} start={start}: {gx:?} vs jvp {jx:?}");
        }
        assert!(
            same(gs, js),
            "x={x:?} start={start}: d/dstart {gs} vs jvp {js}"
        );
    }
}

/// GradBench's k-means objective as a user writes it: each point's squared distance to its
/// nearest centroid, a running `min` inside the loop over points (replayed, not recorded), with
/// the Hessian GradBench's Newton step divides by.
#[differentiable(hessian, wrt(centroids))]
fn kmeans_cost(centroids: &[f64], points: &[f64], k: usize, d: usize) -> f64 {
    let n = points.len() / d;
    let mut cost = 0.0;
    for i in 0..n {
        let mut best = f64::INFINITY;
        for j in 0..k {
            let mut dist = 0.0;
            for l in 0..d {
                dist += (points[i * d + l] - centroids[j * d + l]).powi(2);
            }
            best = best.min(dist);
        }
        cost += best;
    }
    cost
}

#[test]
fn kmeans_gradient_and_hessian_by_formula() {
    let (k, d, n) = (3, 2, 10);
    let points: Vec<f64> = (0..n * d).map(|i| (i as f64 * 1.7).sin()).collect();
    let centroids: Vec<f64> = (0..k * d).map(|i| (i as f64 * 0.9).cos() * 0.5).collect();
    // By hand: each centroid's gradient is 2 Σ (c − p) over its points, its Hessian block
    // 2·count·I.
    let mut want = vec![0.0; k * d];
    let mut count = vec![0.0; k];
    for i in 0..n {
        let dist = |j: usize| -> f64 {
            (0..d)
                .map(|l| (points[i * d + l] - centroids[j * d + l]).powi(2))
                .sum()
        };
        let nearest = (0..k).fold(0, |b, j| if dist(j) < dist(b) { j } else { b });
        count[nearest] += 1.0;
        for l in 0..d {
            want[nearest * d + l] += 2.0 * (centroids[nearest * d + l] - points[i * d + l]);
        }
    }
    let g = grad_kmeans_cost(&centroids, &points, k, d);
    for (a, b) in g.iter().zip(&want) {
        assert!((a - b).abs() <= 1e-12, "{g:?} vs {want:?}");
    }
    let h = hessian_kmeans_cost(&centroids, &points, k, d);
    for r in 0..k * d {
        for c in 0..k * d {
            let want = if r == c { 2.0 * count[r / d] } else { 0.0 };
            assert_eq!(h[[r, c]], want, "H[{r}, {c}]");
        }
    }
    assert!(check(
        "kmeans",
        &|c| kmeans_cost(c, &points, k, d),
        &g,
        &centroids
    ));
}
