use autodiff_runtime::differentiable;

#[differentiable]
fn f(x: f64, n: usize) -> f64 {
    let mut s = x;
    #[checkpoint(every = 10)]
    while s < 100.0 {
        s = s * x + 1.0;
    }
    #[checkpoint(every = 10)]
    for _ in 0..n {
        s = s * x;
        if s > 1e6 {
            break;
        }
    }
    let mut y = vec![0.0; n];
    #[checkpoint(every = 10)]
    for i in 0..n {
        y[i] = s * x;
    }
    #[checkpoint(10)]
    for _ in 0..n {
        s = s.sin();
    }
    s + y[0]
}

fn main() {}
