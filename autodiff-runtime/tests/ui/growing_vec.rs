use autodiff_runtime::differentiable;

// A vector built by `push`: one error on `Vec::new()`, none on the `push` and reads that follow.
#[differentiable]
pub fn smoothness(x: &[f64], k: f64) -> f64 {
    let mut ys = Vec::new();
    for &v in x {
        ys.push((v * k).sin());
    }
    let mut s = 0.0;
    for i in 1..ys.len() {
        s += (ys[i] - ys[i - 1]).powi(2);
    }
    s
}

// `push` onto a vector made some other way.
#[differentiable]
pub fn grow(x: &[f64]) -> f64 {
    let mut ys = x.to_vec();
    ys.push(x[0] * 2.0);
    ys[0]
}

fn main() {}
