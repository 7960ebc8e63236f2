use autodiff_runtime::differentiable;

#[differentiable]
struct Point {
    x: f64,
}

fn main() {}
