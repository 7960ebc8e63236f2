use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64, y: f32) -> f64 {
    let z = x.fract();
    let a = x * "2".len() as f64;
    let _ = format!("{z}");
    'outer: loop {
        break 'outer;
    }
    x * a * z * y as f64
}

fn main() {}
