#![allow(unused_imports)]
use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{Array1, ArrayView1};

// A `mapv` closure reads f64 values of the function, not arrays.
#[differentiable]
fn f(x: ArrayView1<f64>) -> f64 {
    x.mapv(|v| v * x[0]).sum()
}

fn main() {}
