use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let _t = (x, x * x);
    x
}

fn main() {}
