#![allow(unused_imports)]
use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{Array1, ArrayView1};

#[differentiable]
fn f(x: &[f64]) -> f64 {
    let s = x[1..3][0];
    s
}

fn main() {}
