use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::ArrayView1;

#[differentiable]
fn f(x: ArrayView1<f64>, y: ArrayView1<f64>) -> f64 {
    (&x % &y).sum()
}

fn main() {}
