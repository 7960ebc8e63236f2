use autodiff_runtime::differentiable;

pub struct Line {
    slope: f64,
    intercept: f64,
}

// `wrt` names a struct that does not derive Differentiable.
#[differentiable(wrt(line))]
pub fn fit(line: &Line, x: f64) -> f64 {
    line.slope * x + line.intercept
}

fn main() {}
