use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    match x {
        v if v > 0.0 => v,
        v => -v,
    }
}

fn main() {}
