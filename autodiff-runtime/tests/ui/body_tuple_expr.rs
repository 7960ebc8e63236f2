use autodiff_runtime::differentiable;

// Tuples bound to variables are taken apart (`let t = (x, y); t.0`); a field of a tuple that
// is not bound is not supported.
#[differentiable]
fn f(x: f64) -> f64 {
    let a = (x, x * x).1;
    a
}

fn main() {}
