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
