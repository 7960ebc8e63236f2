//! `#[differentiable(hessian)]`: `hvp_*` and `hessian_*` (reverse mode over forward mode),
//! checked against central differences of the generated gradient at many points, against hand
//! formulas, for symmetry, and `hvp` against `hessian · v`; through loops, branches, early
//! returns, `while`, iterator chains, calls between functions, math functions with kinks
//! (`abs`, `max`, `powi`, `powf`), slices, `[f64; N]`, `Array1`, `&f64` and integer parameters.

// Loops written as users write them, indexing several arrays.
#![allow(clippy::needless_range_loop)]

mod common;

use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{Array1, Array2};
use common::splitmix_points;

/// N-dimensional Rosenbrock.
#[differentiable(hessian)]
pub fn rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    s
}

#[differentiable(hessian)]
pub fn bump(x: f64, y: f64) -> f64 {
    (x * y).sin() * y.exp() + x.abs().powf(1.5)
}

/// Calls, branches, an early return, `while`, an iterator chain, `max`, an integer parameter.
#[differentiable(hessian)]
pub fn mixed(x: &[f64], n: usize, c: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        if x[i] > 0.0 {
            s += bump(x[i], c) * x[i].exp();
        } else {
            s -= x[i].powi(3).abs() + x[i].max(c);
        }
        if s > 1e6 {
            return s;
        }
    }
    let mut k = 0;
    while k < 2 {
        s = s * 0.5 + c * c.cos();
        k += 1;
    }
    let t: f64 = x.iter().map(|v| (v * c).tanh()).sum();
    s / n as f64 + t * t
}

/// Fixed arrays, a 1-D ndarray, a `&f64` and a tuple chosen by a branch.
#[differentiable(hessian, wrt(a, w, r))]
pub fn arrays(a: [f64; 3], w: &Array1<f64>, r: &f64) -> f64 {
    let mut s = *r * a[0];
    for i in 0..3 {
        let (p, q) = if a[i] > w[i] {
            (a[i], w[i])
        } else {
            (w[i], a[i])
        };
        s += p * q.sin() + (p - q).powi(2) * *r;
    }
    s
}

/// Central differences of a gradient along each axis: the Hessian's columns.
fn fd_hessian(grad: &dyn Fn(&[f64]) -> Vec<f64>, x: &[f64]) -> Array2<f64> {
    let n = x.len();
    let mut h = Array2::zeros((n, n));
    for j in 0..n {
        let e = 1e-5 * x[j].abs().max(1.0);
        let (mut p, mut m) = (x.to_vec(), x.to_vec());
        p[j] += e;
        m[j] -= e;
        let (gp, gm) = (grad(&p), grad(&m));
        for i in 0..n {
            h[[i, j]] = (gp[i] - gm[i]) / (2.0 * e);
        }
    }
    h
}

fn assert_close(name: &str, got: &Array2<f64>, want: &Array2<f64>, tol: f64) {
    assert_eq!(got.dim(), want.dim(), "{name}");
    let scale = want.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    for ((i, j), g) in got.indexed_iter() {
        let w = want[[i, j]];
        assert!(
            (g - w).abs() <= tol * scale,
            "{name}: H[{i}, {j}] = {g}, central differences of the gradient give {w}"
        );
    }
}

fn symmetric(name: &str, h: &Array2<f64>) {
    for ((i, j), v) in h.indexed_iter() {
        let t = h[[j, i]];
        assert!(
            (v - t).abs() <= 1e-9 * v.abs().max(t.abs()).max(1.0),
            "{name}: H[{i}, {j}] = {v} but H[{j}, {i}] = {t}"
        );
    }
}

#[test]
fn rosenbrock_hessian_is_the_formula() {
    for k in 0..20 {
        let x: Vec<f64> = splitmix_points(k, 6).iter().map(|v| 1.5 * v).collect();
        let h = hessian_rosenbrock(&x);
        let n = x.len();
        let mut want = Array2::<f64>::zeros((n, n));
        for i in 0..n - 1 {
            want[[i, i]] += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
            want[[i + 1, i + 1]] += 200.0;
            want[[i, i + 1]] -= 400.0 * x[i];
            want[[i + 1, i]] -= 400.0 * x[i];
        }
        assert_close("rosenbrock", &h, &want, 1e-12);
        symmetric("rosenbrock", &h);
    }
}

#[test]
fn hessians_match_differences_of_the_gradient() {
    for k in 0..25 {
        let p: Vec<f64> = splitmix_points(100 + k, 2)
            .iter()
            .map(|v| 2.0 * v)
            .collect();
        let h = hessian_bump(p[0], p[1]);
        let fd = fd_hessian(
            &|q| {
                let (a, b) = grad_bump(q[0], q[1]);
                vec![a, b]
            },
            &p,
        );
        assert_close("bump", &h, &fd, 1e-6);
        symmetric("bump", &h);

        let p: Vec<f64> = splitmix_points(200 + k, 5)
            .iter()
            .map(|v| 1.2 * v)
            .collect();
        let (x, c) = (&p[..4], p[4]);
        let h = hessian_mixed(x, 4, c);
        let fd = fd_hessian(
            &|q| {
                let (mut g, gc) = grad_mixed(&q[..4], 4, q[4]);
                g.push(gc);
                g
            },
            &p,
        );
        assert_close("mixed", &h, &fd, 1e-6);
        symmetric("mixed", &h);
    }
}

#[test]
fn hvp_is_the_hessian_times_v_for_every_parameter_kind() {
    for k in 0..25 {
        let p: Vec<f64> = splitmix_points(300 + k, 7)
            .iter()
            .map(|v| 1.5 * v)
            .collect();
        let (a, w, r) = ([p[0], p[1], p[2]], Array1::from(p[3..6].to_vec()), p[6]);
        let h = hessian_arrays(a, &w, &r);
        assert_eq!(h.dim(), (7, 7));
        let fd = fd_hessian(
            &|q| {
                let (ga, gw, gr) =
                    grad_arrays([q[0], q[1], q[2]], &Array1::from(q[3..6].to_vec()), &q[6]);
                let mut g = ga.to_vec();
                g.extend(gw.iter());
                g.push(gr);
                g
            },
            &p,
        );
        assert_close("arrays", &h, &fd, 1e-6);
        symmetric("arrays", &h);
        let v: Vec<f64> = splitmix_points(400 + k, 7);
        let (va, vw, vr) = ([v[0], v[1], v[2]], Array1::from(v[3..6].to_vec()), v[6]);
        let (ha, hw, hr) = hvp_arrays(a, &w, &r, &va, &vw, vr);
        let mut got = ha.to_vec();
        got.extend(hw.iter());
        got.push(hr);
        let want = h.dot(&Array1::from(v.clone()));
        for (g, w) in got.iter().zip(want.iter()) {
            assert!(
                (g - w).abs() <= 1e-9 * w.abs().max(1.0),
                "hvp {got:?} vs H v {want}"
            );
        }
    }
}

#[test]
fn hvp_of_a_slice_function() {
    let x = [0.7, -0.4, 1.3, 0.2];
    let v = [0.3, 0.5, -0.2, 1.0];
    let (hx, hc) = hvp_mixed(&x, 4, 0.9, &v, (), 0.4);
    let h = hessian_mixed(&x, 4, 0.9);
    let want = h.dot(&Array1::from(vec![0.3, 0.5, -0.2, 1.0, 0.4]));
    let mut got = hx.clone();
    got.push(hc);
    for (g, w) in got.iter().zip(want.iter()) {
        assert!(
            (g - w).abs() <= 1e-9 * w.abs().max(1.0),
            "{got:?} vs {want}"
        );
    }
}

#[path = "../examples/newton.rs"]
#[allow(dead_code)]
mod newton;

#[test]
fn newton_with_the_generated_hessian_converges_quadratically() {
    let x0: Vec<f64> = (0..10)
        .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
        .collect();
    let (x, steps) = newton::minimize(&x0, 1e-10, 200, false);
    assert!(x.iter().all(|v| (v - 1.0).abs() < 1e-8), "{x:?}");
    // Gradient descent needs thousands of steps here; Newton a few dozen.
    assert!(steps < 60, "{steps} Newton steps");
}

/// Found by the random-program tester with hessian on (H1, H2, H4 of FINDINGS): `%` with a
/// varying divisor, a callee given a constant argument, a value `if` that returns in a loop.
#[differentiable(hessian)]
pub fn rem(x: f64, y: f64) -> f64 {
    (x * y) % (y + 2.0) + x * x * y
}

#[differentiable(hessian)]
pub fn scale(a: f64, b: f64) -> f64 {
    a * b.sin()
}

#[differentiable(hessian)]
pub fn constant_argument(p: f64, n: usize) -> f64 {
    scale(p, 1.0) + scale(p, n as f64) * p
}

#[differentiable(hessian)]
pub fn return_in_value_if(x: f64) -> f64 {
    let mut s: f64 = 0.0;
    for u in 0..3 {
        s = (if u > 1 {
            return s;
        } else {
            x * s + x
        })
        .cos();
    }
    x * s
}

#[test]
fn second_derivatives_of_fuzz_findings() {
    for k in 0..20 {
        let p: Vec<f64> = splitmix_points(500 + k, 2)
            .iter()
            .map(|v| 1.5 * v + 0.1)
            .collect();
        let h = hessian_rem(p[0], p[1]);
        let fd = fd_hessian(
            &|q| {
                let (a, b) = grad_rem(q[0], q[1]);
                vec![a, b]
            },
            &p,
        );
        assert_close("rem", &h, &fd, 1e-6);
        let h = hessian_constant_argument(p[0], 3);
        assert!((h[[0, 0]] - 2.0 * 3f64.sin()).abs() < 1e-12, "{h}");
        let h = hessian_return_in_value_if(p[0]);
        let fd = fd_hessian(&|q| vec![grad_return_in_value_if(q[0])], &p[..1]);
        assert_close("return_in_value_if", &h, &fd, 1e-6);
    }
}

/// A module item named like a local of the generated code (fuzz finding): the `hessian`
/// wrappers' locals are `__`-prefixed, so `struct d_out;` is not a pattern they bind.
#[allow(non_camel_case_types, dead_code)]
mod item_named_like_a_local {
    use autodiff_runtime::differentiable;

    struct d_out;
    struct adjoints;

    #[differentiable(hessian)]
    pub fn k2(v: f64, h: &f64, w: bool) -> f64 {
        if w { v * v * *h } else { v }
    }

    #[test]
    fn hessian_compiles_and_is_exact() {
        assert_eq!(hessian_k2(3.0, &2.0, true)[[0, 0]], 4.0);
        assert_eq!(hvp_k2(3.0, &2.0, true, 1.0, 0.0, ()), 4.0);
    }
}

/// `if let Some(k) = o` binding a constant (FINDINGS H3): its second pass reads the binding.
#[differentiable(hessian)]
pub fn with_option(x: f64, m: Option<usize>) -> f64 {
    if let Some(k) = m {
        x * x * (k as f64) + x.sin()
    } else {
        x.powi(3)
    }
}

#[test]
fn if_let_bindings_have_second_derivatives() {
    for x in [-1.5, 0.3, 2.0] {
        let h = hessian_with_option(x, Some(3));
        assert!((h[[0, 0]] - (6.0 - x.sin())).abs() < 1e-12);
        let h = hessian_with_option(x, None);
        assert!((h[[0, 0]] - 6.0 * x).abs() < 1e-12);
    }
}

const GAIN: f64 = 1.99;

/// Fuzz scalar seed 405 #17 (session 8), as the shrinker left it: a value `if` whose one
/// branch leaves the loop and whose other ends in a `const` item, inside a tuple assignment,
/// before an early `return`. The jumped branch's placeholder was `Default::default()`, whose
/// type the `hessian` second pass could not infer; a constant now stands for itself.
#[differentiable(hessian)]
#[allow(unused_assignments)]
pub fn const_after_break(q: f64, n: usize) -> f64 {
    let mut p: f64 = 1.0_f64;
    let mut w = p;
    if q >= -0.36f64 {
        'outer: for _ in n..=4 {
            (w, p) = (
                p,
                if w <= 1.52f64 {
                    break 'outer;
                } else {
                    w = q.min(p);
                    GAIN
                },
            );
        }
        return w.sin() * q;
    }
    q
}

#[test]
fn a_constant_beside_a_break_has_second_derivatives() {
    for (q, n) in [(0.3, 0), (0.9, 2), (2.5, 1), (-0.7, 3)] {
        let h = hessian_const_after_break(q, n);
        let fd = fd_hessian(&|x| vec![grad_const_after_break(x[0], n)], &[q]);
        assert_close("const_after_break", &h, &fd, 1e-6);
    }
}

/// A scratch array filled in a loop, then read: forward mode writes its tangent array beside
/// it (`d_dot[i] = ..`), so `jvp_*` is native and `hessian` differentiates it again (before,
/// a written local array had no forward rule and `hessian` was refused).
#[differentiable(hessian)]
fn chain_energy(x: &[f64]) -> f64 {
    let n = x.len();
    let mut d = vec![0.0; n];
    for i in 1..n {
        d[i] = x[i] - x[i - 1];
    }
    let mut springs = [0.0; 2];
    springs[0] = x[0] * x[0];
    springs[1] += x[n - 1].sin();
    let mut e = springs[0] + springs[1];
    for i in 0..n {
        e += d[i] * d[i] * x[i];
    }
    e
}

#[test]
fn hessian_through_local_arrays() {
    for seed in 0..10 {
        let x = splitmix_points(700 + seed, 5);
        let h = hessian_chain_energy(&x);
        symmetric("chain_energy", &h);
        assert_close(
            "chain_energy",
            &h,
            &fd_hessian(&|v| grad_chain_energy(v), &x),
            1e-7,
        );
        // Forward mode is the gradient along the tangent.
        let t = splitmix_points(800 + seed, 5);
        let (v, d) = jvp_chain_energy(&x, &t);
        assert_eq!(v, chain_energy(&x));
        let g = grad_chain_energy(&x);
        let want: f64 = g.iter().zip(&t).map(|(a, b)| a * b).sum();
        assert!(
            (d - want).abs() <= 1e-12 * want.abs().max(1.0),
            "{d} vs {want}"
        );
    }
}
