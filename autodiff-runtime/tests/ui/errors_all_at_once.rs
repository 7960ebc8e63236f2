use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64, y: f32) -> f64 {
    let z = x.fract();
    let a = x * "2".len() as f64;
    let _ = format!("{z}");
    let b = 'outer: loop {
        for _ in 0..2 {
            break 'outer 1.0;
        }
    };
    x * a * z * y as f64 * b
}

fn main() {}
