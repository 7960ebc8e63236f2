use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let mut s = x;
    for _ in 0.. {
        s = s * x;
        if s > 10.0 {
            break;
        }
    }
    s
}

fn main() {}
