use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64, n: Option<usize>) -> f64 {
    let Some(k) = n else {
        return 0.0;
    };
    x * k as f64
}

fn main() {}
