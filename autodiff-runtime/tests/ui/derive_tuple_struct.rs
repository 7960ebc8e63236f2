use autodiff_runtime::Differentiable;

// The fields must have names (a gradient is the struct, field by field).
#[derive(Clone, Differentiable)]
struct Line(f64, f64);

fn main() {}
