use autodiff_runtime::differentiable;

const WEIGHTS: [f64; 2] = [0.5, 1.5];

#[differentiable]
fn f(x: f64) -> f64 {
    x * WEIGHTS[1]
}

fn main() {}
