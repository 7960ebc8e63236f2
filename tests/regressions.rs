//! Programs inside the contract that once failed: wrong gradients, errors in generated code,
//! refusals of valid code. Each is checked against a hand-derived gradient or central
//! differences at several points, and its value against the same code without the attribute.
// The bodies are written as the fuzzers that found them wrote them.
#![allow(
    clippy::all,
    unused_parens,
    unused_mut,
    unused_variables,
    non_upper_case_globals
)]
#![allow(non_camel_case_types, dead_code, unused_assignments)]

mod common;

use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{self, ArrayView1};
use common::check;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * (1.0 + a.abs().max(b.abs()))
}

// ----- silently wrong gradients -----

/// Float `%`: ∂(a % b)/∂a = 1, ∂(a % b)/∂b = −trunc(a / b).
#[differentiable]
pub fn rem_float(x: f64, y: f64) -> f64 {
    (x * y) % 1.5
}

#[differentiable]
pub fn rem_assign_float(x: f64, y: f64) -> f64 {
    let mut s = x * 3.0;
    s %= y;
    s * s
}

#[test]
fn float_remainder_is_differentiated() {
    let (dx, dy) = grad_rem_float(1.0, 2.0);
    // (x y) % 1.5 = x y − 1.5: derivative (y, x).
    assert!(close(dx, 2.0) && close(dy, 1.0), "{dx} {dy}");
    for &(x, y) in &[(0.7, 0.9), (1.3, 0.4), (2.1, 1.7), (-1.2, 0.8)] {
        let (dx, dy) = grad_rem_assign_float(x, y);
        let f = |p: &[f64]| rem_assign_float(p[0], p[1]);
        assert!(check("rem_assign_float", &f, &[dx, dy], &[x, y]));
    }
}

/// Parameters named like generated values.
#[differentiable]
pub fn hostile_params(a_1: f64, a_2: f64) -> f64 {
    let mut a = a_1;
    a = a * a_2;
    a.sin()
}

#[differentiable]
pub fn hostile_param_t2(t_2: f64, y: f64) -> f64 {
    let z = t_2 * y;
    z.sin() + t_2
}

#[test]
fn parameters_named_like_generated_values() {
    let (a, b) = grad_hostile_params(0.4, 1.7);
    assert!(close(a, 1.7 * (0.4f64 * 1.7).cos()) && close(b, 0.4 * (0.4f64 * 1.7).cos()));
    let (a, b) = grad_hostile_param_t2(0.3, 2.0);
    assert!(close(a, 2.0 * (0.6f64).cos() + 1.0) && close(b, 0.3 * (0.6f64).cos()));
}

/// A local named like a generated loop counter.
#[differentiable]
pub fn hostile_counter(x: f64) -> f64 {
    let n = 3;
    let mut s = x;
    for _i in 0..2 {
        s = s * x;
    }
    let mut k = 0;
    while k < n {
        s = s.sin() + x;
        k += 1;
    }
    s * n as f64
}

#[test]
fn local_named_like_a_loop_counter() {
    for &x in &[0.3, 0.8, 1.1] {
        let (v, g) = value_and_grad_hostile_counter(x);
        assert_eq!(v, hostile_counter(x));
        assert!(check(
            "hostile_counter",
            &|p| hostile_counter(p[0]),
            &[g],
            &[x]
        ));
    }
}

// Items named like generated code (old and new schemes), beside the function.
mod hostile_items {
    use super::*;
    const value: f64 = 0.25;
    struct t_2;
    const d_out: f64 = 2.0;

    #[differentiable]
    pub fn beside_hostile_items(x: f64, y: f64) -> f64 {
        let t = x * y + value;
        let mut s = 0.0;
        for k in 0..3 {
            s += (t * k as f64).sin();
        }
        s * d_out
    }

    #[test]
    fn items_named_like_generated_values() {
        for &(x, y) in &[(0.3, 0.9), (1.2, -0.4)] {
            let (v, (gx, gy)) = value_and_grad_beside_hostile_items(x, y);
            assert_eq!(v, beside_hostile_items(x, y));
            let f = |p: &[f64]| beside_hostile_items(p[0], p[1]);
            assert!(check("beside_hostile_items", &f, &[gx, gy], &[x, y]));
        }
    }
}

/// A parameter named like the pullback of the function.
#[differentiable]
pub fn pb_named(pullback_pb_named: f64, grad_pb_named: f64) -> f64 {
    pullback_pb_named * grad_pb_named.exp()
}

#[test]
fn parameters_named_like_generated_functions() {
    let (a, b) = grad_pb_named(0.5, 0.25);
    assert!(close(a, 0.25f64.exp()) && close(b, 0.5 * 0.25f64.exp()));
}

// ----- errors inside generated code and refusals of valid code -----

/// A later block or `if` used as a value after an earlier conditional `return`.
#[differentiable]
pub fn value_if_after_return(x: f64) -> f64 {
    if x > 10.0 {
        return x;
    }
    let t = if x > 0.0 { x * x } else { -x };
    t * 3.0
}

#[differentiable]
pub fn value_block_after_break(x: f64) -> f64 {
    let mut s = x;
    for k in 0..5 {
        if s > 3.0 {
            break;
        }
        let t = {
            let u = s * x;
            u + k as f64
        };
        s = if t > 1.0 { t.sqrt() } else { t * 0.5 + 1.0 };
    }
    s
}

#[test]
fn values_after_jumps() {
    for &x in &[0.5, -0.7, 11.0, 2.0] {
        let (v, g) = value_and_grad_value_if_after_return(x);
        assert_eq!(v, value_if_after_return(x));
        let want = if x > 10.0 {
            1.0
        } else if x > 0.0 {
            6.0 * x
        } else {
            -3.0
        };
        assert!(close(g, want), "{x}: {g} vs {want}");
    }
    for &x in &[0.5, 0.9, 1.3, 1.9] {
        let (v, g) = value_and_grad_value_block_after_break(x);
        assert_eq!(v, value_block_after_break(x));
        let f = |p: &[f64]| value_block_after_break(p[0]);
        check("value_block_after_break", &f, &[g], &[x]);
    }
}

/// Untyped literals in path-form calls and a scheduled `sqrt` of a literal-valued local.
#[differentiable]
pub fn untyped_literals(x: f64, y: f64) -> f64 {
    let half = 0.5;
    let z = x * half;
    f64::sin(-0.97) + f64::max(-0.5, x) + f64::mul_add(-1.7, x, y) + z + half.sqrt()
}

#[test]
fn untyped_literals_keep_their_type() {
    let (v, (gx, gy)) = value_and_grad_untyped_literals(0.3, 0.2);
    assert_eq!(v, untyped_literals(0.3, 0.2));
    assert!(close(gx, 1.0 - 1.7 + 0.5) && close(gy, 1.0));
}

/// A merge inside a loop of a variable whose values are equal literals, read after the loop.
#[differentiable]
pub fn literal_merge_in_loop(x: f64, s: f64) -> f64 {
    let mut t = 0.0;
    for _i in 0..2 {
        if x > 0.5 {
            t = s;
        }
    }
    if s > 0.3 {
        return s;
    }
    t
}

#[test]
fn literal_merge_in_a_loop() {
    for &(x, s) in &[(0.7, 0.2), (0.2, 0.2), (0.7, 0.5)] {
        let (v, (gx, gs)) = value_and_grad_literal_merge_in_loop(x, s);
        assert_eq!(v, literal_merge_in_loop(x, s));
        let want_s = if s > 0.3 || x > 0.5 { 1.0 } else { 0.0 };
        assert!(close(gx, 0.0) && close(gs, want_s), "{x} {s}: {gx} {gs}");
    }
}

/// An array-valued `if` inside a loop.
#[differentiable]
pub fn array_if_in_loop(y: ArrayView1<f64>, s: f64) -> f64 {
    let mut acc = 0.0;
    for k in 0..2 {
        let t = if s > 0.0 { &y * s } else { &y * 2.0 };
        acc += t.sum() * k as f64;
    }
    acc
}

#[test]
fn array_valued_if_in_a_loop() {
    let y = ndarray::arr1(&[0.5, -1.0, 2.0]);
    let (gy, gs) = grad_array_if_in_loop(y.view(), 0.7);
    assert!(gy.iter().all(|g| close(*g, 0.7)));
    assert!(close(gs, 1.5));
}

/// A callee with a `&f64` parameter receiving an active argument.
#[differentiable]
pub fn callee_ref(r: &f64, x: f64) -> f64 {
    *r * x.sin()
}

#[differentiable]
pub fn caller_ref(x: f64, y: f64) -> f64 {
    callee_ref(&x, y) + x
}

#[test]
fn reference_parameter_of_a_callee() {
    for &(x, y) in &[(0.3, 0.9), (1.2, -0.4)] {
        let (gx, gy) = grad_caller_ref(x, y);
        assert!(close(gx, y.sin() + 1.0) && close(gy, x * y.cos()));
    }
}

#[deprecated(note = "for the test")]
#[differentiable]
pub fn old_api(x: f64) -> f64 {
    x * 2.0
}

#[test]
#[allow(deprecated)]
fn deprecated_function() {
    assert!(close(grad_old_api(1.0), 2.0));
}

/// Valid Rust once refused.
#[differentiable]
pub fn diverging_else(x: f64) -> f64 {
    let y = if x > 0.0 { x } else { return 0.0 };
    y * y
}

#[differentiable]
pub fn break_with_value(x: f64) -> f64 {
    let mut s = x;
    let r = loop {
        s = s * 1.5;
        if s > 2.0 {
            break s * 2.0;
        }
    };
    r + x
}

#[differentiable]
pub fn misc_valid(x: f64, n: u32) -> f64 {
    let _: f64 = x * 2.0;
    let m = n.pow(2);
    f64::from(m) * x + f64::from(3u8) * x
}

#[test]
fn valid_rust_once_refused() {
    assert!(close(grad_diverging_else(1.5), 3.0));
    assert!(close(grad_diverging_else(-1.5), 0.0));
    for &x in &[0.3, 0.7, 1.9] {
        let (v, g) = value_and_grad_break_with_value(x);
        assert_eq!(v, break_with_value(x));
        assert!(check(
            "break_with_value",
            &|p| break_with_value(p[0]),
            &[g],
            &[x]
        ));
    }
    assert!(close(grad_misc_valid(0.5, 3), 12.0));
}

#[differentiable]
pub fn with_lifetime<'a>(x: &'a [f64], y: f64) -> f64 {
    x[0] * y
}

#[test]
fn lifetime_parameters() {
    let (gx, gy) = grad_with_lifetime(&[2.0, 3.0], 0.5);
    assert!(close(gx[0], 0.5) && close(gx[1], 0.0) && close(gy, 2.0));
}

// ----- numerics at the edges -----

#[differentiable]
pub fn std_of_constant(x: ArrayView1<f64>, y: f64) -> f64 {
    x.std(0.0) + y * 2.0
}

#[test]
fn std_of_equal_elements_has_a_finite_gradient() {
    let (gx, gy) = grad_std_of_constant(ndarray::arr1(&[1.5]).view(), 0.3);
    assert!(gx.iter().all(|g| g.is_finite()), "{gx:?}");
    assert!(close(gy, 2.0));
    let (gx, gy) = grad_std_of_constant(ndarray::arr1(&[1.5, 1.5, 1.5]).view(), 0.3);
    assert!(gx.iter().all(|g| g.is_finite()), "{gx:?}");
    assert!(close(gy, 2.0));
}

/// Formerly a compile-fail case: lifetimes with a `&f64` parameter (named by `wrt`).
#[differentiable(wrt(x, r))]
pub fn lifetime_and_ref<'a>(x: f64, r: &'a f64) -> f64 {
    x * *r
}

#[test]
fn lifetime_and_reference_parameter() {
    let (gx, gr) = grad_lifetime_and_ref(2.0, &3.0);
    assert!(close(gx, 3.0) && close(gr, 2.0));
}

/// Formerly compile-fail cases, valid Rust inside the contract.
#[differentiable]
pub fn rem_assign_element(x: f64) -> f64 {
    let mut y = ndarray::Array1::<f64>::zeros(2);
    y[0] = x;
    y[1] = 3.5 * x;
    y[1] %= x;
    y.sum()
}

#[differentiable]
pub fn return_in_if_value(x: f64, c: bool) -> f64 {
    let y = if c { return 1.0 } else { 2.0 };
    x * y
}

#[test]
fn element_remainder_and_return_in_an_if_value() {
    // y[1] = 3.5x % x = 3.5x - 3x: derivative 1 + 0.5.
    assert!(close(grad_rem_assign_element(0.7), 1.5));
    assert!(close(grad_return_in_if_value(0.7, true), 0.0));
    assert!(close(grad_return_in_if_value(0.7, false), 2.0));
}

/// The right operand of a compound assignment is evaluated before the place (primitives).
#[differentiable]
pub fn compound_rhs_first(z: f64) -> f64 {
    let mut s: f64 = z;
    s *= {
        s /= 1.03;
        2.0_f64
    };
    s
}

/// Parameters named like the functions the generated code calls.
#[differentiable]
pub fn shadow_g(x: f64) -> f64 {
    x * x
}

#[differentiable]
pub fn shadowed(value_and_grad_shadowed: f64, pullback_shadow_g: f64) -> f64 {
    shadow_g(value_and_grad_shadowed) * pullback_shadow_g
}

#[test]
fn compound_assignment_and_shadowing_parameters() {
    let (v, g) = value_and_grad_compound_rhs_first(0.7);
    assert_eq!(v, compound_rhs_first(0.7));
    assert!(close(g, 2.0 / 1.03));
    let (a, b) = grad_shadowed(0.5, 3.0);
    assert!(close(a, 3.0) && close(b, 0.25));
}

// Found by autodiff-fuzz (minimised).

/// An assignment whose right-hand side breaks out of the loop does not happen.
#[differentiable]
pub fn assign_after_break(mut k: f64) -> f64 {
    let n = {
        let mut count = 0usize;
        while count < 2 && 5usize != 0 {
            count += 1;
            k = if 1.0_f64 > k {
                break;
            } else if 1.0_f64 >= 2.78 {
                k
            } else {
                1.0_f64
            };
        }
        f64::cos(k)
    };
    n
}

/// A value `if` whose branch returns, inside a condition inside a block inside a value `if`.
#[differentiable]
pub fn return_in_condition(e: f64, c: f64, r: &f64) -> f64 {
    let mut t: f64 = 1.0_f64;
    let sum: f64 = if e <= c {
        e
    } else {
        {
            if (if c >= e {
                t = e;
                return std::f64::consts::FRAC_PI_4 * e;
            } else {
                *r
            }) <= 1.0_f64
            {}
        }
        std::f64::consts::LN_2
    };
    c * sum + t
}

/// `vec![a; n]` of an active value carries `a`'s derivative.
#[differentiable]
pub fn vec_of_active(y: &[f64]) -> f64 {
    let mut b = vec![y[1]; 2];
    b[0] = b[0] * y[0];
    b[0] + b[1]
}

#[test]
fn fuzz_findings() {
    for &x in &[0.365, 0.55, 1.5] {
        let (v, g) = value_and_grad_assign_after_break(x);
        assert_eq!(v, assign_after_break(x));
        let want = if x < 1.0 { -x.sin() } else { 0.0 };
        assert!(close(g, want), "{x}: {g} vs {want}");
    }
    for &(e, c) in &[(0.2, 0.5), (0.9, 0.5)] {
        let (v, (ge, gc)) = value_and_grad_return_in_condition(e, c, &0.3);
        assert_eq!(v, return_in_condition(e, c, &0.3));
        let f = |p: &[f64]| return_in_condition(p[0], p[1], &0.3);
        assert!(check("return_in_condition", &f, &[ge, gc], &[e, c]));
    }
    let g = grad_vec_of_active(&[0.5, 2.0]);
    assert!(close(g[0], 2.0) && close(g[1], 1.5), "{g:?}");
}

/// `&x[..]` passed to a callee that takes a slice.
#[differentiable]
pub fn slice_callee(x: &[f64]) -> f64 {
    x[0] * x[1]
}

#[differentiable]
pub fn slice_caller(x: &[f64], v: Vec<f64>) -> f64 {
    slice_callee(&x[..]) + slice_callee(&v[..])
}

#[test]
fn full_range_slices_as_arguments() {
    let (gx, gv) = grad_slice_caller(&[2.0, 3.0], vec![5.0, 7.0]);
    assert_eq!(gx, vec![3.0, 2.0]);
    assert_eq!(gv, vec![7.0, 5.0]);
}

/// Arithmetic after a sub-expression that returned: no NaN from the placeholder's partials.
#[differentiable]
pub fn divide_by_block_that_returns(x: &[f64]) -> f64 {
    let mut j = 0.0;
    for i in &x[..] {
        j += (*i + j).cos();
        for r in (2..=5).rev() {
            j /= {
                if ((r / 2) as f64 + 1.16f64) >= 2.2f64 {
                    return -*i * 2 as f64;
                }
                1.7f64
            };
        }
    }
    j + j
}

#[test]
fn no_nan_from_placeholders() {
    let x = [0.016, -0.2];
    let (v, g) = value_and_grad_divide_by_block_that_returns(&x);
    assert_eq!(v, divide_by_block_that_returns(&x));
    assert_eq!(g, vec![-2.0, 0.0]);
}

/// A branch whose every path returns (a loop that may return, then a `return`) in a value `if`.
#[differentiable]
pub fn all_paths_return(x: f64, y: f64) -> f64 {
    let p = if x > 0.0 {
        for k in 0..3 {
            if y > k as f64 {
                return x * y;
            }
        }
        return x.sin();
    } else {
        y
    };
    p * 2.0
}

#[test]
fn value_if_whose_branch_always_returns() {
    for &(x, y) in &[(0.5, 0.7), (0.5, -1.0), (-0.5, 0.3)] {
        let (v, (gx, gy)) = value_and_grad_all_paths_return(x, y);
        assert_eq!(v, all_paths_return(x, y));
        let f = |p: &[f64]| all_paths_return(p[0], p[1]);
        assert!(check("all_paths_return", &f, &[gx, gy], &[x, y]));
    }
}

/// A tail expression whose sub-expression returns: the earlier return value stands.
#[differentiable]
pub fn tail_with_returning_part(y: f64) -> f64 {
    (if y > 0.0 {
        return 3.0 * y;
    } else if y < -2.0 {
        -0.93
    } else {
        y
    }) + y
}

#[differentiable]
pub fn returning_argument(x: &ndarray::Array1<f64>) -> f64 {
    let m = x.mean().unwrap();
    f64::atan(if m > -10.0 { return m } else { m })
}

#[test]
fn tail_expression_that_returns_inside() {
    for &y in &[0.5, -1.0, -3.0] {
        let (v, g) = value_and_grad_tail_with_returning_part(y);
        assert_eq!(v, tail_with_returning_part(y));
        let want = if y > 0.0 {
            3.0
        } else if y < -2.0 {
            1.0
        } else {
            2.0
        };
        assert!(close(g, want));
    }
    let x = ndarray::arr1(&[1.0, 2.0, 3.0, 4.0]);
    let (v, g) = value_and_grad_returning_argument(&x);
    assert_eq!(v, 2.5);
    assert!(g.iter().all(|d| close(*d, 0.25)));
}

/// A module that forbids the unused-code lints (the generated code used to `allow` them, which
/// `forbid` rejects).
mod forbids_unused {
    #![forbid(unused_variables, unused_mut, unused_assignments)]
    use autodiff_runtime::differentiable;

    #[differentiable]
    pub fn a(x: f64, y: &[f64], n: usize) -> f64 {
        let mut z = vec![0.0; n];
        let mut s = 0.0;
        for k in 0..n {
            if x > k as f64 {
                break;
            }
            s += (x * y[k]).sin() * 2.0;
        }
        for i in 0..n {
            z[i] = s * y[i];
        }
        let t = if s > 1.0 { return s } else { s * s };
        z[0] + x.max(1.0) + t
    }

    #[test]
    fn compiles_and_differentiates() {
        let (gx, gy) = grad_a(-0.3, &[1.0, 2.0], 2);
        let f = |p: &[f64]| a(p[0], &[p[1], p[2]], 2);
        assert!(super::check(
            "forbids_unused",
            &f,
            &[gx, gy[0], gy[1]],
            &[-0.3, 1.0, 2.0]
        ));
    }
}

/// A `&f64` value chosen by a branch that may return (its placeholder must be a reference).
#[differentiable]
pub fn reference_through_branch(x: f64, r: &f64) -> f64 {
    let v = if x > 2.0 { return x } else { r };
    *v * x
}

#[test]
fn reference_value_through_a_branch_that_returns() {
    assert!(close(grad_reference_through_branch(0.5, &3.0), 3.0));
    assert!(close(grad_reference_through_branch(2.5, &3.0), 1.0));
}

/// `into_iter()` of an owned `Vec<f64>` or `[f64; N]` parameter gives `f64`s, not references:
/// `filter(|&x| ..)` and `filter(|x| *x > ..)` on them were errors in generated code (random
/// programs, array seed 42).
#[differentiable]
pub fn owned_into_iter(v: [f64; 3], w: Vec<f64>, r: &[f64]) -> f64 {
    let s1: f64 = v.into_iter().filter(|&x| x < 2.0).map(|x| x * x).sum();
    let s2: f64 = w
        .into_iter()
        .rev()
        .filter(|x| *x > 0.0)
        .map(|x| x.sin())
        .sum();
    let s3: f64 = r.into_iter().filter(|x| **x > 0.0).map(|x| x * 2.0).sum();
    let s4: f64 = v.into_iter().zip(r.iter()).map(|(p, q)| p * q).sum();
    let s5: f64 = v.iter().filter(|&&x| x > 0.5).sum();
    s1 + s2 + s3 + s4 + s5
}

#[test]
fn into_iter_of_owned_arrays_gives_values() {
    let (v, w, r) = ([0.45, 1.5, 2.5], vec![1.0, -2.0, 3.0], vec![0.3, -0.1, 0.7]);
    let (gv, gw, gr) = grad_owned_into_iter(v, w.clone(), &r);
    let mut flat = gv.to_vec();
    flat.extend(&gw);
    flat.extend(&gr);
    let f = |p: &[f64]| owned_into_iter([p[0], p[1], p[2]], p[3..6].to_vec(), &p[6..9]);
    let x = [0.45, 1.5, 2.5, 1.0, -2.0, 3.0, 0.3, -0.1, 0.7];
    assert!(check("owned_into_iter", &f, &flat, &x));
}

/// The issue-9 G1 program (array seed 4 #69): an array reference inside a value `if` whose
/// other branch returns, after an earlier early return in the same expression.
#[differentiable]
pub fn array_ref_in_guarded_if(c: bool, x: f64, r: ndarray::Array1<f64>) -> f64 {
    let tmp = x * 2.0;
    let t = (if c { return 1.0 } else { 1.86 }) * if c { return (tmp * &r).dot(&r) } else { 1.0 };
    t * x * r.sum()
}

#[test]
fn array_reference_in_a_guarded_value_if() {
    let r = ndarray::arr1(&[1.0, 2.0]);
    let (gx, gr) = grad_array_ref_in_guarded_if(false, 0.5, r.clone());
    assert!(
        close(gx, 1.86 * 3.0) && gr.iter().all(|g| close(*g, 1.86 * 0.5)),
        "{gx} {gr}"
    );
    // c = true returns at the first `if`: the constant 1.
    let (gx, gr) = grad_array_ref_in_guarded_if(true, 0.5, r);
    assert!(gx == 0.0 && gr.iter().all(|g| *g == 0.0));
}

/// `m[(i, j)]`, nalgebra's form of a matrix element, on an ndarray matrix and a local matrix.
#[differentiable]
pub fn tuple_indices(m: ndarray::ArrayView2<f64>, s: f64) -> f64 {
    let mut y = ndarray::Array2::zeros((2, 2));
    for i in 0..2 {
        for j in 0..2 {
            y[(i, j)] = m[(j, i)] * s + m[[i, j]];
        }
    }
    y[(0, 1)] * y[(1, 0)] + y[[1, 1]].sin()
}

#[test]
fn tuple_indices_read_and_write_matrix_elements() {
    let m = ndarray::arr2(&[[0.3, -1.2], [0.8, 2.0]]);
    let (gm, gs) = grad_tuple_indices(m.view(), 0.7);
    let mut flat: Vec<f64> = gm.iter().copied().collect();
    flat.push(gs);
    let f = |p: &[f64]| {
        let m = ndarray::Array2::from_shape_vec((2, 2), p[..4].to_vec()).unwrap();
        tuple_indices(m.view(), p[4])
    };
    assert!(check(
        "tuple_indices",
        &f,
        &flat,
        &[0.3, -1.2, 0.8, 2.0, 0.7]
    ));
}

/// Fuzz campaign 2026-12-05, array seed 101 #321 (G1): a reference to an array computed after
/// an early return, in a tuple assignment; its placeholder was `Default::default()` of a
/// `&Array1`, and the sum then took a reference of the reference.
#[differentiable]
pub fn array_ref_after_return(m: ArrayView1<f64>, i: ndarray::Array1<f64>, s_bar: f64) -> f64 {
    let mut prod = s_bar.exp2();
    let (w, mut h) = (1.0_f64, 0.5);
    (prod, h) = (
        if s_bar > 0.9 {
            return s_bar;
        } else if i.len() < 2 {
            w
        } else {
            prod * 1.5
        },
        (s_bar + &(m.sinh())).std(0.0),
    );
    prod + h
}

#[test]
fn array_reference_after_an_early_return() {
    let m = ndarray::arr1(&[0.1, 0.4, -0.3]);
    for s in [0.2, 0.5, 0.95] {
        let (gm, gi, gs) = grad_array_ref_after_return(m.view(), m.clone(), s);
        assert!(gi.iter().all(|g| *g == 0.0));
        let mut flat: Vec<f64> = gm.to_vec();
        flat.push(gs);
        let f = |p: &[f64]| {
            let v = ndarray::Array1::from(p[..3].to_vec());
            array_ref_after_return(v.view(), m.clone(), p[3])
        };
        assert!(check(
            "array_ref_after_return",
            &f,
            &flat,
            &[0.1, 0.4, -0.3, s]
        ));
    }
}

/// Fuzz array seed 311 #97 (G1, session 8): a view of a local array (`t.row(i)`) computed after
/// a `return` inside the same expression; the guarded view's placeholder was
/// `Default::default()`, which views do not implement (E0277 in generated code). Now the
/// runtime's `Placeholder` gives an empty view.
#[differentiable]
pub fn view_after_return_in_expression(first: usize, acc: &ndarray::Array2<f64>) -> f64 {
    let t = acc * 2.0;
    let mut r = acc[[0, 0]];
    let v: f64 = ({
        r = if acc.sum() > 10.0 {
            return r.sin();
        } else {
            r * 3.0
        };
        r
    }) * (1.0_f64 + &t.row(first % 2)).sum();
    v + r
}

#[test]
fn view_of_a_local_array_after_a_return_in_the_same_expression() {
    for (first, scale) in [(0, 1.0), (1, 1.0), (1, 8.0)] {
        let acc = ndarray::arr2(&[[0.3, -0.2], [0.5, 0.9]]) * scale;
        let g = grad_view_after_return_in_expression(first, &acc);
        let f = |p: &[f64]| {
            let a = ndarray::Array2::from_shape_vec((2, 2), p.to_vec()).unwrap();
            view_after_return_in_expression(first, &a)
        };
        let x: Vec<f64> = acc.iter().copied().collect();
        let flat: Vec<f64> = g.iter().copied().collect();
        assert!(check("view_after_return_in_expression", &f, &flat, &x));
    }
}
