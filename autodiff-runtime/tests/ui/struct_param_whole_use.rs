use autodiff_runtime::{Differentiable, differentiable};

#[derive(Clone, Differentiable)]
pub struct Line {
    slope: f64,
    intercept: f64,
}

fn helper(line: &Line, x: f64) -> f64 {
    line.slope * x
}

// A differentiated struct is read field by field: passing it whole, or calling its methods,
// would hide which fields are read.
#[differentiable(wrt(line))]
pub fn fit(line: &Line, x: f64) -> f64 {
    let copy = line;
    helper(line, x) + line.value(x) + copy.intercept
}

impl Line {
    fn value(&self, x: f64) -> f64 {
        self.slope * x + self.intercept
    }
}

fn main() {}
