use autodiff_runtime::ndarray::Array1;
use autodiff_runtime::{Differentiable, differentiable};

#[derive(Clone, Differentiable)]
pub struct Model {
    w: Array1<f64>,
    b: f64,
}

// What the body may contain is what it may contain with the fields as parameters: the error
// lands on the user's tokens, once.
#[differentiable(wrt(m))]
pub fn loss(m: &Model, x: &Array1<f64>) -> f64 {
    let s: f64 = m.w.iter().chain(x.iter()).sum();
    s * m.b
}

fn main() {
    let m = Model { w: Array1::zeros(2), b: 1.0 };
    let _: Model = grad_loss(&m, &Array1::zeros(2));
}
