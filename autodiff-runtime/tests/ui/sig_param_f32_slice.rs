#![allow(unused_imports)]
use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{Array1, ArrayView1};

#[differentiable]
fn f(x: &[f32]) -> f64 {
    x.len() as f64
}

fn main() {}
