//! Unit tangents for the column-by-column functions (`hessian_f`, and `jacobian_f` by forward
//! mode): one tangent variable per parameter, as `jvp_f`/`hvp_f` take them, every active
//! element numbered in `grad_f`'s order, and the code that puts a one at element `col` and
//! takes it out again.

use crate::ir::ParamKind;
use crate::params::ParamSpec;
use proc_macro2::{Ident, TokenStream};
use quote::quote;

use crate::names::generated_local as own;

pub(crate) struct UnitTangents {
    /// The loop variable: the active element whose tangent is one.
    pub col: Ident,
    /// How many active elements there are (a `usize` the `setup` computes).
    pub n: Ident,
    /// Computes `n` and each parameter's first column, then declares the tangents (zeros).
    pub setup: TokenStream,
    /// Puts the one in at `col`.
    pub set: TokenStream,
    /// Takes it out again.
    pub unset: TokenStream,
    /// The tangent arguments, one per parameter, as `jvp_f` takes them.
    pub args: Vec<TokenStream>,
}

pub(crate) fn unit_tangents(ps: &[ParamSpec], wrt: &[usize]) -> UnitTangents {
    let (n, col, offsets) = (own("n"), own("col"), own("offsets"));
    // Per parameter: its tangent's storage, how the unit vector is put in and taken out, and
    // what is passed.
    let mut decls = vec![];
    let mut set = vec![];
    let mut unset = vec![];
    let mut args = vec![];
    let mut sizes = vec![];
    for (k, q) in ps.iter().enumerate() {
        let t = own(&format!("t{k}"));
        let x = &q.ident;
        let position = wrt.iter().position(|w| *w == k);
        let size = match q.kind {
            ParamKind::Scalar | ParamKind::ScalarRef => quote!(1),
            ParamKind::Other => quote!(0),
            _ => quote!(#x.len()),
        };
        match q.kind {
            ParamKind::Other => {
                args.push(quote!(()));
                continue;
            }
            ParamKind::Scalar | ParamKind::ScalarRef => {
                decls.push(quote!(let mut #t: f64 = 0.0;));
                args.push(quote!(#t));
                if position.is_some() {
                    set.push(quote!(#t = 1.0;));
                    unset.push(quote!(#t = 0.0;));
                }
            }
            ParamKind::Fixed { ref len, .. } => {
                decls.push(quote!(let mut #t: [f64; #len] = [0.0; #len];));
                args.push(quote!(&#t));
                if position.is_some() {
                    set.push(quote!(#t[#col - #offsets[#k]] = 1.0;));
                    unset.push(quote!(#t[#col - #offsets[#k]] = 0.0;));
                }
            }
            ParamKind::Nd { .. } => {
                decls.push(quote!(let mut #t = ::autodiff_runtime::ndarray::Array1::<f64>::zeros(#x.len());));
                args.push(quote!(&#t));
                if position.is_some() {
                    set.push(quote!(#t[#col - #offsets[#k]] = 1.0;));
                    unset.push(quote!(#t[#col - #offsets[#k]] = 0.0;));
                }
            }
            _ => {
                decls.push(quote!(let mut #t: ::std::vec::Vec<f64> = ::std::vec![0.0; #x.len()];));
                args.push(quote!(&#t));
                if position.is_some() {
                    set.push(quote!(#t[#col - #offsets[#k]] = 1.0;));
                    unset.push(quote!(#t[#col - #offsets[#k]] = 0.0;));
                }
            }
        }
        if position.is_some() {
            sizes.push((k, size));
        }
    }
    // Each active parameter's first column, in `grad_f`'s order.
    let size_of = |k: usize| {
        sizes
            .iter()
            .find(|(j, _)| *j == k)
            .map(|(_, s)| s.clone())
            .unwrap_or_else(|| quote!(0))
    };
    let offset_steps: Vec<TokenStream> = wrt
        .iter()
        .map(|k| {
            let s = size_of(*k);
            quote!(#offsets[#k] = #n; #n += #s;)
        })
        .collect();
    let in_range: Vec<TokenStream> = wrt
        .iter()
        .map(|k| {
            let s = size_of(*k);
            quote!(#col >= #offsets[#k] && #col < #offsets[#k] + #s)
        })
        .collect();
    // `set[i]`/`unset[i]` belong to the i-th parameter in `sizes`, which follows declaration
    // order; pair them with their range checks by parameter.
    let mut toggles = vec![];
    let mut unset_all = vec![];
    for (i, (k, _)) in sizes.iter().enumerate() {
        let pos = wrt.iter().position(|w| w == k).unwrap_or(0);
        let cond = &in_range[pos];
        let (s, u) = (&set[i], &unset[i]);
        toggles.push(quote!(if #cond { #s }));
        unset_all.push(quote!(if #cond { #u }));
    }
    let np = ps.len();
    UnitTangents {
        setup: quote! {
            let mut #offsets = [0usize; #np];
            let mut #n = 0usize;
            #(#offset_steps)*
            #(#decls)*
        },
        set: quote!(#(#toggles)*),
        unset: quote!(#(#unset_all)*),
        col,
        n,
        args,
    }
}
