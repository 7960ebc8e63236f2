//! Loops: `for` over ranges and array elements, `while`, `loop`; carried variables.

use super::iterators;
use super::*;

/// What is left of labelled loops after `labelled_loops.rs` wrote out the jumps it could.
pub(super) const LABELLED_LOOP_REFUSED: &str = "this labelled loop is not supported in a #[differentiable] function: `break 'label` and `continue 'label` are, also from nested loops written as statements, but not a labelled loop used as a value, `break 'label value` from a nested loop, or a jump out of a loop inside a `match` arm; leave the nested loops with a flag variable and `break`";

impl Lowerer<'_> {
    pub(super) fn for_loop(&mut self, f: &syn::ExprForLoop, out: &mut Vec<Stmt>) {
        // Taken by the loop this lowers (also the loop an iterator chain becomes), when it
        // starts; cleared after, in case lowering stopped before.
        for attr in &f.attrs {
            if let Some(every) = self.checkpoint_attr(attr, out) {
                self.checkpoint = Some(every);
            }
        }
        self.for_loop_inner(f, out);
        self.checkpoint = None;
    }

    fn for_loop_inner(&mut self, f: &syn::ExprForLoop, out: &mut Vec<Stmt>) {
        if let Some(label) = &f.label {
            self.errors.at(label, LABELLED_LOOP_REFUSED);
            return;
        }
        if let Some(indexed) = rows_or_columns(f) {
            self.for_loop_inner(&indexed, out);
            return;
        }
        let simple_pattern = match &*f.pat {
            syn::Pat::Ident(pi) => pi.by_ref.is_none() && pi.subpat.is_none(),
            syn::Pat::Wild(_) => true,
            syn::Pat::Reference(r) => {
                matches!(&*r.pat, syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none())
            }
            _ => false,
        };
        if let Some(chain) = iterators::parse_chain(&f.expr, true)
            && (!chain.is_plain_for() || !simple_pattern)
        {
            self.for_chain(f, &chain, out);
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
        let bare_array = match strip_parens(&f.expr) {
            syn::Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|i| self.lookup(&name_of(i)))
                .is_some_and(|b| self.kind(&b.op).is_array()),
            syn::Expr::MethodCall(m) => m.method == "into_iter" && m.args.is_empty(),
            _ => false,
        };
        let source = match strip_parens(&f.expr) {
            syn::Expr::MethodCall(m) if bare_array => Some(&*m.receiver),
            e if bare_array => Some(e),
            _ => array_iter_source(&f.expr),
        };
        if let Some(arr) = source {
            let Some(a) = self.operand(arr, out) else {
                return;
            };
            // `for v in x` / `x.into_iter()` over an owned array gives values, over a
            // reference `&f64`s.
            let by_ref = (by_ref
                && !(bare_array && matches!(self.kind(&a), Kind::Array { is_ref: false, .. })))
                || self.is_data_row(&a);
            if self.kind(&a).dims() != 1 && !self.is_data_param(&a) {
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
            self.errors.at(&f.pat, "`&name` patterns are for loops over the elements of an array (`for &v in x.iter()`, `for &v in &x`); a range gives integers: write a name");
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

    /// `#[checkpoint(every = k)]`: `k` lowered before the loop.
    fn checkpoint_attr(&mut self, attr: &syn::Attribute, out: &mut Vec<Stmt>) -> Option<Operand> {
        if !attr.path().is_ident("checkpoint") {
            return None;
        }
        let every = attr.parse_args_with(|input: syn::parse::ParseStream| {
            let key: syn::Ident = input.parse()?;
            if key != "every" {
                return Err(syn::Error::new(key.span(), "expected `every = k`"));
            }
            let _: syn::Token![=] = input.parse()?;
            input.parse::<syn::Expr>()
        });
        match every {
            Ok(e) => self.operand(&e, out),
            Err(_) => {
                self.errors.at(
                    attr,
                    "write `#[checkpoint(every = k)]`: the loop keeps its state every `k` iterations and the reverse sweep recomputes the rest",
                );
                None
            }
        }
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
            other if iterators::iterator_misuse(other).is_some() => {
                if let Some((bad, msg)) = iterators::iterator_misuse(other) {
                    self.errors.at(bad, msg);
                }
                None
            }
            other => {
                self.errors.at(
                    other,
                    "a `for` loop in a #[differentiable] function runs over a range (`a..b`, `a..=b`, with `.rev()` or `.step_by(k)`), the elements of a 1-D array or slice (`x`, `&x`, `x.iter()`), or an iterator chain over those (`x.iter().enumerate()`, `x.iter().zip(y.iter())`, `.map(..)`, `.filter(..)`, `.rev()`, `.skip(n)`, `.take(n)`, `.windows(k)`)",
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
        let checkpoint = self.checkpoint.take();
        if checkpoint.is_some() && matches!(kind, LoopKind::While(_) | LoopKind::Forever) {
            self.errors
                .at_span(span, "`#[checkpoint]` is supported on `for` loops");
        }
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
        let borrowed_numbers = assigned
            .borrowed
            .into_iter()
            .filter(|n| self.lookup(n).is_some_and(|b| !self.kind(&b.op).is_array()));
        let reassigned = assigned.refilled.into_iter().filter(|n| {
            !self.lookup(n).is_some_and(|b| {
                matches!(b.op, Operand::Val(v) if self.values[v].mutable)
                    && self.kind(&b.op).dims() == 1
            })
        });
        let names: Vec<String> = assigned
            .names
            .into_iter()
            .chain(borrowed_numbers)
            .chain(reassigned)
            .collect();
        for n in names {
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
                    let data = self.is_data_param(&elem.arr);
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
                    if data {
                        self.mark_data(&v);
                    }
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
        if checkpoint.is_some() && writes_anywhere(&stmts) {
            self.errors.at_span(
                span,
                "`#[checkpoint]` on a loop that writes a local array is not supported: the segments are run twice, and the writes must run once",
            );
        }
        if checkpoint.is_some() && exit.is_some() {
            self.errors.at_span(
                span,
                "`#[checkpoint]` needs a `for` loop that runs its whole range: this one can leave early (`break` or `return`)",
            );
        }
        out.push(Stmt::Loop(Loop {
            id,
            head,
            carried: ir_carried,
            body: Block { stmts },
            exit,
            checkpoint,
            snapshots: Vec::new(),
            span,
        }));
        if break_value {
            self.lookup(BRKVAL).map(|b| b.op)
        } else {
            None
        }
    }
}

/// Whether a local array is written anywhere in `stmts`.
fn writes_anywhere(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|s| match s {
        Stmt::Write(_) => true,
        Stmt::If(i) => writes_anywhere(&i.then_block.stmts) || writes_anywhere(&i.else_block.stmts),
        Stmt::Loop(l) => writes_anywhere(&l.body.stmts),
        Stmt::Let(_) => false,
    })
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

/// `for row in m.rows() { .. }` (also `m.outer_iter()`) and `for col in m.columns() { .. }` of
/// a matrix named by a path or a field, as the index loop they are: `for __row_index in
/// 0..m.nrows() { let row = m.row(__row_index); .. }`. `None` for any other loop.
fn rows_or_columns(f: &syn::ExprForLoop) -> Option<syn::ExprForLoop> {
    let syn::Expr::MethodCall(m) = strip_parens(&f.expr) else {
        return None;
    };
    if !m.args.is_empty() {
        return None;
    }
    let (count, part) = match m.method.to_string().as_str() {
        "rows" | "outer_iter" => (quote!(nrows), quote!(row)),
        "columns" => (quote!(ncols), quote!(column)),
        _ => return None,
    };
    let x = strip_parens(&m.receiver);
    if !matches!(x, syn::Expr::Path(_) | syn::Expr::Field(_)) {
        return None;
    }
    let pat = &f.pat;
    let body = &f.body.stmts;
    let sp = m.method.span();
    let mut indexed: syn::ExprForLoop = syn::parse_quote_spanned!(sp=>
        for __row_index in 0..#x.#count() {
            let #pat = #x.#part(__row_index);
            #(#body)*
        }
    );
    indexed.attrs = f.attrs.clone();
    Some(indexed)
}
