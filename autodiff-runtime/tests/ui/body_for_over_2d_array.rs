#![allow(unused_imports)]
use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{Array1, ArrayView1};

#[differentiable]
fn f(m: autodiff_runtime::ndarray::ArrayView2<f64>) -> f64 {
    let mut s = 0.0;
    for v in m.iter() {
        s += v;
    }
    s
}

fn main() {}
