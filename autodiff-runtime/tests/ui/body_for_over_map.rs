use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64, n: usize) -> f64 {
    let mut s = x;
    for k in (0..n).map(|k| k * 2) {
        s = s * x * k as f64;
    }
    s
}

fn main() {}
