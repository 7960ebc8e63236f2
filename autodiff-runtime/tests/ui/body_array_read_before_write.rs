#![allow(unused_imports)]
use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{Array1, ArrayView1};

#[differentiable]
fn f(x: f64, n: usize) -> f64 {
    let mut y = Array1::zeros(n);
    for i in 1..n {
        if i % 2 == 0 {
            y[i] = y[i - 1] * x + 1.0;
        } else {
            y[i] = x;
        }
    }
    y.sum()
}

fn main() {}
