use autodiff_runtime::differentiable;

#[differentiable]
pub fn two(x: &[f64]) -> f64 {
    x[0] * x[1]
}

// A call's result is an f64 (calls go to #[differentiable] functions); indexing it is refused
// on the indexed value, not left to rustc inside generated code.
#[differentiable]
pub fn nested(x: &[f64]) -> f64 {
    let g = grad_two(x);
    g[0] * x[1]
}

fn main() {}
