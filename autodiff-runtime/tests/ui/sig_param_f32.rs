use autodiff_runtime::differentiable;

// f32 parameters (and f32 arrays) are constants: `wrt` may not name them.
#[differentiable(wrt(x, y))]
fn f(x: f64, y: f32) -> f64 {
    x * y as f64
}

#[differentiable(wrt(w))]
fn g(x: f64, w: &[f32]) -> f64 {
    x * w.len() as f64
}

fn main() {}
