//! The order of the stages, and what is emitted on error.

use crate::analyse;
use crate::args;
use crate::error::Errors;
use crate::ir::{Func, ParamKind};
use crate::lower;
use crate::params::{self, ParamSpec};
use crate::reverse::Gen;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

pub fn differentiable(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = args::parse(attr, &mut errors);
    let func: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            errors.at_span(
                Span::call_site(),
                "#[differentiable] applies to a free function (`fn name(x: f64, ...) -> f64 { ... }`)",
            );
            let errs = errors.into_compile_errors();
            return quote!(#item #errs);
        }
    };
    let sig_ok = params::check_signature(&func.sig, &mut errors);
    let params = params::classify(&func.sig, &mut Errors::default());
    let wrt = active_params(&params, &args, &mut errors);
    let ir = if sig_ok {
        lower::lower_fn(&func, &crate::names::Namer::for_item(&item), &mut errors)
    } else {
        None
    };
    match ir {
        Some(ir) if errors.is_empty() => {
            let out = generate(&func, &ir, &wrt);
            show_expansion(&func.sig.ident, &out);
            out
        }
        _ => {
            let errs = errors.into_compile_errors();
            let stubs = if sig_ok {
                stubs(&func, &params, &wrt)
            } else {
                TokenStream::new()
            };
            quote!(#func #errs #stubs)
        }
    }
}

/// Indices (into the parameter list) of the parameters that `grad_*` differentiates.
fn active_params(params: &[ParamSpec], args: &args::Args, errors: &mut Errors) -> Vec<usize> {
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
            Some(i) => out.push(i),
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn grad_type(kind: &ParamKind) -> TokenStream {
    match kind {
        ParamKind::Scalar | ParamKind::ScalarRef => quote!(f64),
        ParamKind::Slice { .. } => quote!(::std::vec::Vec<f64>),
        ParamKind::Fixed { len, .. } => quote!([f64; #len]),
        ParamKind::Nd { dims: 1, .. } => quote!(::autodiff_runtime::ndarray::Array1<f64>),
        ParamKind::Nd { .. } => quote!(::autodiff_runtime::ndarray::Array2<f64>),
        ParamKind::Other => quote!(()),
    }
}

/// `T` for one active parameter, `(T1, T2, ...)` for several.
fn grad_tuple(params: &[ParamSpec], wrt: &[usize]) -> TokenStream {
    let tys: Vec<TokenStream> = wrt.iter().map(|i| grad_type(&params[*i].kind)).collect();
    if tys.len() == 1 {
        tys[0].clone()
    } else {
        quote!((#(#tys),*))
    }
}

struct Names {
    grad: Ident,
    value_and_grad: Ident,
    pullback: Ident,
}

fn names(func: &syn::ItemFn) -> Names {
    let n = &func.sig.ident;
    Names {
        grad: format_ident!("grad_{}", n),
        value_and_grad: format_ident!("value_and_grad_{}", n),
        pullback: format_ident!("pullback_{}", n),
    }
}

/// The parameters as they appear in the generated signatures (without `mut`).
fn plain_inputs(params: &[ParamSpec]) -> Vec<TokenStream> {
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

fn lints() -> TokenStream {
    let l: TokenStream = LINTS.parse().unwrap_or_default();
    quote!(#[allow(#l)])
}

fn generate(func: &syn::ItemFn, ir: &Func, wrt: &[usize]) -> TokenStream {
    let vis = &func.vis;
    let fname = &func.sig.ident;
    let ps: Vec<ParamSpec> = ir
        .params
        .iter()
        .map(|p| ParamSpec {
            ident: p.ident.clone(),
            ty: p.ty.clone(),
            kind: p.kind.clone(),
        })
        .collect();
    let n = names(func);
    let generics = &func.sig.generics;
    let inputs = plain_inputs(&ps);
    let arg_names: Vec<&Ident> = ps.iter().map(|p| &p.ident).collect();
    // The generated functions are deprecated with the user's (which also keeps their own use of
    // it from warning).
    let deprecated: Vec<&syn::Attribute> = func
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("deprecated"))
        .collect();
    let lints = lints();
    let lints = quote!(#(#deprecated)* #lints);

    // grad_* and value_and_grad_*: the parameters named by `wrt` are active.
    let active: Vec<usize> = wrt.iter().map(|i| ir.params[*i].val).collect();
    let an = analyse::analyse(ir, &active);
    let g = Gen::new(ir, &an);
    let grads: Vec<Ident> = wrt.iter().map(|i| g.adj(ir.params[*i].val)).collect();
    let grad_value = if grads.len() == 1 {
        let x = &grads[0];
        quote!(#x)
    } else {
        quote!((#(#grads),*))
    };
    let gty = grad_tuple(&ps, wrt);
    let seed = quote!(1.0);
    let wanted: Vec<usize> = wrt.iter().map(|i| ir.params[*i].val).collect();
    let vg_body = sweep(&g, ir, &seed, &wanted, grad_value);
    let mut tape = vec![];
    g.tape_summary(&ir.body, &mut tape);
    let wrt_list: Vec<String> = wrt.iter().map(|i| format!("`{}`", ps[*i].ident)).collect();
    let doc_vg = format!(
        "The value of [`{fname}`] and its gradient with respect to {}, from one forward and one reverse sweep (generated by `#[differentiable]`).",
        wrt_list.join(", ")
    );
    let doc_g = format!(
        "The gradient of [`{fname}`] with respect to {} (generated by `#[differentiable]`).",
        wrt_list.join(", ")
    );
    let doc_tape = tape_doc(&tape);

    // pullback_*: every float parameter is active, whatever `wrt` says.
    let all: Vec<usize> = (0..ps.len()).filter(|i| ps[*i].kind.is_float()).collect();
    let active_all: Vec<usize> = all.iter().map(|i| ir.params[*i].val).collect();
    let an_all = analyse::analyse(ir, &active_all);
    let g_all = Gen::new(ir, &an_all);
    let seed_id = ir.namer.own("d_out");
    let pb_outs: Vec<TokenStream> = ir
        .params
        .iter()
        .map(|p| match p.kind {
            ParamKind::Other => quote!(()),
            _ => {
                let a = g_all.adj(p.val);
                quote!(#a)
            }
        })
        .collect();
    let pb_tys: Vec<TokenStream> = ps.iter().map(|p| grad_type(&p.kind)).collect();
    let pb_body = sweep(
        &g_all,
        ir,
        &quote!(#seed_id),
        &active_all,
        quote!((#(#pb_outs,)*)),
    );
    let doc_pb = format!(
        "The pullback of [`{fname}`]: given the adjoint `d_out` of its output, the adjoints of all its parameters in order (`()` for those that are not f64). Called by the reverse sweep of any #[differentiable] function that calls `{fname}` (generated by `#[differentiable]`)."
    );
    let (grad, vg, pb) = (&n.grad, &n.value_and_grad, &n.pullback);
    // Keeps the user's function alive for the dead-code lint when only its gradient is used
    // (unless a parameter has the function's name and would be named instead).
    let keep_alive = if ps.iter().any(|p| p.ident == *fname) {
        TokenStream::new()
    } else {
        quote!(let _ = #fname;)
    };
    // Whole-array code is compiled once, in the defining crate, like the user's function: the
    // ndarray methods both call are then the same machine code, and the gradient's speed does
    // not depend on the crate or function it is called from. Scalar code is `#[inline]`, so that
    // LLVM can delete what the caller does not use.
    let vg_inline = if ps.iter().any(|p| matches!(p.kind, ParamKind::Nd { .. })) {
        TokenStream::new()
    } else {
        quote!(#[inline])
    };
    quote! {
        #func

        #[doc = #doc_vg]
        #[doc = ""]
        #[doc = #doc_tape]
        #vg_inline
        #lints
        #vis fn #vg #generics(#(#inputs),*) -> (f64, #gty) {
            #vg_body
        }

        #[doc = #doc_g]
        #[doc = ""]
        #[doc = #doc_tape]
        #[inline]
        #lints
        #vis fn #grad #generics(#(#inputs),*) -> #gty {
            #vg(#(#arg_names),*).1
        }

        #[doc = #doc_pb]
        #[inline]
        #lints
        #vis fn #pb #generics(#(#inputs,)* #seed_id: f64) -> (#(#pb_tys,)*) {
            #keep_alive
            (#pb_body).1
        }
    }
}

fn tape_doc(tape: &[String]) -> String {
    if tape.is_empty() {
        "Tape: nothing is recorded; the reverse sweep recomputes what it needs.".to_owned()
    } else {
        format!("Tape: {}.", tape.join("; "))
    }
}

/// `{ forward; reverse; (value, adjoints) }` as one block expression. `wanted`: the parameters
/// whose adjoints are returned (declared even when the output does not depend on them).
pub(crate) fn sweep(
    g: &Gen,
    ir: &Func,
    seed: &TokenStream,
    wanted: &[usize],
    adjoints: TokenStream,
) -> TokenStream {
    let tapes = g.declare_tapes(&ir.body);
    let fwd = g.fwd_block(&ir.body, true);
    let param_vals: Vec<usize> = ir.params.iter().map(|p| p.val).collect();
    let mut decl = g.decl_adjoints(&ir.body, &param_vals);
    for v in wanted.iter().filter(|v| !g.an.active[**v]) {
        decl.extend(g.decl_one(*v));
    }
    let result = match &ir.result {
        crate::ir::Operand::Val(v) => {
            let i = &ir.values[*v].ident;
            quote!(#i)
        }
        crate::ir::Operand::Const(t) => t.clone(),
    };
    let seed_code = match &ir.result {
        crate::ir::Operand::Val(v) if g.an.active[*v] => {
            let a = g.adj(*v);
            quote!(#a += #seed;)
        }
        _ => TokenStream::new(),
    };
    let rev = g.rev_block(&ir.body, &[]);
    let value = ir.namer.own("value");
    quote!({
        #tapes
        #fwd
        let #value: f64 = #result;
        #decl
        #seed_code
        #rev
        (#value, #adjoints)
    })
}

/// On error: the generated functions with the right signatures, so that callers elsewhere in
/// the crate type-check and only the real errors are reported.
fn stubs(func: &syn::ItemFn, params: &[ParamSpec], wrt: &[usize]) -> TokenStream {
    let vis = &func.vis;
    let n = names(func);
    let generics = &func.sig.generics;
    // Unnamed: the stubs never read their arguments.
    let inputs: Vec<TokenStream> = params
        .iter()
        .map(|p| {
            let t = &p.ty;
            quote!(_: #t)
        })
        .collect();
    let gty = grad_tuple(params, wrt);
    let pb_tys: Vec<TokenStream> = params.iter().map(|p| grad_type(&p.kind)).collect();
    let (grad, vg, pb) = (&n.grad, &n.value_and_grad, &n.pullback);
    let lints = lints();
    quote! {
        #lints
        #vis fn #vg #generics(#(#inputs),*) -> (f64, #gty) {
            ::core::unreachable!()
        }
        #lints
        #vis fn #grad #generics(#(#inputs),*) -> #gty {
            ::core::unreachable!()
        }
        #lints
        #vis fn #pb #generics(#(#inputs,)* _: f64) -> (#(#pb_tys,)*) {
            ::core::unreachable!()
        }
    }
}

/// `AUTODIFF_EXPAND=name` (or `*`) prints what the attribute generates for the functions of
/// that name to the compiler's standard error, pretty-printed. The macro runs again only when
/// the file is recompiled (touch it, or `cargo clean -p <crate>`).
fn show_expansion(name: &Ident, out: &TokenStream) {
    let Ok(wanted) = std::env::var("AUTODIFF_EXPAND") else {
        return;
    };
    if wanted != "*" && wanted.split(',').all(|w| *name != w.trim()) {
        return;
    }
    let text = match syn::parse2::<syn::File>(out.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => out.to_string(),
    };
    eprintln!("// ===== #[differentiable] fn {name}: generated code =====\n{text}");
}
