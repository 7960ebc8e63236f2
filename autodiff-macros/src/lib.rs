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
mod params;
mod reverse;
mod rules;

use proc_macro::TokenStream;

/// Generates reverse-mode derivatives of an `f64` function at compile time.
///
/// ```ignore
/// #[differentiable]              // every f64 parameter is active
/// #[differentiable(wrt(x, y))]   // only x and y
/// ```
///
/// Beside `fn f` it emits, with the same visibility, `grad_f` (the gradient), `value_and_grad_f`
/// (value and gradient from one sweep) and `pullback_f` (used when another differentiable
/// function calls `f`). See the `autodiff-runtime` crate documentation for the supported syntax.
#[proc_macro_attribute]
pub fn differentiable(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::differentiable(attr.into(), item.into()).into()
}

#[cfg(test)]
mod tests;
