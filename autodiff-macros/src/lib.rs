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
/// #[differentiable(wrt(x, y))]   // only x and y (like JAX's argnums)
/// ```
///
/// Beside `fn f` it emits, with the same visibility:
///
/// - `grad_f(args) -> G`: the gradient with respect to the active parameters, in declaration
///   order (the bare gradient for one, a tuple for several). `f64` gives `f64`; `&[f64]` and
///   `Vec<f64>` give `Vec<f64>`; `[f64; N]` gives `[f64; N]`; ndarray arrays give `Array1/2<f64>`.
/// - `value_and_grad_f(args) -> (f64, G)`: the value and the gradient from one sweep.
/// - `pullback_f(args, d_out: f64) -> (..)`: the adjoints of every parameter (`()` for those that
///   are not floats) given the output's adjoint; a caller's reverse sweep calls it, and so can you.
///
/// The body may use `let`, assignment and compound assignment, `if`/`else` (also on active
/// values), `for` over ranges (`.rev()`, `.step_by(k)`) and over `x.iter()`, `while`, `loop`,
/// `break`, `continue`, `return`, the `f64` math methods, casts, constants, calls to other
/// `#[differentiable]` functions, and the ndarray operations listed in the README (arithmetic with
/// broadcasting, `sum`, `mean`, `var`, `std`, `dot`, `t()`, `sum_axis`/`mean_axis`, `slice(s![..])`,
/// `mapv(f64::exp)` and `mapv(|e| ..)` with a closure, `fold`, `from_elem`, ...). Anything else
/// is a compile error on the offending tokens that says what to write instead.
///
/// `AUTODIFF_EXPAND=f cargo build` (after touching the file) prints the generated code for `f`.
#[proc_macro_attribute]
pub fn differentiable(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::differentiable(attr.into(), item.into()).into()
}

#[cfg(test)]
mod tests;
