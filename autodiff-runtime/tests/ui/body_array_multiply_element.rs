#![allow(unused_imports)]
use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{Array1, ArrayView1};

#[differentiable]
fn f(x: f64) -> f64 {
    let mut y: Array1<f64> = Array1::zeros(2);
    y[0] = x;
    y[1] %= x;
    y.sum()
}

fn main() {}
