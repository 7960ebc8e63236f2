use autodiff_runtime::differentiable;

// Only the debugging macros (print, assert, dbg) and `vec![v; n]` are read.
#[differentiable]
fn f(x: f64) -> f64 {
    let _label = format!("{x}");
    if x > 1.0 {
        todo!()
    }
    x * x
}

fn main() {}
