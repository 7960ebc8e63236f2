#![allow(unused_imports)]
use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{s, Array1, ArrayView1, ArrayView2, Axis, NewAxis};

// Misuses of the supported ndarray methods (rustc adds its own errors for the user's function), each reported on its own tokens with what to write.
#[differentiable]
fn f(x: ArrayView1<f64>, m: ArrayView2<f64>) -> f64 {
    let a = x.sum_axis(Axis(0)).sum();
    let b = m.sum_axis(0).sum();
    let c = m.slice(s![1, 2]).sum();
    let d = x.slice(s![NewAxis, ..]).sum();
    let e = x.fold(0.0, f64::max);
    let g = x.mapv(|u, w| u * w).sum();
    let h = x.map(f64::sin).sum();
    a + b + c + d + e + g + h
}

fn main() {}
