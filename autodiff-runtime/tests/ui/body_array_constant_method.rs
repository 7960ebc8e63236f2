#![allow(unused_imports)]
use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{Array1, ArrayView1};

// Roundings of arrays are supported (`x.floor()`); a predicate or an integer method of an
// array is refused with what arrays support.
#[differentiable]
fn f(x: ArrayView1<f64>) -> f64 {
    let a = x.floor().sum() + x.mapv(|e| e.floor() * e).sum();
    let b = if x.is_nan() { 1.0 } else { 0.0 };
    a + b
}

fn main() {}
