//! The signature: which parameters are floats (active by default) and what may not be
//! differentiated at all (methods, generics, `async`, non-`f64` outputs). Parameters of other
//! types, `f32` among them, are constants.

use crate::error::Errors;
use crate::ir::ParamKind;
use proc_macro2::Ident;
use quote::ToTokens;

pub struct ParamSpec {
    pub ident: Ident,
    pub ty: Box<syn::Type>,
    pub kind: ParamKind,
}

/// `-> (f64, f64, ..)`: the number of outputs.
pub fn tuple_output(sig: &syn::Signature) -> Option<usize> {
    match &sig.output {
        syn::ReturnType::Type(_, ty) => match &**ty {
            syn::Type::Tuple(t)
                if t.elems.len() >= 2
                    && t.elems
                        .iter()
                        .all(|e| type_name(e).as_deref() == Some("f64")) =>
            {
                Some(t.elems.len())
            }
            _ => None,
        },
        syn::ReturnType::Default => None,
    }
}

/// `-> Vec<f64>`, `-> [f64; N]`, `-> Array1<f64>`: a function with an array of outputs, whose
/// pullback takes an output adjoint of that type (see `array_outputs.rs`).
pub fn array_output(sig: &syn::Signature) -> Option<Box<syn::Type>> {
    let syn::ReturnType::Type(_, ty) = &sig.output else {
        return None;
    };
    is_array_output_type(ty).then(|| ty.clone())
}

/// `Vec<f64>`, `[f64; N]` or `Array1<f64>`: what a function may return as an array.
pub fn is_array_output_type(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Array(a) => is_f64(&a.elem),
        syn::Type::Path(tp) if tp.qself.is_none() => tp.path.segments.last().is_some_and(|last| {
            let args = generic_types(&last.arguments);
            let elem_f64 = args.len() == 1 && is_f64(args[0]);
            matches!(last.ident.to_string().as_str(), "Vec" | "Array1") && elem_f64
        }),
        _ => false,
    }
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
    if let syn::Safety::Unsafe(t) = &sig.safety {
        errors.at(
            t,
            "`unsafe fn` cannot be #[differentiable]; write a safe fn",
        );
    }
    if let Some(abi) = &sig.abi {
        errors.at(abi, "`extern` functions cannot be #[differentiable]; remove the ABI and write a plain Rust fn");
    }
    let only_lifetimes = sig
        .generics
        .params
        .iter()
        .all(|g| matches!(g, syn::GenericParam::Lifetime(_)));
    if !only_lifetimes {
        errors.at(
            &sig.generics,
            "generic functions cannot be #[differentiable]: the gradient is generated for f64; write the function for f64 (and integer types) without type parameters (lifetime parameters are fine)",
        );
        ok = false;
    } else if let Some(w) = &sig.generics.where_clause {
        errors.at(
            w,
            "`where` clauses are not supported on a #[differentiable] function; remove it (the function has no type parameters to constrain)",
        );
        ok = false;
    }
    if let Some(v) = &sig.variadic {
        errors.at(
            v,
            "variadic functions cannot be #[differentiable]; take a slice `&[f64]` instead",
        );
        ok = false;
    }
    match &sig.output {
        syn::ReturnType::Type(_, ty) if type_name(ty).as_deref() == Some("f64") => {}
        // A helper with several outputs: it gets a pullback (taking a tuple of output
        // adjoints) for its callers, and no gradient.
        _ if tuple_output(sig).is_some() || array_output(sig).is_some() => {}
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
            // `self` is a constant: its fields are read (`self.k`), never differentiated.
            syn::FnArg::Receiver(r) => {
                let ty: syn::Type = match &r.kind {
                    syn::ReceiverKind::Reference(_, _, Some(_)) => {
                        errors.at(
                            r,
                            "`&mut self` methods cannot be #[differentiable]: a differentiated function computes a value and cannot differentiate through writes; take `&self`",
                        );
                        continue;
                    }
                    syn::ReceiverKind::Reference(_, lifetime, None) => {
                        syn::parse_quote!(&#lifetime Self)
                    }
                    syn::ReceiverKind::Typed(_, ty) => (**ty).clone(),
                    _ => syn::parse_quote!(Self),
                };
                out.push(ParamSpec {
                    ident: syn::Ident::new("self", r.self_token.span),
                    ty: Box::new(ty),
                    kind: ParamKind::Other,
                });
            }
            syn::FnArg::Typed(pt) => {
                let ident = match &*pt.pat {
                    syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                        pi.ident.clone()
                    }
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
    if type_name(ty).as_deref() == Some("f64") {
        return ParamKind::Scalar;
    }
    let (inner, is_ref) = match ty {
        syn::Type::Reference(r) => {
            if r.mutability.is_some() {
                if mentions_f64(&r.elem) {
                    errors.at(
                        ty,
                        "`&mut` parameters are not supported in a #[differentiable] function: it computes a value and cannot differentiate through writes to its arguments; take `&[f64]` or an array view",
                    );
                }
                return ParamKind::Other;
            }
            if is_f64(&r.elem) {
                return ParamKind::ScalarRef;
            }
            (&*r.elem, true)
        }
        other => (other, false),
    };
    match inner {
        syn::Type::Slice(s) if is_f64(&s.elem) => return ParamKind::Slice { is_ref: true },
        syn::Type::Array(a) if is_f64(&a.elem) => {
            return ParamKind::Fixed {
                len: Box::new(a.len.clone()),
                is_ref,
            };
        }
        syn::Type::Path(tp) if tp.qself.is_none() => {
            if let Some(last) = tp.path.segments.last() {
                let name = last.ident.to_string();
                let args = generic_types(&last.arguments);
                let elem_f64 = args.first().is_some_and(|t| is_f64(t));
                let dims = match name.as_str() {
                    "Vec" if elem_f64 => return ParamKind::Slice { is_ref },
                    "Array1" | "ArrayView1" if elem_f64 => Some(1),
                    "Array2" | "ArrayView2" if elem_f64 => Some(2),
                    "Array" | "ArrayView" if elem_f64 => {
                        match args.get(1).and_then(|t| type_name(t)).as_deref() {
                            Some("Ix1") => Some(1),
                            Some("Ix2") => Some(2),
                            _ => None,
                        }
                    }
                    _ => None,
                };
                if let Some(dims) = dims {
                    return ParamKind::Nd { dims, is_ref };
                }
                // nalgebra's vectors and matrices of f64 (matrices are read `m[(i, j)]`).
                let generic_args = |n: usize| matches!(&last.arguments, syn::PathArguments::AngleBracketed(a) if a.args.len() == n);
                let na_vector = match name.as_str() {
                    "SVector" => elem_f64 && generic_args(2),
                    "SMatrix" => elem_f64 && generic_args(3),
                    n => elem_f64 && args.len() == 1 && is_nalgebra_alias(n),
                };
                if na_vector {
                    return ParamKind::Na {
                        owned: Box::new(inner.clone()),
                        is_ref,
                    };
                }
            }
        }
        _ => {}
    }
    // `f32`, `&[f32]`, ...: constants, like every other type that does not mention f64; and
    // so is data held as a collection of f64 collections (`&[Vec<f64>]`, `Vec<[f64; 3]>`: a
    // dataset's samples), read and passed on but not differentiated.
    if mentions_f64(ty) && !is_nested_f64_collection(inner) {
        errors.at(
            ty,
            "this parameter type is not supported by #[differentiable]: float parameters must be `f64`, `&[f64]`, `Vec<f64>`, `[f64; N]`, or an ndarray `ArrayView1/2<f64>`, `Array1/2<f64>`, `&Array1/2<f64>`",
        );
    }
    ParamKind::Other
}

/// `[T]`, `[T; N]` or `Vec<T>` whose element `T` is itself a 1-D collection of f64 (`Vec<f64>`,
/// `[f64; N]`, `&[f64]`).
pub(crate) fn is_nested_f64_collection(ty: &syn::Type) -> bool {
    collection_element(ty)
        .and_then(|row| collection_element(&row))
        .is_some_and(|e| is_f64(&e))
}

/// `[T]`, `[T; N]` or `Vec<T>` whose element `T` is itself a collection (`Vec<usize>`,
/// `[f64; 3]`): its elements are read by reference.
pub(crate) fn is_nested_collection(ty: &syn::Type) -> bool {
    collection_element(ty).is_some_and(|row| collection_element(&row).is_some())
}

/// The element type of `[T]`, `&[T]`, `[T; N]` or `Vec<T>`.
fn collection_element(t: &syn::Type) -> Option<syn::Type> {
    match t {
        syn::Type::Slice(s) => Some((*s.elem).clone()),
        syn::Type::Array(a) => Some((*a.elem).clone()),
        syn::Type::Path(tp) if tp.qself.is_none() => {
            let last = tp.path.segments.last()?;
            if last.ident != "Vec" {
                return None;
            }
            generic_types(&last.arguments).first().map(|t| (*t).clone())
        }
        syn::Type::Reference(r) => match &*r.elem {
            syn::Type::Slice(s) => Some((*s.elem).clone()),
            _ => None,
        },
        _ => None,
    }
}

/// `DVector`, `DMatrix` and nalgebra's fixed-size aliases of one type argument: `Vector1` to
/// `Vector6`, `Matrix1` to `Matrix6`, `Matrix2x3` and the other `MatrixRxC` up to 6.
fn is_nalgebra_alias(name: &str) -> bool {
    let small = |d: &str| matches!(d, "1" | "2" | "3" | "4" | "5" | "6");
    match name {
        "DVector" | "DMatrix" => true,
        _ => {
            if let Some(n) = name.strip_prefix("Vector") {
                small(n)
            } else if let Some(rc) = name.strip_prefix("Matrix") {
                match rc.split_once('x') {
                    Some((r, c)) => small(r) && small(c),
                    None => small(rc),
                }
            } else {
                false
            }
        }
    }
}

fn is_f64(ty: &syn::Type) -> bool {
    type_name(ty).as_deref() == Some("f64")
}

fn mentions_f64(ty: &syn::Type) -> bool {
    mentions(ty, "f64")
}

/// Whether the written type names `word` (`f32` in `&[f32]`).
pub fn mentions(ty: &syn::Type, word: &str) -> bool {
    let t = ty.to_token_stream().to_string();
    t.split(|c: char| !c.is_alphanumeric() && c != '_')
        .any(|w| w == word)
}

/// The type arguments of `Name<'a, T, U>` (lifetimes skipped).
fn generic_types(args: &syn::PathArguments) -> Vec<&syn::Type> {
    match args {
        syn::PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|g| match g {
                syn::GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => vec![],
    }
}

/// The name of a type written as a single identifier (`f64`, `usize`), if it is one.
pub(crate) fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(tp) if tp.qself.is_none() => {
            let segs: Vec<String> = crate::names::path_names(&tp.path);
            match segs
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice()
            {
                [one] => Some((*one).to_owned()),
                // `core::primitive::f64`, `std::primitive::usize`
                ["core" | "std", "primitive", t] => Some((*t).to_owned()),
                _ => None,
            }
        }
        syn::Type::Paren(p) => type_name(&p.elem),
        syn::Type::Group(g) => type_name(&g.elem),
        _ => None,
    }
}
