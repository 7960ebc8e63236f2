use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: [f64; 3]) -> f64 {
    x[0] * x[1]
}

fn main() {}
