//! The `#[differentiable]` attribute. Use it through `autodiff-runtime`, which re-exports it
//! and holds everything the generated code calls; see that crate's documentation.
//!
//! The stages, each a plain function over `proc_macro2`/`syn` values or the IR:
//! `args` (the `wrt(...)` argument) → `params` (signature checks, parameter kinds) →
//! `lower` (syn to the SSA IR of `ir`) → `analyse` (activity, what the reverse sweep needs) →
//! `rules` (one table of partial derivatives) → `reverse` (forward and reverse sweeps) →
//! `expand` (the generated items, or the user's function, errors and stubs).

mod analyse;
mod args;
mod error;
mod expand;
mod ir;
mod lower;
mod names;
mod params;
mod reverse;
mod rules;

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
/// - `pullback_f(args, d_out: f64) -> (..)`: the adjoints of every parameter in declaration order
///   (`()` for those that are not floats), whatever `wrt` says, given the output's adjoint: the
///   calling convention of a caller's reverse sweep, and yours to compose by hand.
///
/// Parameters of other types (integers, `bool`, `f32` and `f32` arrays, ...) are constants; what
/// the body computes from `f32` ones is converted (`as f64`) before the math functions.
///
/// The body may use `let`, assignment and compound assignment, `if`/`else` (also on active
/// values), `for` over ranges (`.rev()`, `.step_by(k)`) and over `x.iter()`, `while`, `loop`,
/// `break`, `continue`, `return`, the `f64` math methods, casts, constants, calls to other
/// `#[differentiable]` functions, and the ndarray operations listed in the README. Anything else
/// is a compile error on the offending tokens that says what to write instead.
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
    expand::differentiable(attr.into(), item.into()).into()
}

#[cfg(test)]
mod tests;
