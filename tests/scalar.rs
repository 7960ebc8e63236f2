//! The scalar part of the contract, construct by construct: every generated gradient is checked
//! against central finite differences at many random points, and against hand-derived formulas
//! where they are short.
// These tests write every syntactic form the contract allows (`s = s * x`, `x as f64`, `&x[..]`,
// loops over indices ...), including the forms clippy would rewrite.
#![allow(clippy::all)]

mod common;

use autodiff_runtime::differentiable;
use common::check;
use proptest::prelude::*;
use std::f64::consts::PI;

// ----- every f64 math method, in method form and in path form -----

macro_rules! unary {
    ($($m:ident: $lo:expr, $hi:expr;)*) => {
        mod unary_method {
            use super::*;
            $( #[differentiable] pub fn $m(x: f64) -> f64 { x.$m() * 1.5 } )*
        }
        mod unary_path {
            use super::*;
            $( #[differentiable] pub fn $m(x: f64) -> f64 { f64::$m(x) + x } )*
        }
        #[allow(clippy::type_complexity)]
        fn unary_table() -> Vec<(&'static str, fn(f64) -> f64, fn(f64) -> f64, fn(f64) -> f64, fn(f64) -> f64, f64, f64)> {
            vec![$(
                (stringify!($m), unary_method::$m, paste_grad!(unary_method, $m),
                 unary_path::$m, paste_grad!(unary_path, $m), $lo, $hi),
            )*]
        }
    };
}

// `grad_<name>` of a module's function, without a proc-macro helper crate.
macro_rules! paste_grad {
    ($module:ident, sin) => {
        $module::grad_sin
    };
    ($module:ident, cos) => {
        $module::grad_cos
    };
    ($module:ident, tan) => {
        $module::grad_tan
    };
    ($module:ident, asin) => {
        $module::grad_asin
    };
    ($module:ident, acos) => {
        $module::grad_acos
    };
    ($module:ident, atan) => {
        $module::grad_atan
    };
    ($module:ident, sinh) => {
        $module::grad_sinh
    };
    ($module:ident, cosh) => {
        $module::grad_cosh
    };
    ($module:ident, tanh) => {
        $module::grad_tanh
    };
    ($module:ident, asinh) => {
        $module::grad_asinh
    };
    ($module:ident, acosh) => {
        $module::grad_acosh
    };
    ($module:ident, atanh) => {
        $module::grad_atanh
    };
    ($module:ident, exp) => {
        $module::grad_exp
    };
    ($module:ident, exp2) => {
        $module::grad_exp2
    };
    ($module:ident, exp_m1) => {
        $module::grad_exp_m1
    };
    ($module:ident, ln) => {
        $module::grad_ln
    };
    ($module:ident, ln_1p) => {
        $module::grad_ln_1p
    };
    ($module:ident, log2) => {
        $module::grad_log2
    };
    ($module:ident, log10) => {
        $module::grad_log10
    };
    ($module:ident, sqrt) => {
        $module::grad_sqrt
    };
    ($module:ident, cbrt) => {
        $module::grad_cbrt
    };
    ($module:ident, abs) => {
        $module::grad_abs
    };
    ($module:ident, signum) => {
        $module::grad_signum
    };
    ($module:ident, recip) => {
        $module::grad_recip
    };
    ($module:ident, to_degrees) => {
        $module::grad_to_degrees
    };
    ($module:ident, to_radians) => {
        $module::grad_to_radians
    };
}

unary! {
    sin: -10.0, 10.0;
    cos: -10.0, 10.0;
    tan: -1.4, 1.4;
    asin: -0.95, 0.95;
    acos: -0.95, 0.95;
    atan: -10.0, 10.0;
    sinh: -5.0, 5.0;
    cosh: -5.0, 5.0;
    tanh: -5.0, 5.0;
    asinh: -10.0, 10.0;
    acosh: 1.05, 10.0;
    atanh: -0.95, 0.95;
    exp: -5.0, 5.0;
    exp2: -5.0, 5.0;
    exp_m1: -5.0, 5.0;
    ln: 0.05, 10.0;
    ln_1p: -0.9, 10.0;
    log2: 0.05, 10.0;
    log10: 0.05, 10.0;
    sqrt: 0.05, 10.0;
    cbrt: 0.05, 10.0;
    abs: -10.0, 10.0;
    signum: -10.0, 10.0;
    recip: 0.1, 10.0;
    to_degrees: -10.0, 10.0;
    to_radians: -10.0, 10.0;
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn unary_math_matches_finite_differences(t in 0.0f64..1.0) {
        for (name, f, g, fp, gp, lo, hi) in unary_table() {
            let x = lo + t * (hi - lo);
            prop_assume!(x.abs() > 1e-2 || !matches!(name, "abs" | "signum"));
            check(name, &|v: &[f64]| f(v[0]), &[g(x)], &[x]);
            check(name, &|v: &[f64]| fp(v[0]), &[gp(x)], &[x]);
        }
    }
}

#[test]
fn unary_math_hand_derived() {
    let x = 0.3;
    assert_eq!(unary_method::grad_sin(x), 1.5 * x.cos());
    assert_eq!(unary_method::grad_exp(x), 1.5 * x.exp());
    assert_eq!(unary_method::grad_ln(x), 1.5 / x);
    assert_eq!(unary_path::grad_cos(x), 1.0 - x.sin());
    assert_eq!(unary_method::grad_signum(x), 0.0);
    assert_eq!(unary_method::grad_abs(-x), -1.5);
    // Non-differentiable points follow JAX: |x|' = 0 at 0.
    assert_eq!(unary_method::grad_abs(0.0), 0.0);
}

// ----- the binary and ternary math functions -----

#[differentiable]
fn atan2_f(y: f64, x: f64) -> f64 {
    y.atan2(x) + f64::atan2(x, y)
}
#[differentiable]
fn powf_f(x: f64, y: f64) -> f64 {
    x.powf(y) + f64::powf(y, 0.5)
}
#[differentiable]
fn log_f(x: f64, b: f64) -> f64 {
    x.log(b) + f64::log(b, 3.0)
}
#[differentiable]
fn hypot_f(x: f64, y: f64) -> f64 {
    x.hypot(y) * f64::hypot(y, 2.0)
}
#[differentiable]
fn max_min_f(x: f64, y: f64) -> f64 {
    x.max(y) * 2.0 + f64::min(x, y) * 3.0 + x.max(0.5) + f64::min(y, 1.0)
}
#[differentiable]
fn mul_add_f(x: f64, y: f64) -> f64 {
    x.mul_add(y, x * x) + f64::mul_add(y, 2.0, x)
}
#[differentiable]
fn clamp_f(x: f64, y: f64) -> f64 {
    x.clamp(-1.0, y) + f64::clamp(y, x, 5.0)
}
#[differentiable]
fn powi_f(x: f64, y: f64, n: i32) -> f64 {
    x.powi(n) + f64::powi(y, 3) + x.powi(0) * y
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn binary_math_matches_finite_differences(x in 0.2f64..4.0, y in 0.2f64..4.0, n in -3i32..5) {
        let v = [x, y];
        let pair = |g: (f64, f64)| [g.0, g.1];
        check("atan2", &|v: &[f64]| atan2_f(v[0], v[1]), &pair(grad_atan2_f(x, y)), &v);
        check("powf", &|v: &[f64]| powf_f(v[0], v[1]), &pair(grad_powf_f(x, y)), &v);
        prop_assume!((y - 1.0).abs() > 0.05);
        check("log", &|v: &[f64]| log_f(v[0], v[1]), &pair(grad_log_f(x, y)), &v);
        check("hypot", &|v: &[f64]| hypot_f(v[0], v[1]), &pair(grad_hypot_f(x, y)), &v);
        check("max_min", &|v: &[f64]| max_min_f(v[0], v[1]), &pair(grad_max_min_f(x, y)), &v);
        check("mul_add", &|v: &[f64]| mul_add_f(v[0], v[1]), &pair(grad_mul_add_f(x, y)), &v);
        check("clamp", &|v: &[f64]| clamp_f(v[0], v[1]), &pair(grad_clamp_f(x, y)), &v);
        check("powi", &|v: &[f64]| powi_f(v[0], v[1], n), &pair(grad_powi_f(x, y, n)), &v);
    }
}

#[test]
fn ties_and_special_points_follow_the_documented_rule() {
    // max/min on a tie: the receiver gets the gradient.
    assert_eq!(grad_max_min_f(2.0, 2.0), (2.0 + 3.0 + 1.0, 0.0));
    // x^0 has derivative 0 everywhere, also at 0.
    assert_eq!(grad_powi_f(0.0, 1.0, 0).0, 0.0);
    // hypot at the origin: 0, not NaN.
    #[differentiable]
    fn h(x: f64, y: f64) -> f64 {
        x.hypot(y)
    }
    assert_eq!(grad_h(0.0, 0.0), (0.0, 0.0));
    // NaN propagates.
    assert!(unary_method::grad_sqrt(-1.0).is_nan());
}

// ----- statements and control flow -----

#[differentiable]
fn shadowing(x: f64, y: f64) -> f64 {
    let y2 = x * y;
    let y2 = y2.sin() + x;
    let x = y2 * y2;
    x - y
}

#[differentiable]
fn assignment(x: f64, y: f64) -> f64 {
    let mut s = x;
    s += y;
    s *= x;
    s -= 1.0;
    s /= y;
    let mut t: f64 = 2.0;
    t = t * s - x;
    t
}

#[differentiable]
fn if_statement(x: f64, y: f64) -> f64 {
    let mut r = 0.0;
    if x > y {
        r = x * y;
    } else if x < 0.5 {
        r = x.exp() + y;
    } else {
        r += y.sin() * x;
    }
    r * 2.0
}

#[differentiable]
fn if_expression(x: f64, y: f64) -> f64 {
    let r = if (x * y).sin() > 0.0 {
        x * x
    } else if y > 2.0 {
        -x
    } else {
        y.cos()
    };
    r * y + if x > 1.0 { x } else { 1.0 }
}

#[differentiable]
fn conditions(x: f64, y: f64, flag: bool) -> f64 {
    let mut r = x;
    if x > 1.0 && y < 2.0 || !(x < y) && flag {
        r = r * y;
    }
    if !flag || x > 3.0 {
        r += x.sin();
    }
    r
}

#[differentiable]
fn horner(x: f64, y: f64, n: usize) -> f64 {
    let mut s = 0.0;
    for k in (1..=n).rev() {
        s = s * x + k as f64 * y;
    }
    s
}

#[differentiable]
fn ranges(x: f64, y: f64) -> f64 {
    let mut s = 0.0;
    for k in (0..10).step_by(3) {
        s += (x * k as f64).sin();
    }
    for k in (2..=11).rev().step_by(4) {
        s = s * 0.5 + y * k as f64;
    }
    for k in (0i32..7).step_by(2).rev() {
        s = (s * x).cos() + k as f64;
    }
    s
}

#[differentiable]
fn while_fixed(x: f64, y: f64) -> f64 {
    let mut t = x;
    let mut i = 0;
    while i < 5 {
        t = t.sin() + y;
        i += 1;
    }
    t
}

#[differentiable]
fn while_active(x: f64, y: f64) -> f64 {
    let mut t = x;
    while t < 10.0 {
        t = t * 1.5 + y;
    }
    t
}

#[differentiable]
fn loop_break(x: f64, y: f64) -> f64 {
    let mut t = y;
    let mut i = 0;
    loop {
        t = t * x + 0.1;
        i += 1;
        if t > 5.0 || i > 20 {
            break;
        }
    }
    t + i as f64
}

#[differentiable]
fn for_continue(x: f64, y: f64) -> f64 {
    let mut s = 0.0;
    for k in 0..10 {
        if k % 3 == 0 {
            continue;
        }
        s += (x * k as f64).cos() * y;
        if s > 100.0 {
            continue;
        }
        s *= 1.01;
    }
    s
}

#[differentiable]
fn early_return_in_loop(x: f64, y: f64) -> f64 {
    let mut s = 1.0;
    for _ in 0..20 {
        s = s * x + y;
        if s > 10.0 {
            return s.ln() * y;
        }
    }
    s
}

#[differentiable]
fn early_return_nested(x: f64, y: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..6 {
        let mut j = 0;
        while j < i {
            s += (x * j as f64 + y).sin();
            if s > 2.0 {
                return s * x;
            }
            j += 1;
        }
    }
    s - y
}

#[differentiable]
fn early_return_straight(x: f64, y: f64) -> f64 {
    if x < 1.0 {
        return -x * y;
    }
    let z = x * x;
    if z > 9.0 {
        return z.sqrt() + y;
    }
    z * y
}

#[differentiable]
fn tail_if_returns(x: f64, y: f64) -> f64 {
    if x > y {
        return x * 2.0;
    } else {
        y * y
    }
}

#[differentiable]
fn nested_loops(x: f64, y: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..4 {
        let mut p = 1.0;
        for j in 0..i {
            p = p * (x + j as f64);
        }
        s += p * y;
    }
    for _ in 0..3 {
        for _ in 0..3 {
            s = (s * x).sin() + y;
        }
    }
    s
}

#[differentiable]
fn swap_in_loop(x: f64, y: f64) -> f64 {
    let mut a = x;
    let mut b = y;
    for _ in 0..5 {
        let t = a;
        a = b * x;
        b = t + y;
    }
    a * b
}

#[differentiable]
fn product_loop(x: f64, y: f64) -> f64 {
    // Needs every intermediate value of p: the tape records it.
    let mut p = 1.0;
    for k in 1..8 {
        p = p * (x + k as f64 * y).sin();
    }
    p
}

const C: f64 = 2.5;

#[differentiable]
fn consts_and_casts(x: f64, y: f64, n: i32) -> f64 {
    let k = (n * 3) % 7;
    let m = k as f64 + n as f64;
    x * C + PI * y + std::f64::consts::E * x * m + (x as f64) * f64::EPSILON + x.powi(k)
}

#[differentiable]
fn deref_and_mut_param(mut x: f64, y: f64, r: &f64) -> f64 {
    x = x * *r;
    x * y
}

#[differentiable]
fn block_expression(x: f64, y: f64) -> f64 {
    let z = {
        let t = x * 2.0;
        t * t + y
    };
    z * { x - y }
}

#[differentiable]
fn neg_and_ints(x: f64, y: f64, n: usize) -> f64 {
    let half = n / 2;
    let mut s = -x;
    for i in half..n {
        if i % 2 == 1 {
            s = -s * y;
        } else {
            s += x;
        }
    }
    s
}

#[differentiable]
fn constant_output(x: f64, y: f64) -> f64 {
    let _unused = x * y;
    3.0
}

type F2 = fn(f64, f64) -> f64;
type G2 = fn(f64, f64) -> (f64, f64);

fn control_table() -> Vec<(&'static str, F2, G2)> {
    vec![
        ("shadowing", shadowing, grad_shadowing),
        ("assignment", assignment, grad_assignment),
        ("if_statement", if_statement, grad_if_statement),
        ("if_expression", if_expression, grad_if_expression),
        (
            "horner",
            |x, y| horner(x, y, 6),
            |x, y| grad_horner(x, y, 6),
        ),
        ("ranges", ranges, grad_ranges),
        ("while_fixed", while_fixed, grad_while_fixed),
        ("while_active", while_active, grad_while_active),
        ("loop_break", loop_break, grad_loop_break),
        ("for_continue", for_continue, grad_for_continue),
        (
            "early_return_in_loop",
            early_return_in_loop,
            grad_early_return_in_loop,
        ),
        (
            "early_return_nested",
            early_return_nested,
            grad_early_return_nested,
        ),
        (
            "early_return_straight",
            early_return_straight,
            grad_early_return_straight,
        ),
        ("tail_if_returns", tail_if_returns, grad_tail_if_returns),
        ("nested_loops", nested_loops, grad_nested_loops),
        ("swap_in_loop", swap_in_loop, grad_swap_in_loop),
        ("product_loop", product_loop, grad_product_loop),
        (
            "consts_and_casts",
            |x, y| consts_and_casts(x, y, 4),
            |x, y| grad_consts_and_casts(x, y, 4),
        ),
        (
            "deref_and_mut_param",
            |x, y| deref_and_mut_param(x, y, &1.7),
            |x, y| grad_deref_and_mut_param(x, y, &1.7),
        ),
        ("block_expression", block_expression, grad_block_expression),
        (
            "neg_and_ints",
            |x, y| neg_and_ints(x, y, 9),
            |x, y| grad_neg_and_ints(x, y, 9),
        ),
        (
            "conditions/t",
            |x, y| conditions(x, y, true),
            |x, y| grad_conditions(x, y, true),
        ),
        (
            "conditions/f",
            |x, y| conditions(x, y, false),
            |x, y| grad_conditions(x, y, false),
        ),
        ("constant_output", constant_output, grad_constant_output),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, max_global_rejects: 4096, ..ProptestConfig::default() })]

    #[test]
    fn control_flow_matches_finite_differences(x in 0.05f64..4.0, y in 0.05f64..4.0) {
        let mut used = 0;
        for (name, f, g) in control_table() {
            let (gx, gy) = g(x, y);
            if check(name, &|v: &[f64]| f(v[0], v[1]), &[gx, gy], &[x, y]) {
                used += 1;
            }
        }
        // Branch boundaries (many functions branch on x > y) make some functions unusable at a
        // point, never most of them.
        prop_assert!(used * 2 >= control_table().len(), "only {used} functions smooth at ({x}, {y})");
    }

    #[test]
    fn value_and_grad_agrees_with_f_and_grad(x in 0.05f64..4.0, y in 0.05f64..4.0) {
        let (v, g) = value_and_grad_nested_loops(x, y);
        prop_assert_eq!(v, nested_loops(x, y));
        prop_assert_eq!(g, grad_nested_loops(x, y));
        let (v, g) = value_and_grad_early_return_nested(x, y);
        prop_assert_eq!(v, early_return_nested(x, y));
        prop_assert_eq!(g, grad_early_return_nested(x, y));
    }
}

#[test]
fn hand_derived_formulas() {
    // Horner evaluates Σ_k k y x^(k-1); d/dy = Σ k x^(k-1), d/dx = Σ k (k-1) y x^(k-2).
    let (x, y) = (1.3, 0.7);
    let (gx, gy) = grad_horner(x, y, 6);
    let dy: f64 = (1..=6).map(|k| k as f64 * x.powi(k - 1)).sum();
    let dx: f64 = (2..=6)
        .map(|k| (k * (k - 1)) as f64 * y * x.powi(k - 2))
        .sum();
    approx::assert_relative_eq!(gy, dy, max_relative = 1e-14);
    approx::assert_relative_eq!(gx, dx, max_relative = 1e-14);
    // The constant function has a zero gradient.
    assert_eq!(grad_constant_output(1.0, 2.0), (0.0, 0.0));
    // A while loop with an active condition: t_k = 1.5 t + y until t >= 10.
    let (gx, _) = grad_while_active(2.0, 1.0);
    let mut t = 2.0;
    let mut n = 0;
    while t < 10.0 {
        t = t * 1.5 + 1.0;
        n += 1;
    }
    approx::assert_relative_eq!(gx, 1.5f64.powi(n), max_relative = 1e-14);
}

// ----- wrt -----

#[differentiable(wrt(y))]
fn only_y(x: f64, y: f64, z: f64) -> f64 {
    x * y * z + y.sin()
}

#[differentiable(wrt(z, x))]
fn z_and_x(x: f64, y: f64, z: f64) -> f64 {
    x * y * z + x.exp()
}

#[test]
fn wrt_selects_and_orders_as_written() {
    let g: f64 = grad_only_y(2.0, 3.0, 4.0);
    approx::assert_relative_eq!(g, 8.0 + 3.0f64.cos(), max_relative = 1e-15);
    // `wrt(z, x)`: the gradient in that order (like JAX's argnums).
    let (gz, gx): (f64, f64) = grad_z_and_x(2.0, 3.0, 4.0);
    approx::assert_relative_eq!(gx, 12.0 + 2.0f64.exp(), max_relative = 1e-15);
    approx::assert_relative_eq!(gz, 6.0, max_relative = 1e-15);
    // The pullback gives every f64 parameter, whatever `wrt` says.
    let (px, py, pz) = pullback_only_y(2.0, 3.0, 4.0, 2.0);
    assert_eq!((px, py, pz), (24.0, 2.0 * (8.0 + 3.0f64.cos()), 12.0));
}

// ----- calls to other differentiable functions -----

mod inner {
    use autodiff_runtime::differentiable;

    #[differentiable(wrt(a))]
    pub fn g(a: f64, b: f64, k: usize) -> f64 {
        (a * b).sin() * k as f64 + a * a
    }

    pub mod deeper {
        use autodiff_runtime::differentiable;
        #[differentiable]
        pub fn h(a: f64) -> f64 {
            a.exp() / (1.0 + a * a)
        }
    }
}

#[differentiable]
fn sq(a: f64) -> f64 {
    a * a
}

#[differentiable]
fn calls(x: f64, y: f64) -> f64 {
    let mut s = sq(x) + inner::g(y, x, 3);
    for k in 0..4 {
        s += inner::g(x, s * 0.1, k) * crate::inner::deeper::h(y);
    }
    sq(sq(s * 0.01))
}

#[differentiable]
fn call_in_condition(x: f64, y: f64) -> f64 {
    if sq(x) > y {
        inner::deeper::h(x)
    } else {
        sq(y) * x
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn calls_match_finite_differences(x in 0.05f64..2.0, y in 0.05f64..2.0) {
        let (gx, gy) = grad_calls(x, y);
        check("calls", &|v: &[f64]| calls(v[0], v[1]), &[gx, gy], &[x, y]);
        let (gx, gy) = grad_call_in_condition(x, y);
        check("call_in_condition", &|v: &[f64]| call_in_condition(v[0], v[1]), &[gx, gy], &[x, y]);
    }
}

// ----- a call into another crate -----

#[differentiable(wrt(x))]
fn cross_crate(x: f64, n: usize) -> f64 {
    autodiff_examples::weierstrass::w_term(x, n, 0.5, 3.0) * x
        + autodiff_examples::weierstrass::weierstrass(x, n, 0.5, 3.0)
}

#[test]
fn calls_into_another_crate() {
    for i in 0..50 {
        let x = -1.0 + 0.04 * i as f64 + 0.013;
        let g = grad_cross_crate(x, 4);
        check("cross_crate", &|v: &[f64]| cross_crate(v[0], 4), &[g], &[x]);
    }
}

// ----- names that once leaked into generated code (regressions) -----

#[differentiable]
#[allow(dead_code)]
fn value(value: f64) -> f64 {
    value * value
}

#[differentiable]
fn sq_param_named_value(value: f64) -> f64 {
    value * value
}

#[differentiable]
fn calls_value_param(y: f64) -> f64 {
    sq_param_named_value(y) + 0.0
}

#[differentiable]
#[allow(unused_mut, unused_assignments, clippy::never_loop)]
fn shadowed_in_loop(x: f64, n: usize) -> f64 {
    let mut s = x;
    for _ in 0..n {
        let mut s = 10.0;
        s += x;
        s = s * x;
    }
    loop {
        let mut s = 1.0;
        s = s + x;
        break;
    }
    s * x
}

#[differentiable]
#[allow(unused_variables)]
fn raw_identifier(x: f64) -> f64 {
    let r#x = x * x;
    x
}

#[test]
fn generated_names_never_capture_user_names() {
    assert_eq!(value_and_grad_sq_param_named_value(3.0), (9.0, 6.0));
    assert_eq!(value_and_grad_value(3.0), (9.0, 6.0));
    assert_eq!(grad_calls_value_param(3.0), 6.0);
    assert_eq!(pullback_sq_param_named_value(3.0, 2.0), (12.0,));
    assert_eq!(value_and_grad_shadowed_in_loop(3.0, 2), (9.0, 6.0));
    assert_eq!(value_and_grad_raw_identifier(3.0), (9.0, 6.0));
}

// ----- constant arrays, references to scalars, fixed-size array parameters -----

const WEIGHTS: [f64; 2] = [0.5, 1.5];

#[differentiable]
fn const_array_and_reference(x: f64, y: f64) -> f64 {
    let r = &x;
    *r * x * WEIGHTS[1] + y * WEIGHTS[0]
}

#[test]
fn constant_arrays_and_scalar_references() {
    let (gx, gy) = grad_const_array_and_reference(3.0, 2.0);
    assert_eq!((gx, gy), (2.0 * 3.0 * 1.5, 0.5));
}
