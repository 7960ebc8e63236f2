use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64, n: usize) -> f64 {
    let _r = 0..n;
    x * x
}

fn main() {}
