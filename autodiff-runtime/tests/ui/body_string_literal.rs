use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let _s = "x";
    x
}

fn main() {}
