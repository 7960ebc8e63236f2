//! `AUTODIFF_EXPAND`: printing the IR or the generated code of a function while it expands.

use crate::ir::Func;
use proc_macro2::{Ident, TokenStream};

/// `AUTODIFF_EXPAND=ir` (every function) or `ir:name` prints the IR that lowering made of the
/// function (see `ir/dump.rs`) to the compiler's standard error.
pub(crate) fn show_ir(name: &Ident, ir: &Func) {
    let Ok(wanted) = std::env::var("AUTODIFF_EXPAND") else {
        return;
    };
    let shown = wanted
        .split(',')
        .map(str::trim)
        .any(|w| w == "ir" || w.strip_prefix("ir:").is_some_and(|n| *name == n));
    if shown {
        eprintln!(
            "// ===== #[differentiable] fn {name}: IR =====\n{}",
            crate::ir::dump(ir)
        );
    }
}

/// `AUTODIFF_EXPAND=name` (or `*`) prints what the attribute generates for the functions of
/// that name to the compiler's standard error (pretty-printed with the feature
/// `pretty-expansion`, otherwise for `rustfmt` to format). The macro runs again only when
/// the file is recompiled (touch it, or `cargo clean -p <crate>`).
pub(crate) fn show_expansion(name: &Ident, out: &TokenStream) {
    let Ok(wanted) = std::env::var("AUTODIFF_EXPAND") else {
        return;
    };
    if wanted != "*" && wanted.split(',').all(|w| *name != w.trim()) {
        return;
    }
    eprintln!(
        "// ===== #[differentiable] fn {name}: generated code =====\n{}",
        pretty(out)
    );
}

/// The generated code pretty-printed by prettyplease (feature `pretty-expansion`).
#[cfg(feature = "pretty-expansion")]
fn pretty(out: &TokenStream) -> String {
    match syn::parse2::<syn::File>(out.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => out.to_string(),
    }
}

/// Without prettyplease (which every build of the macro would otherwise compile): each item on
/// one line, valid Rust that `rustfmt --edition 2024` formats.
#[cfg(not(feature = "pretty-expansion"))]
fn pretty(out: &TokenStream) -> String {
    match syn::parse2::<syn::File>(out.clone()) {
        Ok(file) => file
            .items
            .iter()
            .map(|item| quote::ToTokens::to_token_stream(item).to_string())
            .collect::<Vec<_>>()
            .join("\n"),
        Err(_) => out.to_string(),
    }
}
