use autodiff_runtime::differentiable;

// An array output beside the out-parameter.
#[differentiable]
pub fn both(x: f64, a: &mut [f64]) -> Vec<f64> {
    a[0] = x;
    vec![x]
}

// An out-parameter of another type.
#[differentiable]
pub fn rows(x: f64, m: &mut Vec<Vec<f64>>) {
    m[0][0] = x;
}

// An early return.
#[differentiable]
pub fn early(x: f64, a: &mut [f64]) {
    if x > 0.0 {
        return;
    }
    a[0] = x;
}

#[differentiable]
pub fn fill(x: f64, a: &mut [f64]) {
    a[0] = x;
}

#[differentiable]
pub fn set(x: f64, s: &mut f64) {
    *s = x;
}

// One element of a local passed by `&mut`.
#[differentiable]
pub fn caller(x: f64) -> f64 {
    let mut buf = vec![0.0; 4];
    set(x, &mut buf[1]);
    buf[0]
}

fn main() {}
