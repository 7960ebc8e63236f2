use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let mut s = x;
    let y = loop {
        s = s * 0.5;
        if s < 1.0 {
            break s;
        }
    };
    y * x
}

fn main() {}
