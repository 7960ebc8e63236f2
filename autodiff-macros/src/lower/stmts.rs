//! Statements, blocks and jumps: `let`, expression statements, and how `break`, `continue` and
//! `return` become flags with the rest of a block guarded once per jump.

use super::*;

impl Lowerer<'_> {
    /// Lowers a statement list. Returns the block's value (its tail expression), if any.
    /// `value_block`: the value is used, so jumps out of it cannot be guarded and are refused.
    pub(super) fn stmts(
        &mut self,
        stmts: &[syn::Stmt],
        out: &mut Vec<Stmt>,
        value_block: bool,
    ) -> Option<Operand> {
        let mut tail = None;
        let mut i = 0;
        while i < stmts.len() {
            if let Jump::Maybe(flags) = self.jump_state() {
                if !value_block && let Some(end) = flat_segment(stmts, i) {
                    let has_tail = end == stmts.len();
                    self.guard(flags, out, |lw, body| {
                        if has_tail {
                            lw.stmts(&stmts[i..end], body, false);
                        } else {
                            lw.outside_tuple_tail(|lw| lw.stmts(&stmts[i..end], body, false));
                        }
                        None
                    });
                    i = end;
                    continue;
                }
                // The rest runs only if no flag is set; it is guarded once (inside the guard
                // the flags are known to be clear), and a value block's value comes out of the
                // guard.
                let rest = &stmts[i..];
                return self.guard(flags, out, |lw, body| lw.stmts(rest, body, value_block));
            }
            let last = i + 1 == stmts.len();
            tail = match &stmts[i] {
                // The tail of a branch of a tuple-valued `if` (see `tuple_branches.rs`).
                syn::Stmt::Expr(e, None) if last && self.tuple_tail_expr(e, out) => None,
                s if last => self.stmt(s, out, value_block),
                s => self.outside_tuple_tail(|lw| lw.stmt(s, out, false)),
            };
            match self.jump_state() {
                Jump::Clear => {}
                // Nothing after an unconditional jump runs; a value block's value is unused.
                Jump::Definite => return None,
                Jump::Maybe(_) if last => return tail,
                Jump::Maybe(_) => {}
            }
            i += 1;
        }
        tail
    }

    /// The function body when it contains `return`: its tail value becomes one more `return`.
    pub(super) fn fn_body_with_returns(&mut self, stmts: &[syn::Stmt], out: &mut Vec<Stmt>) {
        let (init, tail) = match stmts.split_last() {
            Some((syn::Stmt::Expr(e, None), init)) => (init, Some(e)),
            _ => (stmts, None),
        };
        self.stmts_then(init, out, tail);
    }

    pub(super) fn stmts_then(
        &mut self,
        stmts: &[syn::Stmt],
        out: &mut Vec<Stmt>,
        tail: Option<&syn::Expr>,
    ) {
        let mut i = 0;
        while i < stmts.len() {
            if let Jump::Maybe(flags) = self.jump_state() {
                if let Some(end) = flat_segment(stmts, i) {
                    self.guard(flags, out, |lw, body| {
                        lw.stmts(&stmts[i..end], body, false);
                        None
                    });
                    i = end;
                    continue;
                }
                let rest = &stmts[i..];
                self.guard(flags, out, |lw, body| {
                    lw.stmts_then(rest, body, tail);
                    None
                });
                return;
            }
            self.stmt(&stmts[i], out, false);
            if let Jump::Definite = self.jump_state() {
                return;
            }
            i += 1;
        }
        match (self.jump_state(), tail) {
            (Jump::Definite, _) | (_, None) => {}
            (Jump::Maybe(flags), Some(e)) => {
                self.guard(flags, out, |lw, body| {
                    lw.tail_as_return(e, body);
                    None
                });
            }
            (Jump::Clear, Some(e)) => self.tail_as_return(e, out),
        }
    }

    /// The function's tail when the body also returns early: every path that ends in a value
    /// returns it, so an `if` in tail position may mix `return` and values in its branches.
    pub(super) fn tail_as_return(&mut self, e: &syn::Expr, out: &mut Vec<Stmt>) {
        match strip_parens(e) {
            // A loop in tail position is left by `return` (its own value would be `()`).
            syn::Expr::Return(_)
            | syn::Expr::Loop(_)
            | syn::Expr::While(_)
            | syn::Expr::ForLoop(_) => {
                self.expr(e, out);
            }
            syn::Expr::Block(b) if b.label.is_none() => {
                self.scopes.push(Scope::default());
                self.fn_body_with_returns(&b.block.stmts, out);
                self.scopes.pop();
            }
            syn::Expr::If(ei)
                if ei.else_branch.is_some() && !matches!(&*ei.cond, syn::Expr::Let(_)) =>
            {
                let Some(cond) = self.operand(&ei.cond, out) else {
                    return;
                };
                let else_expr = ei.else_branch.as_ref().map(|(_, e)| &**e);
                self.if_node(
                    cond,
                    out,
                    |lw, body| {
                        lw.fn_body_with_returns(&ei.then_branch.stmts, body);
                        None
                    },
                    |lw, body| {
                        if let Some(e) = else_expr {
                            lw.tail_as_return(e, body);
                        }
                        None
                    },
                );
            }
            _ => self.ret(Some(e), e, out),
        }
    }

    /// Lowers `f` inside `if !(flag1 | flag2 ...) { ... }`, where the flags are known to be
    /// clear (so that what `f` lowers is not guarded again). A value of `f` becomes the value of
    /// the `if` (with a placeholder where a flag was set: that value is never used).
    pub(super) fn guard(
        &mut self,
        flags: Vec<Operand>,
        out: &mut Vec<Stmt>,
        f: impl FnOnce(&mut Self, &mut Vec<Stmt>) -> Option<Operand>,
    ) -> Option<Operand> {
        let span = Span::call_site();
        let mut any = flags[0].clone();
        for fl in &flags[1..] {
            any = self.emit_raw(
                out,
                Op::Inactive(InactiveOp::Binary(
                    syn::BinOp::BitOr(Default::default()),
                    any,
                    fl.clone(),
                )),
                span,
                None,
            );
        }
        let go_on = self.emit_raw(
            out,
            Op::Inactive(InactiveOp::Not(any)),
            span,
            Some("#go_on"),
        );
        self.if_node_with(
            go_on,
            out,
            |lw, body| {
                lw.assume_clear(&flags);
                f(lw, body)
            },
            |_, _| None,
            // Where a flag is set the guarded value is never used.
            true,
        )
    }

    /// Runs `f` (an assignment) unless the right-hand side just jumped away: `k = if c { break }
    /// else { e };` assigns only when no flag was set, and not at all after a certain jump.
    pub(super) fn unless_jumped(
        &mut self,
        out: &mut Vec<Stmt>,
        f: impl FnOnce(&mut Self, &mut Vec<Stmt>),
    ) {
        match self.jump_state() {
            Jump::Clear => f(self, out),
            Jump::Definite => {}
            Jump::Maybe(flags) => {
                self.guard(flags, out, |lw, body| {
                    f(lw, body);
                    None
                });
            }
        }
    }

    /// Inside a guard: the control flags whose current value is one of `flags` are clear.
    pub(super) fn assume_clear(&mut self, flags: &[Operand]) {
        for n in [BRK, CONT, RET] {
            if let Some(b) = self.lookup(n)
                && flags.iter().any(|f| same_operand(f, &b.op))
            {
                self.assign(n, b.op, Some(false));
            }
        }
    }

    pub(super) fn jump_state(&self) -> Jump {
        if self.lookup(DEAD).is_some() {
            return Jump::Definite;
        }
        let mut names = vec![];
        if self.loop_depth > 0 {
            names.push(BRK);
            names.push(CONT);
        }
        if self.has_return {
            names.push(RET);
        }
        let mut maybe = vec![];
        for n in names {
            if let Some(b) = self.lookup(n) {
                match b.known {
                    Some(false) => {}
                    Some(true) => return Jump::Definite,
                    None => maybe.push(b.op),
                }
            }
        }
        if maybe.is_empty() {
            Jump::Clear
        } else {
            Jump::Maybe(maybe)
        }
    }

    /// Returns the value of a tail expression (when `is_tail`).
    pub(super) fn stmt(
        &mut self,
        stmt: &syn::Stmt,
        out: &mut Vec<Stmt>,
        is_tail: bool,
    ) -> Option<Operand> {
        match stmt {
            syn::Stmt::Local(local) => {
                self.local(local, out);
                None
            }
            syn::Stmt::Expr(e, semi) => {
                if is_tail && semi.is_none() {
                    self.expr(e, out)
                } else {
                    self.expr_stmt(e, out);
                    None
                }
            }
            syn::Stmt::Item(item) => {
                self.errors.at(
                    item,
                    "items (fn, const, use, struct ...) inside a #[differentiable] function are not supported; move them out of the function",
                );
                None
            }
            syn::Stmt::Macro(m) => {
                let v = self.macro_call(&m.mac, out);
                v.filter(|_| is_tail && m.semi_token.is_none())
            }
        }
    }

    pub(super) fn macro_refused(&mut self, mac: &syn::Macro) {
        self.errors.at(
            mac,
            format!(
                "macro calls such as `{}!` are not supported in a #[differentiable] function: the macro cannot see through them; compute the value outside the function or write it out",
                mac.path.to_token_stream()
            ),
        );
    }

    pub(super) fn local(&mut self, local: &syn::Local, out: &mut Vec<Stmt>) {
        let pat = match &local.pat {
            syn::Pat::Type(pt) => &*pt.pat,
            other => other,
        };
        if let syn::Pat::Wild(_) = pat
            && let Some(init) = &local.init
            && init.diverge.is_none()
        {
            self.expr(&init.expr, out);
            return;
        }
        // `let mut y = x.to_vec();` (or without `mut`): a new local array filled from `x`, as a
        // user would write it with `vec![0.0; x.len()]` and a loop.
        if let Some(init) = &local.init
            && init.diverge.is_none()
            && let syn::Expr::MethodCall(m) = strip_parens(&init.expr)
            && m.method == "to_vec"
            && m.args.is_empty()
            && let syn::Pat::Ident(pi) = pat
            && pi.subpat.is_none()
            && pi.by_ref.is_none()
        {
            let (y, x, sp) = (&pi.ident, &m.receiver, init.expr.span());
            let filled: syn::Block = syn::parse_quote_spanned!(sp=> {
                let mut #y = vec![0.0; #x.len()];
                for __k in 0..#x.len() {
                    #y[__k] = #x[__k];
                }
            });
            for s in &filled.stmts {
                self.stmt(s, out, false);
            }
            return;
        }
        if let Some(init) = &local.init
            && init.diverge.is_none()
            && let syn::Pat::Ident(pi) = pat
            && pi.mutability.is_some()
            && pi.subpat.is_none()
            && pi.by_ref.is_none()
            && self.copy_into_new_array(&pi.ident, &init.expr, out)
        {
            return;
        }
        if let Some(init) = &local.init
            && init.diverge.is_none()
            && let syn::Expr::Closure(c) = strip_parens(&init.expr)
        {
            // `let f = |t| ..;`: inlined where it is called.
            match (pat, self.define_closure(c)) {
                (syn::Pat::Ident(pi), Some(index)) if pi.subpat.is_none() => {
                    self.bind_closure(&name_of(&pi.ident), index);
                }
                (syn::Pat::Ident(_), None) => self.bind_placeholders(pat),
                (other, _) => {
                    self.errors
                        .at(other, "bind a closure to a name: `let f = |x| ..;`");
                }
            }
            return;
        }
        if let Some(init) = &local.init
            && let Some((_, diverge)) = &init.diverge
        {
            self.let_else(pat, &init.expr, diverge, out);
            return;
        }
        if matches!(
            pat,
            syn::Pat::Tuple(_) | syn::Pat::Reference(_) | syn::Pat::Slice(_) | syn::Pat::Paren(_)
        ) {
            self.pattern_let(local, pat, out);
            return;
        }
        // `pat` is the pattern without its type annotation, if it had one.
        let ty = match &local.pat {
            syn::Pat::Type(pt) => Some(pt.ty.clone()),
            _ => None,
        };
        let (ident, mutable) = match pat {
            syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                (pi.ident.clone(), pi.mutability.is_some())
            }
            other => {
                self.errors.at(
                    other,
                    "this pattern is not supported in a `let` of a #[differentiable] function; write a name, a tuple `(a, b)` or `[a, b]` of names",
                );
                self.bind_placeholders(other);
                return;
            }
        };
        if let Some(ty) = &ty {
            check_annotation(ty, self.errors);
        }
        let Some(init) = &local.init else {
            self.errors.at(
                local,
                "`let` without a value is not supported in a #[differentiable] function; give the variable its first value where it is declared",
            );
            // Bound anyway, so that later uses do not add follow-on errors.
            self.bind_new(&name_of(&ident), refused(), None);
            return;
        };
        if let Some((_, diverge)) = &init.diverge {
            self.errors.at(
                diverge,
                "`let ... else` is not supported in a #[differentiable] function",
            );
            return;
        }
        let name = name_of(&ident);
        let hint = ty.as_deref().and_then(type_name);
        let value = match strip_parens(&init.expr) {
            // `let y: Vec<f64> = x.iter().map(..).collect();`
            syn::Expr::MethodCall(m) if m.method == "collect" && m.args.is_empty() => {
                self.collect(m, ty.as_deref(), out)
            }
            // The annotation types an iterator's `sum` (`let n: usize = (0..k).sum();`).
            syn::Expr::MethodCall(m) if hint.is_some() => {
                match self.iterator_consumer(m, hint.as_deref(), out) {
                    Some(v) => v,
                    None => self.expr(&init.expr, out),
                }
            }
            _ => self.expr(&init.expr, out),
        };
        let Some(v) = value else {
            self.no_value(&init.expr);
            // Bound anyway, so that later uses do not add follow-on errors.
            self.bind_new(&name, refused(), None);
            return;
        };
        // `let r: [f64; 3] = rodrigues(..)`: a call's value is an f64 unless the annotation
        // says it is an array (a function returning one, see `array_outputs.rs`).
        if let (Operand::Val(id), Some(t)) = (&v, &ty)
            && crate::params::is_array_output_type(t)
            && out.last().is_some_and(
                |s| matches!(s, Stmt::Let(l) if l.dst == *id && matches!(l.op, Op::Call { .. })),
            )
        {
            self.values[*id].kind = Kind::Array {
                dims: 1,
                is_ref: false,
            };
            self.values[*id].float = true;
        }
        // A fresh value without annotation is bound directly; otherwise a copy carries the
        // annotation (which also fixes the type of a literal).
        let v = match (&v, &ty) {
            (Operand::Val(id), None) if self.values[*id].user_name.is_none() => v,
            // A new local array keeps its identity (its element type is f64 whatever the
            // annotation says, and writes go to it).
            (Operand::Val(id), Some(_))
                if self.values[*id].user_name.is_none() && self.is_new_array(*id, out) =>
            {
                v
            }
            _ => self.emit(
                out,
                Op::Copy {
                    src: v,
                    ty,
                    deref: false,
                },
                ident.span(),
                Some(&name),
            ),
        };
        if let Operand::Val(id) = &v
            && self.values[*id].user_name.is_none()
        {
            self.values[*id].user_name = Some(name.clone());
        }
        // A new local array declared `let mut`, in any scope, may be written element by element
        // (`lower/local_arrays.rs` decides what its writes must record).
        if mutable
            && let Operand::Val(id) = &v
            && self.is_new_array(*id, out)
        {
            self.values[*id].mutable = true;
        }
        self.bind_new(&name, v, None);
    }

    /// Whether `v` was just defined, in `out`, as a new local array.
    pub(super) fn is_new_array(&self, v: ValId, out: &[Stmt]) -> bool {
        out.iter()
            .rev()
            .any(|s| matches!(s, Stmt::Let(l) if l.dst == v && matches!(l.op, Op::NewArray(_))))
    }

    pub(super) fn no_value(&mut self, e: &syn::Expr) {
        if self.errors.is_empty() {
            self.errors
                .at(e, "this expression has no value that can be used here");
        }
    }

    /// An expression in statement position: its value, if any, is dropped.
    pub(super) fn expr_stmt(&mut self, e: &syn::Expr, out: &mut Vec<Stmt>) {
        match e {
            syn::Expr::If(ei) => {
                self.if_expr(ei, out, false);
            }
            syn::Expr::Match(m) => {
                self.match_expr(m, out, false);
            }
            syn::Expr::Call(c) if c.args.iter().any(mut_calls::is_mut_borrow) => {
                // The value (what the helper returns) is not used.
                let _ = self.mut_call(c, out);
            }
            syn::Expr::MethodCall(m) if mut_calls::is_bulk_write(m) => {
                self.bulk_write(m, out);
            }
            syn::Expr::Assign(a) if self.is_array_refill(a) => self.array_refill(a, out),
            _ => {
                self.expr(e, out);
            }
        }
    }

    pub(super) fn ret(&mut self, e: Option<&syn::Expr>, at: &dyn ToTokens, out: &mut Vec<Stmt>) {
        let Some(e) = e else {
            self.errors.at(
                at,
                "`return` without a value: a #[differentiable] function returns an f64",
            );
            return;
        };
        if let Some(n) = self.outputs {
            self.ret_tuple(e, n, out);
            return;
        }
        let Some(v) = self.operand(e, out) else {
            return;
        };
        // `return (if c { return a } else { b }) + 1.0`: returns only if the value did not.
        self.unless_jumped(out, |lw, body| {
            let v = lw.fresh(v, e.span(), body);
            lw.assign(RETVAL, v, None);
            lw.assign(RET, konst(true), Some(true));
        });
    }

    /// A value of its own for what is returned: a user's variable or a constant is copied
    /// (the return slot is merged where paths join, the variable may be too).
    pub(super) fn fresh(&mut self, v: Operand, span: Span, out: &mut Vec<Stmt>) -> Operand {
        match v {
            Operand::Val(id) if self.values[id].user_name.is_none() => Operand::Val(id),
            other => self.emit(
                out,
                Op::Copy {
                    src: other,
                    ty: None,
                    deref: false,
                },
                span,
                None,
            ),
        }
    }
}

/// After a jump that may have happened, the statements from `start` up to and including the next
/// one that may jump again are guarded on their own, one guard after the other, rather than each
/// guard holding the rest of the block (whose nesting, one level per jump, overflows rustc's
/// parser at about a thousand early returns). Only when that stretch declares nothing (a `let`
/// inside the guard would not be seen after it) and does not reach the end of the block (the
/// block's value comes out of the last guard). Returns the end of the stretch.
fn flat_segment(stmts: &[syn::Stmt], start: usize) -> Option<usize> {
    let next_jump = stmts[start..].iter().position(may_jump)?;
    let end = start + next_jump + 1;
    let declares = stmts[start..end]
        .iter()
        .any(|s| matches!(s, syn::Stmt::Local(_) | syn::Stmt::Item(_)));
    (end < stmts.len() && !declares).then_some(end)
}

/// Whether a statement may `break`, `continue` or `return` (conservatively: it mentions one).
fn may_jump(s: &syn::Stmt) -> bool {
    fn mentions(ts: proc_macro2::TokenStream) -> bool {
        ts.into_iter().any(|t| match t {
            proc_macro2::TokenTree::Ident(i) => i == "return" || i == "break" || i == "continue",
            proc_macro2::TokenTree::Group(g) => mentions(g.stream()),
            _ => false,
        })
    }
    mentions(s.to_token_stream())
}
