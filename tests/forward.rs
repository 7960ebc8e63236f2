//! Forward mode: `jvp_f(args.., tangents..)` gives the value and the derivative along the
//! tangents. Checked against the gradient (`jvp = ∇f · v`, the transpose identity) and against
//! central differences of `t ↦ f(x + t v)`, through loops, branches, early exits, calls,
//! tuples, iterator chains and custom rules; functions with whole-array operations get the
//! same from one reverse sweep.

use autodiff_runtime::ndarray::{Array1, arr1};
use autodiff_runtime::{custom_derivative, differentiable};

#[differentiable]
pub fn inner(x: f64, y: f64) -> f64 {
    (x * y).sin() + x / (1.0 + y * y)
}

#[differentiable]
pub fn pair(a: f64, b: f64) -> (f64, f64) {
    (a * b.cos(), a - b.exp())
}

#[custom_derivative(pullback = softplus_pullback)]
pub fn softplus(x: f64) -> f64 {
    x.exp().ln_1p()
}

pub fn softplus_pullback(x: f64, d_out: f64) -> (f64,) {
    (d_out / (1.0 + (-x).exp()),)
}

/// Loops with early exit, branches on active values, calls, a tuple helper, a custom rule,
/// an iterator chain over a slice, a match.
#[differentiable]
pub fn program(x: f64, y: f64, v: &[f64], n: usize, mode: u8) -> f64 {
    let mut s = 0.0;
    let mut k = 0;
    while k < n {
        if s > 2.0 {
            break;
        }
        s += inner(x, y) * v[k % v.len()];
        k += 1;
    }
    let (p, q) = pair(s, y);
    let t: f64 = v.iter().zip(v.iter().skip(1)).map(|(a, b)| a * b * x).sum();
    let w = match mode {
        0 => softplus(p),
        _ => q * q,
    };
    if w > 0.5 { w + t } else { w * t - y }
}

/// Whole-array operations: `jvp` from the gradient.
#[differentiable]
pub fn arrays(m: &Array1<f64>, x: f64) -> f64 {
    m.dot(m) * x + m.sum()
}

fn points() -> Vec<(f64, f64, Vec<f64>)> {
    vec![
        (0.3, 1.2, vec![0.5, -0.7, 1.1]),
        (-0.8, 0.4, vec![1.5, 0.2, -0.3, 0.9]),
        (1.1, -0.6, vec![-0.4, 0.8]),
    ]
}

#[test]
fn jvp_is_the_gradient_dotted_with_the_tangent() {
    for (x, y, v) in points() {
        let dv: Vec<f64> = v.iter().map(|e| 0.3 - e).collect();
        for (n, mode) in [(1, 0), (4, 0), (7, 1), (0, 1)] {
            let (value, d) = jvp_program(x, y, &v, n, mode, 0.7, -1.3, &dv, (), ());
            assert_eq!(value.to_bits(), program(x, y, &v, n, mode).to_bits());
            let (gx, gy, gv) = grad_program(x, y, &v, n, mode);
            let want = gx * 0.7 - gy * 1.3 + gv.iter().zip(&dv).map(|(a, b)| a * b).sum::<f64>();
            assert!(
                (d - want).abs() <= 1e-12 * (1.0 + want.abs()),
                "{d} vs {want}"
            );
            // Central difference of t ↦ f(x + t v).
            let at = |t: f64| {
                let vt: Vec<f64> = v.iter().zip(&dv).map(|(a, b)| a + t * b).collect();
                program(x + 0.7 * t, y - 1.3 * t, &vt, n, mode)
            };
            let h = 1e-6;
            let fd = (at(h) - at(-h)) / (2.0 * h);
            assert!(
                (d - fd).abs() <= 1e-5 * (1.0 + fd.abs()),
                "{d} vs central difference {fd}"
            );
        }
    }
}

#[test]
fn jvp_of_tuple_outputs_and_custom_rules() {
    let ((a, b), (da, db)) = jvp_pair(0.7, 0.4, 1.0, 0.0);
    assert_eq!((a, b), pair(0.7, 0.4));
    assert_eq!((da, db), (0.4f64.cos(), 1.0));
    let ((_, _), (da, db)) = jvp_pair(0.7, 0.4, 0.0, 1.0);
    assert_eq!((da, db), (-0.7 * 0.4f64.sin(), -0.4f64.exp()));
    let (v, d) = jvp_softplus(0.3, 2.0);
    assert_eq!(v, softplus(0.3));
    assert!((d - 2.0 / (1.0 + (-0.3f64).exp())).abs() < 1e-15);
}

#[test]
fn jvp_with_whole_array_operations_comes_from_the_gradient() {
    let m = arr1(&[0.5, -1.0, 2.0]);
    let dm: Array1<f64> = arr1(&[0.1, 0.2, -0.3]);
    let (value, d) = jvp_arrays(&m, 1.5, &dm, 0.5);
    assert_eq!(value, arrays(&m, 1.5));
    let want = (2.0 * 1.5 * &m + 1.0).dot(&dm) + m.dot(&m) * 0.5;
    assert!((d - want).abs() < 1e-12, "{d} vs {want}");
}
