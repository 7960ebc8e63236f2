#![allow(unused_imports)]
use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{Array1, ArrayView1, ArrayView2, Axis};

// An array method outside the contract: the error lists what arrays support. Reported on the
// method at fault, also when an `.unwrap()` follows it.
#[differentiable]
fn f(x: ArrayView1<f64>, m: ArrayView2<f64>) -> f64 {
    let a = x.max().unwrap();
    let b = m.map_axis(Axis(0), |c| c.sum()).sum();
    let c = m.mean_axis(Axis(1));
    a + b + x.product()
}

fn main() {}
