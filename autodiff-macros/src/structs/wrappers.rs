//! The generated functions of a function with struct parameters, with the user's signature:
//! each calls the flat function's counterpart (see [`super::flatten`]) with the struct's
//! differentiated fields as arguments of their own, and puts the struct's gradient back
//! together (`Fields::assemble`: the fields' gradients, the constant fields cloned).

use super::StructParam;
use super::tree::{Leaf, Tree};
use crate::derive::FieldKind;
use crate::ir::ParamKind;
use proc_macro2::{Ident, TokenStream};
use quote::{ToTokens, format_ident, quote};

pub(super) enum PlanParam {
    Plain {
        ident: Ident,
        ty: syn::Type,
        kind: ParamKind,
    },
    Struct {
        sp: StructParam,
        tree: Tree,
        /// The differentiated fields of an `f64` or array type, at any depth: each a
        /// parameter of the flat function.
        leaves: Vec<Leaf>,
        /// Whether the flat function's body reads the struct itself (its constant fields);
        /// otherwise its parameter is named `_m`, so that nothing warns that it is unused.
        keep: bool,
    },
}

impl PlanParam {
    pub(super) fn ident(&self) -> &Ident {
        match self {
            PlanParam::Plain { ident, .. } => ident,
            PlanParam::Struct { sp, .. } => &sp.ident,
        }
    }
}

pub(super) struct Plan<'a> {
    pub func: &'a syn::ItemFn,
    /// The flat function's name.
    pub flat: Ident,
    pub params: Vec<PlanParam>,
    /// The active parameters (indices into `params`), in `wrt`'s order.
    pub wrt: Vec<usize>,
}

use crate::names::generated_local as own;

/// The reference to a field (`Fields::refs`), by the positions on the way to it.
fn refs_name(tangent: bool, pos: usize, index: &[usize]) -> Ident {
    let path: Vec<String> = index.iter().map(ToString::to_string).collect();
    let t = if tangent { "t" } else { "" };
    own(&format!("__{t}field{pos}_{}", path.join("_")))
}

/// `let (a, b, ..,) = Fields::refs(of);` for a struct and each nested one in it.
fn bind_tree(
    tree: &Tree,
    of: TokenStream,
    tangent: bool,
    pos: usize,
    index: &[usize],
    out: &mut TokenStream,
) {
    let mut names = vec![];
    let mut nested = vec![];
    for (k, n) in tree.diff().enumerate() {
        let mut i = index.to_vec();
        i.push(k);
        let name = refs_name(tangent, pos, &i);
        if let Some(sub) = &n.sub {
            nested.push((sub, quote!(#name), i));
        }
        names.push(name);
    }
    out.extend(quote!(let (#(#names,)*) = ::autodiff_runtime::__rt::Fields::refs(#of);));
    for (sub, of, i) in nested {
        bind_tree(sub, of, tangent, pos, &i, out);
    }
}

/// The struct put together from the gradients of its leaves (taken in order from `grads`),
/// its constant fields cloned from `of`.
fn assemble_tree(
    tree: &Tree,
    of: TokenStream,
    pos: usize,
    index: &[usize],
    grads: &mut dyn Iterator<Item = TokenStream>,
) -> TokenStream {
    let mut parts = vec![];
    for (k, n) in tree.diff().enumerate() {
        let mut i = index.to_vec();
        i.push(k);
        parts.push(match &n.sub {
            Some(sub) => {
                let r = refs_name(false, pos, &i);
                assemble_tree(sub, quote!(#r), pos, &i, grads)
            }
            None => grads.next().unwrap_or_default(),
        });
    }
    let path = &tree.path;
    quote!(<#path as ::autodiff_runtime::__rt::Fields>::assemble(#of, (#(#parts,)*)))
}

impl Plan<'_> {
    fn inputs(&self) -> Vec<TokenStream> {
        self.params
            .iter()
            .map(|p| match p {
                PlanParam::Plain { ident, ty, .. } => quote!(#ident: #ty),
                PlanParam::Struct { sp, .. } => {
                    let (i, t) = (&sp.ident, &sp.ty);
                    quote!(#i: #t)
                }
            })
            .collect()
    }

    /// `let (__field1_0, ..,) = Fields::refs(m);` for each struct parameter (or its tangent),
    /// and for each struct nested in it.
    fn bind_refs(&self, tangent: bool) -> TokenStream {
        let mut out = TokenStream::new();
        for (pos, p) in self.params.iter().enumerate() {
            if let PlanParam::Struct { sp, tree, .. } = p {
                let of = if tangent {
                    let t = tangent_name(pos);
                    quote!(#t)
                } else {
                    struct_ref(sp)
                };
                bind_tree(tree, of, tangent, pos, &[], &mut out);
            }
        }
        out
    }

    /// The flat function's arguments.
    fn flat_args(&self) -> Vec<TokenStream> {
        let mut out = vec![];
        for (pos, p) in self.params.iter().enumerate() {
            match p {
                PlanParam::Plain { ident, .. } => out.push(quote!(#ident)),
                PlanParam::Struct { sp, leaves, .. } => {
                    out.push(struct_ref(sp));
                    for l in leaves {
                        let r = refs_name(false, pos, &l.index);
                        out.push(match l.kind {
                            FieldKind::Scalar | FieldKind::Fixed(_) => quote!(*#r),
                            _ => quote!(#r),
                        });
                    }
                }
            }
        }
        out
    }

    /// How many gradients the flat `grad_*` returns.
    fn flat_grad_count(&self) -> usize {
        self.wrt
            .iter()
            .map(|i| match &self.params[*i] {
                PlanParam::Struct { leaves, .. } => leaves.len(),
                PlanParam::Plain { .. } => 1,
            })
            .sum()
    }

    /// The gradient type with the structs in it.
    fn grad_type(&self) -> TokenStream {
        let tys: Vec<TokenStream> = self
            .wrt
            .iter()
            .map(|i| param_grad_type(&self.params[*i]))
            .collect();
        if tys.len() == 1 {
            tys[0].clone()
        } else {
            quote!((#(#tys),*))
        }
    }

    /// From the flat gradient in `g` (a bare value or a tuple), the gradient with the structs
    /// put together.
    fn assemble_grad(&self, g: &Ident) -> TokenStream {
        let total = self.flat_grad_count();
        let parts: Vec<TokenStream> = (0..total)
            .map(|k| {
                if total == 1 {
                    quote!(#g)
                } else {
                    let k = syn::Index::from(k);
                    quote!(#g.#k)
                }
            })
            .collect();
        let mut next = 0;
        let mut out = vec![];
        for i in &self.wrt {
            match &self.params[*i] {
                PlanParam::Plain { .. } => {
                    out.push(parts[next].clone());
                    next += 1;
                }
                PlanParam::Struct {
                    sp, tree, leaves, ..
                } => {
                    let mine = &parts[next..next + leaves.len()];
                    next += leaves.len();
                    out.push(assemble(sp, tree, *i, mine));
                }
            }
        }
        if out.len() == 1 {
            out.remove(0)
        } else {
            quote!((#(#out),*))
        }
    }
}

fn tangent_name(pos: usize) -> Ident {
    own(&format!("__tangent{pos}"))
}

fn struct_ref(sp: &StructParam) -> TokenStream {
    let m = &sp.ident;
    if sp.by_ref { quote!(#m) } else { quote!(&#m) }
}

fn assemble(sp: &StructParam, tree: &Tree, pos: usize, grads: &[TokenStream]) -> TokenStream {
    assemble_tree(tree, struct_ref(sp), pos, &[], &mut grads.iter().cloned())
}

fn param_grad_type(p: &PlanParam) -> TokenStream {
    match p {
        PlanParam::Plain { kind, .. } => crate::expand::grad_type(kind),
        PlanParam::Struct { sp, .. } => {
            let path = &sp.path;
            quote!(#path)
        }
    }
}

/// What the wrappers can call.
pub(super) enum Mode {
    /// The flat function's expansion succeeded.
    Full,
    /// It reported errors and has stubs, without `jvp_*`.
    FlatStubs,
    /// It was not expanded: the wrappers are stubs themselves.
    Stubs,
}

/// The generated functions.
pub(super) fn items(plan: &Plan, mode: Mode) -> TokenStream {
    let out = wrappers(plan, !matches!(mode, Mode::FlatStubs));
    if !matches!(mode, Mode::Stubs) {
        return out;
    }
    let Ok(mut file) = syn::parse2::<syn::File>(out) else {
        return TokenStream::new();
    };
    for item in &mut file.items {
        if let syn::Item::Fn(f) = item {
            *f.block = syn::parse_quote!({ ::core::unreachable!() });
            f.attrs.push(syn::parse_quote!(#[allow(unused_variables)]));
        }
    }
    file.into_token_stream()
}

fn wrappers(plan: &Plan, with_jvp: bool) -> TokenStream {
    let func = plan.func;
    let (vis, generics, fname) = (&func.vis, &func.sig.generics, &func.sig.ident);
    let flat = &plan.flat;
    let inputs = plan.inputs();
    let names: Vec<&Ident> = plan.params.iter().map(PlanParam::ident).collect();
    let deprecated = func
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("deprecated"));
    let lints = crate::expand::lints();
    let lints = quote!(#(#deprecated)* #lints);
    let refs = plan.bind_refs(false);
    let args = plan.flat_args();
    let gty = plan.grad_type();
    let (g, value, d_out) = (own("__grads"), own("__value"), own("__d_out"));
    let assembled = plan.assemble_grad(&g);
    let out_ty = crate::expand::output_adjoint_type(func);
    let outputs = crate::params::tuple_output(&func.sig);
    let wrt_list: Vec<String> = plan
        .wrt
        .iter()
        .map(|i| format!("`{}`", plan.params[*i].ident()))
        .collect();
    let wrt_list = wrt_list.join(", ");
    let f = |prefix: &str| format_ident!("{}{}", prefix, fname);
    let ff = |prefix: &str| format_ident!("{}{}", prefix, flat);
    let (vjp, flat_vjp) = (f("vjp_"), ff("vjp_"));
    let doc_vjp = format!(
        "The vector-Jacobian product of [`{fname}`]: the adjoints of {wrt_list} (as `grad_{fname}` returns them) given the adjoint `d_out` of its output (generated by `#[differentiable]`)."
    );
    let mut out = quote! {
        #[doc = #doc_vjp]
        #[inline]
        #lints
        #vis fn #vjp #generics(#(#inputs,)* #d_out: #out_ty) -> #gty {
            #refs
            let #g = #flat_vjp(#(#args,)* #d_out);
            #assembled
        }
    };
    out.extend(pullback(plan, &inputs, &refs, &args, &lints));
    if outputs.is_some() {
        let (jac, flat_jac) = (f("jacobian_"), ff("jacobian_"));
        let doc = format!(
            "The Jacobian of [`{fname}`] with respect to every element of {wrt_list}, struct fields in declaration order (generated by `#[differentiable]`)."
        );
        out.extend(quote! {
            #[doc = #doc]
            #lints
            #vis fn #jac #generics(#(#inputs),*) -> ::autodiff_runtime::ndarray::Array2<f64> {
                #refs
                #flat_jac(#(#args),*)
            }
        });
    } else {
        let (vg, flat_vg, grad) = (f("value_and_grad_"), ff("value_and_grad_"), f("grad_"));
        let doc_vg = format!(
            "The value of [`{fname}`] and its gradient with respect to {wrt_list} (a parameter struct's gradient is the struct, its `#[constant]` fields cloned from the parameter), from one forward and one reverse sweep (generated by `#[differentiable]`)."
        );
        let doc_g = format!(
            "The gradient of [`{fname}`] with respect to {wrt_list} (a parameter struct's gradient is the struct, its `#[constant]` fields cloned from the parameter) (generated by `#[differentiable]`)."
        );
        out.extend(quote! {
            #[doc = #doc_vg]
            #[inline]
            #lints
            #vis fn #vg #generics(#(#inputs),*) -> (f64, #gty) {
                #refs
                let (#value, #g) = #flat_vg(#(#args),*);
                (#value, #assembled)
            }

            #[doc = #doc_g]
            #[inline]
            #lints
            #vis fn #grad #generics(#(#inputs),*) -> #gty {
                #vg(#(#names),*).1
            }
        });
    }
    if with_jvp {
        out.extend(jvp(plan, &inputs, &args, &lints, outputs));
    }
    out
}

fn pullback(
    plan: &Plan,
    inputs: &[TokenStream],
    refs: &TokenStream,
    args: &[TokenStream],
    lints: &TokenStream,
) -> TokenStream {
    let func = plan.func;
    let (vis, generics, fname) = (&func.vis, &func.sig.generics, &func.sig.ident);
    let (pb, flat_pb) = (
        format_ident!("pullback_{}", fname),
        format_ident!("pullback_{}", plan.flat),
    );
    let d_out = own("__d_out");
    let out_ty = crate::expand::output_adjoint_type(func);
    let mut adjs = vec![];
    let mut results = vec![];
    let mut tys = vec![];
    for (pos, p) in plan.params.iter().enumerate() {
        tys.push(param_grad_type(p));
        match p {
            PlanParam::Plain { .. } => {
                let a = own(&format!("__adj{pos}"));
                adjs.push(quote!(#a));
                results.push(quote!(#a));
            }
            PlanParam::Struct {
                sp, tree, leaves, ..
            } => {
                adjs.push(quote!(_));
                let mine: Vec<TokenStream> = (0..leaves.len())
                    .map(|k| {
                        let a = own(&format!("__adj{pos}_{k}"));
                        adjs.push(quote!(#a));
                        quote!(#a)
                    })
                    .collect();
                results.push(assemble(sp, tree, pos, &mine));
            }
        }
    }
    let doc = format!(
        "The pullback of [`{fname}`]: given the adjoint `d_out` of its output, the adjoints of all its parameters in order (a parameter struct's is the struct, its `#[constant]` fields cloned from the parameter; `()` for parameters that are not differentiated) (generated by `#[differentiable]`)."
    );
    quote! {
        #[doc = #doc]
        #[inline]
        #lints
        #vis fn #pb #generics(#(#inputs,)* #d_out: #out_ty) -> (#(#tys,)*) {
            let _ = #fname;
            #refs
            let (#(#adjs,)*) = #flat_pb(#(#args,)* #d_out);
            (#(#results,)*)
        }
    }
}

fn jvp(
    plan: &Plan,
    inputs: &[TokenStream],
    args: &[TokenStream],
    lints: &TokenStream,
    outputs: Option<usize>,
) -> TokenStream {
    let func = plan.func;
    let (vis, generics, fname) = (&func.vis, &func.sig.generics, &func.sig.ident);
    let (jvp, flat_jvp) = (
        format_ident!("jvp_{}", fname),
        format_ident!("jvp_{}", plan.flat),
    );
    let refs = plan.bind_refs(false);
    let trefs = plan.bind_refs(true);
    let mut tangent_inputs = vec![];
    let mut tangents = vec![];
    for (pos, p) in plan.params.iter().enumerate() {
        let t = tangent_name(pos);
        match p {
            PlanParam::Plain { kind, .. } => {
                let ty = crate::forward::tangent_type(kind);
                tangent_inputs.push(quote!(#t: #ty));
                tangents.push(quote!(#t));
            }
            PlanParam::Struct { sp, leaves, .. } => {
                let path = &sp.path;
                tangent_inputs.push(quote!(#t: &#path));
                tangents.push(quote!(()));
                for l in leaves {
                    let r = refs_name(true, pos, &l.index);
                    tangents.push(match l.kind {
                        FieldKind::Scalar => quote!(*#r),
                        _ => quote!(#r),
                    });
                }
            }
        }
    }
    let out_ty = match outputs {
        Some(n) => {
            let ones: Vec<TokenStream> = (0..n).map(|_| quote!(f64)).collect();
            quote!(((#(#ones,)*), (#(#ones,)*)))
        }
        None => quote!((f64, f64)),
    };
    let doc = format!(
        "The value of [`{fname}`] and its derivative along the tangents (one per parameter: a parameter struct's is a struct of the same type, whose `#[constant]` fields are not read) (generated by `#[differentiable]`)."
    );
    quote! {
        #[doc = #doc]
        #[inline]
        #lints
        #vis fn #jvp #generics(#(#inputs,)* #(#tangent_inputs),*) -> #out_ty {
            #refs
            #trefs
            #flat_jvp(#(#args,)* #(#tangents),*)
        }
    }
}
