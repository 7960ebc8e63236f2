//! What generated code calls. Not a public API: names and signatures may change with the macro.

pub use crate::seq::Seq;

/// How many checkpoints a loop of `total` iterations keeps with one every `every` iterations.
/// Panics for `every == 0`.
#[inline]
pub fn checkpoints(total: usize, every: usize) -> usize {
    assert!(every > 0, "#[checkpoint(every = k)] needs k >= 1");
    total.div_ceil(every)
}

/// Takes the last value a loop recorded on its tape.
#[inline]
pub fn pop<T>(tape: &mut Vec<T>) -> T {
    match tape.pop() {
        Some(v) => v,
        None => tape_underflow(),
    }
}

#[cold]
#[inline(never)]
fn tape_underflow() -> ! {
    panic!(
        "autodiff tape underflow: the reverse sweep read more than the forward sweep recorded; this is a bug in #[differentiable], please report it"
    )
}

/// d/dx x^n = n x^(n-1), and 0 for n = 0 (also at x = 0, where the formula gives 0·∞).
#[inline]
pub fn powi_da(x: f64, n: i32) -> f64 {
    if n == 0 {
        0.0
    } else {
        f64::from(n) * x.powi(n - 1)
    }
}

/// ∂/∂x x^y = y x^(y-1), and 0 for y = 0 (as JAX).
#[inline]
pub fn powf_da(x: f64, y: f64) -> f64 {
    if y == 0.0 { 0.0 } else { y * x.powf(y - 1.0) }
}

/// ∂/∂y x^y = x^y ln x, given `v` = x^y; 0 at x = 0 (as JAX).
#[inline]
pub fn powf_db(x: f64, v: f64) -> f64 {
    if x == 0.0 { 0.0 } else { v * x.ln() }
}

/// d/dx |x| = sign(x), and 0 at x = 0 (as JAX); NaN for NaN.
#[inline]
pub fn abs_da(x: f64) -> f64 {
    if x == 0.0 { 0.0 } else { x.signum() }
}

/// Whether `a.max(b)` returned `a`: on a tie, yes; a NaN argument is never returned.
#[inline]
pub fn max_picks_first(a: f64, b: f64) -> bool {
    if a.is_nan() {
        false
    } else if b.is_nan() {
        true
    } else {
        a >= b
    }
}

/// Whether `a.min(b)` returned `a`: on a tie, yes; a NaN argument is never returned.
#[inline]
pub fn min_picks_first(a: f64, b: f64) -> bool {
    if a.is_nan() {
        false
    } else if b.is_nan() {
        true
    } else {
        a <= b
    }
}

/// Which argument `x.clamp(lo, hi)` returned: 0 for `x` (also on ties and for NaN), 1 for
/// `lo`, 2 for `hi`.
#[inline]
pub fn clamp_picks(x: f64, lo: f64, hi: f64) -> u8 {
    if x < lo {
        1
    } else if x > hi {
        2
    } else {
        0
    }
}

/// `a / b`, and 0 where `b` is 0 (the gradient of `hypot` at the origin).
#[inline]
pub fn div_or_zero(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}

/// The adjoint a callee's pullback returns for a scalar argument that carries a derivative.
#[diagnostic::on_unimplemented(
    message = "the called function does not differentiate the parameter this argument goes to",
    label = "this argument carries a derivative, but the callee's parameter type is not one #[differentiable] reads as a float",
    note = "declare the callee's parameter as `f64` or `&f64` (a type alias such as `type Real = f64` is not recognised), or pass a constant"
)]
pub trait CalleeAdjoint {
    fn into_f64(self) -> f64;
}

impl CalleeAdjoint for f64 {
    #[inline]
    fn into_f64(self) -> f64 {
        self
    }
}

/// See [`CalleeAdjoint`].
#[inline]
pub fn callee_adjoint<T: CalleeAdjoint>(d: T) -> f64 {
    d.into_f64()
}

/// The float predicates and roundings of a body, called by generated code as
/// `FloatMethods::floor(v)` on a float it cannot type: on an untyped float literal
/// (`let mut acc = 0.0; acc.floor()`) a method call is an error (E0689) in generated code as in
/// the function itself, reported twice; a trait call leaves the type to rustc's fallback (`f64`),
/// so only the function's own error remains. On `f64` and `f32` it is the method itself.
pub trait FloatMethods: Copy {
    fn is_nan(self) -> bool;
    fn is_finite(self) -> bool;
    fn is_infinite(self) -> bool;
    fn is_normal(self) -> bool;
    fn is_sign_positive(self) -> bool;
    fn is_sign_negative(self) -> bool;
    fn floor(self) -> Self;
    fn ceil(self) -> Self;
    fn round(self) -> Self;
    fn round_ties_even(self) -> Self;
    fn trunc(self) -> Self;
}

macro_rules! float_methods {
    ($($t:ty)*) => {$(
        impl FloatMethods for $t {
            float_methods!(@ $t; is_nan is_finite is_infinite is_normal is_sign_positive
                is_sign_negative => bool);
            float_methods!(@ $t; floor ceil round round_ties_even trunc => $t);
        }
    )*};
    (@ $t:ty; $($m:ident)* => $r:ty) => {$(
        #[inline]
        fn $m(self) -> $r {
            <$t>::$m(self)
        }
    )*};
}

float_methods!(f64 f32);
