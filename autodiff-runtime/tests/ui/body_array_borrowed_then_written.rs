#![allow(unused_imports)]
use autodiff_runtime::differentiable;

// A slice of a local array that a later write of the same block overwrites: the reverse sweep
// would undo the write while it still uses the slice.
#[differentiable]
fn f(x: &[f64]) -> f64 {
    let mut y = vec![0.0; 3];
    for k in 0..3 {
        let head = &y[..2];
        let s = head[0] + head[1];
        y[k] = s * x[k] + x[k];
    }
    y[2]
}

fn main() {}
