#![allow(unused_imports)]
use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{Array1, ArrayView1};

#[differentiable]
fn f(x: ArrayView1<f64>, n: usize) -> f64 {
    let mut y = &x * 1.0;
    for _ in 0..n {
        y = &y * 2.0;
    }
    y.sum()
}

fn main() {}
