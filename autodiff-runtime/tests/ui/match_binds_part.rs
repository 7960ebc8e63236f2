use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64, v: &[f64]) -> f64 {
    match v {
        [a, ..] => x * a,
        [] => x,
    }
}

fn main() {}
