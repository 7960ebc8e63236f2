use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: &[f64]) -> f64 {
    let y = x.iter().map(|v| v * 2.0).collect::<std::collections::VecDeque<f64>>();
    let mut s = 0.0;
    for k in 0..3 {
        let z: Vec<f64> = x.iter().map(|v| v * s).collect();
        s += z[k];
    }
    s + y[0]
}

fn main() {}
