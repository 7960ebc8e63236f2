use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64, v: &[f64]) -> f64 {
    let mut s = 0.0;
    for t in v.iter() {
        s += t * x;
    }
    s
}

fn main() {}
