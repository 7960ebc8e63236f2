//! `if`: branches, their merges, and the values of `if`s and of branches that jump away.

use super::*;

impl Lowerer<'_> {
    pub(super) fn if_expr(
        &mut self,
        ei: &syn::ExprIf,
        out: &mut Vec<Stmt>,
        value: bool,
    ) -> Option<Operand> {
        if let syn::Expr::Let(l) = &*ei.cond {
            if let Some(checked) = checked_get(ei, l) {
                return self.if_expr(&checked, out, value);
            }
            return self.if_let(ei, l, out, value);
        }
        let then_stmts = &ei.then_branch.stmts;
        let else_expr = ei.else_branch.as_ref().map(|(_, e)| &**e);
        if value && else_expr.is_none() {
            // `if` without `else` has no value; used as a statement below.
            return self.if_expr(ei, out, false);
        }
        // A refused condition: the branches are still lowered, for their own problems.
        let cond = self.operand(&ei.cond, out).unwrap_or_else(placeholder);
        self.if_node(
            cond,
            out,
            |lw, body| lw.stmts(then_stmts, body, value),
            |lw, body| lw.else_branch(else_expr, body, value),
        )
    }

    /// The `else` of an `if` (or `if let`): a block, another `if`, or nothing.
    pub(super) fn else_branch(
        &mut self,
        else_expr: Option<&syn::Expr>,
        out: &mut Vec<Stmt>,
        value: bool,
    ) -> Option<Operand> {
        match else_expr {
            None => None,
            Some(syn::Expr::Block(b)) => self.stmts(&b.block.stmts, out, value),
            Some(syn::Expr::If(inner)) => self.if_expr(inner, out, value),
            Some(other) => self.expr(other, out),
        }
    }

    /// Builds an `If` whose branches are lowered by `then_f` / `else_f`, with merges for every
    /// variable (and control flag) that differs between the two branches' ends. When both
    /// branches give a value, the `If` has a value too (returned).
    pub(super) fn if_node(
        &mut self,
        cond: Operand,
        out: &mut Vec<Stmt>,
        then_f: impl FnOnce(&mut Self, &mut Vec<Stmt>) -> Option<Operand>,
        else_f: impl FnOnce(&mut Self, &mut Vec<Stmt>) -> Option<Operand>,
    ) -> Option<Operand> {
        self.if_node_with(cond, out, then_f, else_f, false)
    }

    /// [`Lowerer::if_node`]; `else_unused`: the `if`'s value is never used when the `else`
    /// branch runs (a guard's `else`, where a jump happened).
    pub(super) fn if_node_with(
        &mut self,
        cond: Operand,
        out: &mut Vec<Stmt>,
        then_f: impl FnOnce(&mut Self, &mut Vec<Stmt>) -> Option<Operand>,
        else_f: impl FnOnce(&mut Self, &mut Vec<Stmt>) -> Option<Operand>,
        else_unused: bool,
    ) -> Option<Operand> {
        let saved = self.scopes.clone();
        let first = self.values.len();
        let (then_block, then_v, then_env, then_jumps) = self.branch(then_f);
        self.scopes = saved.clone();
        let (else_block, else_v, else_env, else_jumps) = self.branch(else_f);
        self.scopes = saved;
        // A branch that always jumps away (`else { return 0.0 }`) has no value; the other
        // branch's value is the `if`'s, with a placeholder that is never used.
        let all_jump = then_jumps && (else_jumps || else_unused);
        let mut else_block = else_block;
        let mut then_block = then_block;
        let (then_v, else_v) = match (then_v, else_v) {
            (Some(t), None) if else_jumps || else_unused => {
                let p = self.placeholder_for(&t, &then_block, &mut else_block, first);
                (Some(t), Some(p))
            }
            (None, Some(e)) if then_jumps => {
                let p = self.placeholder_for(&e, &else_block, &mut then_block, first);
                (Some(p), Some(e))
            }
            other => other,
        };
        let mut merges = vec![];
        for si in 0..self.scopes.len() {
            for vi in 0..self.scopes[si].vars.len() {
                let t = &then_env[si].vars[vi];
                let e = &else_env[si].vars[vi];
                if same(t, e) {
                    let known = if t.known == e.known { t.known } else { None };
                    let b = &mut self.scopes[si].vars[vi];
                    b.op = t.op.clone();
                    b.known = known;
                    continue;
                }
                let name = t.name.clone();
                let dst = self.new_value(Some(&name));
                self.values[dst].kind = merged_kind(self.kind(&t.op), self.kind(&e.op));
                self.values[dst].float = self.is_float(&t.op) || self.is_float(&e.op);
                merges.push(Merge {
                    dst,
                    then_val: t.op.clone(),
                    else_val: e.op.clone(),
                });
                let b = &mut self.scopes[si].vars[vi];
                b.op = Operand::Val(dst);
                b.known = None;
            }
        }
        let value = match (then_v, else_v) {
            (Some(t), Some(e)) => {
                let dst = self.new_value(None);
                self.values[dst].kind = merged_kind(self.kind(&t), self.kind(&e));
                self.values[dst].float = self.is_float(&t) || self.is_float(&e);
                merges.push(Merge {
                    dst,
                    then_val: t,
                    else_val: e,
                });
                Some(Operand::Val(dst))
            }
            _ => None,
        };
        out.push(Stmt::If(If {
            cond,
            then_block,
            else_block,
            merges,
            snapshots: Vec::new(),
        }));
        if all_jump {
            self.bind_new(DEAD, konst(true), Some(true));
        }
        value
    }

    pub(super) fn branch(
        &mut self,
        f: impl FnOnce(&mut Self, &mut Vec<Stmt>) -> Option<Operand>,
    ) -> (Block, Option<Operand>, Env, bool) {
        self.scopes.push(Scope::default());
        let mut stmts = vec![];
        let v = f(self, &mut stmts);
        let jumps = matches!(self.jump_state(), Jump::Definite);
        self.scopes.pop();
        (Block { stmts }, v, self.scopes.clone(), jumps)
    }

    /// The value of a branch that jumped away, standing for `v`, the other branch's value (in
    /// `block`), and never used: of `v`'s type, so that the merge has one. A reference to an
    /// array made in `block` from a value outside it is the same reference (emitted in `other`:
    /// no `Default` gives a `&Array1`); a float is `0.0_f64` (an untyped `Default::default()`
    /// leaves a method call on the merge ambiguous).
    fn placeholder_for(
        &mut self,
        v: &Operand,
        block: &Block,
        other: &mut Block,
        first: ValId,
    ) -> Operand {
        // A constant (`count`, a `const` item or a literal) stands for itself: the same type,
        // which a `Default::default()` would leave for inference to find, and in the
        // forward-mode code of `hessian` it cannot.
        if matches!(v, Operand::Const(_)) && !is_refused(v) {
            return v.clone();
        }
        let kind = self.kind(v);
        if let Operand::Val(id) = v
            && matches!(kind, Kind::Array { is_ref: true, .. })
            && let Some(src) = block.stmts.iter().rev().find_map(|s| match s {
                Stmt::Let(l) if l.dst == *id => match &l.op {
                    Op::Ref(src) => Some(src.clone()),
                    _ => None,
                },
                _ => None,
            })
            // Made before the branches: in scope in both.
            && src.val().is_none_or(|s| s < first)
        {
            let dst = self.new_value(None);
            self.values[dst].kind = kind;
            self.values[dst].float = self.values[*id].float;
            other.stmts.push(Stmt::Let(Let {
                dst,
                op: Op::Ref(src),
                span: Span::call_site(),
            }));
            return Operand::Val(dst);
        }
        if kind == Kind::Scalar && self.is_float(v) {
            return Operand::Const(quote!(0.0_f64));
        }
        placeholder_like(kind)
    }
}

/// `if let Some(v) = x.get(i) { .. } else { .. }` as the bounds check it is: `if i < x.len() {
/// let v = &x[i]; .. } else { .. }` (`Some(&v)` binds the value `x[i]`); `x` named by a path or
/// a field. `None` for any other `if let`.
fn checked_get(ei: &syn::ExprIf, l: &syn::ExprLet) -> Option<syn::ExprIf> {
    let syn::Expr::MethodCall(m) = strip_parens(&l.expr) else {
        return None;
    };
    if m.method != "get" || m.args.len() != 1 {
        return None;
    }
    let x = strip_parens(&m.receiver);
    if !matches!(x, syn::Expr::Path(_) | syn::Expr::Field(_)) {
        return None;
    }
    let syn::Pat::TupleStruct(ts) = &*l.pat else {
        return None;
    };
    if !ts.path.is_ident("Some") || ts.elems.len() != 1 {
        return None;
    }
    let i = &m.args[0];
    let sp = m.method.span();
    let bind: syn::Stmt = match &ts.elems[0] {
        syn::Pat::Reference(r) => {
            let p = &r.pat;
            syn::parse_quote_spanned!(sp=> let #p = #x[#i];)
        }
        p @ syn::Pat::Ident(_) => syn::parse_quote_spanned!(sp=> let #p = &#x[#i];),
        _ => return None,
    };
    let mut checked = ei.clone();
    checked.cond = Box::new(syn::parse_quote_spanned!(sp=> (#i) < #x.len()));
    checked.then_branch.stmts.insert(0, bind);
    Some(checked)
}
