use autodiff_runtime::Differentiable;
use autodiff_runtime::ndarray::Array1;

#[derive(Clone, Differentiable)]
struct Layer {
    w: Array1<f64>,
}

// A field of another type needs `#[constant]`; a nested parameter struct is not supported yet.
// Both are reported at once.
#[derive(Clone, Differentiable)]
struct Model {
    w: Array1<f64>,
    steps: usize,
    inner: Layer,
    #[constant]
    name: String,
}

fn main() {}
