use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64, n: usize) -> f64 {
    let mut s = x;
    for (i, _) in (0..n).enumerate() {
        s = s * x * i as f64;
    }
    s
}

fn main() {}
