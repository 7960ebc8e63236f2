use autodiff_runtime::differentiable;

struct Model {
    w: f64,
}

impl Model {
    #[differentiable]
    fn f(&self, x: f64) -> f64 {
        x * self.w
    }
}

fn main() {}
