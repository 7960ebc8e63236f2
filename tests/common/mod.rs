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

/// The finite-difference gradient, or `None` where the stencil straddles a kink or jump, or
/// where the function curves too fast for the step (three step sizes must agree), so that
/// such points are not used. Two step sizes were not enough: a fast oscillation made the
/// estimates at `h` and `h/2` agree by chance while both were 1e-5 off (CI, stop 22).
pub fn fd_gradient(f: &dyn Fn(&[f64]) -> f64, x: &[f64]) -> Option<Vec<f64>> {
    let mut g = vec![];
    for i in 0..x.len() {
        let h = 1e-3 * x[i].abs().max(1.0);
        let a = fd(f, x, i, h);
        let b = fd(f, x, i, h / 2.0);
        let c = fd(f, x, i, h / 4.0);
        let agree =
            |p: f64, q: f64| approx::relative_eq!(p, q, epsilon = 1e-7, max_relative = 1e-6);
        if !a.is_finite() || !agree(a, b) || !agree(b, c) {
            return None;
        }
        g.push(c);
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

/// Deterministic points in [-1, 1) (splitmix64).
pub fn splitmix_points(seed: u64, n: usize) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        })
        .collect()
}

/// A function's value and gradient at a point, as `value_and_grad_*` gives them (flattened).
pub type ValueAndGrad<'a> = &'a dyn Fn(&[f64]) -> (f64, Vec<f64>);

/// Checks `grad` of `f` against central differences at `count` points of dimension `dim`
/// (scaled by `scale`); returns how many points were smooth enough to be used.
pub fn check_many(
    name: &str,
    dim: usize,
    scale: f64,
    count: usize,
    f: &dyn Fn(&[f64]) -> f64,
    grad: ValueAndGrad<'_>,
) -> usize {
    let mut used = 0;
    for k in 0..count {
        let p: Vec<f64> = splitmix_points(k as u64 * 7919 + dim as u64, dim)
            .iter()
            .map(|v| v * scale)
            .collect();
        let (value, g) = grad(&p);
        let want = f(&p);
        assert!(
            value.to_bits() == want.to_bits() || (value.is_nan() && want.is_nan()),
            "{name}: value {value} differs from the function's {want} at {p:?}"
        );
        if check(name, f, &g, &p) {
            used += 1;
        }
    }
    assert!(
        used >= count / 2,
        "{name}: only {used} of {count} points were smooth"
    );
    used
}
