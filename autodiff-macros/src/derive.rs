//! `#[derive(Differentiable)]`: a struct of parameters.
//!
//! It implements the runtime's `Params` (so the optimizers update the struct with one state),
//! `Differentiable` (the marker, with `accumulate`) and the hidden `Fields` (references to the
//! differentiated fields; the struct rebuilt from their gradients). And, because an attribute on
//! a function cannot see the struct's definition, it emits the field list where the attribute
//! can reach it: a `macro_rules!` re-exported under the struct's own name (macros have their own
//! namespace, so `use model::Mlp;` imports the struct and its field list together). The
//! attribute, asked to differentiate a parameter `m: &Mlp`, expands to `Mlp! { .. }`, which
//! calls back into the macro crate with the fields (see [`crate::structs`]).

use crate::error::Errors;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

/// How a field takes part, as the attribute's callback reads it.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldKind {
    Scalar,
    Vec,
    /// `[f64; N]`: its position in the struct names its `FixedLen<I>` impl.
    Fixed(usize),
    Array1,
    Array2,
    /// A field whose type is another parameter struct (by the path the struct's module uses).
    Nested(syn::Path),
    Constant,
}

impl FieldKind {
    /// The word the field list carries (parsed back by `structs::parse_fields`).
    pub fn word(&self) -> TokenStream {
        match self {
            FieldKind::Scalar => quote!(f64),
            FieldKind::Vec => quote!(vec),
            FieldKind::Fixed(i) => {
                let i = proc_macro2::Literal::usize_unsuffixed(*i);
                quote!(fixed(#i))
            }
            FieldKind::Array1 => quote!(array1),
            FieldKind::Array2 => quote!(array2),
            FieldKind::Nested(p) => quote!(nested(#p)),
            FieldKind::Constant => quote!(constant),
        }
    }
}

const SUPPORTED: &str =
    "differentiated fields are `f64`, `Vec<f64>`, `[f64; N]`, `Array1<f64>` or `Array2<f64>`";

pub fn derive(input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let item: syn::DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let name = &item.ident;
    let fields = match &item.data {
        syn::Data::Struct(s) => match &s.fields {
            syn::Fields::Named(f) => Some(f),
            syn::Fields::Unnamed(f) => {
                errors.at(
                    f,
                    format!("#[derive(Differentiable)] needs named fields: write `struct {name} {{ w: Array1<f64>, b: f64 }}` (a gradient is the struct itself, field by field)"),
                );
                None
            }
            syn::Fields::Unit => {
                errors.at(
                    name,
                    format!("#[derive(Differentiable)] needs a struct with named fields holding the parameters: `struct {name} {{ w: Array1<f64>, b: f64 }}`"),
                );
                None
            }
        },
        syn::Data::Enum(e) => {
            errors.at(
                e.enum_token,
                "#[derive(Differentiable)] applies to a struct with named fields, not an enum: hold the parameters in a struct (`struct Model { w: Array1<f64>, b: f64 }`) and keep a choice between models in a `#[constant]` field or a separate parameter",
            );
            None
        }
        syn::Data::Union(u) => {
            errors.at(
                u.union_token,
                "#[derive(Differentiable)] applies to a struct with named fields, not a union",
            );
            None
        }
    };
    if !item.generics.params.is_empty() {
        errors.at(
            &item.generics,
            "#[derive(Differentiable)] does not support generic parameter structs yet: write the struct with concrete field types (`f64`, `Array1<f64>`, ...), without type or lifetime parameters",
        );
    }
    let mut parsed = vec![];
    for (i, f) in fields.into_iter().flat_map(|f| &f.named).enumerate() {
        if let Some(kind) = field_kind(i, f, &mut errors) {
            parsed.push((f, kind));
        }
    }
    if !errors.is_empty() {
        return errors.into_compile_errors();
    }
    emit(name, &parsed)
}

/// The field's kind from its written type (and `#[constant]`); `None` after an error.
fn field_kind(index: usize, f: &syn::Field, errors: &mut Errors) -> Option<FieldKind> {
    let mut constant = false;
    for a in &f.attrs {
        if a.path().is_ident("constant") {
            if !matches!(a.meta, syn::Meta::Path(_)) {
                errors.at(
                    a,
                    "`#[constant]` takes no arguments: write `#[constant]` on the field",
                );
                return None;
            }
            constant = true;
        }
    }
    if constant {
        return Some(FieldKind::Constant);
    }
    let kind = match &f.ty {
        syn::Type::Array(a) if is_f64(&a.elem) => Some(FieldKind::Fixed(index)),
        ty if is_f64(ty) => Some(FieldKind::Scalar),
        syn::Type::Path(tp) if tp.qself.is_none() => {
            let last = tp.path.segments.last();
            let f64_arg = last.is_some_and(|s| match &s.arguments {
                syn::PathArguments::AngleBracketed(a) => {
                    a.args.len() == 1
                        && matches!(a.args.first(), Some(syn::GenericArgument::Type(t)) if is_f64(t))
                }
                _ => false,
            });
            match last.map(|s| s.ident.to_string()).as_deref() {
                Some("Vec") if f64_arg => Some(FieldKind::Vec),
                Some("Array1") if f64_arg => Some(FieldKind::Array1),
                Some("Array2") if f64_arg => Some(FieldKind::Array2),
                _ => None,
            }
        }
        _ => None,
    };
    // A capitalised name without arguments: another parameter struct (its own derive makes
    // it one; if it does not derive, rustc says so on this field).
    let kind = kind.or_else(|| match &f.ty {
        syn::Type::Path(tp)
            if tp.qself.is_none()
                && tp.path.segments.iter().all(|s| s.arguments.is_empty())
                && tp.path.segments.last().is_some_and(|s| {
                    let n = s.ident.to_string();
                    n.starts_with(char::is_uppercase) && n != "String" && n != "Self"
                }) =>
        {
            Some(FieldKind::Nested(tp.path.clone()))
        }
        _ => None,
    });
    if kind.is_none() {
        let ty = &f.ty;
        let fname = f
            .ident
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        errors.at(
            ty,
            format!(
                "field `{fname}` has type `{}`, which #[derive(Differentiable)] cannot differentiate: {SUPPORTED}, or another struct that derives Differentiable; mark the field `#[constant]` to keep it out of the gradient (gradients then hold a clone of it)",
                quote!(#ty)
            ),
        );
    }
    kind
}

fn is_f64(ty: &syn::Type) -> bool {
    crate::params::type_name(ty).as_deref() == Some("f64")
}

fn emit(name: &syn::Ident, fields: &[(&syn::Field, FieldKind)]) -> TokenStream {
    let rt = quote!(::autodiff_runtime);
    let span = name.span();
    let ident = |f: &syn::Field| f.ident.clone().unwrap_or_else(|| format_ident!("_"));
    let diff: Vec<&(&syn::Field, FieldKind)> = fields
        .iter()
        .filter(|(_, k)| *k != FieldKind::Constant)
        .collect();
    let d_names: Vec<syn::Ident> = diff.iter().map(|(f, _)| ident(f)).collect();
    let d_types: Vec<&syn::Type> = diff.iter().map(|(f, _)| &f.ty).collect();
    let c_names: Vec<syn::Ident> = fields
        .iter()
        .filter(|(_, k)| *k == FieldKind::Constant)
        .map(|(f, _)| ident(f))
        .collect();
    let grads = d_names.iter().enumerate().map(|(i, n)| {
        let i = syn::Index::from(i);
        quote!(#n: __grads.#i)
    });
    let fixed_lens = fields.iter().filter_map(|(f, k)| match (k, &f.ty) {
        (FieldKind::Fixed(i), syn::Type::Array(a)) => {
            let len = &a.len;
            Some(quote_spanned! {span=>
                #[automatically_derived]
                impl #rt::__rt::FixedLen<#i> for #name {
                    const LEN: usize = #len;
                }
            })
        }
        _ => None,
    });
    let list = fields.iter().map(|(f, k)| {
        let (n, w) = (ident(f), k.word());
        quote!(#n: #w)
    });
    let list = quote!({ #(#list),* });
    let mac = format_ident!("__autodiff_fields_{}", name);
    // A nested struct must derive too: a bound on the impls, on the field's type, so that
    // rustc says it once there (with `Differentiable`'s message) instead of at every use.
    let nested: Vec<TokenStream> = fields
        .iter()
        .filter_map(|(f, k)| match k {
            FieldKind::Nested(_) => {
                let ty = &f.ty;
                Some(quote_spanned!(ty.span()=> #ty: #rt::Differentiable))
            }
            _ => None,
        })
        .collect();
    let bounds = if nested.is_empty() {
        TokenStream::new()
    } else {
        quote!(where #(#nested),*)
    };
    let (a, grads_var) = (
        syn::Lifetime::new("'__a", Span::call_site()),
        format_ident!("__grads"),
    );
    quote_spanned! {span=>
        #[automatically_derived]
        impl #rt::Params for #name #bounds {
            fn zeros_like(&self) -> Self {
                Self {
                    #(#d_names: #rt::Params::zeros_like(&self.#d_names),)*
                    #(#c_names: ::core::clone::Clone::clone(&self.#c_names),)*
                }
            }
            fn same_shape(&self, __other: &Self) -> bool {
                true #(&& #rt::Params::same_shape(&self.#d_names, &__other.#d_names))*
            }
            fn dims(&self) -> ::std::vec::Vec<usize> {
                let mut __d = ::std::vec::Vec::new();
                #(__d.extend(#rt::Params::dims(&self.#d_names));)*
                __d
            }
            fn elems(&self) -> impl ::core::iter::Iterator<Item = &f64> {
                ::core::iter::empty() #(.chain(#rt::Params::elems(&self.#d_names)))*
            }
            fn elems_mut(&mut self) -> impl ::core::iter::Iterator<Item = &mut f64> {
                let Self { #(#d_names,)* .. } = self;
                ::core::iter::empty() #(.chain(#rt::Params::elems_mut(#d_names)))*
            }
        }

        #[automatically_derived]
        impl #rt::Differentiable for #name #bounds {}

        #[automatically_derived]
        impl #rt::__rt::Fields for #name {
            type Refs<#a> = (#(&#a #d_types,)*) where Self: #a;
            type Grads = (#(#d_types,)*);
            #[inline]
            fn refs(&self) -> Self::Refs<'_> {
                (#(&self.#d_names,)*)
            }
            #[inline]
            fn assemble(&self, #grads_var: Self::Grads) -> Self {
                Self {
                    #(#grads,)*
                    #(#c_names: ::core::clone::Clone::clone(&self.#c_names),)*
                }
            }
        }

        #(#fixed_lens)*

        #[doc(hidden)]
        #[allow(unused_macros)]
        macro_rules! #mac {
            (@autodiff_fields [$($cb:tt)*] $($rest:tt)*) => {
                $($cb)* ! { #list $($rest)* }
            };
        }
        // `pub(crate)` at most: a `macro_rules!` cannot be re-exported beyond its crate.
        #[doc(hidden)]
        #[allow(unused_imports)]
        pub(crate) use #mac as #name;
    }
}
