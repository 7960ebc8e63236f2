use autodiff_runtime::differentiable;

#[differentiable]
fn f<'a>(x: f64, r: &'a f64) -> f64 {
    x * *r
}

fn main() {}
