//! `vjp_*` and `jacobian_*`: a helper with several outputs gets its Jacobian (rows = outputs,
//! columns = the elements of its active parameters), checked against central differences and
//! hand formulas; `vjp_*` is the pullback restricted to the active parameters.

mod common;

use autodiff_runtime::differentiable;

/// Polar to Cartesian: the Jacobian is [[cos θ, −r sin θ], [sin θ, r cos θ]].
#[differentiable]
pub fn to_cartesian(r: f64, theta: f64) -> (f64, f64) {
    (r * theta.cos(), r * theta.sin())
}

/// A residual vector of a fit (three residuals, parameters in a slice and a scalar), with data.
#[differentiable(wrt(p, s))]
pub fn residuals(p: &[f64], s: f64, t: &[f64], n: usize) -> (f64, f64, f64) {
    let mut out = vec![0.0; n];
    let r0 = p[0] * (p[1] * t[0]).exp() * s - 1.0;
    let r1 = p[0] * (p[1] * t[1]).exp() * s - 0.5;
    let r2 = p[0] * (p[1] * t[2]).exp() * s - 0.25;
    out[0] = r0;
    (out[0], r1, r2)
}

#[test]
fn polar_jacobian_matches_the_formula() {
    for (r, th) in [(1.0, 0.3), (2.5, -1.2), (0.5, 3.0)] {
        let j = jacobian_to_cartesian(r, th);
        assert_eq!(j.shape(), &[2, 2]);
        let want = [[th.cos(), -r * th.sin()], [th.sin(), r * th.cos()]];
        for a in 0..2 {
            for b in 0..2 {
                assert!((j[[a, b]] - want[a][b]).abs() < 1e-14, "{j}");
            }
        }
        // vjp: d_out · J.
        let (dr, dth) = vjp_to_cartesian(r, th, (0.5, -2.0));
        assert!((dr - (0.5 * want[0][0] - 2.0 * want[1][0])).abs() < 1e-14);
        assert!((dth - (0.5 * want[0][1] - 2.0 * want[1][1])).abs() < 1e-14);
    }
}

#[test]
fn residual_jacobian_against_central_differences() {
    let t = [0.0, 0.5, 1.0];
    let p = [1.3, -0.7];
    let s = 0.9;
    let j = jacobian_residuals(&p, s, &t, 3);
    // Columns: p[0], p[1], then s (the order of grad's tuple, `wrt(p, s)`).
    assert_eq!(j.shape(), &[3, 3]);
    let outs = |q: &[f64]| {
        let (a, b, c) = residuals(&q[..2], q[2], &t, 3);
        [a, b, c]
    };
    let x = [p[0], p[1], s];
    for col in 0..3 {
        let h = 1e-6;
        let (mut up, mut down) = (x, x);
        up[col] += h;
        down[col] -= h;
        let (fu, fd) = (outs(&up), outs(&down));
        for row in 0..3 {
            let want = (fu[row] - fd[row]) / (2.0 * h);
            assert!(
                (j[[row, col]] - want).abs() < 1e-7,
                "({row}, {col}): {} vs {want}",
                j[[row, col]]
            );
        }
    }
    let (gp, gs) = vjp_residuals(&p, s, &t, 3, (1.0, 0.0, 0.0));
    assert_eq!(gp, vec![j[[0, 0]], j[[0, 1]]]);
    assert_eq!(gs, j[[0, 2]]);
}

/// A scalar function gets `vjp_*` too: the gradient scaled by `d_out`.
#[differentiable]
pub fn energy(x: f64, y: f64) -> f64 {
    x * x * y + y.sin()
}

#[test]
fn scalar_vjp_is_the_scaled_gradient() {
    let (gx, gy) = grad_energy(0.4, 1.1);
    let (vx, vy) = vjp_energy(0.4, 1.1, 3.0);
    assert_eq!((vx, vy), (3.0 * gx, 3.0 * gy));
}

/// Parameters named like the generated functions' locals change nothing.
#[differentiable]
pub fn hostile(__adjoints: f64, __d_out: f64, __data: f64) -> (f64, f64) {
    (__adjoints * __d_out, __data.exp() + __adjoints)
}

#[test]
fn hostile_parameter_names() {
    let j = jacobian_hostile(2.0, 3.0, 0.5);
    let want = [[3.0, 2.0, 0.0], [1.0, 0.0, 0.5f64.exp()]];
    for r in 0..2 {
        for c in 0..3 {
            assert!((j[[r, c]] - want[r][c]).abs() < 1e-14, "{j}");
        }
    }
    assert_eq!(vjp_hostile(2.0, 3.0, 0.5, (1.0, 0.0)), (3.0, 2.0, 0.0));
}

/// A residual vector written into a local array: `jvp_*` is forward mode (the tangent array is
/// written beside `r`), so `jacobian_*` takes its 3 columns by 3 forward sweeps instead of 40
/// reverse ones.
#[differentiable(wrt(p))]
pub fn exp_fit_residual(p: &[f64], t: &[f64], y: &[f64]) -> Vec<f64> {
    let mut r = vec![0.0; t.len()];
    for i in 0..t.len() {
        r[i] = y[i] - p[0] * (p[1] * t[i]).exp() - p[2];
    }
    r
}

/// Many inputs, two outputs: `jacobian_*` takes its rows by reverse sweeps.
#[differentiable]
pub fn moments(x: &[f64]) -> [f64; 2] {
    let mut m = [0.0; 2];
    for v in x {
        m[0] += v;
        m[1] += v * v.sin();
    }
    m
}

#[test]
fn residual_jacobian_by_forward_columns() {
    let t: Vec<f64> = (0..40).map(|i| i as f64 * 0.05).collect();
    let y: Vec<f64> = t.iter().map(|v| 2.0 * (-0.7 * v).exp() + 0.3).collect();
    let zeros = vec![0.0; t.len()];
    for seed in 0..5 {
        let p: Vec<f64> = common::splitmix_points(900 + seed, 3);
        let j = jacobian_exp_fit_residual(&p, &t, &y);
        assert_eq!(j.dim(), (40, 3));
        for i in 0..40 {
            let e = (p[1] * t[i]).exp();
            let want = [-e, -p[0] * t[i] * e, -1.0];
            for k in 0..3 {
                assert!(
                    (j[[i, k]] - want[k]).abs() <= 1e-14 * want[k].abs().max(1.0),
                    "J[{i}, {k}] = {}, formula {}",
                    j[[i, k]],
                    want[k]
                );
            }
            // The same row from a reverse sweep.
            let mut unit = vec![0.0; 40];
            unit[i] = 1.0;
            let row = vjp_exp_fit_residual(&p, &t, &y, unit);
            for k in 0..3 {
                assert!((row[k] - j[[i, k]]).abs() <= 1e-14 * row[k].abs().max(1.0));
            }
        }
        // jvp_* is the Jacobian times the tangent, and its value is the function's.
        let v = [0.3, -1.1, 0.7];
        let (value, d) = jvp_exp_fit_residual(&p, &t, &y, &v, &zeros, &zeros);
        assert_eq!(value, exp_fit_residual(&p, &t, &y));
        for i in 0..40 {
            let want: f64 = (0..3).map(|k| j[[i, k]] * v[k]).sum();
            assert!((d[i] - want).abs() <= 1e-13 * want.abs().max(1.0));
        }
    }
}

#[test]
fn wide_jacobian_by_reverse_rows() {
    for seed in 0..5 {
        let x = common::splitmix_points(950 + seed, 10);
        let j = jacobian_moments(&x);
        assert_eq!(j.dim(), (2, 10));
        for k in 0..10 {
            assert_eq!(j[[0, k]], 1.0);
            let want = x[k].sin() + x[k] * x[k].cos();
            assert!((j[[1, k]] - want).abs() <= 1e-14, "{} vs {want}", j[[1, k]]);
        }
    }
}
