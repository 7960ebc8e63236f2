#![allow(unused_imports)]
use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{Array1, ArrayView1};

// Roundings of arrays are supported (`x.floor()`); a predicate or an integer method of an
// array is refused with what arrays support.
#[differentiable]
fn f(x: ArrayView1<f64>) -> f64 {
    let a = x.floor().sum() + x.mapv(|e| e.floor() * e).sum();
    // (Valid Rust, so that only the macro's error is expected: rustc's own errors name ndarray's
    // types by paths that depend on which other crates are in the build.)
    let b = if x.is_nan().iter().any(|v| *v) { 1.0 } else { 0.0 };
    a + b
}

fn main() {}
