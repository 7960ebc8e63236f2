//! `let (hidden, cell) = state.split_at_mut(b);`: two writable halves of a local array, as a
//! Rust port of C++ code that keeps two pointers into one buffer writes it.
//!
//! Lowering knows local arrays and ranges of them, not references that alias them, so before
//! lowering the halves are written as what they are: the rest of the block reads `hidden[i]` as
//! `state[lo + i]`, `hidden.len()` as `hi - lo`, `hidden.iter()` as `state[lo..hi].iter()`, and
//! passes `hidden` to a helper as `&mut state[lo..hi]` (an out-parameter range, see
//! `mut_params.rs`). Every analysis after this sees the writes for what they are: writes to
//! `state`. The split point and the bounds are computed once, into locals, where the `let` was.

use proc_macro2::Span;
use quote::format_ident;
use syn::visit_mut::VisitMut;

/// The function with every `split_at_mut` of a local array written out.
pub fn rewrite(func: &syn::ItemFn) -> syn::ItemFn {
    let mut f = func.clone();
    let mut pass = Blocks { count: 0 };
    pass.visit_block_mut(&mut f.block);
    f
}

struct Blocks {
    /// Splits seen so far (for fresh names).
    count: usize,
}

/// One half: `name` stands for `base[lo..hi]`.
#[derive(Clone)]
struct Half {
    name: syn::Ident,
    base: syn::Ident,
    lo: syn::Expr,
    hi: syn::Expr,
}

impl VisitMut for Blocks {
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        let mut k = 0;
        while k < b.stmts.len() {
            if let Some((setup, halves)) = self.split(&b.stmts[k]) {
                b.stmts.splice(k..=k, setup.clone());
                k += setup.len();
                let mut aliases = Aliases { halves };
                for s in &mut b.stmts[k..] {
                    aliases.visit_stmt_mut(s);
                    // A `let` that binds a half's name again ends the half.
                    if let syn::Stmt::Local(l) = s {
                        let bound = pattern_names(&l.pat);
                        aliases.halves.retain(|h| !bound.contains(&h.name));
                    }
                }
                continue;
            }
            k += 1;
        }
        syn::visit_mut::visit_block_mut(self, b);
    }
}

impl Blocks {
    /// `let (a, b) = base.split_at_mut(k);` (or of `base[lo..hi]`): the statements that compute
    /// the bounds, and the two halves.
    fn split(&mut self, s: &syn::Stmt) -> Option<(Vec<syn::Stmt>, Vec<Half>)> {
        let syn::Stmt::Local(l) = s else { return None };
        let init = l.init.as_ref().filter(|i| i.diverge.is_none())?;
        let syn::Expr::MethodCall(m) = &*init.expr else {
            return None;
        };
        if m.method != "split_at_mut" || m.args.len() != 1 {
            return None;
        }
        let syn::Pat::Tuple(t) = &l.pat else {
            return None;
        };
        let names: Vec<syn::Ident> = t
            .elems
            .iter()
            .filter_map(|p| match p {
                syn::Pat::Ident(pi) if pi.subpat.is_none() => Some(pi.ident.clone()),
                _ => None,
            })
            .collect();
        if names.len() != 2 || t.elems.len() != 2 {
            return None;
        }
        let (base, lo, hi): (syn::Ident, syn::Expr, Option<syn::Expr>) = match &*m.receiver {
            syn::Expr::Path(p) => (p.path.get_ident()?.clone(), syn::parse_quote!(0), None),
            syn::Expr::Index(i) => {
                let syn::Expr::Path(p) = &*i.expr else {
                    return None;
                };
                let syn::Expr::Range(r) = &*i.index else {
                    return None;
                };
                if !matches!(r.limits, syn::RangeLimits::HalfOpen(_)) {
                    return None;
                }
                let lo: syn::Expr = match &r.start {
                    Some(e) => (**e).clone(),
                    None => syn::parse_quote!(0),
                };
                (p.path.get_ident()?.clone(), lo, r.end.as_deref().cloned())
            }
            _ => return None,
        };
        let n = self.count;
        self.count += 1;
        let sp = Span::mixed_site();
        let (lo_id, mid_id, hi_id) = (
            format_ident!("__split{}_lo", n, span = sp),
            format_ident!("__split{}_mid", n, span = sp),
            format_ident!("__split{}_hi", n, span = sp),
        );
        let at = &m.args[0];
        let hi: syn::Expr = hi.unwrap_or_else(|| syn::parse_quote!(#base.len()));
        let setup: Vec<syn::Stmt> = vec![
            syn::parse_quote!(let #lo_id: usize = #lo;),
            syn::parse_quote!(let #hi_id: usize = #hi;),
            syn::parse_quote!(let #mid_id: usize = #lo_id + (#at);),
        ];
        let halves = vec![
            Half {
                name: names[0].clone(),
                base: base.clone(),
                lo: syn::parse_quote!(#lo_id),
                hi: syn::parse_quote!(#mid_id),
            },
            Half {
                name: names[1].clone(),
                base,
                lo: syn::parse_quote!(#mid_id),
                hi: syn::parse_quote!(#hi_id),
            },
        ];
        Some((setup, halves))
    }
}

fn pattern_names(p: &syn::Pat) -> Vec<syn::Ident> {
    struct Names(Vec<syn::Ident>);
    impl syn::visit::Visit<'_> for Names {
        fn visit_pat_ident(&mut self, p: &syn::PatIdent) {
            self.0.push(p.ident.clone());
            syn::visit::visit_pat_ident(self, p);
        }
    }
    let mut n = Names(Vec::new());
    syn::visit::Visit::visit_pat(&mut n, p);
    n.0
}

/// Rewrites the uses of the halves.
struct Aliases {
    halves: Vec<Half>,
}

impl Aliases {
    fn half(&self, e: &syn::Expr) -> Option<Half> {
        let syn::Expr::Path(p) = e else { return None };
        let id = p.path.get_ident()?;
        self.halves.iter().find(|h| h.name == *id).cloned()
    }
}

impl VisitMut for Aliases {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        // Calls: a half passed as it is (`&mut [f64]`) is a range written by the callee.
        if let syn::Expr::Call(c) = e {
            for a in c.args.iter_mut() {
                if let Some(h) = self.half(a) {
                    let (base, lo, hi) = (&h.base, &h.lo, &h.hi);
                    *a = syn::parse_quote!(&mut #base[#lo..#hi]);
                }
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
        match e {
            syn::Expr::Index(i) => {
                if let Some(h) = self.half(&i.expr) {
                    let (base, lo) = (&h.base, &h.lo);
                    let index = &i.index;
                    *e = match &**index {
                        syn::Expr::Range(r) => {
                            let start = r.start.as_deref().cloned().unwrap_or(syn::parse_quote!(0));
                            let end = r
                                .end
                                .as_deref()
                                .cloned()
                                .map(|end| -> syn::Expr { syn::parse_quote!((#lo) + (#end)) })
                                .unwrap_or_else(|| h.hi.clone());
                            syn::parse_quote!(#base[(#lo) + (#start)..#end])
                        }
                        _ => syn::parse_quote!(#base[(#lo) + (#index)]),
                    };
                }
            }
            syn::Expr::MethodCall(m) => {
                if let Some(h) = self.half(&m.receiver) {
                    let (base, lo, hi) = (&h.base, &h.lo, &h.hi);
                    if m.method == "len" && m.args.is_empty() {
                        *e = syn::parse_quote!(((#hi) - (#lo)));
                    } else {
                        *m.receiver = syn::parse_quote!(#base[#lo..#hi]);
                    }
                }
            }
            syn::Expr::Reference(r) => {
                if let Some(h) = self.half(&r.expr) {
                    let (base, lo, hi) = (&h.base, &h.lo, &h.hi);
                    *r.expr = syn::parse_quote!(#base[#lo..#hi]);
                }
            }
            _ => {}
        }
    }

    // A closure's parameters may shadow a half; closures are left as written.
    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
}
