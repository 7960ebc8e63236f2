#![allow(unused_imports)]
use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{Array1, ArrayView1};

#[differentiable]
fn f(x: ArrayView1<f64>) -> f64 {
    x.sin().sum()
}

fn main() {}
