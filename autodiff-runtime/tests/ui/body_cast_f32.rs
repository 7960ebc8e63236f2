use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let _y = x as f32;
    x * 2.0
}

fn main() {}
