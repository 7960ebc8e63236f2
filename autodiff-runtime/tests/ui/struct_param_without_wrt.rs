use autodiff_runtime::{Differentiable, differentiable};

#[derive(Clone, Differentiable)]
pub struct Line {
    slope: f64,
    intercept: f64,
}

// A derived parameter struct is differentiated when `wrt` names it; without `wrt` it would be a
// constant and the gradient would silently leave it out, so this is refused.
#[differentiable]
pub fn fit(line: &Line, x: f64) -> f64 {
    line.slope * x + line.intercept
}

fn main() {}
