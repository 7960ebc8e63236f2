//! `&mut` out-parameters: a `#[differentiable]` helper that writes its results into arguments,
//! `fn ode_fun(p: &[f64], y: &[f64], z: &mut [f64])`, called as `ode_fun(p, &y, &mut k1)`.
//!
//! Such a helper is, for differentiation, the function from its inputs and the old contents of
//! what it writes to the new contents (Enzyme's `Duplicated`: the pullback takes the adjoint of
//! what was written). So the attribute emits, beside the helper as written, a hidden twin that
//! returns what it writes, every `&mut` parameter's contents one after the other in one `Vec`,
//! `fn __mut_ode_fun(p: &[f64], y: &[f64], __z_in: &[f64]) -> Vec<f64>`, whose body is the
//! helper's writing into local copies (local arrays written anywhere are ordinary code); the
//! pipeline differentiates the twin as any function with an array output. A caller's
//! `ode_fun(p, &y, &mut k1);` is lowered as the twin's call and the copy of its result into
//! `k1` element by element (`lower/mut_calls.rs`), so the written array stays the caller's local
//! array, read and written anywhere after; a range `&mut s[a..b]` is copied in and back the same
//! way, and a `&mut f64` is an assignment.

use crate::error::Errors;
use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;

/// The prefix of a helper's twin.
pub const TWIN_PREFIX: &str = "__mut_";

/// What a `&mut` parameter points to.
enum Target {
    /// `&mut [f64]`, `&mut Vec<f64>`: the twin takes `&[f64]`.
    Slice,
    /// `&mut [f64; N]`.
    Fixed(syn::Expr),
    /// `&mut Array1<f64>`.
    Array1(syn::Type),
    /// `&mut f64`.
    Scalar,
}

/// The helper and its twin, or `None` for a function without `&mut` parameters.
pub fn attribute(attr: &TokenStream, item: &TokenStream) -> Option<TokenStream> {
    let func: syn::ItemFn = syn::parse2(item.clone()).ok()?;
    let muts: Vec<(usize, &syn::PatType, &syn::TypeReference)> = func
        .sig
        .inputs
        .iter()
        .enumerate()
        .filter_map(|(k, input)| match input {
            syn::FnArg::Typed(pt) => match &*pt.ty {
                syn::Type::Reference(r) if r.mutability.is_some() => Some((k, pt, r)),
                _ => None,
            },
            syn::FnArg::Receiver(_) => None,
        })
        .collect();
    if muts.is_empty() {
        return None;
    }
    let mut errors = Errors::default();
    let emitted = match crate::expand::strip_checkpoints(&func, item, &mut errors) {
        Some(stripped) => stripped.into_token_stream(),
        None => item.clone(),
    };
    if let syn::ReturnType::Type(_, ty) = &func.sig.output
        && !is_f64(ty)
    {
        errors.at(
            ty,
            "a #[differentiable] function with a `&mut` parameter returns nothing or an `f64`: it is differentiated as the function from its inputs to what it writes (and returns), through its callers; write the other results into `&mut` parameters too",
        );
    }
    let mut written = Vec::new();
    for (pos, pt, r) in &muts {
        let syn::Pat::Ident(name) = &*pt.pat else {
            errors.at(&pt.pat, "name the `&mut` parameter (`z: &mut [f64]`)");
            continue;
        };
        let Some(target) = target(&r.elem) else {
            errors.at(
                &r.elem,
                "a `&mut` parameter of a #[differentiable] helper is `&mut [f64]`, `&mut Vec<f64>`, `&mut [f64; N]`, `&mut Array1<f64>` or `&mut f64`",
            );
            continue;
        };
        written.push(Written {
            pos: *pos,
            z: name.ident.clone(),
            target,
        });
    }
    if !errors.is_empty() {
        return Some(finish(emitted, errors));
    }
    let twin = twin(&func, &written, &mut errors);
    if !errors.is_empty() {
        return Some(finish(emitted, errors));
    }
    // The twin's attribute: where the runtime is, nothing else (`wrt` names the helper's
    // parameters; the twin has an array output, which has no `hessian`).
    let args = crate::args::parse(attr.clone(), &mut Errors::default());
    let twin_attr = match &args.krate {
        Some(path) => quote!(crate = #path),
        None => TokenStream::new(),
    };
    let expanded = crate::expand_attribute(twin_attr, twin.into_token_stream());
    let hidden = match syn::parse2::<syn::File>(expanded.clone()) {
        Ok(file) => {
            let mut out = TokenStream::new();
            for mut item in file.items {
                if let syn::Item::Fn(f) = &mut item {
                    crate::names::hide(f);
                }
                item.to_tokens(&mut out);
            }
            out
        }
        Err(_) => expanded,
    };
    Some(quote!(#emitted #hidden))
}

fn finish(emitted: TokenStream, errors: Errors) -> TokenStream {
    let errs = errors.into_compile_errors();
    quote!(#emitted #errs)
}

fn is_f64(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.qself.is_none() && p.path.is_ident("f64"))
}

fn target(ty: &syn::Type) -> Option<Target> {
    match ty {
        _ if is_f64(ty) => Some(Target::Scalar),
        syn::Type::Slice(s) if is_f64(&s.elem) => Some(Target::Slice),
        syn::Type::Array(a) if is_f64(&a.elem) => Some(Target::Fixed(a.len.clone())),
        syn::Type::Path(p) => {
            let last = p.path.segments.last()?;
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            let only_f64 = args.args.len() == 1
                && matches!(args.args.first(), Some(syn::GenericArgument::Type(t)) if is_f64(t));
            match last.ident.to_string().as_str() {
                "Vec" if only_f64 => Some(Target::Slice),
                "Array1" if only_f64 => Some(Target::Array1(ty.clone())),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A `&mut` parameter of the helper.
struct Written {
    /// Position in the parameter list.
    pos: usize,
    z: syn::Ident,
    target: Target,
}

/// `fn __mut_f(.., __z_in: &[f64], .., __s_in: f64) -> Vec<f64> { let mut z = copy of __z_in;
/// let mut s = __s_in; let r = body; [z.., s, r] }`: what is written, every `&mut` parameter's
/// contents one after the other in parameter order (a number is one element), then what the
/// helper returns (`0.0` when it returns nothing).
fn twin(func: &syn::ItemFn, written: &[Written], errors: &mut Errors) -> syn::ItemFn {
    let mut twin = func.clone();
    twin.sig.ident = format_ident!(
        "{}{}",
        TWIN_PREFIX,
        func.sig.ident,
        span = func.sig.ident.span()
    );
    twin.attrs.retain(|a| !a.path().is_ident("doc"));
    let sp = func.sig.ident.span();
    twin.sig.output = syn::parse_quote_spanned!(sp=> -> ::std::vec::Vec<f64>);
    let mut prologue = TokenStream::new();
    let mut lens = Vec::new();
    let mut copy_out = TokenStream::new();
    for w in written {
        let (z, sp) = (&w.z, w.z.span());
        let z_in = format_ident!("__{}_in", z, span = sp);
        // An array is copied into a new local array, which the body may write anywhere; a
        // number into a local.
        let param_ty: syn::Type = match &w.target {
            Target::Slice => syn::parse_quote_spanned!(sp=> &[f64]),
            Target::Fixed(n) => syn::parse_quote_spanned!(sp=> &[f64; #n]),
            Target::Array1(ty) => syn::parse_quote_spanned!(sp=> &#ty),
            Target::Scalar => syn::parse_quote_spanned!(sp=> f64),
        };
        if let Some(syn::FnArg::Typed(pt)) = twin.sig.inputs.iter_mut().nth(w.pos) {
            *pt.pat = syn::parse_quote!(#z_in);
            *pt.ty = param_ty;
        }
        let at = quote!((0 #(+ #lens)*));
        match &w.target {
            Target::Scalar => {
                prologue.extend(quote_spanned!(sp=> let mut #z = #z_in;));
                copy_out.extend(quote_spanned!(sp=> __written[#at] = #z;));
                lens.push(quote!(1));
            }
            _ => {
                prologue.extend(quote_spanned!(sp=>
                    let mut #z = vec![0.0; #z_in.len()];
                    for __k in 0..#z_in.len() {
                        #z[__k] = #z_in[__k];
                    }
                ));
                copy_out.extend(quote_spanned!(sp=>
                    for __k in 0..#z.len() {
                        __written[#at + __k] = #z[__k];
                    }
                ));
                lens.push(quote!(#z.len()));
            }
        }
    }
    let mut body = (*func.block).clone();
    let mut rewrite = WrittenValue {
        scalars: written
            .iter()
            .filter(|w| matches!(w.target, Target::Scalar))
            .map(|w| w.z.clone())
            .collect(),
        returns: Vec::new(),
    };
    rewrite.visit_block_mut(&mut body);
    for at in rewrite.returns {
        errors.at_span(
            at,
            "`return` in a #[differentiable] helper with a `&mut` parameter is not supported yet: write the remaining work under an `if` instead",
        );
    }
    // The value the helper returns (`0.0` for none) goes last.
    let result = match &func.sig.output {
        syn::ReturnType::Type(..) => quote!(let __result: f64 = #body;),
        syn::ReturnType::Default => quote!(#body let __result: f64 = 0.0;),
    };
    *twin.block = syn::parse_quote_spanned!(func.block.span()=> {
        #prologue
        #result
        let mut __written = vec![0.0; 1 #(+ #lens)*];
        #copy_out
        __written[0 #(+ #lens)*] = __result;
        __written
    });
    twin
}

/// In the twin's body, `*s` of a `&mut f64` is `s`; `return`s are noted (the twin returns an
/// array, and array outputs have no early return yet).
struct WrittenValue {
    scalars: Vec<syn::Ident>,
    returns: Vec<proc_macro2::Span>,
}

impl VisitMut for WrittenValue {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        match e {
            // A closure's `return` is its own.
            syn::Expr::Closure(_) => return,
            syn::Expr::Return(r) => {
                self.returns.push(r.return_token.span);
                return;
            }
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                if let syn::Expr::Path(p) = &*u.expr
                    && let Some(z) = self.scalars.iter().find(|z| p.path.is_ident(*z))
                {
                    *e = syn::parse_quote!(#z);
                    return;
                }
            }
            _ => {}
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
}
