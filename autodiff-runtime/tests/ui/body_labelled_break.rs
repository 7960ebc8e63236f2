use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64, n: usize) -> f64 {
    let mut s = x;
    'outer: for i in 0..n {
        for j in 0..n {
            if i + j > 3 {
                break 'outer;
            }
            s = s * x;
        }
    }
    s
}

fn main() {}
