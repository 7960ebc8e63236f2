use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64, n: usize) -> f64 {
    // `break 'outer;` from the inner loop is supported; leaving a labelled loop used as a
    // value with a value from a nested loop is not.
    let mut s = x;
    let r = 'outer: loop {
        for j in 0..n {
            if j > 3 {
                break 'outer s;
            }
            s = s * x;
        }
    };
    r
}

fn main() {}
