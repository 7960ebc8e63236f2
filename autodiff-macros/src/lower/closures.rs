//! Closures: `let sq = |t: f64| t * t;` and the closures given to iterator adaptors.
//!
//! A closure is not lowered where it is written but inlined where it is called, with its
//! parameters bound to the call's arguments. What it reads from around it is what those names
//! held where the closure was *written* (captured bindings are snapshotted at the definition),
//! so a name shadowed between the definition and the call still means what the closure saw —
//! Rust's borrow rules forbid assigning a captured variable while the closure is alive, so the
//! snapshot is exact. Closures that assign what they capture (`FnMut`) or `return` are refused.

use super::*;

/// A closure, with the bindings of the names its body reads from around it.
#[derive(Clone)]
pub(super) struct ClosureDef {
    pub(super) closure: syn::ExprClosure,
    pub(super) captures: Vec<Binding>,
}

/// An argument of an inlined closure: a value, or a tuple of them (`zip`, `enumerate`).
pub(super) enum ArgVal {
    One(Operand),
    Tuple(Vec<ArgVal>),
}

impl Lowerer<'_> {
    /// Checks a closure and records it; returns its index in `self.closures`.
    pub(super) fn define_closure(&mut self, c: &syn::ExprClosure) -> Option<usize> {
        if let Some(a) = &c.asyncness {
            self.errors.at(
                a,
                "async closures are not supported in a #[differentiable] function",
            );
            return None;
        }
        if contains_return(&body_block_of(&c.body)) {
            self.errors.at(
                &c.body,
                "`return` inside a closure is not supported in a #[differentiable] function; give the closure's value as its last expression",
            );
            return None;
        }
        // The names the closure binds itself (its parameters and its `let`s).
        let mut own = BoundNames::default();
        for p in &c.inputs {
            own.visit_pat(p);
        }
        own.visit_expr(&c.body);
        let mut assigned = AssignedNames::default();
        assigned.visit_expr(&c.body);
        if let Some(name) = assigned
            .names
            .iter()
            .find(|n| !own.names.contains(n) && self.lookup(n).is_some())
        {
            self.errors.at(
                &c.body,
                format!(
                    "this closure assigns `{name}`, a variable from outside it (an `FnMut` closure): not supported in a #[differentiable] function; write the loop out, or return the new value from the closure"
                ),
            );
            return None;
        }
        let mut idents = Vec::new();
        collect_idents(&c.body.to_token_stream(), &mut idents);
        let mut captures: Vec<Binding> = Vec::new();
        for name in idents {
            if captures.iter().any(|b| b.name == name) {
                continue;
            }
            if let Some(b) = self.lookup(&name) {
                captures.push(b);
            }
        }
        self.closures.push(ClosureDef {
            closure: c.clone(),
            captures,
        });
        Some(self.closures.len() - 1)
    }

    /// `f(a, b)` where `f` is a closure: its body, lowered here with its parameters bound.
    pub(super) fn call_closure(
        &mut self,
        index: usize,
        args: &[&syn::Expr],
        at: &dyn ToTokens,
        out: &mut Vec<Stmt>,
    ) -> Option<Operand> {
        let def = self.closures[index].clone();
        if def.closure.inputs.len() != args.len() {
            self.errors.at(
                at,
                format!(
                    "this closure takes {} argument(s), not {}",
                    def.closure.inputs.len(),
                    args.len()
                ),
            );
            return None;
        }
        // The arguments are evaluated where the call is, before the closure's names exist.
        let mut vals = Vec::new();
        for a in args {
            vals.push(self.arg_val(a, out)?);
        }
        let mut captured = Scope::default();
        for b in &def.captures {
            captured.bind(b.clone());
        }
        self.scopes.push(captured);
        self.scopes.push(Scope::default());
        let mut ok = true;
        for (pat, val) in def.closure.inputs.iter().zip(vals) {
            ok &= self.bind_pattern(pat, val, out);
        }
        let v = if ok {
            self.expr(&def.closure.body, out)
        } else {
            None
        };
        self.scopes.pop();
        self.scopes.pop();
        v
    }

    /// An argument of an inlined closure; tuples stay tuples so that `|(a, b)|` can take them
    /// apart.
    pub(super) fn arg_val(&mut self, e: &syn::Expr, out: &mut Vec<Stmt>) -> Option<ArgVal> {
        match strip_parens(e) {
            syn::Expr::Tuple(t) => {
                let mut items = Vec::new();
                for el in &t.elems {
                    items.push(self.arg_val(el, out)?);
                }
                Some(ArgVal::Tuple(items))
            }
            other => Some(ArgVal::One(self.operand(other, out)?)),
        }
    }

    /// Binds the names of a closure parameter's (or a tuple `let`'s) pattern. `&p` reads
    /// through a reference; on a value it is the value itself (`|&v|` over `.copied()`).
    pub(super) fn bind_pattern(
        &mut self,
        pat: &syn::Pat,
        val: ArgVal,
        out: &mut Vec<Stmt>,
    ) -> bool {
        match (pat, val) {
            (syn::Pat::Type(pt), val) => self.bind_pattern(&pt.pat, val, out),
            (syn::Pat::Paren(p), val) => self.bind_pattern(&p.pat, val, out),
            (syn::Pat::Wild(_), _) => true,
            (syn::Pat::Reference(r), ArgVal::One(o)) if r.mutability.is_none() => {
                let o = self.deref_if_ref(o, pat.span(), out);
                self.bind_pattern(&r.pat, ArgVal::One(o), out)
            }
            (syn::Pat::Reference(r), val @ ArgVal::Tuple(_)) if r.mutability.is_none() => {
                self.bind_pattern(&r.pat, val, out)
            }
            (syn::Pat::Ident(pi), ArgVal::One(o)) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                self.bind_new(&name_of(&pi.ident), o, None);
                true
            }
            (syn::Pat::Tuple(t), ArgVal::Tuple(items)) if t.elems.len() == items.len() => {
                let mut ok = true;
                for (p, v) in t.elems.iter().zip(items) {
                    ok &= self.bind_pattern(p, v, out);
                }
                ok
            }
            (syn::Pat::Tuple(t), _) => {
                self.errors.at(
                    t,
                    "this tuple pattern does not match the value's parts (a #[differentiable] function takes apart tuples written `(a, b)`, pairs from `zip` and `enumerate`, and the results of #[differentiable] functions that return tuples)",
                );
                false
            }
            (other, _) => {
                self.errors.at(
                    other,
                    "this pattern is not supported in a #[differentiable] function; write a name, `&name`, `_` or a tuple of those",
                );
                false
            }
        }
    }

    /// `*r` for a `&f64`; a value stays as it is.
    pub(super) fn deref_if_ref(&mut self, o: Operand, span: Span, out: &mut Vec<Stmt>) -> Operand {
        if self.kind(&o) == Kind::ScalarRef {
            let op = Op::Copy {
                src: o,
                ty: None,
                deref: true,
            };
            return self.emit(out, op, span, None);
        }
        o
    }
}

/// The closure body as a block, for the syntactic checks that take one.
fn body_block_of(e: &syn::Expr) -> syn::Block {
    syn::parse_quote!({ #e })
}

/// Every identifier in a token stream (macro arguments included).
pub(super) fn collect_idents(ts: &proc_macro2::TokenStream, out: &mut Vec<String>) {
    for tt in ts.clone() {
        match tt {
            proc_macro2::TokenTree::Ident(i) => out.push(name_of(&i)),
            proc_macro2::TokenTree::Group(g) => collect_idents(&g.stream(), out),
            _ => {}
        }
    }
}

/// Names bound by patterns (parameters, `let`s) inside a closure.
#[derive(Default)]
struct BoundNames {
    names: Vec<String>,
}

impl<'ast> Visit<'ast> for BoundNames {
    fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
        self.names.push(name_of(&p.ident));
        syn::visit::visit_pat_ident(self, p);
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}
