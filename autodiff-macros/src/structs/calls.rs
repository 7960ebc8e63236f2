//! A differentiated struct passed on whole to a helper: `predict(m, x)` (or `predict(&m, x)`,
//! or a nested one, `layer(&m.hidden, x)`),
//! where `predict` is itself `#[differentiable(wrt(m, ..))]` over the same struct type, is the
//! call of the helper's flat function with the struct's fields as arguments of their own,
//! `predict__fields(m, _m__w1, _m__b1, .., x)`: the ordinary call machinery then carries the
//! gradient into each field (through `pullback_predict__fields`). A helper that does not
//! differentiate its struct parameter has no such function, and rustc says so on the call.

use super::flatten::Rename;
use proc_macro2::{Delimiter, Ident, Spacing, TokenStream, TokenTree};
use quote::quote;

/// Words that precede a parenthesised group without being a call.
const NOT_CALLEES: &[&str] = &[
    "if", "while", "match", "return", "in", "for", "let", "mut", "else", "loop", "break", "move",
    "as", "ref", "fn", "impl",
];

/// Whether `prev` (the last token before a parenthesised group, and the one before it) makes
/// the group a call's arguments: a function name that is not a method (`x.f(..)`) or a keyword.
pub(super) fn is_call(before_prev: Option<&TokenTree>, prev: Option<&TokenTree>) -> bool {
    let Some(TokenTree::Ident(callee)) = prev else {
        return false;
    };
    let method = matches!(before_prev, Some(TokenTree::Punct(p)) if p.as_char() == '.');
    !method && !NOT_CALLEES.iter().any(|k| callee == k)
}

/// The arguments split at their top-level commas.
fn split(args: TokenStream) -> Vec<Vec<TokenTree>> {
    let mut out = vec![vec![]];
    for t in args {
        match &t {
            TokenTree::Punct(p) if p.as_char() == ',' && p.spacing() == Spacing::Alone => {
                out.push(vec![]);
            }
            _ => out.last_mut().map_or((), |a| a.push(t)),
        }
    }
    if out.last().is_some_and(Vec::is_empty) {
        out.pop();
    }
    out
}

/// The struct an argument passes whole: `m`, `&m`, or a nested one `&m.layer`: the parameter
/// and the chain of fields to it.
fn whole<'r, 'a>(
    arg: &[TokenTree],
    renames: &'r [Rename<'a>],
) -> Option<(&'r Rename<'a>, Vec<Ident>)> {
    let rest = match arg {
        [TokenTree::Punct(p), rest @ ..] if p.as_char() == '&' => rest,
        rest => rest,
    };
    let [TokenTree::Ident(m), fields @ ..] = rest else {
        return None;
    };
    let r = renames.iter().find(|r| *r.m == *m)?;
    let mut chain = vec![];
    let mut node = r.tree;
    for pair in fields.chunks(2) {
        match pair {
            [TokenTree::Punct(dot), TokenTree::Ident(f)] if dot.as_char() == '.' => {
                node = node.field(f)?.sub.as_ref()?;
                chain.push(f.clone());
            }
            _ => return None,
        }
    }
    Some((r, chain))
}

/// For the arguments of a call, when one passes a differentiated struct whole: the callee's
/// new name and the arguments with each such struct spread into its fields (the others given
/// to `rest`, which rewrites their field reads).
pub(super) fn spread(
    callee: &Ident,
    args: &proc_macro2::Group,
    renames: &[Rename],
    mut rest: impl FnMut(TokenStream) -> TokenStream,
) -> Option<(Ident, TokenStream)> {
    if args.delimiter() != Delimiter::Parenthesis {
        return None;
    }
    let parts = split(args.stream());
    if !parts.iter().any(|a| whole(a, renames).is_some()) {
        return None;
    }
    let mut out = vec![];
    for a in parts {
        match whole(&a, renames) {
            Some((r, chain)) => {
                // The struct itself (a constant there), then its leaves.
                let m = r.m;
                out.push(if chain.is_empty() {
                    quote!(#m)
                } else {
                    quote!(&#m #(.#chain)*)
                });
                for l in r.leaves_under(&chain) {
                    let p = &l.pseudo;
                    out.push(quote!(#p));
                }
            }
            None => out.push(rest(a.into_iter().collect())),
        }
    }
    let name = quote::format_ident!("{}__fields", callee, span = callee.span());
    Some((name, quote!(#(#out),*)))
}
