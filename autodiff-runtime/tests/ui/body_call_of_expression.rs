use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    (|t: f64| t * t)(x)
}

fn main() {}
