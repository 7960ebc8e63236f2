use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let g = |t: f64| t * t;
    g(x)
}

fn main() {}
