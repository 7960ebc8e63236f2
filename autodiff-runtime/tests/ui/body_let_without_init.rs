use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let y: f64;
    y = x * x;
    y
}

fn main() {}
