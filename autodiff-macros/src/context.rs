//! Where the function lives: at module level, or in an `impl` block.
//!
//! An attribute on a function does not see what surrounds it, but the generated functions must
//! call each other (`grad_f` calls `value_and_grad_f`) and the user's function, and in an `impl`
//! those are `Self::value_and_grad_f` and `Self::f`. The function is taken to be in an `impl`
//! when it says so itself — it has a `self` receiver or mentions `Self` — or when the attribute
//! is on the `impl` block (`#[differentiable] impl T { .. }`, see [`differentiable_impl`]), which
//! is how an associated function that mentions neither is written.

use crate::error::Errors;
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::quote;
use std::cell::Cell;

thread_local! {
    /// Set while the functions of a `#[differentiable] impl` are expanded.
    static IN_IMPL_BLOCK: Cell<bool> = const { Cell::new(false) };
    /// Whether the item being expanded mentions `Self` (see [`read_item`]).
    static MENTIONS_SELF: Cell<bool> = const { Cell::new(false) };
}

/// Notes what [`in_impl`] needs from the item's tokens, as the attribute receives them (a flat
/// scan: printing the parsed function again would recurse as deep as its longest expression).
pub fn read_item(item: &TokenStream) {
    MENTIONS_SELF.with(|c| c.set(mentions_self_type(item)));
}

/// Whether the generated functions are associated functions (called through `Self::`).
pub fn in_impl(func: &syn::ItemFn) -> bool {
    IN_IMPL_BLOCK.with(Cell::get) || func.sig.receiver().is_some() || MENTIONS_SELF.with(Cell::get)
}

fn mentions_self_type(ts: &TokenStream) -> bool {
    ts.clone().into_iter().any(|t| match t {
        TokenTree::Ident(i) => i == "Self",
        TokenTree::Group(g) => mentions_self_type(&g.stream()),
        _ => false,
    })
}

/// Whether `attr` is `#[differentiable]` or `#[differentiable(..)]` (by any path ending so).
fn is_differentiable(attr: &syn::Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "differentiable")
}

/// `#[differentiable]` on an `impl` block: every function in it that carries its own
/// `#[differentiable]` (with its arguments) is differentiated as an associated function, or
/// every function when none does. In an inherent `impl` the generated functions sit beside the
/// user's; in a trait `impl` (which may hold only the trait's items) they go into an inherent
/// `impl` of the same type that follows it.
pub fn differentiable_impl(
    attr: TokenStream,
    mut block: syn::ItemImpl,
    errors: &mut Errors,
) -> TokenStream {
    if !attr.is_empty() {
        errors.at(
            &attr,
            "`#[differentiable]` on an `impl` block takes no arguments; put `#[differentiable(wrt(..))]` on the function instead",
        );
    }
    if !block.generics.params.is_empty() {
        errors.at(
            &block.generics,
            "generic `impl` blocks cannot be #[differentiable]: the gradient is generated for f64; write the impl for a concrete type",
        );
        let errs = std::mem::take(errors).into_compile_errors();
        return quote!(#block #errs);
    }
    let any_marked = block.items.iter().any(|it| match it {
        syn::ImplItem::Fn(f) => f.attrs.iter().any(is_differentiable),
        _ => false,
    });
    let mut generated = TokenStream::new();
    // What methods differentiated with respect to `self` need outside the `impl` (see
    // `self_params.rs`).
    let mut module_items = TokenStream::new();
    IN_IMPL_BLOCK.with(|c| c.set(true));
    for it in &mut block.items {
        let syn::ImplItem::Fn(f) = it else { continue };
        let args = match f.attrs.iter().position(is_differentiable) {
            Some(i) => {
                let a = f.attrs.remove(i);
                match a.meta {
                    syn::Meta::List(l) => l.tokens,
                    _ => TokenStream::new(),
                }
            }
            None if any_marked => continue,
            None => TokenStream::new(),
        };
        if crate::self_params::names_self(&args) {
            IN_IMPL_BLOCK.with(|c| c.set(false));
            let desugared = crate::self_params::desugar(&args, f, &block.self_ty, errors);
            IN_IMPL_BLOCK.with(|c| c.set(true));
            if let Some((methods, items)) = desugared {
                generated.extend(methods);
                module_items.extend(items);
            }
            continue;
        }
        let item = syn::ItemFn {
            attrs: f.attrs.clone(),
            vis: f.vis.clone(),
            modifiers: f.modifiers.clone(),
            sig: f.sig.clone(),
            block: Box::new(f.block.clone()),
        };
        let expanded = crate::expand::differentiable(args, quote!(#item));
        // The user's function comes back first (with `#[checkpoint]`s removed); the rest is
        // what was generated.
        let file: syn::File = match syn::parse2(quote!(#expanded)) {
            Ok(file) => file,
            Err(e) => {
                errors.at_span(Span::call_site(), e.to_string());
                continue;
            }
        };
        let mut items = file.items.into_iter();
        if let Some(syn::Item::Fn(own)) = items.next() {
            f.block = *own.block;
        }
        for rest in items {
            generated.extend(quote!(#rest));
        }
    }
    IN_IMPL_BLOCK.with(|c| c.set(false));
    let errs = std::mem::take(errors).into_compile_errors();
    if block.trait_.is_some() {
        let ty = &block.self_ty;
        quote! {
            #block
            impl #ty { #generated }
            #module_items
            #errs
        }
    } else {
        block.items.push(syn::ImplItem::Verbatim(generated));
        quote! {
            #block
            #module_items
            #errs
        }
    }
}
