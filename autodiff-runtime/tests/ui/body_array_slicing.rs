#![allow(unused_imports)]
use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{Array1, ArrayView1, ArrayView2};

// Ranges index 1-D slices, Vecs and fixed arrays; an ndarray matrix is sliced with `s![..]`.
#[differentiable]
fn f(m: ArrayView2<f64>) -> f64 {
    let s = m[1..3][0];
    s
}

fn main() {}
