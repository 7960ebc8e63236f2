use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    fn _square(t: f64) -> f64 {
        t * t
    }
    x * 2.0
}

fn main() {}
