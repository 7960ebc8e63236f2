use autodiff_runtime::differentiable;

struct Pair {
    a: f64,
    b: f64,
}

#[differentiable]
fn f(x: f64) -> f64 {
    let _p = Pair { a: x, b: x };
    x * x
}

fn main() {}
