use autodiff_runtime::{Differentiable, differentiable};

#[derive(Clone, Differentiable)]
pub struct Line {
    slope: f64,
    intercept: f64,
}

fn helper(line: &Line, x: f64) -> f64 {
    line.slope * x
}

// A function the struct is passed to whole must differentiate its own struct parameter
// (`#[differentiable(wrt(line))]`); a plain function has no `helper__fields`.
#[differentiable(wrt(line))]
pub fn fit(line: &Line, x: f64) -> f64 {
    helper(line, x) + line.intercept
}

fn main() {}
