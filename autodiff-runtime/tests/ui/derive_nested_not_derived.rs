use autodiff_runtime::Differentiable;

#[derive(Clone)]
struct Settings {
    rate: f64,
}

// A field whose type is another struct is differentiated as a nested parameter struct, which
// must derive Differentiable itself (or be marked `#[constant]`).
#[derive(Clone, Differentiable)]
struct Model {
    w: f64,
    settings: Settings,
}

fn main() {}
