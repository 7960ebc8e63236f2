//! The order of the stages, and what is emitted on error.

use crate::analyse;
use crate::args;
use crate::error::Errors;
use crate::ir::{Func, ParamKind};
use crate::lower;
use crate::params::{self, ParamSpec};
use crate::reverse::Gen;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

mod signatures;
pub(crate) use signatures::{
    Names, active_params, grad_tuple, grad_type, lints, names, output_adjoint_type, plain_inputs,
};

pub fn differentiable(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    if let Ok(block) = syn::parse2::<syn::ItemImpl>(item.clone()) {
        return crate::context::differentiable_impl(attr, block, &mut errors);
    }
    crate::context::read_item(&item);
    let args = args::parse(attr, &mut errors);
    let func: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            errors.at_span(
                Span::call_site(),
                "#[differentiable] applies to a function (`fn name(x: f64, ...) -> f64 { ... }`), free or in an `impl` block, or to an `impl` block",
            );
            let errs = errors.into_compile_errors();
            return quote!(#item #errs);
        }
    };
    // `#[checkpoint]` on loops is the macro's: lowering reads it, the function as emitted has
    // none left.
    // Emitted as the tokens it came in when there is nothing to strip (printing the parsed
    // function again would recurse as deep as its longest expression).
    let emitted = match strip_checkpoints(&func, &item, &mut errors) {
        Some(stripped) => quote!(#stripped),
        None => item.clone(),
    };
    // Halves of a local array from `split_at_mut` are written as ranges of it (emitted as the
    // user wrote them; only what is lowered changes).
    let func = if item.to_string().contains("split_at_mut") {
        crate::split_at_mut::rewrite(&func)
    } else {
        func
    };
    // `break 'outer` from nested loops is written with flags (see `labelled_loops.rs`).
    let func = if item.to_string().contains('\'') {
        crate::labelled_loops::rewrite(&func)
    } else {
        func
    };
    // A variable holding a tuple is one variable per part (see `tuple_vars.rs`).
    let func = crate::tuple_vars::rewrite(&func);
    let sig_ok = params::check_signature(&func.sig, &mut errors);
    let params = params::classify(&func.sig, &mut Errors::default());
    let wrt = active_params(&params, &args, &mut errors);
    let ir = if sig_ok {
        lower::lower_fn(&func, &crate::names::Namer::for_item(&item), &mut errors)
    } else {
        None
    };
    // In debug builds of the macro (the project's tests, the random-program tester), a
    // malformed IR is a refusal that names the value, not code that fails to compile.
    #[cfg(debug_assertions)]
    if let Some(ir) = &ir
        && let Err(e) = crate::ir::verify(ir)
    {
        errors.at_span(
            func.sig.ident.span(),
            format!("internal error in #[differentiable] (a bug; please report it with this function): {e}"),
        );
    }
    if let Some(ir) = &ir {
        crate::show::show_ir(&func.sig.ident, ir);
    }
    match ir {
        Some(mut ir) if errors.is_empty() => {
            if args.wide {
                crate::widen::redirect_active_calls(&mut ir);
            }
            let out = generate(&func, &emitted, &ir, &wrt, args.hessian, &mut errors);
            if !errors.is_empty() {
                let errs = errors.into_compile_errors();
                let stubs = crate::stubs::stubs(&func, &params, &wrt);
                return quote!(#emitted #errs #stubs);
            }
            let out = match &args.krate {
                Some(path) => with_runtime_at(out, path),
                None => out,
            };
            crate::show::show_expansion(&func.sig.ident, &out);
            out
        }
        _ => {
            let errs = errors.into_compile_errors();
            let stubs = if sig_ok {
                crate::stubs::stubs(&func, &params, &wrt)
            } else {
                TokenStream::new()
            };
            quote!(#emitted #errs #stubs)
        }
    }
}

/// The generated code with every `::autodiff_runtime` path rooted at `path` instead (for
/// `#[differentiable(crate = path)]`).
pub(crate) fn with_runtime_at(ts: TokenStream, path: &syn::Path) -> TokenStream {
    use proc_macro2::{Group, TokenTree};
    let trees: Vec<TokenTree> = ts.into_iter().collect();
    let mut out = TokenStream::new();
    let mut i = 0;
    while i < trees.len() {
        let is_root = match (&trees[i], trees.get(i + 1), trees.get(i + 2)) {
            (TokenTree::Punct(a), Some(TokenTree::Punct(b)), Some(TokenTree::Ident(id))) => {
                a.as_char() == ':' && b.as_char() == ':' && id == "autodiff_runtime"
            }
            _ => false,
        };
        if is_root {
            out.extend(quote!(#path));
            i += 3;
            continue;
        }
        match &trees[i] {
            TokenTree::Group(g) => {
                let mut ng = Group::new(g.delimiter(), with_runtime_at(g.stream(), path));
                ng.set_span(g.span());
                out.extend([TokenTree::Group(ng)]);
            }
            t => out.extend([t.clone()]),
        }
        i += 1;
    }
    out
}

/// Removes the `#[checkpoint(..)]` attributes of `for` loops (lowering reads them from the
/// original); one anywhere else is an error. `None` when the item has none.
pub(crate) fn strip_checkpoints(
    func: &syn::ItemFn,
    item: &TokenStream,
    errors: &mut Errors,
) -> Option<syn::ItemFn> {
    fn mentions(ts: &TokenStream) -> bool {
        ts.clone().into_iter().any(|t| match t {
            proc_macro2::TokenTree::Ident(i) => i == "checkpoint",
            proc_macro2::TokenTree::Group(g) => mentions(&g.stream()),
            _ => false,
        })
    }
    if !mentions(item) {
        return None;
    }
    struct Strip<'e>(&'e mut Errors);
    impl syn::visit_mut::VisitMut for Strip<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            let is_for = matches!(e, syn::Expr::ForLoop(_));
            let mut every: Option<syn::Expr> = None;
            if let Some(attrs) = expr_attrs(e) {
                attrs.retain(|a| {
                    let ck = a.path().is_ident("checkpoint");
                    if ck && !is_for {
                        self.0
                            .at(a, "`#[checkpoint(every = k)]` goes on a `for` loop");
                    }
                    if ck {
                        every = a
                            .parse_args_with(|input: syn::parse::ParseStream| {
                                let _: syn::Ident = input.parse()?;
                                let _: syn::Token![=] = input.parse()?;
                                input.parse::<syn::Expr>()
                            })
                            .ok();
                    }
                    !ck
                });
            }
            // The function still evaluates `k` (which may be its only use of a parameter).
            if let Some(k) = every {
                let the_loop = e.clone();
                *e = syn::parse_quote!({ let _ = &(#k); #the_loop });
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    let mut func = func.clone();
    syn::visit_mut::VisitMut::visit_block_mut(&mut Strip(errors), &mut func.block);
    Some(func)
}

fn expr_attrs(e: &mut syn::Expr) -> Option<&mut Vec<syn::Attribute>> {
    match e {
        syn::Expr::ForLoop(x) => Some(&mut x.attrs),
        syn::Expr::While(x) => Some(&mut x.attrs),
        syn::Expr::Loop(x) => Some(&mut x.attrs),
        syn::Expr::Block(x) => Some(&mut x.attrs),
        syn::Expr::If(x) => Some(&mut x.attrs),
        _ => None,
    }
}

/// `emitted`: the user's function as it is emitted (see `differentiable`).
fn generate(
    func: &syn::ItemFn,
    emitted: &TokenStream,
    ir: &Func,
    wrt: &[usize],
    hessian: Option<Span>,
    errors: &mut Errors,
) -> TokenStream {
    let ps: Vec<ParamSpec> = ir
        .params
        .iter()
        .map(|p| ParamSpec {
            ident: p.ident.clone(),
            ty: p.ty.clone(),
            kind: p.kind.clone(),
        })
        .collect();
    let inputs = plain_inputs(&ps);
    // The generated functions are deprecated with the user's (which also keeps their own use of
    // it from warning).
    let deprecated: Vec<&syn::Attribute> = func
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("deprecated"))
        .collect();
    let lints = lints();
    let lints = quote!(#(#deprecated)* #lints);

    // pullback_*: every float parameter is active, whatever `wrt` says.
    let all: Vec<usize> = (0..ps.len()).filter(|i| ps[*i].kind.is_float()).collect();
    let active_all: Vec<usize> = all.iter().map(|i| ir.params[*i].val).collect();
    let an_all = analyse::analyse(ir, &active_all);
    let g_all = Gen::new(ir, &an_all).without_debug();
    let pb_item = pullback_item(func, ir, &ps, &g_all, &active_all, &lints);
    // Whole-array code is compiled once, in the defining crate, like the user's function: the
    // ndarray methods both call are then the same machine code, and the gradient's speed does
    // not depend on the crate or function it is called from. Scalar code is `#[inline]`, so that
    // LLVM can delete what the caller does not use.
    let vg_inline = if ps.iter().any(|p| matches!(p.kind, ParamKind::Nd { .. })) {
        TokenStream::new()
    } else {
        quote!(#[inline])
    };
    let vg_items = if ir.tuple_output || ir.array_output.is_some() {
        // Several outputs: no gradient (a pullback for callers, with a tuple of adjoints).
        TokenStream::new()
    } else {
        value_and_grad_items(func, ir, wrt, &ps, &inputs, &lints, &vg_inline)
    };
    // jvp_* evaluates the function: its debugging macros run, once.
    let g_jvp = Gen::new(ir, &an_all);
    let uses = crate::custom::argument_uses(&ps);
    let array_parts = crate::array_outputs::Parts {
        func,
        ps: &ps,
        wrt,
        uses: &uses,
        lints: &lints,
    };
    let jvp_parts = crate::forward::JvpParts {
        func,
        ir,
        g: &g_jvp,
        an: &an_all,
        inputs: &inputs,
        lints: &lints,
    };
    // An array output's native forward mode, when there is one, also gives `jacobian_f` its
    // columns (one forward sweep per input element, for functions with fewer inputs than
    // outputs).
    let array_forward = if ir.array_output.is_some() {
        crate::forward::array_jvp_items(&jvp_parts)
    } else {
        None
    };
    let jvp_items = match &array_forward {
        Some(items) => items.clone(),
        None if ir.array_output.is_some() => crate::array_outputs::jvp(&array_parts),
        None => crate::forward::jvp_items(&jvp_parts),
    };
    let hessian_items = match hessian {
        Some(at) => crate::hessian::items(
            &crate::hessian::Parts {
                func,
                ps: &ps,
                wrt,
                jvp: &jvp_items,
                lints: &lints,
                at,
            },
            errors,
        ),
        None => TokenStream::new(),
    };
    let mut vjp_items = crate::jacobian::items(&crate::jacobian::Parts {
        func,
        ps: &ps,
        wrt,
        outputs: ir.tuple_output.then_some(ir.results.len()),
        uses: &uses,
        lints: &lints,
    });
    if ir.array_output.is_some() {
        // Unit tangents are vectors: a matrix parameter keeps the rows by reverse sweeps.
        let matrices = ps
            .iter()
            .any(|q| matches!(q.kind, ParamKind::Nd { dims, .. } if dims != 1));
        vjp_items.extend(crate::array_outputs::jacobian(
            &array_parts,
            array_forward.is_some() && !matrices,
        ));
    }
    quote! {
        #emitted

        #vg_items

        #jvp_items

        #hessian_items

        #vjp_items

        #pb_item
    }
}

/// `pullback_f`, with every float parameter active (whatever `wrt` says): `g_all` and
/// `active_all` are the generator and values for that.
pub(crate) fn pullback_item(
    func: &syn::ItemFn,
    ir: &Func,
    ps: &[ParamSpec],
    g_all: &Gen,
    active_all: &[usize],
    lints: &TokenStream,
) -> TokenStream {
    let (vis, fname, generics) = (&func.vis, &func.sig.ident, &func.sig.generics);
    let n = names(func);
    let inputs = plain_inputs(ps);
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
        g_all,
        ir,
        &quote!(#seed_id),
        active_all,
        quote!((#(#pb_outs,)*)),
    );
    let doc_pb = format!(
        "The pullback of [`{fname}`]: given the adjoint `d_out` of its output, the adjoints of all its parameters in order (`()` for those that are not f64). Called by the reverse sweep of any #[differentiable] function that calls `{fname}` (generated by `#[differentiable]`)."
    );
    let pb = &n.pullback;
    // Keeps the user's function alive for the dead-code lint when only its gradient is used
    // (unless a parameter has the function's name and would be named instead).
    let keep_alive = if ps.iter().any(|p| p.ident == *fname) {
        TokenStream::new()
    } else {
        let f = n.path(fname);
        quote!(let _ = #f;)
    };
    let out_ty = output_adjoint_type(func);
    quote! {
        #[doc = #doc_pb]
        #[inline]
        #lints
        #vis fn #pb #generics(#(#inputs,)* #seed_id: #out_ty) -> (#(#pb_tys,)*) {
            #keep_alive
            (#pb_body).1
        }
    }
}

/// `value_and_grad_*` and `grad_*` (a function with one `f64` output).
#[allow(clippy::too_many_arguments)]
fn value_and_grad_items(
    func: &syn::ItemFn,
    ir: &Func,
    wrt: &[usize],
    ps: &[ParamSpec],
    inputs: &[TokenStream],
    lints: &TokenStream,
    vg_inline: &TokenStream,
) -> TokenStream {
    let (vis, fname, generics) = (&func.vis, &func.sig.ident, &func.sig.generics);
    let n = names(func);
    let (grad, vg) = (&n.grad, &n.value_and_grad);
    let vg_path = n.path(vg);
    let arg_names: Vec<&Ident> = ps.iter().map(|p| &p.ident).collect();
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
    let gty = grad_tuple(ps, wrt);
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

    quote! {
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
            #vg_path(#(#arg_names),*).1
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
    let fwd = g.fwd_block(&ir.body, crate::reverse::Sweep::Record);
    let param_vals: Vec<usize> = ir.params.iter().map(|p| p.val).collect();
    let mut decl = g.decl_adjoints(&ir.body, &param_vals);
    for v in wanted.iter().filter(|v| !g.an.active[**v]) {
        decl.extend(g.decl_one(*v));
    }
    let parts: Vec<TokenStream> = ir
        .results
        .iter()
        .map(|r| match r {
            crate::ir::Operand::Val(v) => {
                let i = &ir.values[*v].ident;
                quote!(#i)
            }
            crate::ir::Operand::Const(t) => t.clone(),
        })
        .collect();
    let mut seed_code = TokenStream::new();
    for (i, r) in ir.results.iter().enumerate() {
        if let crate::ir::Operand::Val(v) = r
            && g.an.active[*v]
        {
            let a = g.adj(*v);
            // A function with several outputs is seeded with a tuple of adjoints.
            let s = if ir.tuple_output {
                let i = syn::Index::from(i);
                quote!(#seed.#i)
            } else {
                seed.clone()
            };
            seed_code.extend(if ir.array_output.is_some() {
                quote!(::autodiff_runtime::__rt::acc(&mut #a, &#s);)
            } else {
                quote!(#a += #s;)
            });
        }
    }
    // An array output's value is not returned by its pullback (the only sweep it has), and the
    // reverse sweep may restore the array's elements: it is not kept.
    let (result, value_ty) = if ir.array_output.is_some() {
        (quote!(()), quote!(()))
    } else if ir.tuple_output {
        let tys = parts.iter().map(|_| quote!(f64));
        (quote!((#(#parts,)*)), quote!((#(#tys,)*)))
    } else {
        (parts[0].clone(), quote!(f64))
    };
    let rev = g.rev_block(&ir.body, &[]);
    let value = ir.namer.own("value");
    quote!({
        #tapes
        #fwd
        let #value: #value_ty = #result;
        #decl
        #seed_code
        #rev
        (#value, #adjoints)
    })
}
