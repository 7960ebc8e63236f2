//! Loops: `for` over ranges and array elements, `while`, `loop`; carried variables.

use super::*;

impl Lowerer<'_> {
    pub(super) fn for_loop(&mut self, f: &syn::ExprForLoop, out: &mut Vec<Stmt>) {
        if let Some(label) = &f.label {
            self.errors.at(
                label,
                "labelled loops are not supported in a #[differentiable] function; remove the label and leave nested loops with a flag variable and `break`",
            );
            return;
        }
        let (index_name, by_ref) = match &*f.pat {
            syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                (Some(name_of(&pi.ident)), true)
            }
            syn::Pat::Wild(_) => (None, true),
            syn::Pat::Reference(r) if r.mutability.is_none() => match &*r.pat {
                syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                    (Some(name_of(&pi.ident)), false)
                }
                other => {
                    self.errors.at(
                        other,
                        "the pattern of a `for` loop must be a name, `&name` or `_`",
                    );
                    return;
                }
            },
            other => {
                self.errors.at(
                    other,
                    "the pattern of a `for` loop must be a name, `&name` or `_`",
                );
                return;
            }
        };
        if let Some(arr) = array_iter_source(&f.expr) {
            let Some(a) = self.operand(arr, out) else {
                return;
            };
            if self.kind(&a).dims() != 1 {
                self.errors.at(
                    arr,
                    "`for` over the elements of an array needs a 1-D array or slice of f64 (index 2-D arrays with `m[[i, j]]`)",
                );
                return;
            }
            let len = self.emit(
                out,
                Op::Array(ArrayMethod::Len, vec![a.clone()]),
                f.expr.span(),
                None,
            );
            let range = RangeSpec {
                lo: Operand::Const(quote!(0usize)),
                hi: len,
                inclusive: false,
                adaptors: vec![],
            };
            let elem = Element {
                arr: a,
                name: index_name,
                by_ref,
            };
            self.a_loop(LoopKind::Elements(elem, range), &f.body, out, f.span());
            return;
        }
        if !by_ref {
            self.errors.at(&f.pat, "`&name` patterns are for loops over `x.iter()`; a range gives integers: write a name");
            return;
        }
        // A refused range: the body is still lowered, for its own problems.
        let range = self.range_spec(&f.expr, out).unwrap_or_else(|| RangeSpec {
            lo: placeholder(),
            hi: placeholder(),
            inclusive: false,
            adaptors: vec![],
        });
        self.a_loop(LoopKind::Range(index_name, range), &f.body, out, f.span());
    }

    pub(super) fn range_spec(&mut self, e: &syn::Expr, out: &mut Vec<Stmt>) -> Option<RangeSpec> {
        match strip_parens(e) {
            syn::Expr::Range(r) => {
                let (Some(lo), Some(hi)) = (&r.start, &r.end) else {
                    self.errors
                        .at(r, "a `for` range needs both ends (`a..b` or `a..=b`)");
                    return None;
                };
                let lo = self.operand(lo, out)?;
                let hi = self.operand(hi, out)?;
                Some(RangeSpec {
                    lo,
                    hi,
                    inclusive: matches!(r.limits, syn::RangeLimits::Closed(_)),
                    adaptors: vec![],
                })
            }
            syn::Expr::MethodCall(m) if m.method == "rev" && m.args.is_empty() => {
                let mut spec = self.range_spec(&m.receiver, out)?;
                spec.adaptors.push(Adaptor::Rev);
                Some(spec)
            }
            syn::Expr::MethodCall(m) if m.method == "step_by" && m.args.len() == 1 => {
                let mut spec = self.range_spec(&m.receiver, out)?;
                let step = self.operand(&m.args[0], out)?;
                spec.adaptors.push(Adaptor::StepBy(step));
                Some(spec)
            }
            other => {
                self.errors.at(
                    other,
                    "a `for` loop in a #[differentiable] function must run over a range: `a..b`, `a..=b`, with `.rev()` or `.step_by(k)`",
                );
                None
            }
        }
    }

    /// Lowers a loop. Returns the value of `break value` for a `loop` that has one.
    pub(super) fn a_loop(
        &mut self,
        kind: LoopKind,
        body: &syn::Block,
        out: &mut Vec<Stmt>,
        span: Span,
    ) -> Option<Operand> {
        let before = self.scopes.clone();
        // Which variables the body may change: they are carried from iteration to iteration.
        let mut assigned = AssignedNames::default();
        assigned.visit_block(body);
        if let LoopKind::While(c) = &kind {
            assigned.visit_expr(c);
        }
        // `break value` (of a `loop`): the value goes through a variable carried by the loop.
        let break_value = matches!(kind, LoopKind::Forever) && breaks_with_value(body);
        if break_value {
            self.bind_new(BRKVAL, placeholder(), None);
            assigned.names.push(BRKVAL.to_owned());
        }
        let mut carried_names: Vec<String> = vec![];
        for n in assigned.names {
            if self.lookup(&n).is_some() && !carried_names.contains(&n) {
                carried_names.push(n);
            }
        }
        let returns = self.has_return && contains_return(body);
        if returns {
            carried_names.push(RETVAL.to_owned());
            carried_names.push(RET.to_owned());
        }
        let mut carried = vec![];
        for n in &carried_names {
            let Some(b) = self.lookup(n) else { continue };
            let Some(slot) = self.position(n) else {
                continue;
            };
            if self.kind(&b.op).is_array() {
                self.errors.at_span(
                    span,
                    format!(
                        "the array `{n}` is reassigned inside this loop: array variables carried from one iteration to the next are not supported yet; accumulate into f64 variables, or compute the array with whole-array expressions outside the loop"
                    ),
                );
                return None;
            }
            let entry = self.new_value(Some(n));
            self.values[entry].float = self.is_float(&b.op);
            if n == RET {
                // At the start of every iteration the function has not returned yet.
                self.assign(n, konst(false), Some(false));
            } else {
                self.assign(n, Operand::Val(entry), None);
            }
            carried.push((n.clone(), entry, b.op, slot));
        }
        let id = self.loop_count;
        self.loop_count += 1;
        self.loop_depth += 1;
        self.scopes.push(Scope::default());
        self.bind_new(BRK, konst(false), Some(false));
        self.bind_new(CONT, konst(false), Some(false));
        let mut stmts = vec![];
        let head = match kind {
            LoopKind::Range(name, range) => {
                let index = self.new_value(name.as_deref());
                if let Some(n) = &name {
                    self.bind_new(n, Operand::Val(index), None);
                }
                LoopHead::Range { index, range }
            }
            LoopKind::Elements(elem, range) => {
                let index = self.new_value(Some("#i"));
                if let Some(n) = &elem.name {
                    let v = self.emit(
                        &mut stmts,
                        Op::Index {
                            arr: elem.arr,
                            idx: vec![Operand::Val(index)],
                            multi: false,
                            by_ref: elem.by_ref,
                        },
                        span,
                        Some(n),
                    );
                    self.bind_new(n, v, None);
                }
                LoopHead::Range { index, range }
            }
            LoopKind::While(cond) => {
                if let Some(c) = self.operand(cond, &mut stmts) {
                    let stop = self.emit_raw(
                        &mut stmts,
                        Op::Inactive(InactiveOp::Not(c)),
                        cond.span(),
                        Some("#stop"),
                    );
                    self.assign(BRK, stop, None);
                }
                LoopHead::Forever
            }
            LoopKind::Forever => LoopHead::Forever,
        };
        match self.jump_state() {
            Jump::Clear => {
                self.stmts(&body.stmts, &mut stmts, false);
            }
            Jump::Definite => {}
            Jump::Maybe(flags) => {
                self.guard(flags, &mut stmts, |lw, b| {
                    lw.stmts(&body.stmts, b, false);
                    None
                });
            }
        }
        // Leave after this iteration if it broke out or returned.
        let mut exits = vec![];
        for n in [BRK, RET] {
            if n == RET && !returns {
                continue;
            }
            if let Some(b) = self.lookup(n) {
                match b.known {
                    Some(false) => {}
                    _ => exits.push(b.op),
                }
            }
        }
        let exit = match exits.len() {
            0 => None,
            1 => exits.pop(),
            _ => Some(self.emit_raw(
                &mut stmts,
                Op::Inactive(InactiveOp::Binary(
                    syn::BinOp::BitOr(Default::default()),
                    exits[0].clone(),
                    exits[1].clone(),
                )),
                span,
                Some("#exit"),
            )),
        };
        // The value at the end of the body of the variable declared outside, not of a
        // variable of the same name declared inside the body.
        let nexts: Vec<Operand> = carried
            .iter()
            .map(|(_, _, _, (si, vi))| self.scopes[*si].vars[*vi].op.clone())
            .collect();
        self.scopes.pop();
        self.loop_depth -= 1;
        // Variables the loop does not carry keep their value (a merge inside the body must not
        // leak out of it).
        for (si, scope) in before.iter().enumerate() {
            for (vi, b) in scope.vars.iter().enumerate() {
                if !carried_names.contains(&b.name) {
                    self.scopes[si].vars[vi] = b.clone();
                }
            }
        }
        let mut ir_carried = vec![];
        for ((n, entry, init, (si, vi)), next) in carried.into_iter().zip(nexts) {
            let out_v = self.new_value(Some(&n));
            self.values[out_v].float = self.values[entry].float || self.is_float(&next);
            let b = &mut self.scopes[si].vars[vi];
            b.op = Operand::Val(out_v);
            b.known = None;
            ir_carried.push(Carried {
                entry,
                init,
                next,
                out: out_v,
            });
        }
        out.push(Stmt::Loop(Loop {
            id,
            head,
            carried: ir_carried,
            body: Block { stmts },
            exit,
            span,
        }));
        if break_value {
            self.lookup(BRKVAL).map(|b| b.op)
        } else {
            None
        }
    }
}

pub(super) struct Element {
    pub(super) arr: Operand,
    pub(super) name: Option<String>,
    pub(super) by_ref: bool,
}

/// `x.iter()`, `&x[..]` or `&x`: the array whose elements a `for` loop visits.
pub(super) fn array_iter_source(e: &syn::Expr) -> Option<&syn::Expr> {
    match strip_parens(e) {
        syn::Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => Some(&m.receiver),
        syn::Expr::Reference(r) if r.mutability.is_none() => match strip_parens(&r.expr) {
            syn::Expr::Index(i) if matches!(strip_parens(&i.index), syn::Expr::Range(rr) if rr.start.is_none() && rr.end.is_none()) => {
                Some(&i.expr)
            }
            syn::Expr::Path(_) => Some(&r.expr),
            _ => None,
        },
        _ => None,
    }
}

pub(super) enum LoopKind<'a> {
    Range(Option<String>, RangeSpec),
    Elements(Element, RangeSpec),
    While(&'a syn::Expr),
    Forever,
}
