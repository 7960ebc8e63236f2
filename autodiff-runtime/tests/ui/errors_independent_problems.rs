use autodiff_runtime::differentiable;

#[differentiable]
fn g(a: f64, b: f64) -> f64 {
    a * b
}

// Each refused sub-expression is reported, also when a sibling was refused first: both
// operands of one binary expression, every argument, an index, both sides of `&&`, the
// condition and the branches of an `if`, the range and the body of a loop; and a `let` whose
// value was refused does not make later uses of its name errors.
#[differentiable]
fn f(x: f64, y: f64, v: &[f64]) -> f64 {
    let a = x.fract() * y + y.copysign(x);
    let b = g(x.fract(), (x, y).0);
    let c = v[x.fract() as usize];
    let mut w = x.to_degrees() * y.fract();
    if x.fract() > 0.0 && y.copysign(x) > 0.0 {
        w += x.fract();
    } else {
        w -= y.copysign(x);
    }
    for _ in 0..(x.fract() as usize) {
        w = w * y.copysign(x);
    }
    let z = x.rem_euclid(y).fract();
    w += z;
    a + b + c + w + z
}

fn main() {}
