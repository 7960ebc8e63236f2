//! The generated code adds no warning to a crate that denies them: every construct, compiled
//! under `deny(warnings)` and `forbid` of the unused-* lints (which the generated items cannot
//! silence with an `allow`). Compiling this file is the test.
#![deny(warnings)]
#![forbid(unused_variables, unused_mut, unused_assignments)]

use autodiff_runtime::{custom_derivative, differentiable, stop_gradient};

#[differentiable]
pub fn chains(x: &[f64], y: &[f64], mu: f64) -> f64 {
    let sq = |t: f64| t * t;
    let a: f64 = x.iter().zip(y).map(|(p, q)| sq(p - q)).sum();
    let b = x
        .windows(2)
        .map(|w| w[1] - w[0])
        .fold(0.0, |s, d| s + d * mu);
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut c = 0.0;
    for (i, v) in x.iter().enumerate().rev().skip(1) {
        c += i as f64 * v;
    }
    let e: Vec<f64> = x.iter().map(|v| (v - m).exp()).collect();
    a + b + c + e.iter().sum::<f64>()
}

#[differentiable]
pub fn state(x: f64, v: f64, dt: f64) -> (f64, f64) {
    (x + dt * v, v - dt * x.sin())
}

#[differentiable]
pub fn tuples_and_match(x0: f64, v0: f64, n: usize, mode: u8, opt: Option<usize>) -> f64 {
    let (mut x, mut v) = (x0, v0);
    #[checkpoint(every = 8)]
    for _ in 0..n {
        (x, v) = state(x, v, 0.01);
    }
    let scale = if let Some(k) = opt { k as f64 } else { 1.0 };
    let w = match mode {
        0 => x * scale,
        1 | 2 => v * v,
        m if m > 10 => x * v,
        _ => stop_gradient(x) * v,
    };
    w + x
}

#[custom_derivative(pullback = cube_pullback)]
pub fn cube(x: f64) -> f64 {
    x * x * x
}

pub fn cube_pullback(x: f64, d_out: f64) -> (f64,) {
    (3.0 * x * x * d_out,)
}

#[differentiable]
pub fn calls_rule(x: f64, v: &[f64]) -> f64 {
    cube(x) + v[0] * cube(v[1]) + v[2..].iter().sum::<f64>()
}

/// Local arrays in nested scopes: filled again by recomputations, copied by the `if` that
/// overwrites one after a loop that carries a value reads it, recorded reads. (The index loop
/// is how the user writes it; clippy's preference for an iterator is the user's to silence.)
#[differentiable]
#[allow(clippy::needless_range_loop)]
pub fn local_arrays(x: &[f64], a: f64) -> f64 {
    let n = x.len();
    let mut w = vec![0.0_f64; n];
    let mut s = 0.0;
    for k in 0..3 {
        let mut buf = [0.0; 2];
        buf[0] = x[k % n] * a;
        buf[1] = buf[0].sin();
        let mut norm: f64 = 0.0;
        for i in 0..n {
            norm += w[i] * w[i];
        }
        if norm < 10.0 {
            for i in 1..n {
                w[i] = w[i - 1] * norm.tanh() + buf[1];
            }
        }
        s += buf[0] * norm;
    }
    s + w[n - 1]
}

/// A parameter struct with every kind of field, a function that reads a constant field, one
/// that leaves a field unread, and a helper given the struct whole.
#[derive(Clone, autodiff_runtime::Differentiable)]
pub struct Params {
    a: f64,
    v: Vec<f64>,
    f: [f64; 2],
    w: autodiff_runtime::ndarray::Array1<f64>,
    m: autodiff_runtime::ndarray::Array2<f64>,
    #[constant]
    n: usize,
}

#[differentiable(wrt(p))]
pub fn struct_helper(p: &Params, x: f64) -> f64 {
    p.a * x + p.f[1]
}

#[differentiable(wrt(p, x))]
pub fn struct_params(p: &Params, x: f64) -> f64 {
    let mut s = struct_helper(p, x);
    for i in 0..p.n {
        s += p.v[i % p.v.len()] * x;
    }
    s + p.w.dot(&p.w) + p.m.sum()
}

#[test]
fn compiles_without_warnings_and_runs() {
    let x = [0.5, -0.2, 0.9];
    let (gx, gy, gm) = grad_chains(&x, &x, 0.3);
    assert_eq!((gx.len(), gy.len()), (3, 3));
    assert!(gm.is_finite());
    let g = grad_tuples_and_match(0.3, 0.1, 20, 1, Some(2));
    assert!(g.0.is_finite() && g.1.is_finite());
    let (v, d) = jvp_calls_rule(0.5, &x, 1.0, &[0.0, 0.0, 0.0]);
    assert_eq!(v, calls_rule(0.5, &x));
    assert!((d - 0.75).abs() < 1e-15);
    let (v, (gx, ga)) = value_and_grad_local_arrays(&x, 0.7);
    assert_eq!(v, local_arrays(&x, 0.7));
    assert!(gx.iter().all(|g| g.is_finite()) && ga.is_finite());
    let p = Params {
        a: 1.0,
        v: vec![0.5],
        f: [0.0, 1.0],
        w: autodiff_runtime::ndarray::Array1::ones(2),
        m: autodiff_runtime::ndarray::Array2::ones((2, 2)),
        n: 3,
    };
    let (gp, gx) = grad_struct_params(&p, 0.5);
    assert_eq!(
        (gp.a, gp.v[0], gp.f, gp.n, gx),
        (0.5, 1.5, [0.0, 1.0], 3, 2.5)
    );
}
