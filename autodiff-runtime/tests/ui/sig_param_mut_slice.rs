#![allow(unused_imports)]
use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{Array1, ArrayView1};

#[differentiable]
fn f(x: &mut [f64]) -> f64 {
    x[0]
}

fn main() {}
