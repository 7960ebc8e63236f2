use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: &[f64], y: &[f64]) -> f64 {
    let a = x.iter().chain(y.iter()).map(|v| v * v).sum::<f64>();
    let b: f64 = (0..x.len()).zip(y.iter()).map(|(i, v)| i as f64 * v).sum();
    let c = x.iter().map(|v| v * 2.0).max_by(|a, b| a.total_cmp(b)).unwrap();
    a + b + c
}

fn main() {}
