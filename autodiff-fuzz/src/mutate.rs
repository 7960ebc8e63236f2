//! Mutation mode: the project's own `#[differentiable]` functions (tests/scalar.rs,
//! tests/arrays.rs, src/*.rs), parsed with syn and mutated within valid Rust (operators swapped,
//! locals renamed to hostile names, statements wrapped in blocks/ifs or duplicated, early returns
//! inserted, literals changed). Each mutant is compiled with and without the attribute; the
//! attribute-free copy must compile (else the mutant is discarded), the attributed one must too,
//! its value must be unchanged and its gradient must match central finite differences.

mod origins;

pub use origins::{Origin, origins};

use crate::ast::{ArrTy, Func, IntTy, PTy, Param, Program};
use crate::driver::{Case, Unit};
use crate::rng::Rng;
use origins::{idents, param_ty};
use proc_macro2::{Ident, TokenStream, TokenTree};
use quote::{ToTokens, quote};
use std::collections::BTreeSet;
use std::path::Path;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

/// Source text of the three modules of a mutated program.
#[derive(Clone, Debug)]
pub struct TextUnit {
    pub ad: String,
    pub plain: String,
    pub check: String,
}

const HOSTILE: &[&str] = &[
    "t_0",
    "t_1",
    "t_2",
    "a_1",
    "value",
    "d_out",
    "x_bar",
    "tape_0",
    "n_3",
    "count_1",
    "pullback_g",
    "grad_f",
    "y_carry",
    "s_shift",
    "x_d0",
    "first",
    "adj",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mut {
    SwapOp,
    Literal,
    Rename,
    Wrap,
    Duplicate,
    EarlyReturn,
}

/// Counts (`target == usize::MAX`) or applies the `target`-th site of one mutation kind.
struct M<'a> {
    kind: Mut,
    target: usize,
    n: usize,
    rng: &'a mut Rng,
    ret: syn::Expr,
    names: BTreeSet<String>,
}

impl M<'_> {
    fn hit(&mut self) -> bool {
        let h = self.n == self.target;
        self.n += 1;
        h
    }
}

impl VisitMut for M<'_> {
    fn visit_expr_binary_mut(&mut self, e: &mut syn::ExprBinary) {
        if self.kind == Mut::SwapOp {
            use syn::BinOp::*;
            let new = match e.op {
                Add(_) => Some(quote!(-)),
                Sub(_) => Some(quote!(+)),
                Mul(_) => Some(quote!(/)),
                Div(_) => Some(quote!(*)),
                AddAssign(_) => Some(quote!(-=)),
                SubAssign(_) => Some(quote!(+=)),
                MulAssign(_) => Some(quote!(+=)),
                Lt(_) => Some(quote!(>)),
                Gt(_) => Some(quote!(<)),
                _ => None,
            };
            if let Some(op) = new {
                if self.hit() {
                    if let Ok(o) = syn::parse2(op) {
                        e.op = o;
                    }
                }
            }
        }
        syn::visit_mut::visit_expr_binary_mut(self, e);
    }
    fn visit_lit_float_mut(&mut self, l: &mut syn::LitFloat) {
        if self.kind == Mut::Literal && self.hit() {
            if let Ok(v) = l.base10_parse::<f64>() {
                let f = *self.rng.pick(&[1.25, 0.5, 2.0, 1.0001]);
                let s = format!("{:?}{}", v * f, l.suffix());
                *l = syn::LitFloat::new(&s, l.span());
            }
        }
    }
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        // statements of this block, before descending
        let n = b.stmts.len();
        match self.kind {
            Mut::Wrap | Mut::Duplicate => {
                for i in 0..n {
                    let is_expr_stmt = matches!(&b.stmts[i], syn::Stmt::Expr(_, Some(_)));
                    let is_local = matches!(&b.stmts[i], syn::Stmt::Local(_));
                    let ok = if self.kind == Mut::Wrap {
                        is_expr_stmt
                    } else {
                        is_expr_stmt || is_local
                    };
                    if ok && self.hit() {
                        let s = b.stmts[i].clone();
                        if self.kind == Mut::Duplicate {
                            b.stmts.insert(i, s);
                        } else {
                            let wrapped: syn::Stmt = if self.rng.chance(0.5) {
                                syn::parse_quote!({ #s })
                            } else {
                                syn::parse_quote!(if true { #s })
                            };
                            b.stmts[i] = wrapped;
                        }
                        return;
                    }
                }
            }
            Mut::EarlyReturn => {
                for i in 0..=n {
                    // not after a tail expression, nor after a final `return`/`break`/`continue`
                    // (the block would no longer diverge: `if` may be missing an `else`)
                    let last_jumps = matches!(
                        b.stmts.last(),
                        Some(syn::Stmt::Expr(
                            syn::Expr::Return(_) | syn::Expr::Break(_) | syn::Expr::Continue(_),
                            _
                        ))
                    );
                    if i == n
                        && (last_jumps || matches!(b.stmts.last(), Some(syn::Stmt::Expr(_, None))))
                    {
                        continue;
                    }
                    if self.hit() {
                        let r = &self.ret;
                        let s: syn::Stmt = syn::parse_quote!(if #r { return 0.5; });
                        b.stmts.insert(i, s);
                        return;
                    }
                }
            }
            _ => {}
        }
        syn::visit_mut::visit_block_mut(self, b);
    }
}

struct Lets(BTreeSet<String>);
impl<'ast> Visit<'ast> for Lets {
    fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
        self.0.insert(p.ident.to_string());
    }
}

fn rename_tokens(ts: TokenStream, from: &str, to: &str) -> TokenStream {
    ts.into_iter()
        .map(|t| match t {
            TokenTree::Ident(i) if i == from => TokenTree::Ident(Ident::new(to, i.span())),
            TokenTree::Group(g) => {
                let mut n =
                    proc_macro2::Group::new(g.delimiter(), rename_tokens(g.stream(), from, to));
                n.set_span(g.span());
                TokenTree::Group(n)
            }
            other => other,
        })
        .collect()
}

/// The condition of an inserted early return, from the function's current first float
/// parameter (a rename may have changed its name): taken at some points and not at others, a
/// branch the gradient must follow.
fn return_guard(f: &syn::ItemFn) -> syn::Expr {
    let first_float = f.sig.inputs.iter().find_map(|a| match a {
        syn::FnArg::Typed(t) if param_ty(&t.ty) == Some(PTy::F64) => match &*t.pat {
            syn::Pat::Ident(i) => Some(i.ident.to_token_stream()),
            _ => None,
        },
        _ => None,
    });
    match first_float {
        Some(p) => syn::parse_quote!(#p > 1.2),
        None => syn::parse_quote!(false),
    }
}

/// One mutant of `o` (1 to 3 mutations), or None when no site was found.
pub fn mutate(o: &Origin, rng: &mut Rng) -> Option<(syn::ItemFn, Vec<String>)> {
    let mut f = o.func.clone();
    let mut log = vec![];
    let k = rng.range(1, 3);
    for _ in 0..k {
        let kinds = [
            Mut::SwapOp,
            Mut::Literal,
            Mut::Rename,
            Mut::Wrap,
            Mut::Duplicate,
            Mut::EarlyReturn,
        ];
        let kind = *rng.pick(&kinds);
        if kind == Mut::Rename {
            let mut lets = Lets(BTreeSet::new());
            lets.visit_block(&f.block);
            for a in &f.sig.inputs {
                if let syn::FnArg::Typed(t) = a {
                    lets.visit_pat(&t.pat);
                }
            }
            let used = idents(&f.to_token_stream());
            let cands: Vec<String> = lets.0.into_iter().collect();
            if cands.is_empty() {
                continue;
            }
            let from = rng.pick(&cands).clone();
            let free: Vec<&str> = HOSTILE
                .iter()
                .cloned()
                .filter(|h| !used.contains(*h))
                .collect();
            if free.is_empty() {
                continue;
            }
            let to = *rng.pick(&free);
            // the whole function, signature included (a renamed parameter keeps its position)
            let ts = rename_tokens(f.to_token_stream(), &from, to);
            if let Ok(g) = syn::parse2::<syn::ItemFn>(ts) {
                // the function's own name must not change
                let mut g = g;
                g.sig.ident = f.sig.ident.clone();
                f = g;
                log.push(format!("rename {from} -> {to}"));
            }
            continue;
        }
        let mut counter = M {
            kind,
            target: usize::MAX,
            n: 0,
            rng,
            ret: return_guard(&f),
            names: BTreeSet::new(),
        };
        counter.visit_block_mut(&mut f.block.clone());
        let sites = counter.n;
        if sites == 0 {
            continue;
        }
        let target = rng.below(sites);
        let mut m = M {
            kind,
            target,
            n: 0,
            rng,
            ret: return_guard(&f),
            names: BTreeSet::new(),
        };
        let _ = &m.names;
        m.visit_block_mut(&mut f.block);
        log.push(format!("{kind:?} #{target}"));
    }
    if log.is_empty() { None } else { Some((f, log)) }
}

fn strip_attr(f: &syn::ItemFn) -> syn::ItemFn {
    let mut g = f.clone();
    g.attrs.retain(|a| {
        !a.path()
            .segments
            .last()
            .is_some_and(|s| s.ident == "differentiable")
    });
    g
}

const HEADER: &str = "#![allow(warnings, clippy::all)]\n#[allow(unused_imports)]\nuse autodiff_runtime::ndarray::prelude::*;\n";

/// The case for one mutant (or the original when `mutant` is None).
pub fn case(id: &str, o: &Origin, f: &syn::ItemFn, what: &str, seed: u64) -> Case {
    let mut ad = String::from(HEADER);
    let mut plain = String::from(HEADER);
    let has_import = o
        .context
        .iter()
        .any(|i| i.to_token_stream().to_string().contains("differentiable"));
    if !has_import {
        ad.push_str("use autodiff_runtime::differentiable;\n");
    }
    for it in &o.context {
        ad.push_str(&it.to_token_stream().to_string());
        ad.push('\n');
        let p = match it {
            syn::Item::Fn(g) => strip_attr(g).to_token_stream(),
            other => other.to_token_stream(),
        };
        plain.push_str(&p.to_string());
        plain.push('\n');
    }
    let mut fp = f.clone();
    fp.vis = syn::parse_quote!(pub);
    ad.push_str(&fp.to_token_stream().to_string());
    plain.push_str(&strip_attr(&fp).to_token_stream().to_string());
    let ad = crate::ast::pretty(&ad);
    let plain = crate::ast::pretty(&plain);
    // the checking code, from the signature
    let params: Vec<Param> = f
        .sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            syn::FnArg::Typed(t) => {
                let name = match &*t.pat {
                    syn::Pat::Ident(i) => i.ident.to_string(),
                    _ => return None,
                };
                let ty = param_ty(&t.ty)?;
                let int_range = match ty {
                    PTy::Int(IntTy::I32) => (-2, 4),
                    _ => (1, 6),
                };
                Some(Param {
                    name,
                    ty,
                    mutable: false,
                    int_range,
                })
            }
            _ => None,
        })
        .collect();
    let n = params
        .iter()
        .find_map(|p| {
            if let PTy::Arr(ArrTy::Fixed(n)) = p.ty {
                Some(n)
            } else {
                None
            }
        })
        .unwrap_or(3);
    let wrt = wrt_of(f, &params);
    let func = Func {
        name: f.sig.ident.to_string(),
        params,
        wrt,
        body: Default::default(),
        pair: false,
        hessian: false,
        outparam: false,
    };
    let prog = Program {
        items: vec![],
        funcs: vec![],
        len1: n,
        rows: n,
        cols: n,
    };
    let mut check = format!(
        "pub fn check(points: usize) {{\n    check_{}(points);\n}}\n",
        func.name
    );
    check.push_str(&crate::driver::check_fn(
        id, &prog, &func, seed, true, 0.2, 1.6,
    ));
    Case {
        id: id.to_string(),
        origin: format!("{} {} [{what}]", o.file, o.func.sig.ident),
        unit: Unit::Text(TextUnit { ad, plain, check }),
    }
}

/// `#[differentiable(wrt(a, b))]` as parameter indices.
fn wrt_of(f: &syn::ItemFn, params: &[Param]) -> Option<Vec<usize>> {
    for a in &f.attrs {
        if !a
            .path()
            .segments
            .last()
            .is_some_and(|s| s.ident == "differentiable")
        {
            continue;
        }
        let ts = a.meta.to_token_stream().to_string();
        let i = ts.find("wrt")?;
        let inner = &ts[i + 3..];
        let names: Vec<String> = inner
            .trim_start_matches([' ', '('])
            .split(')')
            .next()?
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        // the gradient tuple is in the order `wrt` lists
        let idx: Vec<usize> = names
            .iter()
            .filter_map(|n| params.iter().position(|p| p.name == *n))
            .collect();
        return Some(idx);
    }
    None
}

/// The batch of `count` mutants (plus every original once) for `seed`.
pub fn cases(workspace: &Path, seed: u64, count: usize) -> Vec<Case> {
    let files = [
        "tests/scalar.rs",
        "tests/arrays.rs",
        "src/weierstrass.rs",
        "src/portfolio.rs",
        "src/rk4.rs",
        "src/post.rs",
        "src/reference.rs",
    ];
    let os = origins(workspace, &files);
    let mut rng = Rng::new(seed);
    let mut out = vec![];
    for (i, o) in os.iter().enumerate() {
        out.push(case(
            &format!("m{:04}", i),
            o,
            &o.func,
            "original",
            seed.wrapping_add(i as u64),
        ));
    }
    let mut tries = 0;
    while out.len() < os.len() + count && tries < count * 5 && !os.is_empty() {
        tries += 1;
        let o = rng.pick(&os).clone();
        if let Some((f, log)) = mutate(&o, &mut rng) {
            let id = format!("m{:04}", out.len());
            out.push(case(
                &id,
                &o,
                &f,
                &log.join(", "),
                seed.wrapping_add(out.len() as u64),
            ));
        }
    }
    out
}
