//! What the signature decides: the order of `wrt(...)` (the gradient comes in the order
//! written, like JAX's `argnums`; `pullback_*` keeps declaration order), and which parameters
//! are constants (`f32` among them).
#![allow(clippy::all)]

mod common;

use autodiff_runtime::differentiable;
use common::check;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * (1.0 + a.abs().max(b.abs()))
}

#[differentiable(wrt(y, x))]
pub fn yx(x: f64, y: f64) -> f64 {
    x * y.sin() + y
}

#[differentiable(wrt(w, b, x))]
pub fn mixed(x: f64, w: &[f64], n: usize, b: f64) -> f64 {
    let mut s = b * x;
    for i in 0..n {
        s += w[i] * x.powi(i as i32);
    }
    s * s
}

#[test]
fn gradient_in_the_order_wrt_names() {
    let (dy, dx): (f64, f64) = grad_yx(0.7, 1.3);
    assert!(close(dx, 1.3f64.sin()) && close(dy, 0.7 * 1.3f64.cos() + 1.0));
    let (v, (dy2, dx2)) = value_and_grad_yx(0.7, 1.3);
    assert_eq!((v, dy2, dx2), (yx(0.7, 1.3), dy, dx));
    // The pullback: every float parameter, in declaration order.
    let (px, py) = pullback_yx(0.7, 1.3, 2.0);
    assert_eq!((px, py), (2.0 * dx, 2.0 * dy));

    let w = [0.5, -1.0, 2.0];
    let (x, b) = (0.8, 0.3);
    let (gw, gb, gx): (Vec<f64>, f64, f64) = grad_mixed(x, &w, 3, b);
    let f = |p: &[f64]| mixed(p[0], &p[1..4], 3, p[4]);
    let mut flat = vec![gx];
    flat.extend(&gw);
    flat.push(gb);
    assert!(check("mixed", &f, &flat, &[x, w[0], w[1], w[2], b]));
    let (px, pw, _, pb) = pullback_mixed(x, &w, 3, b, 1.0);
    assert_eq!((px, pw, pb), (gx, gw, gb));
}

/// `f32` parameters (and `f32` arrays) are constants: no gradient, `()` in the pullback; what is
/// computed from them in `f32` is emitted as written.
#[differentiable]
pub fn with_f32(x: f64, s: f32, w: &[f32], y: f64) -> f64 {
    let k = s * 2.0;
    let mut acc = 0.0;
    for i in 0..w.len() {
        let wi = w[i];
        if wi.is_finite() && wi > 0.0 {
            acc += x * f64::from(wi.floor() + 0.5);
        }
    }
    if k > 1.0 && !s.is_nan() {
        acc * k as f64 + (x * y).sin() * f64::from(s)
    } else {
        acc - y
    }
}

#[differentiable(wrt(x))]
pub fn f32_caller(x: f64, s: f32, w: &[f32]) -> f64 {
    with_f32(x, s * 0.5, w, x) * x
}

#[test]
fn f32_parameters_are_constants() {
    let w = [1.5f32, -2.0, 3.25];
    for &(x, s, y) in &[(0.3, 0.7f32, 1.1), (1.2, 1.5, -0.4), (-0.8, 2.25, 0.9)] {
        let (v, (gx, gy)) = value_and_grad_with_f32(x, s, &w, y);
        assert_eq!(v, with_f32(x, s, &w, y));
        assert!(check(
            "with_f32",
            &|p| with_f32(p[0], s, &w, p[1]),
            &[gx, gy],
            &[x, y]
        ));
        let (px, (), (), py) = pullback_with_f32(x, s, &w, y, 1.0);
        assert_eq!((px, py), (gx, gy));
        let g = grad_f32_caller(x, s, &w);
        assert!(check(
            "f32_caller",
            &|p| f32_caller(p[0], s, &w),
            &[g],
            &[x]
        ));
    }
}
