use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let _v: Vec<f64> = vec![];
    x * x
}

fn main() {}
