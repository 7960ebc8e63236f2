//! What the attribute emits beside the user's function when it reports an error: the generated
//! functions with their signatures and bodies that never run, so that callers elsewhere in the
//! crate type-check and only the real errors are reported.

use crate::expand::{grad_tuple, grad_type, lints, names, output_adjoint_type};
use crate::params::{self, ParamSpec};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// On error: the generated functions with the right signatures, so that callers elsewhere in
/// the crate type-check and only the real errors are reported.
pub(crate) fn stubs(func: &syn::ItemFn, params: &[ParamSpec], wrt: &[usize]) -> TokenStream {
    let vis = &func.vis;
    let n = names(func);
    let generics = &func.sig.generics;
    // Unnamed: the stubs never read their arguments.
    let inputs: Vec<TokenStream> = params
        .iter()
        .map(|p| {
            let t = &p.ty;
            // A receiver stays one: the stubs are methods too.
            if p.ident == "self" {
                quote!(self: #t)
            } else {
                quote!(_: #t)
            }
        })
        .collect();
    let gty = grad_tuple(params, wrt);
    let pb_tys: Vec<TokenStream> = params.iter().map(|p| grad_type(&p.kind)).collect();
    let (grad, vg, pb) = (&n.grad, &n.value_and_grad, &n.pullback);
    let lints = lints();
    let out_ty = output_adjoint_type(func);
    let pb_stub = quote! {
        #lints
        #vis fn #pb #generics(#(#inputs,)* _: #out_ty) -> (#(#pb_tys,)*) {
            ::core::unreachable!()
        }
    };
    let vjp = format_ident!("vjp_{}", func.sig.ident);
    let vjp_stub = quote! {
        #lints
        #vis fn #vjp #generics(#(#inputs,)* _: #out_ty) -> #gty {
            ::core::unreachable!()
        }
    };
    if params::tuple_output(&func.sig).is_some() || params::array_output(&func.sig).is_some() {
        let jac = format_ident!("jacobian_{}", func.sig.ident);
        return quote! {
            #pb_stub
            #vjp_stub
            #lints
            #vis fn #jac #generics(#(#inputs),*) -> ::autodiff_runtime::ndarray::Array2<f64> {
                ::core::unreachable!()
            }
        };
    }
    quote! {
        #vjp_stub
        #lints
        #vis fn #vg #generics(#(#inputs),*) -> (f64, #gty) {
            ::core::unreachable!()
        }
        #lints
        #vis fn #grad #generics(#(#inputs),*) -> #gty {
            ::core::unreachable!()
        }
        #pb_stub
    }
}
