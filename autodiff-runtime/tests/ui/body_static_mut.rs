use autodiff_runtime::differentiable;

static mut SCALE: f64 = 2.0;

#[differentiable]
fn f(x: f64) -> f64 {
    x * unsafe { SCALE }
}

fn main() {}
