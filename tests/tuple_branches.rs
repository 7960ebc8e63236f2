//! Tuples chosen by branches: `let (a, b) = if .. { (..) } else { (..) }`, the same with `match`
//! and blocks, `(a, b) = if ..` in a loop, tuple-returning calls in a branch, and branches that
//! return early. Gradients against central differences at many points, values bit for bit.

mod common;

use autodiff_runtime::differentiable;
use common::check_many;

#[differentiable]
pub fn step(x: f64, y: f64) -> (f64, f64) {
    (x * y, x + y)
}

#[differentiable]
pub fn chosen(x: f64, y: f64, k: i32) -> f64 {
    let (a, b) = if x > y {
        (x, y * 2.0)
    } else if k > 2 {
        step(x, y)
    } else {
        (y.sin(), x)
    };
    let (mut p, mut q) = match k {
        0 => (a, b),
        1 => {
            let t = a * b;
            (t, t + 1.0)
        }
        _ => (b, a),
    };
    for _ in 0..3 {
        (p, q) = if p > q { (q, p * 0.5) } else { (p + q, q) };
    }
    let (u, v) = {
        let w = p * q;
        (w.exp(), w)
    };
    u + v * a
}

/// A branch that returns instead of giving the tuple, inside a loop with `break`.
#[differentiable]
pub fn exits(x: f64, y: f64) -> f64 {
    let (mut s, mut t) = (x, y);
    for i in 0..4 {
        let (a, b) = if s > 3.0 {
            return s * t;
        } else if t < -2.0 {
            break;
        } else {
            (s * 1.5 + t, t - 0.25 * i as f64)
        };
        (s, t) = (a, b.cos() + a * 0.1);
    }
    let (lo, hi): (f64, f64) = if s < t { (s, t) } else { (t, s) };
    hi - lo * lo
}

/// The tuples hold an array reference and a number.
#[differentiable]
pub fn with_arrays(x: &[f64], c: f64) -> f64 {
    let (v, w) = if c > 0.0 { (x, c) } else { (x, -c) };
    let mut s = 0.0;
    for e in v.iter() {
        s += e * w;
    }
    s
}

#[test]
fn tuples_chosen_by_branches() {
    for k in 0..4 {
        check_many("chosen", 2, 1.0, 40, &|p| chosen(p[0], p[1], k), &|p| {
            let (v, (gx, gy)) = value_and_grad_chosen(p[0], p[1], k);
            (v, vec![gx, gy])
        });
    }
}

#[test]
fn tuples_with_early_exits() {
    check_many("exits", 2, 3.0, 60, &|p| exits(p[0], p[1]), &|p| {
        let (v, (gx, gy)) = value_and_grad_exits(p[0], p[1]);
        (v, vec![gx, gy])
    });
}

#[test]
fn tuples_with_array_parts() {
    check_many(
        "with_arrays",
        4,
        1.0,
        30,
        &|p| with_arrays(&p[..3], p[3]),
        &|p| {
            let (v, (gx, gc)) = value_and_grad_with_arrays(&p[..3], p[3]);
            let mut g = gx;
            g.push(gc);
            (v, g)
        },
    );
}
