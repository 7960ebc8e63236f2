#![allow(unused_imports)]
use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{Array1, ArrayView1};

// ndarray's elementwise methods (`x.sin()`, `x.powi(2)`) are supported; an f64 method that
// ndarray arrays do not have is refused with the closure to write.
#[differentiable]
fn f(x: ArrayView1<f64>, y: f64) -> f64 {
    x.sin().sum() + x.atan2(y).sum()
}

fn main() {}
