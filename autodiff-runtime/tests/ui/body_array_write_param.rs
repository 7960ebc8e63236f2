#![allow(unused_imports)]
use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{Array1, ArrayView1};

#[differentiable]
fn f(x: ArrayView1<f64>, s: f64) -> f64 {
    let mut z = x;
    z[0] = s;
    z.sum()
}

fn main() {}
