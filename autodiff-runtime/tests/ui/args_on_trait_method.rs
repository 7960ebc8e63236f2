use autodiff_runtime::differentiable;

trait Model {
    #[differentiable]
    fn f(x: f64) -> f64;
}

fn main() {}
