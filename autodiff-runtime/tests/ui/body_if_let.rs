use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    if let true = x > 0.0 { x } else { -x }
}

fn main() {}
