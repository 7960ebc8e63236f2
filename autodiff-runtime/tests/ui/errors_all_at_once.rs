use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64, y: f32) -> f64 {
    let z = x.fract();
    let (a, b) = (x, x);
    let _ = format!("{z}");
    match z > 0.0 {
        _ => x * a * b * y as f64,
    }
}

fn main() {}
