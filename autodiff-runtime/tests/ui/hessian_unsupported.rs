use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::Array1;

// Two outputs: a Hessian is of one output.
#[differentiable(hessian)]
pub fn pair(x: f64, y: f64) -> (f64, f64) {
    (x * y, x + y)
}

// A whole-array operation has no forward rule yet, so no second derivatives.
#[differentiable(hessian)]
pub fn whole(w: &Array1<f64>) -> f64 {
    (w * 2.0).sum()
}

// A matrix parameter.
#[differentiable(hessian)]
pub fn matrix(m: &autodiff_runtime::ndarray::Array2<f64>) -> f64 {
    m[[0, 0]] * m[[1, 1]]
}

// Given twice.
#[differentiable(hessian, hessian)]
pub fn twice(x: f64) -> f64 {
    x * x
}

fn main() {}
