//! Debugging inside a body: `println!`-like and `assert!`-like macros and `dbg!` run in the
//! forward sweep of `value_and_grad_*`/`grad_*` exactly as in the function (same count, same
//! order), never again in the reverse sweep, and do not change the gradient; the float
//! predicates in conditions.
#![allow(clippy::all)]

mod common;

use autodiff_runtime::differentiable;
use common::check;
use std::cell::RefCell;

thread_local! {
    static LOG: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Records a line (the macros' arguments may call any function); true, for `assert!`.
fn log(line: String) -> bool {
    LOG.with(|l| l.borrow_mut().push(line));
    true
}

fn take_log() -> Vec<String> {
    LOG.with(|l| std::mem::take(&mut *l.borrow_mut()))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * (1.0 + a.abs().max(b.abs()))
}

const WIDTH: usize = 9;

/// Every supported macro, in loops (one whose body the reverse sweep recomputes, with a branch
/// on an active value, and a `while` that leaves early), branches and a value block; inline
/// captures (`{p}`, `{p:>WIDTH$.prec$}`), positional and named arguments, a nested `format!`.
#[differentiable]
pub fn traced(x: f64, y: f64, n: usize) -> f64 {
    let mut p = x;
    println!("start x={x} y={y:.3} n={n}");
    for i in 0..n {
        p = p * y + x.sin();
        assert!(log(format!("for i={i} p={p:.9}")), "never: {p}");
        if p > 1.0 {
            eprintln!("big {p:>WIDTH$.prec$} at {}", i, prec = 3);
            debug_assert!(p.is_finite(), "p = {}", p);
            p = p * 0.5;
        } else {
            print!("small {}\n", p);
        }
    }
    let mut k = 0;
    while k < 10 {
        k += 1;
        p = (p * x).cos() + y;
        assert!(log(format!("while k={k} p={p:.9}")));
        if p < 0.5 {
            break;
        }
    }
    let q = {
        assert_eq!(k, k, "k = {k}");
        assert_ne!(p, f64::NAN);
        debug_assert_eq!(n, n);
        debug_assert_ne!(y, f64::INFINITY);
        let r = dbg!(p * p);
        std::println!("r = {r}");
        r + y
    };
    assert!(log(format!("end q={q:.9}")));
    q * x
}

/// A caller: the callee's macros run once, in its forward call (its pullback, which the
/// caller's reverse sweep runs, leaves them out).
#[differentiable]
pub fn traced_caller(x: f64, y: f64) -> f64 {
    let mut s = 0.0;
    for j in 0..2 {
        s += traced(x, y, j + 2);
        assert!(log(format!("caller j={j} s={s:.9}")));
    }
    s * y
}

#[test]
fn macros_run_once_in_the_forward_sweep_in_order() {
    // Points where central differences apply (no branch flips within the stencil).
    let mut smooth = 0;
    for &(x, y, n) in &[(0.3, 0.8, 4), (1.1, 0.2, 6), (-0.7, 1.3, 3), (0.45, 0.6, 5)] {
        take_log();
        let v = traced(x, y, n);
        let plain = take_log();
        assert!(plain.len() > n, "{plain:?}");
        let (v2, (gx, gy)) = value_and_grad_traced(x, y, n);
        assert_eq!(take_log(), plain);
        assert_eq!(v, v2);
        let g = grad_traced(x, y, n);
        assert_eq!(take_log(), plain);
        assert_eq!(g, (gx, gy));
        smooth += check("traced", &|p| traced(p[0], p[1], n), &[gx, gy], &[x, y]) as usize;
        take_log();

        let v = traced_caller(x, y);
        let plain = take_log();
        let (v2, (gx, gy)) = value_and_grad_traced_caller(x, y);
        assert_eq!(take_log(), plain);
        assert_eq!(v, v2);
        smooth += check(
            "traced_caller",
            &|p| traced_caller(p[0], p[1]),
            &[gx, gy],
            &[x, y],
        ) as usize;
        take_log();
    }
    assert!(smooth >= 4, "only {smooth} smooth points");
}

/// The pullback leaves the macros out (a caller's forward sweep ran them).
#[test]
fn pullback_runs_no_macros() {
    take_log();
    let (gx, gy, _) = pullback_traced(0.3, 0.8, 4, 1.0);
    assert!(take_log().is_empty());
    assert_eq!((gx, gy), grad_traced(0.3, 0.8, 4));
}

/// `dbg!(e)` is `e`, derivative included.
#[differentiable]
pub fn through_dbg(x: f64) -> f64 {
    let y = dbg!(x.sin() * x);
    dbg!(y * y)
}

#[test]
fn dbg_is_the_identity() {
    for &x in &[0.4, 1.3, -2.0] {
        let (v, g) = value_and_grad_through_dbg(x);
        assert_eq!(v, through_dbg(x));
        let s = x.sin() * x;
        assert!(close(g, 2.0 * s * (x.cos() * x + x.sin())));
    }
}

#[differentiable]
pub fn checked_sqrt(x: f64) -> f64 {
    assert!(x >= 0.0, "checked_sqrt of a negative number: {x}");
    x.sqrt()
}

#[differentiable]
pub fn checked_in_loop(x: f64, n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        s += x * i as f64;
        assert!(s < 10.0, "s = {s} at i = {i}");
    }
    s
}

#[test]
fn passing_assertions_do_not_change_the_gradient() {
    assert!(close(grad_checked_sqrt(4.0), 0.25));
    assert!(close(grad_checked_in_loop(0.5, 4), 6.0));
}

#[test]
#[should_panic(expected = "checked_sqrt of a negative number: -1")]
fn a_failing_assert_panics_in_value_and_grad() {
    let _ = value_and_grad_checked_sqrt(-1.0);
}

#[test]
#[should_panic(expected = "s = 12 at i = 3")]
fn a_failing_assert_in_a_loop_panics_in_grad() {
    let _ = grad_checked_in_loop(2.0, 5);
}

/// The float predicates in conditions, on active values.
#[differentiable]
pub fn guarded(x: f64, y: f64) -> f64 {
    let r = (x / y).ln();
    if r.is_nan() || !r.is_finite() {
        return x * y;
    }
    let mut s = r;
    if (s * x).is_sign_negative() && !x.is_infinite() && x.is_normal() {
        s = -s;
    }
    s * x
}

#[test]
fn float_predicates_in_conditions() {
    for &(x, y) in &[(0.5, 2.0), (3.0, 1.5), (-1.0, 2.0), (2.0, -0.5), (0.2, 0.7)] {
        let (v, (gx, gy)) = value_and_grad_guarded(x, y);
        assert_eq!(v, guarded(x, y));
        assert!(check(
            "guarded",
            &|p| guarded(p[0], p[1]),
            &[gx, gy],
            &[x, y]
        ));
    }
    // The NaN branch: ln of a negative number.
    assert_eq!(grad_guarded(-1.0, 2.0), (2.0, -1.0));
}

/// Names bound inside an argument (a block's `let`, a closure's parameter) shadow the body's
/// variables of the same name there, as in the function.
#[differentiable]
pub fn shadowing_inside_arguments(x: f64, v: &[f64]) -> f64 {
    let t = x * 3.0;
    assert!(
        log(format!(
            "{} {} {t}",
            {
                let t = x * 2.0;
                t
            },
            v.iter().map(|t| t * 10.0).sum::<f64>()
        )),
        "{t}"
    );
    let r = t * x;
    assert!(log(format!("{r:.3} {w}", w = r + 1.0)));
    r
}

#[test]
fn names_bound_inside_arguments() {
    take_log();
    let v = [1.0, 2.0];
    let want = shadowing_inside_arguments(0.5, &v);
    let plain = take_log();
    assert_eq!(plain, ["1 30 1.5", "0.750 1.75"]);
    let (got, (gx, _)) = value_and_grad_shadowing_inside_arguments(0.5, &v);
    assert_eq!(take_log(), plain);
    assert_eq!((got, gx), (want, 3.0));
}
