use autodiff_runtime::differentiable;

// A debugging macro only reads: its arguments may not assign, borrow mutably or jump out of
// it (a `return` inside a closure is the closure's own).
#[differentiable]
fn f(x: f64, n: usize) -> f64 {
    let mut s = x;
    for i in 0..n {
        println!("{}", { s += 1.0; s });
        assert!(i < n, "{:?}", &mut s);
        eprintln!("{}", if i > 2 { break } else { i });
        s = s * x;
    }
    let v = vec![1.0; n];
    println!("{}", v.iter().map(|t| { if *t > 0.0 { return 1.0 } t * 2.0 }).sum::<f64>());
    s
}

fn main() {}
