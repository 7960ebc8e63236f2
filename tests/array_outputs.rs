//! Functions that return arrays (`Vec<f64>`, `[f64; N]`, `Array1<f64>`): `jacobian_*` against
//! central differences, `vjp_*` and `jvp_*` against the Jacobian, and callers that receive the
//! array with a typed `let` and are differentiated through it; array literals `[a, b]` and
//! `vec![a, b]` of active values.

// `vec![a, b]` where an array would do: the literal form is what is tested.
#![allow(clippy::useless_vec)]

mod common;

use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{Array1, Array2};
use common::{check_many, splitmix_points};

/// Residuals of an exponential decay model, `p0 e^(-p1 t) + p2 - y`.
#[differentiable(wrt(p))]
pub fn residuals(p: &[f64], t: &[f64], y: &[f64]) -> Vec<f64> {
    let mut r = vec![0.0; t.len()];
    for i in 0..t.len() {
        r[i] = p[0] * (-p[1] * t[i]).exp() + p[2] - y[i];
    }
    r
}

/// A rotation of a 2-vector, written with an array literal.
#[differentiable]
pub fn rotate(a: f64, v: [f64; 2]) -> [f64; 2] {
    let (c, s) = (a.cos(), a.sin());
    [c * v[0] - s * v[1], s * v[0] + c * v[1]]
}

/// Whole-array operations returning an `Array1`.
#[differentiable]
pub fn scaled(x: &Array1<f64>, s: f64) -> Array1<f64> {
    x * s + x.mapv(f64::sin)
}

/// A caller: array-valued calls received with typed `let`s, literals as arguments.
#[differentiable]
pub fn caller(a: f64, x: f64, y: f64) -> f64 {
    let r: [f64; 2] = rotate(a, [x, y * 2.0]);
    let s: Vec<f64> = residuals(&vec![a, x, y], &[0.0, 1.0, 2.0], &[0.5, 0.25, 0.1]);
    r[0] * r[1] + s.iter().map(|v| v * v).sum::<f64>()
}

/// Central differences of a vector function: column j is ∂f/∂x_j.
fn fd_jacobian(f: &dyn Fn(&[f64]) -> Vec<f64>, x: &[f64]) -> Array2<f64> {
    let m = f(x).len();
    let mut j = Array2::zeros((m, x.len()));
    for c in 0..x.len() {
        let h = 1e-6 * x[c].abs().max(1.0);
        let (mut p, mut q) = (x.to_vec(), x.to_vec());
        p[c] += h;
        q[c] -= h;
        let (fp, fq) = (f(&p), f(&q));
        for r in 0..m {
            j[[r, c]] = (fp[r] - fq[r]) / (2.0 * h);
        }
    }
    j
}

fn close(name: &str, got: &Array2<f64>, want: &Array2<f64>) {
    assert_eq!(got.dim(), want.dim(), "{name}");
    for ((i, j), g) in got.indexed_iter() {
        let w = want[[i, j]];
        assert!(
            (g - w).abs() <= 1e-6 * w.abs().max(1.0),
            "{name}[{i}, {j}]: {g} vs {w}"
        );
    }
}

#[test]
fn jacobians_of_array_outputs() {
    let t = [0.0, 0.5, 1.0, 1.5, 2.0];
    let y = [1.0, 0.7, 0.5, 0.4, 0.35];
    for k in 0..20 {
        let p = splitmix_points(k, 3);
        let j = jacobian_residuals(&p, &t, &y);
        close("residuals", &j, &fd_jacobian(&|q| residuals(q, &t, &y), &p));
        let q = splitmix_points(50 + k, 3);
        let j = jacobian_rotate(q[0], [q[1], q[2]]);
        close(
            "rotate",
            &j,
            &fd_jacobian(&|q| rotate(q[0], [q[1], q[2]]).to_vec(), &q),
        );
        let x = Array1::from(q.clone());
        let j = jacobian_scaled(&x, p[0]);
        let f = |v: &[f64]| scaled(&Array1::from(v[..3].to_vec()), v[3]).to_vec();
        let mut at = q.clone();
        at.push(p[0]);
        close("scaled", &j, &fd_jacobian(&f, &at));
    }
}

#[test]
fn vjp_and_jvp_agree_with_the_jacobian() {
    for k in 0..20 {
        let q = splitmix_points(100 + k, 5);
        let j = jacobian_rotate(q[0], [q[1], q[2]]);
        // vjp: uᵀ J.
        let u = [q[3], q[4]];
        let (ga, gv) = vjp_rotate(q[0], [q[1], q[2]], u);
        let want = Array1::from(u.to_vec()).dot(&j);
        let got = [ga, gv[0], gv[1]];
        for (g, w) in got.iter().zip(want.iter()) {
            assert!(
                (g - w).abs() <= 1e-12 * w.abs().max(1.0),
                "{got:?} vs {want}"
            );
        }
        // jvp: J v, and the value itself.
        let v = [q[4], q[3], -q[2]];
        let (value, d) = jvp_rotate(q[0], [q[1], q[2]], v[0], &[v[1], v[2]]);
        assert_eq!(value, rotate(q[0], [q[1], q[2]]));
        let want = j.dot(&Array1::from(v.to_vec()));
        for (g, w) in d.iter().zip(want.iter()) {
            assert!((g - w).abs() <= 1e-12 * w.abs().max(1.0), "{d:?} vs {want}");
        }
    }
}

#[test]
fn callers_differentiate_through_array_valued_calls() {
    check_many("caller", 3, 1.0, 40, &|p| caller(p[0], p[1], p[2]), &|p| {
        let (v, (a, b, c)) = value_and_grad_caller(p[0], p[1], p[2]);
        (v, vec![a, b, c])
    });
    for p in common::points(6, 20, 1.0) {
        let (v, t) = jvp_caller(p[0], p[1], p[2], p[3], p[4], p[5]);
        let (a, b, c) = grad_caller(p[0], p[1], p[2]);
        assert_eq!(v.to_bits(), caller(p[0], p[1], p[2]).to_bits());
        let want = a * p[3] + b * p[4] + c * p[5];
        assert!(
            (t - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{t} vs {want}"
        );
    }
}

#[path = "../examples/least_squares.rs"]
#[allow(dead_code)]
mod least_squares;

#[test]
fn gauss_newton_with_the_generated_jacobian_recovers_the_parameters() {
    let t: Vec<f64> = (0..40).map(|i| i as f64 * 0.1).collect();
    let y: Vec<f64> = t.iter().map(|&ti| 2.0 * (-1.3 * ti).exp() + 0.5).collect();
    let (p, steps) = least_squares::fit([1.0, 0.5, 0.0], &t, &y, false);
    for (got, want) in p.iter().zip([2.0, 1.3, 0.5]) {
        assert!((got - want).abs() < 1e-9, "{p:?}");
    }
    assert!(steps < 20, "{steps} steps");
}
