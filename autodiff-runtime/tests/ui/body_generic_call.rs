use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    std::convert::identity::<f64>(x)
}

fn main() {}
