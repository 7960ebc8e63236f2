use autodiff_runtime::differentiable;

struct Model {
    w: f64,
}

impl Model {
    // `&self` methods are differentiated (the receiver is a constant); `&mut self` is refused.
    #[differentiable]
    fn f(&mut self, x: f64) -> f64 {
        x * self.w
    }
}

fn main() {}
