//! `f32` and float-generic functions (`fn f<T: Float>(x: T, y: &[T]) -> T`, `fn g(x: f32) ->
//! f32`): differentiated in `f64`.
//!
//! The rest of the macro works on `f64` code, and its rules, runtime helpers and tapes are
//! written for `f64`. Rather than make all of that generic, a function whose output is of a float
//! type parameter or `f32` gets a hidden copy, `__wide_f`, with that type written as `f64` (and
//! `T::from(c).unwrap()`, `T::one()`, `T::epsilon()`, `2.0_f32`, ... as the `f64` constants they
//! are), which the ordinary pipeline differentiates; `grad_f`, `value_and_grad_f`, `jvp_f`, ... are
//! then thin functions, generic over the user's float type with the user's bounds, that convert
//! the arguments to `f64`, call the copy's, and round the results to the caller's type. So the
//! derivatives of an `f32` function are those of the same program in `f64`, rounded once: at
//! least as accurate as an `f32` adjoint. Calls between such functions go from copy to copy
//! (`g(x)` in a copy is `__wide_g(x)`), so nothing is converted inside the differentiated code.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote};
use syn::visit_mut::VisitMut;

use crate::error::Errors;

mod to_f64;
mod wrappers;

use to_f64::{ToF64, is_f64};
use wrappers::{widenable, wrapper};

/// The float type a function is written over.
#[derive(Clone)]
enum FloatType {
    /// A type parameter (`T` of `fn f<T: Float>`), with its bounds kept for the wrappers.
    Param(syn::Ident),
    /// `f32`.
    F32,
}

impl FloatType {
    fn ident(&self) -> syn::Ident {
        match self {
            FloatType::Param(t) => t.clone(),
            FloatType::F32 => syn::Ident::new("f32", Span::call_site()),
        }
    }
}

/// The prefixes of the generated functions a user calls; each gets a wrapper in the user's type.
const WRAPPED: [&str; 8] = [
    "value_and_grad_",
    "grad_",
    "jvp_",
    "vjp_",
    "pullback_",
    "jacobian_",
    "hvp_",
    "hessian_",
];

/// The name of the hidden `f64` copy of `name`.
fn wide_name(name: &str) -> String {
    format!("__wide_{name}")
}

/// The whole expansion of an `f32` or float-generic function, or `None` for any other item.
pub fn attribute(attr: &TokenStream, item: &TokenStream) -> Option<TokenStream> {
    let func: syn::ItemFn = syn::parse2(item.clone()).ok()?;
    let float = float_type(&func)?;
    let emitted = match crate::expand::strip_checkpoints(&func, item, &mut Errors::default()) {
        Some(stripped) => stripped.into_token_stream(),
        None => item.clone(),
    };
    let mut errors = Errors::default();
    if let Some(receiver) = func.sig.receiver() {
        errors.at(
            receiver,
            "a method over `f32` or a generic float type cannot be differentiated yet; write it as a free function (`fn energy<T: Float>(s: &Spring, x: T) -> T`) or over f64",
        );
    }
    for param in &func.sig.generics.params {
        if let syn::GenericParam::Type(tp) = param
            && matches!(&float, FloatType::Param(t) if *t != tp.ident)
        {
            errors.at(
                &tp.ident,
                "a #[differentiable] function may be generic over one float type only; make this parameter a concrete type",
            );
        }
    }
    let t = float.ident();
    for input in &func.sig.inputs {
        if let syn::FnArg::Typed(pt) = input
            && !widenable(&pt.ty, &t)
        {
            errors.at(
                &pt.ty,
                format!("in a function over `{t}`, a parameter that holds `{t}` values must be `{t}`, `&{t}`, `&[{t}]`, `Vec<{t}>`, `[{t}; N]` or an ndarray array of `{t}` (`&Array1<{t}>`, `ArrayView1<{t}>`, ...); pass the values in one of these"),
            );
        }
    }
    if !errors.is_empty() {
        let errs = errors.into_compile_errors();
        return Some(quote!(#emitted #errs));
    }
    let wide = wide_copy(&func, &float);
    let expanded = crate::expand_attribute(quote!(__wide, #attr), wide.into_token_stream());
    let Ok(file) = syn::parse2::<syn::File>(expanded.clone()) else {
        // Only errors (or something unparsable): show them as they are.
        return Some(quote!(#emitted #expanded));
    };
    let name = func.sig.ident.to_string();
    let wide_ident = wide_name(&name);
    // The copy was refused: its errors are on the user's tokens, and the wrappers are stubs
    // (the copy's own functions are stubs too), so that nothing else is reported.
    let refused = mentions(&expanded, "compile_error");
    let mut out = emitted;
    for mut item in file.items {
        if let syn::Item::Fn(f) = &mut item {
            let fname = f.sig.ident.to_string();
            if let Some(prefix) = WRAPPED
                .iter()
                .find(|p| fname.strip_prefix(**p) == Some(wide_ident.as_str()))
            {
                out.extend(wrapper(&func, &float, f, prefix, &name, refused));
            }
            crate::names::hide(f);
        }
        item.to_tokens(&mut out);
    }
    Some(out)
}

/// The float type of a function differentiated in `f64`: a type parameter its output is written
/// in, or `f32` when the output is written in `f32` and the signature never says `f64`.
fn float_type(func: &syn::ItemFn) -> Option<FloatType> {
    let syn::ReturnType::Type(_, output) = &func.sig.output else {
        return None;
    };
    let output = output.to_token_stream();
    for param in &func.sig.generics.params {
        if let syn::GenericParam::Type(tp) = param
            && mentions(&output, &tp.ident.to_string())
        {
            return Some(FloatType::Param(tp.ident.clone()));
        }
    }
    // A signature that mixes `f64` and `f32` is an f64 function with constant `f32` values.
    let sig = func.sig.to_token_stream();
    (mentions(&output, "f32") && !mentions(&sig, "f64")).then_some(FloatType::F32)
}

/// Whether `ident` occurs in the tokens.
fn mentions(ts: &TokenStream, ident: &str) -> bool {
    ts.clone().into_iter().any(|t| match t {
        TokenTree::Ident(i) => i == ident,
        TokenTree::Group(g) => mentions(&g.stream(), ident),
        _ => false,
    })
}

/// The hidden `f64` copy: named `__wide_f`, without the float type parameter, with the float
/// type written as `f64` everywhere and the float type's constants as `f64` constants.
fn wide_copy(func: &syn::ItemFn, float: &FloatType) -> syn::ItemFn {
    let mut wide = func.clone();
    wide.sig.ident = format_ident!(
        "{}",
        wide_name(&func.sig.ident.to_string()),
        span = func.sig.ident.span()
    );
    if let FloatType::Param(t) = float {
        wide.sig.generics.params = wide
            .sig
            .generics
            .params
            .into_iter()
            .filter(|p| !matches!(p, syn::GenericParam::Type(tp) if tp.ident == *t))
            .collect();
        if let Some(wc) = &mut wide.sig.generics.where_clause {
            wc.predicates = wc
                .predicates
                .clone()
                .into_iter()
                .filter(|p| {
                    !matches!(p, syn::WherePredicate::Type(pt)
                        if *t == pt.bounded_ty.to_token_stream().to_string())
                })
                .collect();
        }
        if wide.sig.generics.params.is_empty() {
            wide.sig.generics.lt_token = None;
            wide.sig.generics.gt_token = None;
        }
    }
    // Documentation stays on the user's function.
    wide.attrs.retain(|a| !a.path().is_ident("doc"));
    let mut rewrite = ToF64 {
        float: float.ident().to_string(),
    };
    rewrite.visit_signature_mut(&mut wide.sig);
    rewrite.visit_block_mut(&mut wide.block);
    wide
}

/// In the `f64` copy, the calls that carry derivatives go to the callees' copies: `g(x)` is
/// `__wide_g(x)` (so `pullback___wide_g`, `jvp___wide_g`), `grad_g(x)` is `grad___wide_g(x)`.
/// Calls of constants only (`helper(n)`) stay, as do calls of the copies already.
pub fn redirect_active_calls(ir: &mut crate::ir::Func) {
    use crate::ir::{Block, Op, Stmt};
    let active_params: Vec<_> = ir
        .params
        .iter()
        .filter(|p| p.kind.is_float())
        .map(|p| p.val)
        .collect();
    let an = crate::analyse::analyse(ir, &active_params);
    fn walk(b: &mut Block, active: &[bool]) {
        for s in &mut b.stmts {
            match s {
                Stmt::Let(l) => {
                    if let Op::Call { path, args } = &mut l.op
                        && (active[l.dst]
                            || args.iter().any(|a| a.val().is_some_and(|v| active[v])))
                        && let Some(last) = path.segments.last_mut()
                    {
                        let name = last.ident.to_string();
                        if !name.contains("__wide_") {
                            let renamed = WRAPPED
                                .iter()
                                .find_map(|prefix| {
                                    name.strip_prefix(prefix)
                                        .map(|rest| format!("{prefix}{}", wide_name(rest)))
                                })
                                .unwrap_or_else(|| wide_name(&name));
                            last.ident = syn::Ident::new(&renamed, last.ident.span());
                        }
                    }
                }
                Stmt::If(i) => {
                    walk(&mut i.then_block, active);
                    walk(&mut i.else_block, active);
                }
                Stmt::Loop(l) => walk(&mut l.body, active),
                Stmt::Write(_) => {}
            }
        }
    }
    walk(&mut ir.body, &an.active);
}
