//! The `#[differentiable]` attribute. Use it through `autodiff-runtime`, which re-exports it
//! and holds everything the generated code calls; see that crate's documentation.
//!
//! The stages, each a plain function over `proc_macro2`/`syn` values or the IR:
//! `args` (the `wrt(...)` argument) → `params` (signature checks, parameter kinds) →
//! `lower` (syn to the SSA IR of `ir`) → `analyse` (activity, what the reverse sweep needs) →
//! `rules` (one table of partial derivatives) → `reverse` (forward and reverse sweeps) →
//! `expand` (the generated items, or the user's function, errors and stubs). Struct parameters
//! (`derive`, `structs`) are rewritten into one parameter per differentiated field before these
//! stages, and put back together after them.

mod analyse;
mod args;
mod array_outputs;
mod context;
mod custom;
mod derive;
mod error;
mod expand;
mod forward;
mod hessian;
mod ir;
mod jacobian;
mod labelled_loops;
mod lower;
mod mut_params;
mod names;
mod params;
mod reverse;
mod rules;
mod self_params;
mod show;
mod split_at_mut;
mod structs;
mod stubs;
mod tuple_vars;
mod unit_tangents;
mod widen;

use proc_macro::TokenStream;

/// Generates reverse-mode derivatives of an `f64` function at compile time.
///
/// ```ignore
/// #[differentiable]              // every float parameter is active
/// #[differentiable(wrt(y, x))]   // only x and y, gradient (∂f/∂y, ∂f/∂x) (like JAX's argnums)
/// ```
///
/// Beside `fn f` it emits, with the same visibility:
///
/// - `grad_f(args) -> G`: the gradient with respect to the active parameters, in the order
///   `wrt(...)` names them, or in declaration order without `wrt` (the bare gradient for one,
///   a tuple for several). `f64` gives `f64`; `&[f64]` and `Vec<f64>` give `Vec<f64>`;
///   `[f64; N]` gives `[f64; N]`; ndarray arrays give `Array1/2<f64>`.
/// - `value_and_grad_f(args) -> (f64, G)`: the value and the gradient from one sweep.
/// - `jvp_f(args, tangents) -> (f64, f64)`: the value and the derivative along the tangents (one
///   per parameter: `f64`, `&[f64]`, `&[f64; N]`, `&Array1/2<f64>`, `()` for non-floats), by
///   forward mode (no tape) where every operation has a forward rule, else from the gradient.
/// - `vjp_f(args, d_out) -> G`: the active parameters' adjoints given the output's adjoint
///   (`f64`, or a tuple for a function with several outputs); and for a function with several
///   outputs, `jacobian_f(args) -> Array2<f64>`, one row per output, one column per element of
///   the active parameters, from one reverse sweep per output.
/// - `pullback_f(args, d_out: f64) -> (..)`: the adjoints of every parameter in declaration order
///   (`()` for those that are not floats), whatever `wrt` says, given the output's adjoint: the
///   calling convention of a caller's reverse sweep, and yours to compose by hand.
///
/// Parameters of other types (integers, `bool`, `f32` and `f32` arrays, ...) are constants; what
/// the body computes from `f32` ones is converted (`as f64`) before the math functions.
///
/// A function generic over its float type, or written in `f32`, is differentiated too, with
/// derivatives of its own type (computed in `f64` and rounded once):
///
/// ```ignore
/// use autodiff_runtime::num_traits::Float;
///
/// #[differentiable]
/// fn rosenbrock<T: Float>(x: T, y: T) -> T {
///     (T::one() - x).powi(2) + T::from(100.0).unwrap() * (y - x * x).powi(2)
/// }
/// let g32: (f32, f32) = grad_rosenbrock(1.5f32, 2.0);
/// let g64: (f64, f64) = grad_rosenbrock(1.5, 2.0);
/// ```
///
/// The body may use `let`, assignment and compound assignment, `if`/`else` (also on active
/// values), `match`, `if let` and `let .. else` on constants, `for` over ranges (`.rev()`,
/// `.step_by(k)`), over arrays and over iterator chains, `while`, `loop`, `break`, `continue`,
/// `return`, local arrays written element by element in any scope (`let mut y = vec![0.0; n];`,
/// `[0.0; N]`, `Array1::zeros(n)`, ...), the `f64` math methods, casts, constants, tuples (`let (a, b) = ..`,
/// `(x, y) = (y, x + y)`), closures bound with `let` and given to iterator adaptors, calls to
/// other `#[differentiable]` functions (also ones that return `(f64, f64, ..)`), and the ndarray
/// operations listed in the README (arithmetic with broadcasting, `sum`, `mean`, `var`, `std`,
/// `dot`, `t()`, `sum_axis`/`mean_axis`, `slice(s![..])`, `mapv(f64::exp)` and `mapv(|e| ..)`
/// with a closure, `fold`, `from_elem`, ...). Anything else is a compile error on the offending
/// tokens that says what to write instead.
///
/// Iterator chains become the index loop a user would write:
///
/// ```ignore
/// #[differentiable]
/// fn sq_dist(x: &[f64], y: &[f64]) -> f64 {
///     x.iter().zip(y.iter()).map(|(a, b)| (a - b).powi(2)).sum::<f64>()
/// }
/// ```
///
/// In an `impl` block it works on methods with `&self`/`self` (the receiver is a constant whose
/// fields the body reads; `s.grad_energy(x)` is generated beside `s.energy(x)`) and on associated
/// functions that mention `Self`; on the `impl` block itself it differentiates the functions
/// marked `#[differentiable]` in it (all of them when none is marked), also in a trait `impl`,
/// whose generated functions go into an inherent `impl` of the type:
///
/// ```ignore
/// #[differentiable]
/// impl Potential for Spring {
///     fn energy(&self, x: f64) -> f64 { 0.5 * self.k * x * x }
/// }
/// let f = spring.grad_energy(0.3);
/// ```
///
/// In a `#[differentiable] impl` block of a struct that derives `Differentiable`,
/// `#[differentiable(wrt(self, x))]` differentiates a method with respect to its receiver too:
/// `s.grad_energy(x)` returns `(Spring, f64)`, the struct's gradient first (see `self_params.rs`).
///
/// `#[differentiable(hessian)]` adds second order, by reverse mode over the forward-mode
/// `jvp_f`: `hvp_f(params.., tangents..)` (the Hessian times a tangent, shaped as `grad_f`) and
/// `hessian_f(params..) -> Array2<f64>`, for functions of `f64`s, slices, `Vec<f64>`,
/// `[f64; N]` and `Array1<f64>`; the `#[differentiable]` functions it calls need `hessian` too.
///
/// ```ignore
/// #[differentiable(hessian)]
/// fn rosenbrock(x: &[f64]) -> f64 { /* .. */ }
/// let step = solve(hessian_rosenbrock(&x), grad_rosenbrock(&x)); // Newton
/// ```
///
/// A helper may write its results into `&mut` parameters (`&mut [f64]`, `&mut Vec<f64>`,
/// `&mut [f64; N]`, `&mut Array1<f64>`, `&mut f64`) and return nothing; callers pass locals or
/// ranges of local arrays, `ode_fun(p, &y, &mut k1);`, and are differentiated through what it
/// writes (see `mut_params.rs`).
///
/// A helper with several outputs gets only a pullback, which its callers' reverse sweeps call
/// with a tuple of output adjoints: `pullback_step(x, v, (dx_out, dv_out))`.
///
/// Debugging macros may appear anywhere in the body: `println!`, `print!`, `eprintln!`,
/// `eprint!`, `assert!`, `assert_eq!`, `assert_ne!`, `debug_assert!` (`_eq`, `_ne`), with inline
/// captures (`"{x:.3}"`); their arguments read any value (no derivative flows through them) but
/// may not assign, borrow mutably or jump. `f`, `value_and_grad_f` and `grad_f` run them the same
/// number of times in the same order (in the forward sweep, never in the reverse sweep);
/// `pullback_f` leaves them out (a caller's reverse sweep runs it after the caller's forward
/// sweep has called `f`). `dbg!(e)` is `e`, derivative included, and prints as `dbg!` does.
///
/// `AUTODIFF_EXPAND=f cargo build` (after touching the file) prints the generated code for `f`.
#[proc_macro_attribute]
pub fn differentiable(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand_attribute(attr.into(), item.into()).into()
}

/// `#[differentiable]`'s expansion (also of the `f64` copy of an `f32` or float-generic function).
fn expand_attribute(
    attr: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    if self_params::names_self(&attr) {
        return self_params::unmarked_impl_error(&attr, &item);
    }
    if let Some(out) = mut_params::attribute(&attr, &item) {
        return out;
    }
    if let Some(out) = widen::attribute(&attr, &item) {
        return out;
    }
    if let Some(out) = structs::attribute(&attr, &item) {
        return out;
    }
    let probes = structs::constant_struct_probes(&attr, &item);
    let mut out = expand::differentiable(attr, item);
    out.extend(probes);
    out
}

/// Gives a function its derivative by hand: `#[custom_derivative(pullback = rule)]`.
///
/// For a function the macro cannot differentiate (a call into another crate such as
/// `libm::erf`, a linear solve, a numerically better formula), the rule says what its pullback
/// is. Beside the function it emits `pullback_f` (which every `#[differentiable]` caller uses)
/// and, for an `f64` output, `grad_f` and `value_and_grad_f`.
///
/// The rule takes the function's parameters, then the adjoint of its output (`f64`, or a tuple
/// for `-> (f64, f64)`), and returns the adjoints of **all** parameters in order, as a tuple:
/// `f64` for `f64` and `&f64`, `Vec<f64>` for slices and `Vec`s, `[f64; N]`, `Array1/2<f64>`,
/// and `()` for everything else (integers, flags).
///
/// ```ignore
/// #[custom_derivative(pullback = erf_pullback)]
/// fn erf(x: f64) -> f64 { libm::erf(x) }
///
/// fn erf_pullback(x: f64, d_out: f64) -> (f64,) {
///     (d_out * 2.0 / std::f64::consts::PI.sqrt() * (-x * x).exp(),)
/// }
/// ```
///
/// A rule with another signature is a compile error on the rule's name that shows the expected
/// signature. `autodiff_runtime::check::pullback` compares a rule with central differences.
#[proc_macro_attribute]
pub fn custom_derivative(attr: TokenStream, item: TokenStream) -> TokenStream {
    custom::custom_derivative(attr.into(), item.into()).into()
}

/// A struct of parameters: `#[derive(Clone, Differentiable)]`.
///
/// ```ignore
/// use autodiff_runtime::{Differentiable, differentiable};
/// use autodiff_runtime::ndarray::{Array1, Array2};
///
/// #[derive(Clone, Differentiable)]
/// pub struct Mlp {
///     w1: Array2<f64>,
///     b1: Array1<f64>,
///     w2: Array1<f64>,
///     b2: f64,
///     #[constant]
///     name: String,
/// }
///
/// #[differentiable(wrt(m))]
/// fn loss(m: &Mlp, x: &Array2<f64>, y: &Array1<f64>) -> f64 {
///     let h = (x.dot(&m.w1.t()) + &m.b1).mapv(f64::tanh);
///     let p = h.dot(&m.w2) + m.b2;
///     (p - y).mapv(|e| e * e).mean().unwrap()
/// }
///
/// let g: Mlp = grad_loss(&mlp, &x, &y);
/// ```
///
/// Fields of type `f64`, `Vec<f64>`, `[f64; N]`, `Array1<f64>` and `Array2<f64>` are
/// differentiated, and so are fields of another struct that derives `Differentiable` (nested:
/// `net.hidden.w`); a field marked `#[constant]` (any type: sizes, settings, data) is not, and in
/// a gradient it holds a clone of the parameter's. The struct needs `Clone` (derive it too).
///
/// The derive implements `autodiff_runtime::Params` (so `Adam`, `Sgd`, `minimize` and `Run`
/// update the whole struct with one state), `autodiff_runtime::Differentiable` (with
/// `accumulate`, to sum gradients) and hidden plumbing; and it leaves beside the struct a hidden
/// macro of the struct's own name holding the field list, which `#[differentiable]` calls to
/// learn the fields (an attribute on a function cannot see the struct). So:
///
/// - a `#[differentiable]` function differentiates a struct parameter (`m: &Mlp` or `m: Mlp`)
///   when its `wrt(..)` names it; without `wrt`, a parameter of a derived struct type is a compile
///   error that says so (a struct that does not derive stays a constant whose fields are read);
/// - the struct must be nameable where the function is: defined in the same module (before or
///   after the function), imported (`use crate::model::Mlp;` imports the macro with the struct)
///   or written as a path (`m: &model::Mlp`), within the crate that defines it. A struct from
///   another crate cannot be differentiated yet (a `macro_rules!` macro cannot be re-exported
///   under a module path beyond its crate).
///
/// The body reads the fields as parameters of their types, and may pass the struct (or a nested
/// one) whole to a function that differentiates its own struct parameter (`predict(m, x)`).
/// Not yet: generic structs, `Vec`s of structs, struct literals in the body, helpers that return
/// a struct, methods of the struct called in the body, structs from another crate.
/// Enums, tuple structs and fields of other types without `#[constant]` are compile errors
/// that say what to write instead.
#[proc_macro_derive(Differentiable, attributes(constant))]
pub fn derive_differentiable(item: TokenStream) -> TokenStream {
    derive::derive(item.into()).into()
}

/// The callback of a derived struct's field-list macro (not for direct use).
#[doc(hidden)]
#[proc_macro]
pub fn __differentiable_with_fields(input: TokenStream) -> TokenStream {
    structs::with_fields(input.into()).into()
}

#[cfg(test)]
mod tests;
