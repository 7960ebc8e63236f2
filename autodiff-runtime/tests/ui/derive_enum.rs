use autodiff_runtime::Differentiable;

// A parameter struct holds its parameters in named fields; an enum is refused.
#[derive(Clone, Differentiable)]
enum Model {
    Linear { w: f64 },
    Constant(f64),
}

fn main() {}
