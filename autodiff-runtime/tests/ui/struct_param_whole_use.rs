use autodiff_runtime::{Differentiable, differentiable};

#[derive(Clone, Differentiable)]
pub struct Line {
    slope: f64,
    intercept: f64,
}

fn helper(line: &Line, x: f64) -> f64 {
    line.slope * x
}

// A differentiated struct is read field by field: passing it whole to a plain function would
// hide which fields are read. (Its methods are called through their differentiated form: see
// struct_param_method_not_differentiated.rs.)
#[differentiable(wrt(line))]
pub fn fit(line: &Line, x: f64) -> f64 {
    let copy = line;
    helper(line, x) + copy.intercept
}

fn main() {}
