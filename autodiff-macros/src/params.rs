//! The signature: which parameters are floats (active by default) and what may not be
//! differentiated at all (methods, generics, `async`, non-`f64` outputs).

use crate::error::Errors;
use crate::ir::ParamKind;
use crate::lower::type_name;
use proc_macro2::Ident;
use quote::ToTokens;

pub struct ParamSpec {
    pub ident: Ident,
    pub ty: Box<syn::Type>,
    pub kind: ParamKind,
}

/// Checks everything about the signature that makes a gradient impossible. Returns false when
/// not even the signatures of the generated functions can be written.
pub fn check_signature(sig: &syn::Signature, errors: &mut Errors) -> bool {
    let mut ok = true;
    if let Some(t) = &sig.constness {
        errors.at(t, "`const fn` cannot be #[differentiable]; remove `const`");
    }
    if let Some(t) = &sig.asyncness {
        errors.at(
            t,
            "`async fn` cannot be #[differentiable]; write a plain fn",
        );
        ok = false;
    }
    if let Some(t) = &sig.unsafety {
        errors.at(
            t,
            "`unsafe fn` cannot be #[differentiable]; write a safe fn",
        );
    }
    if let Some(abi) = &sig.abi {
        errors.at(abi, "`extern` functions cannot be #[differentiable]");
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.at(
            &sig.generics,
            "generic functions cannot be #[differentiable]: the gradient is generated for f64; write the function for f64 (and integer types) without type or lifetime parameters",
        );
        ok = false;
    }
    if let Some(v) = &sig.variadic {
        errors.at(v, "variadic functions cannot be #[differentiable]");
        ok = false;
    }
    match &sig.output {
        syn::ReturnType::Type(_, ty) if type_name(ty).as_deref() == Some("f64") => {}
        syn::ReturnType::Type(_, ty) => {
            errors.at(
                ty,
                "grad_* needs a scalar f64 output: a #[differentiable] function must return `f64` (for several outputs, differentiate each scalar in its own function)",
            );
        }
        syn::ReturnType::Default => {
            errors.at(
                &sig.ident,
                "grad_* needs a scalar f64 output: a #[differentiable] function must return `f64`",
            );
        }
    }
    ok
}

/// Classifies the parameters by their written type. Errors for patterns and `self`.
pub fn classify(sig: &syn::Signature, errors: &mut Errors) -> Vec<ParamSpec> {
    let mut out = vec![];
    for input in &sig.inputs {
        match input {
            syn::FnArg::Receiver(r) => errors.at(
                r,
                "methods cannot be #[differentiable]: write a free function that takes the values it needs as parameters",
            ),
            syn::FnArg::Typed(pt) => {
                let ident = match &*pt.pat {
                    syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => pi.ident.clone(),
                    other => {
                        errors.at(
                            other,
                            "parameters of a #[differentiable] function must be plain names (`x: f64` or `mut x: f64`), not patterns",
                        );
                        continue;
                    }
                };
                let kind = param_kind(&pt.ty, errors);
                out.push(ParamSpec {
                    ident,
                    ty: pt.ty.clone(),
                    kind,
                });
            }
        }
    }
    out
}

fn param_kind(ty: &syn::Type, errors: &mut Errors) -> ParamKind {
    match type_name(ty).as_deref() {
        Some("f64") => return ParamKind::Scalar,
        Some("f32") => {
            errors.at(ty, "f32 parameters are not differentiated: use f64");
            return ParamKind::Other;
        }
        _ => {}
    }
    let text = ty.to_token_stream().to_string();
    let arrayish = ["[f64", "Vec < f64", "Array", "ArrayView", "ArrayBase"];
    if arrayish.iter().any(|a| text.contains(a)) {
        errors.at(
            ty,
            "array and slice parameters are not supported yet: a #[differentiable] function takes f64 and integer parameters",
        );
    }
    ParamKind::Other
}
