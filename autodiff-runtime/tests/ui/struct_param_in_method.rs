use autodiff_runtime::{Differentiable, differentiable};

#[derive(Clone, Differentiable)]
pub struct Line {
    slope: f64,
    intercept: f64,
}

pub struct Fitter {
    weight: f64,
}

impl Fitter {
    // Struct parameters are differentiated in free functions only, for now.
    #[differentiable(wrt(line))]
    pub fn fit(&self, line: &Line, x: f64) -> f64 {
        self.weight * (line.slope * x + line.intercept)
    }
}

fn main() {}
