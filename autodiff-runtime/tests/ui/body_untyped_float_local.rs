use autodiff_runtime::differentiable;

// rustc cannot type `acc` (a method call on an untyped float literal): its error on the
// function, once, and none from the generated code.
#[differentiable]
fn f(x: f64) -> f64 {
    let mut acc = 0.0;
    if acc.is_nan() {
        acc = acc.floor();
    }
    x * acc
}

fn main() {}
