//! Parameters that are structs (`m: &Mlp` with `#[derive(Differentiable)] struct Mlp`).
//!
//! The attribute cannot see the struct's fields, so it asks for them: for a parameter named in
//! `wrt(..)` whose type is a plain path (`Mlp`, `&Mlp`, `model::Mlp`), it emits the user's
//! function as written and a call of the macro of the same name that the derive left beside
//! the struct (see [`crate::derive`]), `Mlp! { @autodiff_fields [callback] (m) (attr) { item } [] }`.
//! That macro calls [`with_fields`] back with the field list in front; several struct
//! parameters are resolved one call after another (the list of those already known travels
//! in the last group). With every field list known, [`flatten`] rewrites the function into one
//! whose differentiated fields are parameters of their own, which the ordinary pipeline
//! differentiates, and [`wrappers`] puts the struct back together at the signature.
//!
//! A parameter struct that is not named in `wrt` stays what it was before the derive existed, a
//! constant whose fields are read; when its type derives `Differentiable` that is almost
//! certainly a mistake, so [`constant_struct_probes`] makes it a compile error that says to name
//! it in `wrt` (a type-level check: the attribute cannot know which types derive, and a call of
//! a macro that does not exist cannot be recovered from, so the callback is taken only when asked).

mod calls;
mod flatten;
mod tree;
mod wrappers;

use crate::args;
use crate::derive::FieldKind;
use crate::error::Errors;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::{Parse, ParseStream, Parser};
use syn::spanned::Spanned;

/// A parameter `m: &Mlp` / `m: Mlp` whose type may be a derived parameter struct.
#[derive(Clone)]
pub(crate) struct StructParam {
    /// Position in the parameter list.
    pub pos: usize,
    pub ident: Ident,
    /// The struct's path as written (`Mlp`, `model::Mlp`).
    pub path: syn::Path,
    /// The type as written (`&'a Mlp`, `Mlp`).
    pub ty: syn::Type,
    pub by_ref: bool,
}

/// The field lists known so far, each for a chain of names from a parameter (`[m]`,
/// `[m, layer]` for a nested struct).
pub(crate) type Known = Vec<(Vec<Ident>, Vec<Field>)>;

/// One field as the derive's list gives it.
#[derive(Clone)]
pub(crate) struct Field {
    pub ident: Ident,
    pub kind: FieldKind,
}

/// The struct's path when `ty` is `P`, `&P` or `&'a P` for a path `P` without generic
/// arguments whose last name is capitalised (a type, by Rust's conventions), other than `Self`
/// and `String`.
fn struct_path(ty: &syn::Type) -> Option<(&syn::Path, bool)> {
    let (inner, by_ref) = match ty {
        syn::Type::Reference(r) if r.mutability.is_none() => (&*r.elem, true),
        other => (other, false),
    };
    let syn::Type::Path(tp) = inner else {
        return None;
    };
    if tp.qself.is_some() || tp.path.segments.iter().any(|s| !s.arguments.is_empty()) {
        return None;
    }
    let last = tp.path.segments.last()?.ident.to_string();
    let capitalised = last.chars().next().is_some_and(char::is_uppercase);
    (capitalised && last != "Self" && last != "String").then_some((&tp.path, by_ref))
}

/// Every parameter whose type may be a parameter struct, in declaration order.
fn candidates(sig: &syn::Signature) -> Vec<StructParam> {
    let mut out = vec![];
    for (pos, input) in sig.inputs.iter().enumerate() {
        let syn::FnArg::Typed(pt) = input else {
            continue;
        };
        let syn::Pat::Ident(pi) = &*pt.pat else {
            continue;
        };
        if let Some((path, by_ref)) = struct_path(&pt.ty) {
            out.push(StructParam {
                pos,
                ident: pi.ident.clone(),
                path: path.clone(),
                ty: (*pt.ty).clone(),
                by_ref,
            });
        }
    }
    out
}

/// The parameters differentiated as structs: the candidates that `wrt(..)` names.
pub(crate) fn struct_params(sig: &syn::Signature, wrt: Option<&[Ident]>) -> Vec<StructParam> {
    let Some(wrt) = wrt else {
        return vec![];
    };
    candidates(sig)
        .into_iter()
        .filter(|p| wrt.contains(&p.ident))
        .collect()
}

fn runtime(args: &args::Args) -> TokenStream {
    match &args.krate {
        Some(p) => quote!(#p),
        None => quote!(::autodiff_runtime),
    }
}

/// Whether the function is (by its own tokens) a method or associated function.
fn in_impl(func: &syn::ItemFn, item: &TokenStream) -> bool {
    fn mentions_self(ts: &TokenStream) -> bool {
        ts.clone().into_iter().any(|t| match t {
            proc_macro2::TokenTree::Ident(i) => i == "Self",
            proc_macro2::TokenTree::Group(g) => mentions_self(&g.stream()),
            _ => false,
        })
    }
    func.sig.receiver().is_some() || mentions_self(item)
}

/// `&Mlp`, `model::Mlp`: the type as a user writes it.
fn type_text(p: &StructParam) -> String {
    let path: Vec<String> = p
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    format!("{}{}", if p.by_ref { "&" } else { "" }, path.join("::"))
}

/// The attribute on a function with a struct parameter named in `wrt`: the user's function and
/// the first call for fields. `None` when there is no such parameter (the ordinary expansion).
pub fn attribute(attr: &TokenStream, item: &TokenStream) -> Option<TokenStream> {
    let func: syn::ItemFn = syn::parse2(item.clone()).ok()?;
    let mut errors = Errors::default();
    let args = args::parse(attr.clone(), &mut errors);
    if !errors.is_empty() {
        return None;
    }
    let sps = struct_params(&func.sig, args.wrt.as_deref());
    let first = sps.first()?;
    let emitted = match crate::expand::strip_checkpoints(&func, item, &mut Errors::default()) {
        Some(stripped) => stripped.into_token_stream(),
        None => item.clone(),
    };
    if in_impl(&func, item) {
        let mut errors = Errors::default();
        errors.at(
            &first.ident,
            format!(
                "`{}` is a struct: struct parameters are differentiated in free functions only (not yet in methods or associated functions); write a free function `fn f({}: {}, ..)`",
                first.ident,
                first.ident,
                type_text(first)
            ),
        );
        let errs = errors.into_compile_errors();
        return Some(quote!(#emitted #errs));
    }
    let rt = runtime(&args);
    let checks = sps.iter().map(|p| {
        let path = &p.path;
        quote_spanned! {path.span()=>
            const _: () = {
                fn __is_parameter_struct<T: #rt::Differentiable>() {}
                let _ = __is_parameter_struct::<#path>;
            };
        }
    });
    let call = next_call(
        &first.path,
        std::slice::from_ref(&first.ident),
        &rt,
        attr,
        item,
        &Known::new(),
    );
    Some(quote!(#emitted #(#checks)* #call))
}

/// `Mlp! { @autodiff_fields [callback] (m) (attr) { item } [known..] }`, for the struct of
/// type `path` reached by `chain` (`m`, or `m layer` for a nested one).
fn next_call(
    path: &syn::Path,
    chain: &[Ident],
    rt: &TokenStream,
    attr: &TokenStream,
    item: &TokenStream,
    known: &Known,
) -> TokenStream {
    let known = known.iter().map(|(c, fs)| {
        let fs = fs.iter().map(|f| {
            let (i, w) = (&f.ident, f.kind.word());
            quote!(#i: #w)
        });
        quote!((#(#c)*) { #(#fs),* })
    });
    let span = path.span();
    let bang = quote_spanned!(span=> !);
    quote! {
        #path #bang { @autodiff_fields [#rt::__differentiable_with_fields] (#(#chain)*) (#attr) { #item } [#(#known)*] }
    }
}

/// What the derive's macro passes back: `{ fields } (m) (attr) { item } [known..]`.
struct Callback {
    fields: Vec<Field>,
    chain: Vec<Ident>,
    attr: TokenStream,
    item: TokenStream,
    known: Known,
}

fn parse_chain(input: ParseStream) -> syn::Result<Vec<Ident>> {
    let mut out = vec![];
    while !input.is_empty() {
        out.push(input.parse()?);
    }
    Ok(out)
}

fn parse_fields(input: ParseStream) -> syn::Result<Vec<Field>> {
    let content;
    syn::braced!(content in input);
    let mut out = vec![];
    while !content.is_empty() {
        let ident: Ident = content.parse()?;
        let _: syn::Token![:] = content.parse()?;
        let word: Ident = content.parse()?;
        let kind = match word.to_string().as_str() {
            "f64" => FieldKind::Scalar,
            "vec" => FieldKind::Vec,
            "array1" => FieldKind::Array1,
            "array2" => FieldKind::Array2,
            "constant" => FieldKind::Constant,
            "fixed" => {
                let inner;
                syn::parenthesized!(inner in content);
                let lit: syn::LitInt = inner.parse()?;
                FieldKind::Fixed(lit.base10_parse::<usize>()?)
            }
            "nested" => {
                let inner;
                syn::parenthesized!(inner in content);
                FieldKind::Nested(inner.call(syn::Path::parse_mod_style)?)
            }
            _ => return Err(syn::Error::new(word.span(), "unknown field kind")),
        };
        out.push(Field { ident, kind });
        if !content.is_empty() {
            let _: syn::Token![,] = content.parse()?;
        }
    }
    Ok(out)
}

impl Parse for Callback {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let fields = parse_fields(input)?;
        let (p, a, i, k);
        syn::parenthesized!(p in input);
        syn::parenthesized!(a in input);
        syn::braced!(i in input);
        syn::bracketed!(k in input);
        let mut known = vec![];
        while !k.is_empty() {
            let c;
            syn::parenthesized!(c in k);
            known.push((parse_chain(&c)?, parse_fields(&k)?));
        }
        Ok(Callback {
            fields,
            chain: parse_chain(&p)?,
            attr: a.parse()?,
            item: i.parse()?,
            known,
        })
    }
}

/// `__differentiable_with_fields!`: called by the derive's macro with one struct's fields.
pub fn with_fields(input: TokenStream) -> TokenStream {
    let cb = match Callback::parse.parse2(input) {
        Ok(cb) => cb,
        Err(e) => {
            return syn::Error::new(
                Span::call_site(),
                format!("internal error in #[differentiable]'s struct parameters (a bug; please report it): {e}"),
            )
            .to_compile_error();
        }
    };
    let Callback {
        fields,
        chain,
        attr,
        item,
        mut known,
    } = cb;
    known.push((chain, fields));
    let Ok(func) = syn::parse2::<syn::ItemFn>(item.clone()) else {
        return TokenStream::new();
    };
    let args = args::parse(attr.clone(), &mut Errors::default());
    let sps = struct_params(&func.sig, args.wrt.as_deref());
    let rt = runtime(&args);
    let is_known = |c: &[Ident]| known.iter().any(|(k, _)| k.as_slice() == c);
    if let Some(next) = sps
        .iter()
        .find(|p| !is_known(std::slice::from_ref(&p.ident)))
    {
        let chain = std::slice::from_ref(&next.ident);
        return next_call(&next.path, chain, &rt, &attr, &item, &known);
    }
    // The nested structs of those known.
    for (c, fs) in &known {
        for f in fs {
            if let FieldKind::Nested(path) = &f.kind {
                let mut sub = c.clone();
                sub.push(f.ident.clone());
                if !is_known(&sub) {
                    return next_call(path, &sub, &rt, &attr, &item, &known);
                }
            }
        }
    }
    flatten::generate(&func, &item, &args, &sps, &known)
}

/// For a function without `wrt`: a compile-time check per parameter whose type may be a
/// parameter struct that it does not derive `Differentiable` (a derived struct is not
/// differentiated unless `wrt` names it, and silently treating it as a constant would give a
/// gradient without it). Nothing for methods (a `const` item cannot go into an `impl`).
pub fn constant_struct_probes(attr: &TokenStream, item: &TokenStream) -> TokenStream {
    let Ok(func) = syn::parse2::<syn::ItemFn>(item.clone()) else {
        return TokenStream::new();
    };
    let args = args::parse(attr.clone(), &mut Errors::default());
    if args.wrt.is_some() || in_impl(&func, item) {
        return TokenStream::new();
    }
    let rt = runtime(&args);
    candidates(&func.sig)
        .iter()
        .map(|p| {
            let path = &p.path;
            let msg = format!(
                "`{m}` is a parameter struct (`{ty}` derives Differentiable), which is differentiated only when `wrt` names it: write #[differentiable(wrt({m}, ..))] to differentiate with respect to it, or name only the other parameters in `wrt` to keep it constant",
                m = p.ident,
                ty = path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default(),
            );
            quote_spanned! {path.span()=>
                const _: () = {
                    #[allow(unused_imports)]
                    use #rt::__rt::NotDerived as _;
                    if #rt::__rt::Probe::<#path>::DERIVED {
                        ::core::panic!(#msg);
                    }
                };
            }
        })
        .collect()
}
