use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64, v: &[f64]) -> f64 {
    x * v[0]
}

fn main() {}
