//! Second order, `#[differentiable(hessian)]`: `hvp_f` and `hessian_f` by reverse over forward.
//!
//! Transformations compose here at the source level. Forward mode turns `f` into `jvp_f`, a
//! plain function of the parameters and their tangents that returns the value and the
//! directional derivative ∇f·v. That function is itself a program of the contract (lets,
//! arithmetic, math functions, loops, branches choosing a (value, tangent) pair, calls of other
//! functions' `jvp_*`), so it goes through lowering and reverse mode again like any user
//! function; its pullback, seeded with (0, 1), gives ∂(∇f·v)/∂x = H v at the cost of a few
//! gradients, whatever the dimension. `hessian_f` stacks one such product per unit vector.
//!
//! The few runtime helpers the forward rules call (`powi_da`, `max_picks_first`, ...) are
//! written out as the expressions they compute before the second pass, so that it sees only
//! what it knows how to differentiate. What the second pass cannot take (whole-array operations,
//! whose `jvp_f` comes from a pullback) is one error on the `hessian` argument.

use crate::error::Errors;
use crate::expand::{grad_tuple, names, plain_inputs};
use crate::ir::ParamKind;
use crate::params::ParamSpec;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use syn::visit_mut::VisitMut;

pub(crate) struct Parts<'a> {
    pub func: &'a syn::ItemFn,
    pub ps: &'a [ParamSpec],
    /// The active parameters, in `grad_f`'s order.
    pub wrt: &'a [usize],
    /// What forward mode generated: `jvp_f`.
    pub jvp: &'a TokenStream,
    pub lints: &'a TokenStream,
    /// The `hessian` argument, where errors go.
    pub at: Span,
}

use crate::names::generated_local as own;

/// `pullback_jvp_f`, `hvp_f` and `hessian_f`, or one error saying why they cannot be made.
pub(crate) fn items(p: &Parts, errors: &mut Errors) -> TokenStream {
    if let Some(why) = unsupported(p) {
        errors.at_span(p.at, why);
        return TokenStream::new();
    }
    let jvp_fn = match second_pass_input(p.jvp) {
        Ok(f) => f,
        Err(why) => {
            errors.at_span(p.at, why);
            return TokenStream::new();
        }
    };
    let jvp_tokens = quote!(#jvp_fn);
    let mut inner = Errors::default();
    let namer = crate::names::Namer::for_item(&jvp_tokens);
    let Some(ir) = crate::lower::lower_fn(&jvp_fn, &namer, &mut inner).filter(|_| inner.is_empty())
    else {
        let detail = inner.first_message().unwrap_or_default();
        errors.at_span(
            p.at,
            format!("`hessian`: the forward-mode code of this function cannot be differentiated again ({detail}); this is a limitation of #[differentiable], please report it with the function"),
        );
        return TokenStream::new();
    };
    let jps: Vec<ParamSpec> = ir
        .params
        .iter()
        .map(|q| ParamSpec {
            ident: q.ident.clone(),
            ty: q.ty.clone(),
            kind: q.kind.clone(),
        })
        .collect();
    let all: Vec<usize> = (0..jps.len()).filter(|i| jps[*i].kind.is_float()).collect();
    let active_all: Vec<usize> = all.iter().map(|i| ir.params[*i].val).collect();
    let an_all = crate::analyse::analyse(&ir, &active_all);
    let g_all = crate::reverse::Gen::new(&ir, &an_all).without_debug();
    let hidden = quote!(#[doc(hidden)]);
    let pullback = crate::expand::pullback_item(&jvp_fn, &ir, &jps, &g_all, &active_all, &{
        let l = p.lints;
        quote!(#hidden #l)
    });
    let mut out = pullback;
    out.extend(hvp(p, &jvp_fn));
    out.extend(hessian(p));
    out.extend(nested(p, &jvp_fn));
    out
}

/// What a `#[differentiable]` caller of `grad_f` needs, so that a gradient can be differentiated
/// again (nested differentiation, `jax.grad(lambda x: g(grad(f)(x)))`): `pullback_grad_f` (the
/// pullback of `grad_f` is a Hessian-vector product, with the output adjoint as tangent of the
/// active parameters) and `jvp_grad_f` (`grad_f` and `hvp_f`). When the active parameters are
/// numbers (a caller receives an `f64` or a tuple of them) or one array (a caller receives it
/// with a typed `let g: Vec<f64> = grad_f(..)`, as any array-valued call; its adjoint is an
/// array of the same type, the tangent `hvp_f` takes by reference).
fn nested(p: &Parts, jvp_fn: &syn::ItemFn) -> TokenStream {
    let (func, ps, wrt) = (p.func, p.ps, p.wrt);
    let numbers = !wrt.is_empty() && wrt.iter().all(|i| ps[*i].kind == ParamKind::Scalar);
    let one_array = wrt.len() == 1
        && matches!(
            ps[wrt[0]].kind,
            ParamKind::Slice { .. } | ParamKind::Fixed { .. } | ParamKind::Nd { dims: 1, .. }
        );
    if !numbers && !one_array {
        return TokenStream::new();
    }
    let (vis, generics, fname) = (&func.vis, &func.sig.generics, &func.sig.ident);
    let (grad, hvp) = (
        format_ident!("grad_{}", fname),
        format_ident!("hvp_{}", fname),
    );
    let (pb_grad, jvp_grad) = (
        format_ident!("pullback_grad_{}", fname),
        format_ident!("jvp_grad_{}", fname),
    );
    let pb = names(jvp_fn).pullback;
    let inputs = plain_inputs(ps);
    let uses = crate::custom::argument_uses(ps);
    let gty = grad_tuple(ps, wrt);
    let d_out = own("d_out");
    // The tangents: the output adjoint on the active parameters, zeros elsewhere.
    let tangents: Vec<TokenStream> = ps
        .iter()
        .enumerate()
        .map(|(k, q)| {
            let x = &q.ident;
            match wrt.iter().position(|w| *w == k) {
                Some(_) if one_array => quote!(&#d_out),
                Some(_) if wrt.len() == 1 => quote!(#d_out),
                Some(j) => {
                    let j = syn::Index::from(j);
                    quote!(#d_out.#j)
                }
                None => match &q.kind {
                    ParamKind::Other => quote!(()),
                    ParamKind::Scalar | ParamKind::ScalarRef => quote!(0.0),
                    ParamKind::Fixed { len, .. } => quote!(&[0.0; #len]),
                    ParamKind::Nd { .. } => {
                        quote!(&::autodiff_runtime::ndarray::Array1::<f64>::zeros(#x.len()))
                    }
                    _ => quote!(&::std::vec![0.0; #x.len()][..]),
                },
            }
        })
        .collect();
    let adjoints = own("adjoints");
    let firsts = (0..ps.len()).map(|k| {
        let k = syn::Index::from(k);
        quote!(#adjoints.#k)
    });
    let pb_tys = ps.iter().map(|q| crate::expand::grad_type(&q.kind));
    let (t_inputs, t_names) = tangent_inputs(jvp_fn, ps.len());
    let lints = p.lints;
    quote! {
        #[doc(hidden)]
        #[inline]
        #lints
        #vis fn #pb_grad #generics(#(#inputs,)* #d_out: #gty) -> (#(#pb_tys,)*) {
            let #adjoints = #pb(#(#uses,)* #(#tangents,)* (0.0, 1.0));
            (#(#firsts,)*)
        }

        #[doc(hidden)]
        #[inline]
        #lints
        #vis fn #jvp_grad #generics(#(#inputs,)* #(#t_inputs),*) -> (#gty, #gty) {
            (#grad(#(#uses),*), #hvp(#(#uses,)* #(#t_names),*))
        }
    }
}

/// Why `hessian` cannot be given to this function, if it cannot.
fn unsupported(p: &Parts) -> Option<String> {
    if crate::params::tuple_output(&p.func.sig).is_some() {
        return Some("`hessian` is for functions with one f64 output; for several outputs, differentiate each in its own function".into());
    }
    if crate::context::in_impl(p.func) {
        return Some("`hessian` is not supported on methods and associated functions yet; write a free function".into());
    }
    for q in p.ps {
        let ok = matches!(
            q.kind,
            ParamKind::Scalar
                | ParamKind::ScalarRef
                | ParamKind::Slice { .. }
                | ParamKind::Fixed { .. }
                | ParamKind::Nd { dims: 1, .. }
                | ParamKind::Other
        );
        if !ok {
            return Some(format!(
                "`hessian` takes functions of f64s, slices, `Vec<f64>`, `[f64; N]` and 1-D arrays; `{}` is not one of them",
                q.ident
            ));
        }
    }
    None
}

/// `jvp_f` as a function for the second pass: attributes dropped, `_` parameters named, the
/// body's extra block removed, runtime helpers written out. An error when it calls what the
/// second pass cannot differentiate (a pullback, when it was made from one).
fn second_pass_input(jvp: &TokenStream) -> Result<syn::ItemFn, String> {
    let mut f: syn::ItemFn = syn::parse2(jvp.clone()).map_err(|e| e.to_string())?;
    f.attrs.clear();
    // Names for the `_` parameters that no identifier of the function has.
    let text = jvp.to_string();
    let mut stem = "unused_tangent_".to_owned();
    while text.contains(&stem) {
        stem.push('_');
    }
    for (k, input) in f.sig.inputs.iter_mut().enumerate() {
        if let syn::FnArg::Typed(pt) = input
            && matches!(*pt.pat, syn::Pat::Wild(_))
        {
            let name = format_ident!("{}{}", stem, k);
            *pt.pat = syn::parse_quote!(#name);
        }
    }
    // `{ { body } }`: the function's tail is the inner block's.
    if f.block.stmts.len() == 1
        && let syn::Stmt::Expr(syn::Expr::Block(inner), None) = &f.block.stmts[0]
    {
        let inner = inner.block.clone();
        *f.block = inner;
    }
    let mut helpers = WriteOutHelpers { unknown: None };
    helpers.visit_block_mut(&mut f.block);
    match helpers.unknown {
        None => Ok(f),
        Some(Unknown::Pullback) => Err("`hessian`: this function has whole-array operations, which have no forward rule yet, so its second derivatives cannot be generated; read the arrays element by element (loops or iterator chains)".into()),
        Some(Unknown::Helper(name)) => Err(format!("`hessian`: the forward-mode code of this function calls the runtime's `{name}` (a constant array passed to a function), which cannot be differentiated again; pass the array through a parameter of this function")),
    }
}

/// Replaces calls of the runtime's derivative helpers by what they compute, in plain Rust.
struct WriteOutHelpers {
    /// A call into the runtime that has no plain form (a pullback, an array helper).
    unknown: Option<Unknown>,
}

enum Unknown {
    /// `jvp_f` was made from the pullback (whole-array operations).
    Pullback,
    /// A runtime helper with no plain form (the zero tangent of a constant array argument).
    Helper(String),
}

impl VisitMut for WriteOutHelpers {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        // The arm a binding of `if let Some(k) = m` never takes (`match &m { Some(k) => k,
        // _ => unreachable!() }`): any value of the binding's type, for the second pass to read
        // as a constant (the arm is not taken there either).
        if let syn::Expr::Macro(m) = e
            && m.mac
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "unreachable")
        {
            *e = syn::parse_quote!(::core::default::Default::default());
            return;
        }
        // `Clone::clone(k)` of that binding: the second pass binds `k` by value already.
        if let syn::Expr::Call(c) = e
            && c.args.len() == 1
            && let syn::Expr::Path(p) = &*c.func
            && p.path.segments.len() >= 2
            && p.path.segments[p.path.segments.len() - 2].ident == "Clone"
            && p.path.segments[p.path.segments.len() - 1].ident == "clone"
        {
            *e = c.args[0].clone();
            return;
        }
        let syn::Expr::Call(c) = e else {
            return;
        };
        let syn::Expr::Path(path) = &*c.func else {
            return;
        };
        let segs: Vec<String> = crate::names::path_names(&path.path);
        // `f64::trunc(x)` (the forward rule of `%`): the method form, which lowering reads as a
        // rounding with no derivative.
        if let [ty, name] = segs.as_slice()
            && ty == "f64"
            && crate::lower::is_float_method(name)
            && c.args.len() == 1
        {
            let (x, m) = (&c.args[0], format_ident!("{}", name));
            *e = syn::parse_quote!((#x).#m());
            return;
        }
        if !segs.iter().any(|s| s == "__rt") {
            if segs.last().is_some_and(|s| s.starts_with("pullback_")) {
                self.unknown = Some(Unknown::Pullback);
            }
            return;
        }
        // The zero tangent of a constant argument: a call of no arguments, so a constant of the
        // second pass, whose type rustc infers.
        if segs.last().is_some_and(|s| s == "no_tangent") {
            return;
        }
        let a: Vec<&syn::Expr> = c.args.iter().collect();
        let written: Option<syn::Expr> = match (segs.last().map(String::as_str), a.as_slice()) {
            (Some("powi_da"), [x, n]) => Some(syn::parse_quote!(
                (if (#n) == 0 { 0.0 } else { f64::from(#n) * f64::powi(#x, (#n) - 1) })
            )),
            (Some("powf_da"), [x, y]) => Some(syn::parse_quote!(
                (if (#y) == 0.0 { 0.0 } else { (#y) * f64::powf(#x, (#y) - 1.0) })
            )),
            (Some("powf_db"), [x, v]) => Some(syn::parse_quote!(
                (if (#x) == 0.0 { 0.0 } else { (#v) * f64::ln(#x) })
            )),
            (Some("abs_da"), [x]) => Some(syn::parse_quote!(
                (if (#x) == 0.0 { 0.0 } else { f64::signum(#x) })
            )),
            (Some("div_or_zero"), [a, b]) => Some(syn::parse_quote!(
                (if (#b) == 0.0 { 0.0 } else { (#a) / (#b) })
            )),
            (Some("max_picks_first"), [a, b]) => Some(syn::parse_quote!(
                (!(#a).is_nan() && ((#b).is_nan() || (#a) >= (#b)))
            )),
            (Some("min_picks_first"), [a, b]) => Some(syn::parse_quote!(
                (!(#a).is_nan() && ((#b).is_nan() || (#a) <= (#b)))
            )),
            (Some("clamp_picks"), [x, lo, hi]) => Some(syn::parse_quote!(
                (if (#x) < (#lo) { 1u8 } else if (#x) > (#hi) { 2u8 } else { 0u8 })
            )),
            _ => None,
        };
        match written {
            Some(w) => *e = w,
            // A pullback-made `jvp_f` also calls array helpers; the pullback is the reason to name.
            None if matches!(self.unknown, Some(Unknown::Pullback)) => {}
            None => self.unknown = Some(Unknown::Helper(segs.last().cloned().unwrap_or_default())),
        }
    }
}

/// The tangents' parameters of `hvp_f`: one per parameter, as `jvp_f` takes them.
fn tangent_inputs(jvp_fn: &syn::ItemFn, n_params: usize) -> (Vec<TokenStream>, Vec<Ident>) {
    let mut inputs = vec![];
    let mut names = vec![];
    for (k, arg) in jvp_fn.sig.inputs.iter().skip(n_params).enumerate() {
        if let syn::FnArg::Typed(pt) = arg {
            let name = own(&format!("v{k}"));
            let ty = &pt.ty;
            inputs.push(quote!(#name: #ty));
            names.push(name);
        }
    }
    (inputs, names)
}

/// `hvp_f(params.., v..)`: H v for the active parameters, from one pullback of `jvp_f`.
fn hvp(p: &Parts, jvp_fn: &syn::ItemFn) -> TokenStream {
    let (func, ps, wrt) = (p.func, p.ps, p.wrt);
    let (vis, generics, fname) = (&func.vis, &func.sig.generics, &func.sig.ident);
    let hvp = format_ident!("hvp_{}", fname);
    let pb = names(jvp_fn).pullback;
    let inputs = plain_inputs(ps);
    let (t_inputs, t_names) = tangent_inputs(jvp_fn, ps.len());
    let uses = crate::custom::argument_uses(ps);
    let adjoints = own("adjoints");
    let grads = crate::jacobian::active_adjoints(&adjoints, wrt);
    let gty = grad_tuple(ps, wrt);
    let doc = format!(
        "The Hessian of [`{fname}`] times the tangent `v` (one per parameter, as `jvp_{fname}` takes them): the derivative of ∇{fname}·v with respect to the active parameters, shaped as `grad_{fname}` returns them, by reverse mode over forward mode — one forward and one reverse sweep of `jvp_{fname}`, whatever the dimension (generated by `#[differentiable(hessian)]`)."
    );
    let lints = p.lints;
    quote! {
        #[doc = #doc]
        #[inline]
        #lints
        #vis fn #hvp #generics(#(#inputs,)* #(#t_inputs),*) -> #gty {
            let #adjoints = #pb(#(#uses,)* #(#t_names,)* (0.0, 1.0));
            #grads
        }
    }
}

/// `hessian_f(params..)`: the active parameters' Hessian, one `hvp_f` per unit vector.
fn hessian(p: &Parts) -> TokenStream {
    let (func, ps, wrt) = (p.func, p.ps, p.wrt);
    let (vis, generics, fname) = (&func.vis, &func.sig.generics, &func.sig.ident);
    let hvp = format_ident!("hvp_{}", fname);
    let hess = format_ident!("hessian_{}", fname);
    let inputs = plain_inputs(ps);
    let uses = crate::custom::argument_uses(ps);
    let data = own("data");
    let u = crate::unit_tangents::unit_tangents(ps, wrt);
    let (n, col, args) = (&u.n, &u.col, &u.args);
    let hvp_call = quote!(#hvp(#(#uses,)* #(#args),*));
    let grads = own("grads");
    let flatten: Vec<TokenStream> = if wrt.len() == 1 {
        vec![quote!(::autodiff_runtime::__rt::flatten_into(&#grads, &mut #data);)]
    } else {
        (0..wrt.len())
            .map(|i| {
                let i = syn::Index::from(i);
                quote!(::autodiff_runtime::__rt::flatten_into(&#grads.#i, &mut #data);)
            })
            .collect()
    };
    let doc = format!(
        "The Hessian of [`{fname}`] with respect to its active parameters (every element, in `grad_{fname}`'s order, arrays in their logical order): column `j` is `hvp_{fname}` along the `j`-th unit vector, so the cost is one `hvp_{fname}` per column (generated by `#[differentiable(hessian)]`)."
    );
    let lints = p.lints;
    let (setup, set, unset) = (&u.setup, &u.set, &u.unset);
    quote! {
        #[doc = #doc]
        #lints
        #vis fn #hess #generics(#(#inputs),*) -> ::autodiff_runtime::ndarray::Array2<f64> {
            #setup
            let mut #data: ::std::vec::Vec<f64> = ::std::vec::Vec::with_capacity(#n * #n);
            for #col in 0..#n {
                #set
                let #grads = #hvp_call;
                #(#flatten)*
                #unset
            }
            // Column `col` was pushed as row `col`: transposed back, `hessian[[i, j]]` is
            // exactly what the sweep for column `j` computed (symmetric up to rounding).
            ::autodiff_runtime::ndarray::Array2::from_shape_vec((#n, #n), #data)
                .expect("one column per active element")
                .reversed_axes()
                .as_standard_layout()
                .into_owned()
        }
    }
}
