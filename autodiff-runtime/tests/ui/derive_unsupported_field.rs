use autodiff_runtime::Differentiable;
use autodiff_runtime::ndarray::Array1;

#[derive(Clone, Differentiable)]
struct Layer {
    w: Array1<f64>,
}

// A field of another type needs `#[constant]` (a nested parameter struct that derives, like
// `inner`, is fine). Each is reported at once.
#[derive(Clone, Differentiable)]
struct Model {
    w: Array1<f64>,
    steps: usize,
    inner: Layer,
    table: Vec<usize>,
    #[constant]
    name: String,
}

fn main() {}
