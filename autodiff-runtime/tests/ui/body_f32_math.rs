use autodiff_runtime::differentiable;

// What is computed from an f32 parameter stays f32: the f64 math functions need a conversion.
#[differentiable]
fn f(x: f64, s: f32) -> f64 {
    let a = s.sqrt() as f64;
    let mut t = s;
    for _ in 0..3 {
        t = t * 0.5;
    }
    let b = f64::from(t.ln());
    let c = (s as f64).exp() + f64::from(s.floor()) + f64::from(t);
    x * (a + b + c)
}

fn main() {}
