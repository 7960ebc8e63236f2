//! Patterns on values that are not differentiated through them: `match`, `if let`, `let else`
//! and `matches!`, lowered to `if`s on `matches!(value, pattern)`.
//!
//! The scrutinee is evaluated once and not copied (a non-`Copy` enum is not moved). An arm's
//! pattern becomes a `matches!` condition (its names replaced by `_`), its guard runs only where
//! the pattern matched; the names an arm binds are read out of the value where the arm runs
//! (`InactiveOp::Extract`, which clones them). A whole-value name (`n => ..`, `n @ 1..=3 => ..`)
//! is the scrutinee itself, so `match x { v if v > 0.0 => v, v => -v }` differentiates through
//! `v`. The last arm is the `else`: Rust's exhaustiveness makes it match whatever is left.

use super::*;

struct ArmParts<'a> {
    /// `None` when the arm matches anything.
    pattern: Option<syn::Pat>,
    /// The name bound to the whole value.
    whole: Option<String>,
    /// Names bound to parts of the value (read out where the arm runs).
    parts: Vec<syn::Ident>,
    guard: Option<&'a syn::Expr>,
    body: &'a syn::Expr,
}

impl Lowerer<'_> {
    pub(super) fn match_expr(
        &mut self,
        m: &syn::ExprMatch,
        out: &mut Vec<Stmt>,
        value: bool,
    ) -> Option<Operand> {
        let s = self.operand(&m.expr, out)?;
        if self.kind(&s).is_array() {
            self.errors.at(
                &m.expr,
                "`match` on an array is not supported in a #[differentiable] function; match on an integer, a bool, a float or an enum",
            );
            return None;
        }
        if m.arms.is_empty() {
            self.errors.at(m, "a `match` without arms has no value");
            return None;
        }
        let arms: Vec<ArmParts> = m.arms.iter().map(arm_parts).collect();
        self.arms(&s, &arms, out, value)
    }

    fn arms(
        &mut self,
        s: &Operand,
        arms: &[ArmParts],
        out: &mut Vec<Stmt>,
        value: bool,
    ) -> Option<Operand> {
        let arm = &arms[0];
        if arms.len() == 1 || (arm.pattern.is_none() && arm.guard.is_none()) {
            self.scopes.push(Scope::default());
            let v = self.arm_body(s, arm, out, value);
            self.scopes.pop();
            return v;
        }
        let matched = arm
            .pattern
            .as_ref()
            .map(|p| self.matches_op(s.clone(), p, out, arm.body.span()));
        let cond = match (matched, arm.guard) {
            (Some(c), None) => c,
            (None, Some(g)) => {
                self.scopes.push(Scope::default());
                self.bind_arm(s, arm, out);
                let c = self.operand(g, out);
                self.scopes.pop();
                c?
            }
            (Some(c), Some(g)) => self.if_node(
                c,
                out,
                |lw, body| {
                    lw.bind_arm(s, arm, body);
                    lw.operand(g, body)
                },
                |_, _| Some(konst(false)),
            )?,
            (None, None) => unreachable!("handled above"),
        };
        self.if_node(
            cond,
            out,
            |lw, body| lw.arm_body(s, arm, body, value),
            |lw, body| lw.arms(s, &arms[1..], body, value),
        )
    }

    fn bind_arm(&mut self, s: &Operand, arm: &ArmParts, out: &mut Vec<Stmt>) {
        if let Some(w) = &arm.whole {
            self.bind_new(w, s.clone(), None);
        }
        if let Some(p) = &arm.pattern {
            self.bind_parts(s, p, &arm.parts, out);
        }
    }

    fn arm_body(
        &mut self,
        s: &Operand,
        arm: &ArmParts,
        out: &mut Vec<Stmt>,
        value: bool,
    ) -> Option<Operand> {
        self.bind_arm(s, arm, out);
        if value {
            self.expr(arm.body, out)
        } else {
            // `pattern => (a, b),` in a tuple-valued `match` (see `tuple_branches.rs`).
            if !self.tuple_tail_expr(arm.body, out) {
                self.expr_stmt(arm.body, out);
            }
            None
        }
    }

    /// Binds each name of `names` to its part of `s`, as `pattern` takes it apart.
    fn bind_parts(
        &mut self,
        s: &Operand,
        pattern: &syn::Pat,
        names: &[syn::Ident],
        out: &mut Vec<Stmt>,
    ) {
        for n in names {
            let op = Op::Inactive(InactiveOp::Extract(
                s.clone(),
                Box::new(keep_only(pattern, n)),
                n.clone(),
            ));
            let v = self.emit(out, op, n.span(), Some(&name_of(n)));
            self.bind_new(&name_of(n), v, None);
        }
    }

    fn matches_op(&mut self, s: Operand, p: &syn::Pat, out: &mut Vec<Stmt>, span: Span) -> Operand {
        let op = Op::Inactive(InactiveOp::Matches(s, Box::new(erase_bindings(p))));
        self.emit(out, op, span, None)
    }

    /// `if let pattern = value { .. } else { .. }`.
    pub(super) fn if_let(
        &mut self,
        ei: &syn::ExprIf,
        l: &syn::ExprLet,
        out: &mut Vec<Stmt>,
        value: bool,
    ) -> Option<Operand> {
        let s = self.operand(&l.expr, out)?;
        let arm = pattern_parts(&l.pat);
        let cond = match &arm.0 {
            Some(p) => self.matches_op(s.clone(), p, out, l.span()),
            None => konst(true),
        };
        let then_stmts = &ei.then_branch.stmts;
        let else_expr = ei.else_branch.as_ref().map(|(_, e)| &**e);
        let value = value && else_expr.is_some();
        self.if_node(
            cond,
            out,
            |lw, body| {
                if let Some(w) = &arm.1 {
                    lw.bind_new(w, s.clone(), None);
                }
                if let Some(p) = &arm.0 {
                    lw.bind_parts(&s, p, &arm.2, body);
                }
                lw.stmts(then_stmts, body, value)
            },
            |lw, body| lw.else_branch(else_expr, body, value),
        )
    }

    /// `let pattern = value else { diverge };`: the `else` runs (and must leave) when the
    /// pattern does not match; the names are bound after it.
    pub(super) fn let_else(
        &mut self,
        pat: &syn::Pat,
        init: &syn::Expr,
        diverge: &syn::Expr,
        out: &mut Vec<Stmt>,
    ) {
        let Some(s) = self.operand(init, out) else {
            self.bind_placeholders(pat);
            return;
        };
        let (pattern, whole, parts) = pattern_parts(pat);
        if let Some(p) = &pattern {
            let matched = self.matches_op(s.clone(), p, out, init.span());
            let failed = self.emit(
                out,
                Op::Inactive(InactiveOp::Not(matched)),
                init.span(),
                None,
            );
            self.if_node(
                failed,
                out,
                |lw, body| {
                    lw.expr_stmt(diverge, body);
                    None
                },
                |_, _| None,
            );
        }
        if let Some(w) = &whole {
            self.bind_new(w, s.clone(), None);
        }
        if let Some(p) = &pattern {
            self.bind_parts(&s, p, &parts, out);
        }
    }

    /// `matches!(value, pattern)`: a constant condition.
    pub(super) fn matches_macro(
        &mut self,
        mac: &syn::Macro,
        out: &mut Vec<Stmt>,
    ) -> Option<Operand> {
        let parsed = mac.parse_body_with(|input: syn::parse::ParseStream| {
            let e: syn::Expr = input.parse()?;
            let _: syn::Token![,] = input.parse()?;
            let p = syn::Pat::parse_multi_with_leading_vert(input)?;
            let _: Option<syn::Token![,]> = input.parse()?;
            Ok((e, p))
        });
        let Ok((e, p)) = parsed else {
            self.errors.at(
                mac,
                "`matches!(value, pattern)` without a guard is supported in a #[differentiable] function",
            );
            return None;
        };
        let v = self.operand(&e, out)?;
        Some(self.matches_op(v, &p, out, mac.span()))
    }
}

fn arm_parts(arm: &syn::Arm) -> ArmParts<'_> {
    // `pattern if guard =>`: the guard is part of the arm's pattern.
    let (pat, guard) = match &arm.pat {
        syn::Pat::Guard(g) => (&*g.pat, Some(&*g.guard)),
        p => (p, None),
    };
    let (pattern, whole, parts) = pattern_parts(pat);
    ArmParts {
        pattern,
        whole,
        parts,
        guard,
        body: &arm.body,
    }
}

/// (the pattern to test, or `None` for one that matches anything; the name of the whole value;
/// the names of parts).
fn pattern_parts(p: &syn::Pat) -> (Option<syn::Pat>, Option<String>, Vec<syn::Ident>) {
    match p {
        syn::Pat::Wild(_) => (None, None, vec![]),
        syn::Pat::Paren(inner) => pattern_parts(&inner.pat),
        syn::Pat::Ident(pi) if pi.by_ref.is_none() && is_binding_name(&pi.ident) => {
            match &pi.subpat {
                None => (None, Some(name_of(&pi.ident)), vec![]),
                Some((_, sub)) => (
                    Some((**sub).clone()),
                    Some(name_of(&pi.ident)),
                    bindings(sub),
                ),
            }
        }
        other => (Some(other.clone()), None, bindings(other)),
    }
}

/// A lowercase name in a pattern binds; an uppercase one names a constant or a unit variant (the
/// macro cannot see which, and Rust's naming conventions decide it in practice).
fn is_binding_name(i: &syn::Ident) -> bool {
    name_of(i).starts_with(|c: char| c.is_lowercase() || c == '_')
}

fn bindings(p: &syn::Pat) -> Vec<syn::Ident> {
    #[derive(Default)]
    struct Finder(Vec<syn::Ident>);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            if is_binding_name(&p.ident) && name_of(&p.ident) != "_" {
                self.0.push(p.ident.clone());
            }
            syn::visit::visit_pat_ident(self, p);
        }
    }
    let mut f = Finder::default();
    f.visit_pat(p);
    f.0
}

/// The pattern with every name it binds replaced by `_` (or by its `@` sub-pattern).
fn erase_bindings(p: &syn::Pat) -> syn::Pat {
    keep_only_opt(p, None)
}

/// The pattern binding only `keep` (the others erased), for reading one part out.
fn keep_only(p: &syn::Pat, keep: &syn::Ident) -> syn::Pat {
    keep_only_opt(p, Some(keep))
}

fn keep_only_opt(p: &syn::Pat, keep: Option<&syn::Ident>) -> syn::Pat {
    struct Eraser<'k>(Option<&'k syn::Ident>);
    impl syn::visit_mut::VisitMut for Eraser<'_> {
        fn visit_pat_mut(&mut self, p: &mut syn::Pat) {
            if let syn::Pat::Ident(pi) = p
                && is_binding_name(&pi.ident)
                && self.0 != Some(&pi.ident)
            {
                *p = match pi.subpat.take() {
                    Some((_, sub)) => *sub,
                    None => syn::Pat::Wild(syn::PatWild {
                        attrs: vec![],
                        underscore_token: Default::default(),
                    }),
                };
            }
            syn::visit_mut::visit_pat_mut(self, p);
        }
    }
    let mut p = p.clone();
    syn::visit_mut::VisitMut::visit_pat_mut(&mut Eraser(keep), &mut p);
    p
}
