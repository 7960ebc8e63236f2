use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64, c: bool) -> f64 {
    let y = if c { return 1.0 } else { 2.0 };
    x * y
}

fn main() {}
