use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let mut s = x;
    while let true = s > 1.0 {
        s = s * 0.5;
    }
    s
}

fn main() {}
