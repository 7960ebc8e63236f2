//! A function with struct parameters, rewritten into one whose differentiated fields are
//! parameters of their own (`m.w1` → `_m__w1: &Array2<f64>`), which the ordinary pipeline
//! differentiates; the struct itself stays a constant parameter for the `#[constant]` fields.
//!
//! The rewritten function keeps the types of every expression the user wrote: a field of an
//! array type becomes a reference to it (`m.w1.dot(&x)` → `_m__w1.dot(&x)`, through
//! auto-deref), `&m.w1` drops its `&`, and `f64` and `[f64; N]` fields are passed by value.

use super::tree::{Leaf, Tree};
use super::wrappers::{self, Plan, PlanParam};
use super::{Known, StructParam};
use crate::args::Args;
use crate::derive::FieldKind;
use crate::error::Errors;
use proc_macro2::{Delimiter, Group, Ident, Spacing, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote};

/// The whole expansion once every struct's fields are known: the flat function and what the
/// pipeline generates for it, then the wrappers with the user's signatures.
pub(super) fn generate(
    func: &syn::ItemFn,
    item: &TokenStream,
    args: &Args,
    sps: &[StructParam],
    known: &Known,
) -> TokenStream {
    let mut errors = Errors::default();
    let mut plan = plan(func, args, sps, known, &mut errors);
    let body = rewrite_body(&func.block.to_token_stream(), &plan, &mut errors);
    for p in &mut plan.params {
        if let PlanParam::Struct { sp, keep, .. } = p {
            *keep = mentions(&body, &sp.ident);
        }
    }
    // After an error here the pipeline is not run (it would report the same tokens again):
    // the wrappers are stubs, so that callers still type-check.
    let (expanded, mode) = if errors.is_empty() {
        let flat_item = flat_function(func, &plan, &body);
        let expanded = crate::expand::differentiable(flat_attr(args, &plan), flat_item);
        let mode = if has_compile_error(&expanded) {
            wrappers::Mode::FlatStubs
        } else {
            wrappers::Mode::Full
        };
        (expanded, mode)
    } else {
        (TokenStream::new(), wrappers::Mode::Stubs)
    };
    let wrapped = wrappers::items(&plan, mode);
    let wrapped = match &args.krate {
        Some(p) => crate::expand::with_runtime_at(wrapped, p),
        None => wrapped,
    };
    let errs = errors.into_compile_errors();
    let out = quote!(#expanded #wrapped #errs);
    crate::show::show_expansion(&func.sig.ident, &quote!(#item #out));
    out
}

fn has_compile_error(ts: &TokenStream) -> bool {
    ts.clone()
        .into_iter()
        .any(|t| matches!(t, TokenTree::Ident(i) if i == "compile_error"))
}

fn plan<'a>(
    func: &'a syn::ItemFn,
    args: &Args,
    sps: &[StructParam],
    known: &Known,
    errors: &mut Errors,
) -> Plan<'a> {
    let mut params = vec![];
    for (pos, input) in func.sig.inputs.iter().enumerate() {
        let syn::FnArg::Typed(pt) = input else {
            continue;
        };
        let ident = match &*pt.pat {
            syn::Pat::Ident(pi) => pi.ident.clone(),
            _ => format_ident!("_"),
        };
        let sp = sps.iter().find(|p| p.pos == pos);
        let tree = sp.and_then(|p| Tree::build(&p.path, std::slice::from_ref(&p.ident), known));
        match (sp, tree) {
            (Some(sp), Some(tree)) => {
                let mut leaves = vec![];
                tree.leaves(&sp.ident, &[], &[], &mut leaves);
                if leaves.is_empty() {
                    errors.at(
                        &sp.ident,
                        format!(
                            "`{}` has no differentiated field (all of `{}`'s fields are `#[constant]`): drop it from `wrt`",
                            sp.ident,
                            sp.path.to_token_stream()
                        ),
                    );
                }
                params.push(PlanParam::Struct {
                    sp: sp.clone(),
                    tree,
                    leaves,
                    keep: true,
                });
            }
            _ => {
                let kind = crate::params::classify(
                    &syn::Signature {
                        inputs: std::iter::once(input.clone()).collect(),
                        ..func.sig.clone()
                    },
                    &mut Errors::default(),
                )
                .pop()
                .map(|p| p.kind)
                .unwrap_or(crate::ir::ParamKind::Other);
                params.push(PlanParam::Plain {
                    ident,
                    ty: (*pt.ty).clone(),
                    kind,
                });
            }
        }
    }
    let wrt = args
        .wrt
        .iter()
        .flatten()
        .filter_map(|n| params.iter().position(|p| p.ident() == n))
        .collect();
    Plan {
        func,
        flat: format_ident!("{}__fields", func.sig.ident),
        params,
        wrt,
    }
}

/// `wrt(..)` of the flat function: each struct replaced by its differentiated fields.
fn flat_attr(args: &Args, plan: &Plan) -> TokenStream {
    let mut names: Vec<Ident> = vec![];
    for n in args.wrt.iter().flatten() {
        match plan.params.iter().find(|p| p.ident() == n) {
            Some(PlanParam::Struct { leaves, .. }) => {
                names.extend(leaves.iter().map(|l| l.pseudo.clone()));
            }
            _ => names.push(n.clone()),
        }
    }
    let krate = args.krate.as_ref().map(|p| quote!(, crate = #p));
    quote!(wrt(#(#names),*) #krate)
}

/// The type of a field's own parameter in the flat function.
fn pseudo_type(path: &syn::Path, kind: &FieldKind) -> TokenStream {
    match kind {
        FieldKind::Scalar | FieldKind::Constant | FieldKind::Nested(_) => quote!(f64),
        FieldKind::Vec => quote!(&::std::vec::Vec<f64>),
        FieldKind::Fixed(i) => {
            let i = proc_macro2::Literal::usize_unsuffixed(*i);
            quote!([f64; <#path as ::autodiff_runtime::__rt::FixedLen<#i>>::LEN])
        }
        FieldKind::Array1 => quote!(&::autodiff_runtime::ndarray::Array1<f64>),
        FieldKind::Array2 => quote!(&::autodiff_runtime::ndarray::Array2<f64>),
    }
}

/// The flat function: `fn f__fields(m: &Mlp, _m__w1: &Array2<f64>, .., x: ..) -> f64 { body }`
/// (`_m: &Mlp` when the body reads no constant field), hidden, with the user's attributes but
/// not their docs. Its signature depends on the struct's fields only, so that a caller that
/// passes its own struct parameter on (`predict(m, x)`) can call it (see [`rewrite`]).
fn flat_function(func: &syn::ItemFn, plan: &Plan, body: &TokenStream) -> TokenStream {
    let mut inputs = vec![];
    for (p, input) in plan.params.iter().zip(&func.sig.inputs) {
        match p {
            PlanParam::Struct {
                sp, leaves, keep, ..
            } => {
                let (m, path) = (&sp.ident, &sp.path);
                let lifetime = match &sp.ty {
                    syn::Type::Reference(r) => r.lifetime.clone(),
                    _ => None,
                };
                let m = if *keep {
                    m.clone()
                } else {
                    format_ident!("_{}", m, span = m.span())
                };
                inputs.push(quote!(#m: &#lifetime #path));
                for l in leaves {
                    let (name, ty) = (&l.pseudo, pseudo_type(&l.owner, &l.kind));
                    inputs.push(quote!(#name: #ty));
                }
            }
            PlanParam::Plain { .. } => inputs.push(input.to_token_stream()),
        }
    }
    let attrs = func.attrs.iter().filter(|a| !a.path().is_ident("doc"));
    // Never public beyond the crate: it and what is generated for it are an implementation
    // detail of the wrappers (which have the user's visibility).
    let vis = match &func.vis {
        syn::Visibility::Public(_) => quote!(pub(crate)),
        other => other.to_token_stream(),
    };
    let sig = &func.sig;
    let (constness, asyncness, unsafety, abi, generics, output) = (
        &sig.constness,
        &sig.asyncness,
        &sig.unsafety_tokens(),
        &sig.abi,
        &sig.generics,
        &sig.output,
    );
    let name = &plan.flat;
    quote! {
        #(#attrs)*
        #[doc(hidden)]
        #[allow(dead_code, non_snake_case, clippy::all)]
        #vis #constness #asyncness #unsafety #abi fn #name #generics(#(#inputs),*) #output #body
    }
}

/// Whether the rewritten body still reads the struct `m` itself (its `#[constant]` fields, or
/// the whole struct in a debugging macro, also as an inline capture `"{m:?}"`): the flat
/// function then takes it.
fn mentions(body: &TokenStream, m: &Ident) -> bool {
    let capture = [format!("{{{m}}}"), format!("{{{m}:")];
    body.clone().into_iter().any(|t| match t {
        TokenTree::Ident(i) => i == *m,
        TokenTree::Literal(l) => {
            let s = l.to_string();
            capture.iter().any(|c| s.contains(c.as_str()))
        }
        TokenTree::Group(g) => mentions(&g.stream(), m),
        TokenTree::Punct(_) => false,
    })
}

trait UnsafetyTokens {
    fn unsafety_tokens(&self) -> TokenStream;
}

impl UnsafetyTokens for syn::Signature {
    fn unsafety_tokens(&self) -> TokenStream {
        match &self.safety {
            syn::Safety::Unsafe(t) => t.to_token_stream(),
            _ => TokenStream::new(),
        }
    }
}

/// A struct parameter's name and what its fields become.
pub(super) struct Rename<'a> {
    pub m: &'a Ident,
    pub tree: &'a Tree,
    pub leaves: &'a [Leaf],
}

impl Rename<'_> {
    /// The leaves under the field chain `chain` (all of them for an empty chain).
    pub fn leaves_under<'l>(&'l self, chain: &'l [Ident]) -> impl Iterator<Item = &'l Leaf> {
        self.leaves
            .iter()
            .filter(move |l| l.chain.starts_with(chain))
    }
}

fn rewrite_body(block: &TokenStream, plan: &Plan, errors: &mut Errors) -> TokenStream {
    let renames: Vec<Rename> = plan
        .params
        .iter()
        .filter_map(|p| match p {
            PlanParam::Struct {
                sp, tree, leaves, ..
            } => Some(Rename {
                m: &sp.ident,
                tree,
                leaves,
            }),
            PlanParam::Plain { .. } => None,
        })
        .collect();
    rewrite(block.clone(), &renames, false, errors)
}

/// Where the walk down a struct's fields stopped.
enum Step<'t> {
    /// At a struct (the parameter, or a nested one) used whole.
    Whole,
    /// At a method of a struct.
    Method(&'t Ident),
    /// At a constant field (or an unknown one): the tokens up to the index are kept.
    Keep(usize),
    /// At a leaf, whose name ends before the index.
    Leaf(&'t Ident, usize),
}

fn is_punct(t: Option<&TokenTree>, c: char) -> bool {
    matches!(t, Some(TokenTree::Punct(p)) if p.as_char() == c)
}

/// Rewrites `m.f` of differentiated fields in `ts`; `in_macro`: inside a macro's arguments
/// (where the whole struct may be read: debugging macros only read).
fn rewrite(
    ts: TokenStream,
    renames: &[Rename],
    in_macro: bool,
    errors: &mut Errors,
) -> TokenStream {
    let tts: Vec<TokenTree> = ts.into_iter().collect();
    let mut out: Vec<TokenTree> = Vec::with_capacity(tts.len());
    let mut i = 0;
    while i < tts.len() {
        let t = &tts[i];
        if let TokenTree::Group(g) = t {
            let callee = match out.last() {
                Some(TokenTree::Ident(c))
                    if !in_macro && super::calls::is_call(out.iter().rev().nth(1), out.last()) =>
                {
                    Some(c.clone())
                }
                _ => None,
            };
            if let Some((name, args)) = callee.and_then(|c| {
                super::calls::spread(&c, g, renames, |a| rewrite(a, renames, false, errors))
            }) {
                out.pop();
                out.push(TokenTree::Ident(name));
                let mut ng = Group::new(g.delimiter(), args);
                ng.set_span(g.span());
                out.push(TokenTree::Group(ng));
                i += 1;
                continue;
            }
            let macro_args = in_macro
                || (i >= 2
                    && is_punct(tts.get(i - 1), '!')
                    && matches!(tts[i - 2], TokenTree::Ident(_)));
            let mut ng = Group::new(
                g.delimiter(),
                rewrite(g.stream(), renames, macro_args, errors),
            );
            ng.set_span(g.span());
            out.push(TokenTree::Group(ng));
            i += 1;
            continue;
        }
        let TokenTree::Ident(id) = t else {
            out.push(t.clone());
            i += 1;
            continue;
        };
        let Some(r) = renames.iter().find(|r| *r.m == *id) else {
            out.push(t.clone());
            i += 1;
            continue;
        };
        // `x.m`, `a::m`, `'m`: not the parameter.
        let prev = out.last();
        let path_next = is_punct(tts.get(i + 1), ':') && is_punct(tts.get(i + 2), ':');
        if is_punct(prev, '.') || is_punct(prev, ':') || is_punct(prev, '\'') || path_next {
            out.push(t.clone());
            i += 1;
            continue;
        }
        // Down the tree: `m.layer.w` is the leaf `_m__layer__w`.
        let mut node: &Tree = r.tree;
        let mut chain: Vec<&Ident> = vec![];
        let mut j = i + 1;
        let step = loop {
            let f = match (tts.get(j), tts.get(j + 1)) {
                (Some(TokenTree::Punct(dot)), Some(TokenTree::Ident(f)))
                    if dot.as_char() == '.' =>
                {
                    f
                }
                _ => break Step::Whole,
            };
            let after = tts.get(j + 2);
            let is_call = matches!(after, Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis)
                || (is_punct(after, ':') && is_punct(tts.get(j + 3), ':'));
            match node.field(f) {
                None if is_call => break Step::Method(f),
                // A field that does not exist: rustc reports it on the user's function.
                None => break Step::Keep(j + 2),
                Some(n) if n.kind == FieldKind::Constant => break Step::Keep(j + 2),
                Some(n) => {
                    chain.push(f);
                    match &n.sub {
                        Some(sub) => {
                            node = sub;
                            j += 2;
                        }
                        None => break Step::Leaf(f, j + 2),
                    }
                }
            }
        };
        let reached: String = chain.iter().map(|f| format!(".{f}")).collect();
        let what = if chain.is_empty() {
            format!("`{id}` is a differentiated parameter struct")
        } else {
            let c: Vec<String> = chain.iter().map(ToString::to_string).collect();
            format!(
                "`{id}.{}` is a nested differentiated parameter struct",
                c.join(".")
            )
        };
        match step {
            Step::Whole => {
                if !in_macro {
                    let example = node
                        .diff()
                        .next()
                        .map(|n| n.ident.to_string())
                        .unwrap_or_default();
                    errors.at(
                        &tts[j - 1],
                        format!(
                            "{what}: read its fields (`{id}{reached}.{example}`); using it whole (binding, copying or returning it, passing it to a method) is not supported; a function it is passed to whole (`f(&{id}{reached}, ..)`) must be #[differentiable] with `wrt` naming its own struct parameter"
                        ),
                    );
                }
                out.extend(tts[i..j].iter().cloned());
                i = j;
            }
            Step::Method(f) => match (tts.get(j + 2), in_macro) {
                // `m.energy(x)`: the method differentiated with respect to `self` is the hidden
                // free function `__wrt_self__Spring__energy(this: &Spring, x)` (see `self_params.rs`),
                // called with the struct as any #[differentiable] function taking it whole.
                (Some(TokenTree::Group(args)), false)
                    if args.delimiter() == Delimiter::Parenthesis =>
                {
                    let call = method_as_call(&node.path, f, &tts[i..j], args);
                    out.extend(rewrite(call, renames, false, errors));
                    i = j + 3;
                }
                _ => {
                    let shown = if *id == "__this" {
                        "self".to_owned()
                    } else {
                        id.to_string()
                    };
                    let what = what.replacen(&format!("`{id}"), &format!("`{shown}"), 1);
                    errors.at(
                        f,
                        format!(
                            "{what}, whose method `{f}` can be called only as `{shown}.{f}(..)`, with `{f}` a method of a #[differentiable] impl differentiated with respect to `self`"
                        ),
                    );
                    out.extend(tts[i..j + 2].iter().cloned());
                    i = j + 2;
                }
            },
            Step::Keep(end) => {
                out.extend(tts[i..end].iter().cloned());
                i = end;
            }
            Step::Leaf(f, end) => {
                let leaf = r
                    .leaves
                    .iter()
                    .find(|l| l.chain.iter().eq(chain.iter().copied()));
                let Some(leaf) = leaf else {
                    out.extend(tts[i..end].iter().cloned());
                    i = end;
                    continue;
                };
                let after = tts.get(end);
                let by_ref = matches!(
                    leaf.kind,
                    FieldKind::Vec | FieldKind::Array1 | FieldKind::Array2
                );
                // `&m.w1` (the field itself, not `&m.w1[..]` or `&m.w1.t()`) is the reference.
                let postfix = is_punct(after, '.')
                    || is_punct(after, '?')
                    || matches!(after, Some(TokenTree::Group(g)) if g.delimiter() != Delimiter::Brace);
                let lone_amp = matches!(out.last(), Some(TokenTree::Punct(p)) if p.as_char() == '&' && p.spacing() == Spacing::Alone)
                    && !matches!(out.iter().rev().nth(1), Some(TokenTree::Punct(p)) if p.as_char() == '&' && p.spacing() == Spacing::Joint);
                if by_ref && !postfix && lone_amp {
                    out.pop();
                }
                // The user's span, so that what the pipeline says about it lands on the field read.
                out.push(TokenTree::Ident(Ident::new(
                    &leaf.pseudo.to_string(),
                    f.span(),
                )));
                i = end;
            }
        }
    }
    out.into_iter().collect()
}

/// `m.energy(x)` (or `m.inner.energy(x)`) as `__wrt_self__Spring__energy(m, x)` (`&m.inner`), the hidden
/// free function of a method differentiated with respect to `self`, found beside the struct's
/// type path (`model::Spring` → `model::__wrt_self__Spring__energy`). A method that is not so
/// differentiated has no such function: rustc says so on the call.
fn method_as_call(
    ty: &syn::Path,
    method: &Ident,
    receiver: &[TokenTree],
    args: &Group,
) -> TokenStream {
    let mut path = ty.clone();
    if let Some(last) = path.segments.last_mut() {
        last.ident = crate::names::self_method_fn(&last.ident, method);
        last.arguments = syn::PathArguments::None;
    }
    let recv: TokenStream = receiver.iter().cloned().collect();
    let recv = if receiver.len() > 1 {
        quote!(&#recv)
    } else {
        recv
    };
    let rest = args.stream();
    let sep = if rest.is_empty() { quote!() } else { quote!(,) };
    let mut g = Group::new(Delimiter::Parenthesis, quote!(#recv #sep #rest));
    g.set_span(args.span());
    let mut out = path.to_token_stream();
    out.extend([TokenTree::Group(g)]);
    out
}
