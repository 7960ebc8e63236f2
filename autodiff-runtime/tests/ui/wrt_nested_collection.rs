use autodiff_runtime::differentiable;
#[differentiable(wrt(xs))]
pub fn f(xs: &[Vec<f64>]) -> f64 {
    xs[0][0]
}
fn main() {}
