//! `#[checkpoint(every = k)]`: the gradient is the same, bit for bit, as without it (the reverse
//! sweep recomputes the very same arithmetic), for every segment length, with nested loops,
//! branches, iterator chains and calls inside; and it matches central differences.

mod common;

use autodiff_runtime::differentiable;
use common::check;

#[differentiable]
pub fn step(s: f64, a: f64, i: usize) -> f64 {
    (a * s).sin() + 0.01 * i as f64
}

#[differentiable]
pub fn recurrence_ck(x: f64, a: f64, n: usize, k: usize) -> f64 {
    let mut s = x;
    let mut t = 0.0;
    #[checkpoint(every = k)]
    for i in 0..n {
        s = step(s, a, i);
        if s > 0.5 {
            t += s * s;
        } else {
            t -= 0.5 * s;
        }
        let mut u = s;
        for _ in 0..3 {
            u = u * a + 0.01;
        }
        t += u;
    }
    s + t
}

#[differentiable]
pub fn recurrence(x: f64, a: f64, n: usize, k: usize) -> f64 {
    let mut s = x;
    let mut t = 0.0;
    for i in 0..n {
        s = step(s, a, i);
        if s > 0.5 {
            t += s * s;
        } else {
            t -= 0.5 * s;
        }
        let mut u = s;
        for _ in 0..3 {
            u = u * a + 0.01;
        }
        t += u;
    }
    s + t + 0.0 * k as f64
}

/// Over an array's elements, a range with `rev`/`step_by`, and inside another loop.
#[differentiable]
pub fn over_elements_ck(x: &[f64], a: f64, k: usize) -> f64 {
    let mut p = a;
    #[checkpoint(every = k)]
    for (i, v) in x.iter().enumerate() {
        p = p * v.cos() + i as f64 * 0.1;
    }
    let mut q = p;
    for r in 0..3 {
        #[checkpoint(every = k)]
        for j in (1..=7).rev().step_by(2) {
            q = (q * a + j as f64 * r as f64).tanh();
        }
    }
    q
}

#[differentiable]
pub fn over_elements(x: &[f64], a: f64, k: usize) -> f64 {
    let mut p = a;
    for (i, v) in x.iter().enumerate() {
        p = p * v.cos() + i as f64 * 0.1;
    }
    let mut q = p;
    for r in 0..3 {
        for j in (1..=7).rev().step_by(2) {
            q = (q * a + j as f64 * r as f64).tanh();
        }
    }
    q + 0.0 * k as f64
}

#[test]
fn checkpointed_gradients_are_the_same_to_the_bit() {
    for n in [0, 1, 2, 5, 17, 100] {
        for k in [1, 2, 3, 7, 16, 100, 1000] {
            let a = value_and_grad_recurrence_ck(0.3, 1.1, n, k);
            let b = value_and_grad_recurrence(0.3, 1.1, n, k);
            assert_eq!(a.0.to_bits(), b.0.to_bits(), "value, n = {n}, k = {k}");
            assert_eq!(a.1.0.to_bits(), b.1.0.to_bits(), "d/dx, n = {n}, k = {k}");
            assert_eq!(a.1.1.to_bits(), b.1.1.to_bits(), "d/da, n = {n}, k = {k}");
        }
    }
    let x: Vec<f64> = (0..23).map(|i| (i as f64 * 0.7).sin()).collect();
    for k in [1, 2, 4, 5, 30] {
        let a = value_and_grad_over_elements_ck(&x, 0.8, k);
        let b = value_and_grad_over_elements(&x, 0.8, k);
        assert_eq!(a.0.to_bits(), b.0.to_bits());
        assert_eq!(a.1.0, b.1.0);
        assert_eq!(a.1.1.to_bits(), b.1.1.to_bits());
    }
}

#[test]
fn checkpointed_gradients_match_central_differences() {
    for (x, a) in [(0.3, 1.1), (-0.7, 0.9), (1.2, -0.4)] {
        let (gx, ga) = grad_recurrence_ck(x, a, 40, 6);
        let f = |p: &[f64]| recurrence_ck(p[0], p[1], 40, 6);
        check("recurrence_ck", &f, &[gx, ga], &[x, a]);
    }
}

#[test]
#[should_panic(expected = "needs k >= 1")]
fn a_zero_segment_length_panics() {
    let _ = grad_recurrence_ck(0.3, 1.1, 10, 0);
}
