//! Shared helpers for the numeric tests: a five-point central difference and a checker.
#![allow(dead_code)]

/// ∂f/∂x_i by the five-point central stencil (error O(h⁴)).
pub fn fd(f: &dyn Fn(&[f64]) -> f64, x: &[f64], i: usize, h: f64) -> f64 {
    let at = |d: f64| {
        let mut y = x.to_vec();
        y[i] += d;
        f(&y)
    };
    (-at(2.0 * h) + 8.0 * at(h) - 8.0 * at(-h) + at(-2.0 * h)) / (12.0 * h)
}

/// The finite-difference gradient, or `None` where the stencil straddles a kink or jump
/// (two step sizes disagree), so that points on branch boundaries are not used.
pub fn fd_gradient(f: &dyn Fn(&[f64]) -> f64, x: &[f64]) -> Option<Vec<f64>> {
    let mut g = vec![];
    for i in 0..x.len() {
        let h = 1e-3 * x[i].abs().max(1.0);
        let a = fd(f, x, i, h);
        let b = fd(f, x, i, h / 2.0);
        if !a.is_finite() || !approx::relative_eq!(a, b, epsilon = 1e-7, max_relative = 1e-6) {
            return None;
        }
        g.push(b);
    }
    Some(g)
}

/// Asserts that `grad` matches central differences of `f` at `x`; returns false (point not
/// usable) when the function is not smooth around `x`.
pub fn check(name: &str, f: &dyn Fn(&[f64]) -> f64, grad: &[f64], x: &[f64]) -> bool {
    let Some(want) = fd_gradient(f, x) else {
        return false;
    };
    for (i, (g, w)) in grad.iter().zip(&want).enumerate() {
        assert!(
            approx::relative_eq!(*g, *w, epsilon = 1e-6, max_relative = 1e-6),
            "{name}: d/dx{i} at {x:?}: generated gradient {g}, central difference {w}"
        );
    }
    true
}

/// A few dozen reproducible points in [-scale, scale]^n.
pub fn points(n: usize, count: usize, scale: f64) -> Vec<Vec<f64>> {
    let mut s: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..count)
        .map(|_| (0..n).map(|_| scale * (2.0 * next() - 1.0)).collect())
        .collect()
}
