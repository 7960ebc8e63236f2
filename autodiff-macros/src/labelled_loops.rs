//! `break 'outer` and `continue 'outer` out of nested loops, written as the flags a user would
//! otherwise write by hand.
//!
//! Lowering knows one kind of jump: to the innermost loop. Before lowering, each labelled loop
//! `'l` that is left from inside a nested loop gets two flags declared just before it,
//! `__break_l` and `__continue_l`; a jump from inside a nested loop sets its flag and leaves
//! that loop with a plain `break`, and after every nested loop that holds such a jump a check
//! passes it on: `if __break_l || __continue_l { break; }` inside further nested loops,
//! `if __break_l { break; }` and `if __continue_l { continue; }` in the labelled loop's own body.
//! A jump directly in the labelled loop's body is a plain `break`/`continue`. Labels are
//! removed where every jump to them could be written so; what cannot (`break 'l value` from a
//! nested loop, a nested loop used as a value) keeps its label and gets lowering's error.
//! Innermost labelled loops are rewritten first, so the jumps left are to outer loops.

use proc_macro2::Span;
use quote::format_ident;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

/// The function with the labels of its loops written out where possible.
pub fn rewrite(func: &syn::ItemFn) -> syn::ItemFn {
    let mut f = func.clone();
    Labels.visit_block_mut(&mut f.block);
    f
}

struct Labels;

impl VisitMut for Labels {
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        // Inner loops first.
        syn::visit_mut::visit_block_mut(self, b);
        for s in &mut b.stmts {
            let e = match s {
                syn::Stmt::Expr(e, _) => e,
                _ => continue,
            };
            if let Some(flags) = rewrite_labelled(e) {
                let loop_expr = e.clone();
                *e = syn::parse_quote!({ #(#flags)* #loop_expr });
            }
        }
    }
    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// The label and body of a loop expression.
fn label_and_body(e: &mut syn::Expr) -> Option<(&mut Option<syn::Label>, &mut syn::Block)> {
    match e {
        syn::Expr::ForLoop(f) => Some((&mut f.label, &mut f.body)),
        syn::Expr::While(w) => Some((&mut w.label, &mut w.body)),
        syn::Expr::Loop(l) => Some((&mut l.label, &mut l.body)),
        _ => None,
    }
}

/// Rewrites the jumps to a labelled loop `e` and removes its label; returns the flags to declare
/// before it (none needed: empty). `None` when `e` is not a labelled loop or keeps its label.
fn rewrite_labelled(e: &mut syn::Expr) -> Option<Vec<syn::Stmt>> {
    let (label, body) = label_and_body(e)?;
    let name = label.as_ref()?.name.clone();
    let flags = Flags::new(&name);
    let mut probe = body.clone();
    let mut pass = Jumps {
        label: &name,
        flags: &flags,
        depth: 0,
        used: false,
        stuck: false,
        statement_loop: false,
    };
    pass.visit_block_mut(&mut probe);
    if pass.stuck {
        return None;
    }
    let used = pass.used;
    *body = probe;
    *label = None;
    if !used {
        return Some(vec![]);
    }
    let (brk, cont) = (&flags.brk, &flags.cont);
    body.stmts.insert(0, syn::parse_quote!(#cont = false;));
    Some(vec![
        syn::parse_quote!(let mut #brk = false;),
        syn::parse_quote!(let mut #cont = false;),
    ])
}

struct Flags {
    brk: syn::Ident,
    cont: syn::Ident,
}

impl Flags {
    fn new(label: &syn::Lifetime) -> Flags {
        let l = label.ident.to_string();
        let sp = Span::call_site().located_at(label.span());
        Flags {
            brk: format_ident!("__break_{}", l, span = sp),
            cont: format_ident!("__continue_{}", l, span = sp),
        }
    }
}

/// The jumps to `label` inside its loop's body, at `depth` nested loops below it.
struct Jumps<'a> {
    label: &'a syn::Lifetime,
    flags: &'a Flags,
    depth: usize,
    /// A jump from a nested loop was written with the flags.
    used: bool,
    /// A jump that cannot be written without the label.
    stuck: bool,
    /// The loop about to be visited is a statement of a block.
    statement_loop: bool,
}

impl Jumps<'_> {
    fn targets(&self, l: &Option<syn::Lifetime>) -> bool {
        l.as_ref().is_some_and(|l| l.ident == self.label.ident)
    }
}

impl VisitMut for Jumps<'_> {
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        let mut k = 0;
        while k < b.stmts.len() {
            let (is_loop_stmt, nested_with_jump) = match &b.stmts[k] {
                syn::Stmt::Expr(e, _) => (is_loop(e), is_loop(e) && jumps_to(e, self.label)),
                _ => (false, false),
            };
            self.statement_loop = is_loop_stmt;
            self.visit_stmt_mut(&mut b.stmts[k]);
            if nested_with_jump {
                let (brk, cont) = (&self.flags.brk, &self.flags.cont);
                let checks: Vec<syn::Stmt> = if self.depth == 0 {
                    vec![
                        syn::parse_quote!(if #brk { break; }),
                        syn::parse_quote!(if #cont { continue; }),
                    ]
                } else {
                    vec![syn::parse_quote!(if #brk || #cont { break; })]
                };
                // A loop that was the block's value (of type `()`) becomes a statement.
                if let syn::Stmt::Expr(_, semi @ None) = &mut b.stmts[k] {
                    *semi = Some(Default::default());
                }
                for (j, c) in checks.into_iter().enumerate() {
                    b.stmts.insert(k + 1 + j, c);
                }
            }
            k += 1;
        }
    }

    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        match e {
            syn::Expr::ForLoop(_) | syn::Expr::While(_) | syn::Expr::Loop(_) => {
                // A nested loop with the same label hides this one.
                let shadows = label_and_body(e)
                    .and_then(|(l, _)| l.as_ref().map(|l| l.name.ident == self.label.ident))
                    .unwrap_or(false);
                if shadows {
                    return;
                }
                // Only a loop that is a statement of a block gets the checks after it (see
                // `visit_block_mut`); one elsewhere (a `match` arm) cannot pass a jump on.
                let statement = std::mem::take(&mut self.statement_loop);
                if !statement && jumps_to(e, self.label) {
                    self.stuck = true;
                }
                self.depth += 1;
                syn::visit_mut::visit_expr_mut(self, e);
                self.depth -= 1;
            }
            syn::Expr::Break(b) if self.targets(&b.label) => {
                if self.depth == 0 {
                    b.label = None;
                } else if b.expr.is_some() {
                    self.stuck = true;
                } else {
                    let brk = &self.flags.brk;
                    self.used = true;
                    *e = syn::parse_quote!({ #brk = true; break; });
                }
            }
            syn::Expr::Continue(c) if self.targets(&c.label) => {
                if self.depth == 0 {
                    c.label = None;
                } else {
                    let cont = &self.flags.cont;
                    self.used = true;
                    *e = syn::parse_quote!({ #cont = true; break; });
                }
            }
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }

    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

fn is_loop(e: &syn::Expr) -> bool {
    matches!(
        e,
        syn::Expr::ForLoop(_) | syn::Expr::While(_) | syn::Expr::Loop(_)
    )
}

/// Whether `e` holds a `break 'label` or `continue 'label` (not inside a closure, nor inside a
/// nested loop that reuses the label).
fn jumps_to(e: &syn::Expr, label: &syn::Lifetime) -> bool {
    struct Find<'a> {
        label: &'a syn::Lifetime,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Find<'_> {
        fn visit_expr_break(&mut self, b: &'ast syn::ExprBreak) {
            if b.label
                .as_ref()
                .is_some_and(|l| l.ident == self.label.ident)
            {
                self.found = true;
            }
            syn::visit::visit_expr_break(self, b);
        }
        fn visit_expr_continue(&mut self, c: &'ast syn::ExprContinue) {
            if c.label
                .as_ref()
                .is_some_and(|l| l.ident == self.label.ident)
            {
                self.found = true;
            }
        }
        fn visit_label(&mut self, _: &'ast syn::Label) {}
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = Find {
        label,
        found: false,
    };
    f.visit_expr(e);
    f.found
}
