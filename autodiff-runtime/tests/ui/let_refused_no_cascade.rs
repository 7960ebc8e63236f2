use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: [f64; 4]) -> f64 {
    let [mut a, .., b] = x;
    a += 1.0;
    let s: f64 = [a, b].iter().sum();
    a * b + s
}

fn main() {}
