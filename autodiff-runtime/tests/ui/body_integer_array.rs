use autodiff_runtime::differentiable;

#[differentiable(wrt(a))]
pub fn pick(a: &[f64], idx: &[usize]) -> f64 {
    a[idx[0]]
}

// A local array of indices, passed on: refused clearly (local arrays hold f64 values).
#[differentiable]
pub fn caller(a: &[f64]) -> f64 {
    let idx: Vec<usize> = vec![1; 1];
    let fixed = [0usize; 2];
    pick(a, &idx) + a[fixed[0]]
}

fn main() {}
