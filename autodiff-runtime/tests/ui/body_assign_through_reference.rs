use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64, r: &mut f64) -> f64 {
    *r = x;
    x
}

fn main() {}
