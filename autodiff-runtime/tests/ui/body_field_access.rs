use autodiff_runtime::differentiable;

pub struct Params {
    pub scale: f64,
}

fn make(s: f64) -> Params {
    Params { scale: s }
}

// A field of a value computed in the body (here a call's result) is refused: only the fields of
// parameters that are not differentiated, and of constants, are read.
#[differentiable]
fn f(x: f64) -> f64 {
    x * make(x).scale
}

fn main() {}
