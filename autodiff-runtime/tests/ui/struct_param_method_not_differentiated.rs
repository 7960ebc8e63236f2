use autodiff_runtime::{Differentiable, differentiable};

#[derive(Clone, Differentiable)]
pub struct Line {
    slope: f64,
    intercept: f64,
}

// A method called on a differentiated struct must itself be differentiated with respect to
// `self` (`#[differentiable(wrt(self, ..))]` in a `#[differentiable] impl`): this one is not,
// so the function it would be called through does not exist, and rustc says so on the call.
impl Line {
    fn value(&self, x: f64) -> f64 {
        self.slope * x + self.intercept
    }
}

#[differentiable(wrt(line))]
pub fn fit(line: &Line, x: f64) -> f64 {
    line.value(x) * x
}

fn main() {}
