use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    x.fract() * x
}

// The function itself, and its companions with their signatures, are still emitted: nothing
// below is reported, neither the plain calls nor the call from another #[differentiable]
// function (which goes through `pullback_f`).
fn uses_it() -> f64 {
    let (v, g) = value_and_grad_f(1.0);
    f(2.0) + grad_f(3.0) + v + g
}

#[differentiable]
fn calls_it(x: f64) -> f64 {
    f(x) * 2.0
}

fn main() {}
