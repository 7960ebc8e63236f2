//! Methods differentiated with respect to `self`: `#[differentiable(wrt(self, x))]` on a method
//! of a `#[differentiable] impl Spring` block, where `Spring` derives `Differentiable`.
//!
//! A struct parameter is differentiated through its field list, which the derive leaves in a
//! macro named like the struct (see `structs.rs`); inside an `impl` the struct is `Self`, which
//! cannot name a macro, and the struct rewriting emits free functions, which cannot sit in an
//! `impl`. So the method is written again as a hidden free function whose receiver is a
//! parameter, `fn __wrt_self__Spring__energy(this: &Spring, x: f64) -> f64` (the body's `self` read as
//! `this`, `Self` as `Spring`), which the attribute differentiates as any function with a struct
//! parameter, and `grad_energy`/`value_and_grad_energy` are methods beside `energy` that call its
//! generated functions. The gradient with respect to `self` is the struct, first or where
//! `wrt` names it: `s.grad_energy(x)` returns `(Spring, f64)` for `wrt(self, x)`.
//!
//! The attribute on a method alone (without the one on the `impl` block) does not know the
//! type's name: naming `self` there is an error that says to mark the block.

use crate::error::Errors;
use crate::ir::ParamKind;
use crate::params;
use proc_macro2::{Ident, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote};

/// The names in the attribute's `wrt(..)`, as written (`self` included).
fn wrt_names(attr: &TokenStream) -> Option<Vec<Ident>> {
    let mut trees = attr.clone().into_iter().peekable();
    while let Some(t) = trees.next() {
        if let TokenTree::Ident(i) = &t
            && i == "wrt"
            && let Some(TokenTree::Group(g)) = trees.peek()
        {
            return Some(
                g.stream()
                    .into_iter()
                    .filter_map(|t| match t {
                        TokenTree::Ident(i) => Some(i),
                        _ => None,
                    })
                    .collect(),
            );
        }
    }
    None
}

/// Whether the attribute's tokens name `self` in `wrt(..)`.
pub fn names_self(attr: &TokenStream) -> bool {
    wrt_names(attr).is_some_and(|names| names.iter().any(|n| n == "self"))
}

/// The error for `wrt(self, ..)` on a method whose `impl` block is not marked.
pub fn unmarked_impl_error(attr: &TokenStream, item: &TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let at = wrt_names(attr)
        .and_then(|names| names.into_iter().find(|n| n == "self"))
        .map(|i| i.span())
        .unwrap_or_else(proc_macro2::Span::call_site);
    errors.at_span(
        at,
        "to differentiate with respect to `self`, put `#[differentiable]` on the `impl` block as well (`#[differentiable] impl Spring { .. }`): an attribute on a method cannot see its type's name, which the struct's field list is found by",
    );
    let errs = errors.into_compile_errors();
    quote!(#item #errs)
}

/// The free function, its expansion and the methods that forward to it, for the method `f` of
/// `impl #self_ty` with attribute arguments `attr` (which name `self`). Returns the methods
/// (for the `impl`) and the module-level items.
pub fn desugar(
    attr: &TokenStream,
    f: &syn::ImplItemFn,
    self_ty: &syn::Type,
    errors: &mut Errors,
) -> Option<(TokenStream, TokenStream)> {
    let Some(receiver) = f.sig.receiver() else {
        errors.at(
            attr,
            "`wrt` names `self`, but this function has no `self` receiver",
        );
        return None;
    };
    let by_ref = match &receiver.kind {
        syn::ReceiverKind::Reference(_, _, None) => true,
        syn::ReceiverKind::Value => false,
        _ => {
            errors.at(
                receiver,
                "a method differentiated with respect to `self` takes `&self` or `self`",
            );
            return None;
        }
    };
    let syn::Type::Path(tp) = self_ty else {
        errors.at(
            self_ty,
            "a method differentiated with respect to `self` needs an `impl` of a named struct",
        );
        return None;
    };
    let type_name = tp.path.segments.last().map(|s| s.ident.clone())?;
    let this = format_ident!("__this", span = receiver.self_token.span);
    let this_ty: syn::Type = if by_ref {
        syn::parse_quote!(&#self_ty)
    } else {
        self_ty.clone()
    };
    let name = &f.sig.ident;
    let free = crate::names::self_method_fn(&type_name, name);

    // The method as a free function: `self` → `__this`, `Self` → the type.
    let mut sig = f.sig.clone();
    sig.ident = free.clone();
    let rest: Vec<syn::FnArg> = sig.inputs.iter().skip(1).cloned().collect();
    sig.inputs = std::iter::once::<syn::FnArg>(syn::parse_quote!(#this: #this_ty))
        .chain(rest)
        .collect();
    let sig = replace_self(sig.to_token_stream(), &this, self_ty);
    let body = replace_self(f.block.to_token_stream(), &this, self_ty);
    let attrs: Vec<&syn::Attribute> = f
        .attrs
        .iter()
        .filter(|a| !a.path().is_ident("doc"))
        .collect();
    let vis = &f.vis;
    let free_item = quote! {
        #(#attrs)*
        #[doc(hidden)]
        #[allow(non_snake_case)]
        #vis #sig #body
    };
    let free_attr = replace_self(attr.clone(), &this, self_ty);
    let expanded = crate::expand_attribute(free_attr, free_item);

    // The gradient's type, in `wrt`'s order: the struct for `self`, else as for any parameter.
    let specs = params::classify(&f.sig, &mut Errors::default());
    let wrt = wrt_names(attr)?;
    let mut tys = Vec::new();
    for n in &wrt {
        if n == "self" {
            tys.push(self_ty.to_token_stream());
            continue;
        }
        let Some(spec) = specs.iter().find(|p| p.ident == *n) else {
            errors.at(
                n,
                format!("`wrt` names `{n}`, but the method has no parameter of that name"),
            );
            return None;
        };
        let ty = match &spec.kind {
            ParamKind::Other => owned_struct(&spec.ty),
            kind => Some(crate::expand::grad_type(kind)),
        };
        let Some(ty) = ty else {
            errors.at(n, format!("`{n}` is not a parameter that can be differentiated: name f64, array or parameter-struct parameters in `wrt`"));
            return None;
        };
        tys.push(ty);
    }
    let grad_ty = if tys.len() == 1 {
        tys[0].clone()
    } else {
        quote!((#(#tys),*))
    };
    let out_ty = match &f.sig.output {
        syn::ReturnType::Type(_, t) => t.to_token_stream(),
        syn::ReturnType::Default => quote!(()),
    };
    let (grad, vg) = (
        format_ident!("grad_{}", name),
        format_ident!("value_and_grad_{}", name),
    );
    let (free_grad, free_vg) = (
        format_ident!("grad_{}", free),
        format_ident!("value_and_grad_{}", free),
    );
    let recv = &f.sig.inputs[0];
    let (params, args): (Vec<TokenStream>, Vec<TokenStream>) = f
        .sig
        .inputs
        .iter()
        .skip(1)
        .enumerate()
        .filter_map(|(k, input)| match input {
            syn::FnArg::Typed(pt) => {
                let arg = format_ident!("__arg{}", k);
                let ty = &pt.ty;
                Some((quote!(#arg: #ty), quote!(#arg)))
            }
            syn::FnArg::Receiver(_) => None,
        })
        .unzip();
    let doc_grad = format!(
        "The gradient of [`Self::{name}`] with respect to {} (generated by `#[differentiable]`).",
        wrt.iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let doc_vg = format!(
        "The value of [`Self::{name}`] and its gradient, as `{grad}` gives it, from one sweep (generated by `#[differentiable]`)."
    );
    let methods = quote! {
        #[doc = #doc_grad]
        #[inline]
        #[allow(dead_code, clippy::all)]
        #vis fn #grad(#recv, #(#params),*) -> #grad_ty {
            #free_grad(self, #(#args),*)
        }
        #[doc = #doc_vg]
        #[inline]
        #[allow(dead_code, clippy::all)]
        #vis fn #vg(#recv, #(#params),*) -> (#out_ty, #grad_ty) {
            #free_vg(self, #(#args),*)
        }
    };
    Some((methods, expanded))
}

/// `Mlp` for a parameter of type `&Mlp` or `Mlp` (a struct named in `wrt`).
fn owned_struct(ty: &syn::Type) -> Option<TokenStream> {
    match ty {
        syn::Type::Reference(r) => owned_struct(&r.elem),
        syn::Type::Path(p) => Some(p.to_token_stream()),
        _ => None,
    }
}

/// The tokens with `self` (not `self::`) as `this` and `Self` as the type.
fn replace_self(ts: TokenStream, this: &Ident, self_ty: &syn::Type) -> TokenStream {
    let trees: Vec<TokenTree> = ts.into_iter().collect();
    let mut out = TokenStream::new();
    for (k, t) in trees.iter().enumerate() {
        match t {
            TokenTree::Ident(i) if i == "self" => {
                let is_path =
                    matches!(trees.get(k + 1), Some(TokenTree::Punct(p)) if p.as_char() == ':');
                if is_path {
                    out.extend([t.clone()]);
                } else {
                    let mut this = this.clone();
                    this.set_span(i.span());
                    out.extend([TokenTree::Ident(this)]);
                }
            }
            TokenTree::Ident(i) if i == "Self" => out.extend(self_ty.to_token_stream()),
            TokenTree::Group(g) => {
                let mut ng =
                    proc_macro2::Group::new(g.delimiter(), replace_self(g.stream(), this, self_ty));
                ng.set_span(g.span());
                out.extend([TokenTree::Group(ng)]);
            }
            _ => out.extend([t.clone()]),
        }
    }
    out
}
