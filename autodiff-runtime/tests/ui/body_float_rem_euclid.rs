use autodiff_runtime::differentiable;

// `rem_euclid` is a constant on integers, but not on floats (it was once a silent zero gradient).
#[differentiable]
fn f(x: f64, n: i64) -> f64 {
    let k = n.rem_euclid(3) as f64;
    x.rem_euclid(1.0) * k + (x * 2.0).div_euclid(1.5)
}

fn main() {}
