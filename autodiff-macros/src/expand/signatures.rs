//! The signatures of the generated functions: which parameters are active, the gradient's type,
//! the names, the lints they allow.

use crate::args;
use crate::error::Errors;
use crate::ir::ParamKind;
use crate::params::{self, ParamSpec};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

/// Indices (into the parameter list) of the parameters that `grad_*` differentiates, in the
/// order `wrt(...)` names them (declaration order without `wrt`).
pub(crate) fn active_params(
    params: &[ParamSpec],
    args: &args::Args,
    errors: &mut Errors,
) -> Vec<usize> {
    let floats: Vec<usize> = (0..params.len())
        .filter(|i| params[*i].kind.active_by_default())
        .collect();
    let Some(names) = &args.wrt else {
        return floats;
    };
    let mut out = vec![];
    for n in names {
        match params.iter().position(|p| p.ident == *n) {
            None => {
                let all: Vec<String> = params.iter().map(|p| p.ident.to_string()).collect();
                errors.at(
                    n,
                    format!(
                        "`wrt` names `{n}`, but the function has no parameter of that name (its parameters: {})",
                        all.join(", ")
                    ),
                );
            }
            Some(i) if params::mentions(&params[i].ty, "f32") => {
                let ty = &params[i].ty;
                errors.at(
                    n,
                    format!(
                        "`{n}` has type `{}`: f32 parameters are constants, not differentiated; take `{n}` as f64 (or an f64 array) to differentiate with respect to it",
                        quote!(#ty)
                    ),
                );
            }
            Some(i)
                if crate::params::is_nested_f64_collection(match &*params[i].ty {
                    syn::Type::Reference(r) => &r.elem,
                    t => t,
                }) =>
            {
                let ty = &params[i].ty;
                errors.at(
                    n,
                    format!(
                        "`{n}` has type `{}`: a collection of f64 collections is data (read, iterated and passed on, not differentiated); to differentiate with respect to it, take it as an `Array2<f64>`/`ArrayView2<f64>` or flattened into a `&[f64]`",
                        quote!(#ty)
                    ),
                );
            }
            Some(i) if !params[i].kind.is_float() => {
                let ty = &params[i].ty;
                errors.at(
                    n,
                    format!(
                        "`{n}` has type `{}`, which is not differentiated: `wrt` may name f64 parameters only",
                        quote!(#ty)
                    ),
                );
            }
            // In the order written (like JAX's `argnums`); a name given twice is an error above.
            Some(i) if !out.contains(&i) => out.push(i),
            Some(_) => {}
        }
    }
    out
}

pub(crate) fn grad_type(kind: &ParamKind) -> TokenStream {
    match kind {
        ParamKind::Scalar | ParamKind::ScalarRef => quote!(f64),
        ParamKind::Slice { .. } => quote!(::std::vec::Vec<f64>),
        ParamKind::Fixed { len, .. } => quote!([f64; #len]),
        ParamKind::Nd { dims: 1, .. } => quote!(::autodiff_runtime::ndarray::Array1<f64>),
        ParamKind::Nd { .. } => quote!(::autodiff_runtime::ndarray::Array2<f64>),
        ParamKind::Na { owned, .. } => quote!(#owned),
        ParamKind::Other => quote!(()),
    }
}

/// `T` for one active parameter, `(T1, T2, ...)` for several.
pub(crate) fn grad_tuple(params: &[ParamSpec], wrt: &[usize]) -> TokenStream {
    let tys: Vec<TokenStream> = wrt.iter().map(|i| grad_type(&params[*i].kind)).collect();
    if tys.len() == 1 {
        tys[0].clone()
    } else {
        quote!((#(#tys),*))
    }
}

pub(crate) struct Names {
    pub(crate) grad: Ident,
    pub(crate) value_and_grad: Ident,
    pub(crate) pullback: Ident,
    /// `Self::` when the function is an associated function (see [`crate::context`]), so that
    /// the generated functions can call each other and the user's function.
    pub(crate) sibling: TokenStream,
}

impl Names {
    /// A path to `name`, an item beside the user's function (`Self::name` in an `impl`).
    pub(crate) fn path(&self, name: &Ident) -> TokenStream {
        let s = &self.sibling;
        quote!(#s #name)
    }
}

pub(crate) fn names(func: &syn::ItemFn) -> Names {
    let n = &func.sig.ident;
    Names {
        grad: format_ident!("grad_{}", n),
        value_and_grad: format_ident!("value_and_grad_{}", n),
        pullback: format_ident!("pullback_{}", n),
        sibling: if crate::context::in_impl(func) {
            quote!(Self::)
        } else {
            TokenStream::new()
        },
    }
}

/// The parameters as they appear in the generated signatures (without `mut`).
pub(crate) fn plain_inputs(params: &[ParamSpec]) -> Vec<TokenStream> {
    params
        .iter()
        .map(|p| {
            let (i, t) = (&p.ident, &p.ty);
            quote!(#i: #t)
        })
        .collect()
}

const LINTS: &str = "dead_code, deprecated, unused_parens, unused_braces, \
     unreachable_code, non_snake_case, clippy::all, clippy::pedantic, clippy::nursery";

pub(crate) fn lints() -> TokenStream {
    let l: TokenStream = LINTS.parse().unwrap_or_default();
    quote!(#[allow(#l)])
}

/// The type of the output's adjoint: `f64`, or `(f64, f64, ..)` for several outputs.
pub(crate) fn output_adjoint_type(func: &syn::ItemFn) -> TokenStream {
    if let Some(ty) = params::array_output(&func.sig) {
        return quote!(#ty);
    }
    match params::tuple_output(&func.sig) {
        Some(n) => {
            let tys = (0..n).map(|_| quote!(f64));
            quote!((#(#tys,)*))
        }
        None => quote!(f64),
    }
}
