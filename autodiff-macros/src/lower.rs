//! Lowering: the user's function body (syn) to the SSA IR of `ir.rs`.
//!
//! User variables are renamed to fresh values at every assignment; the scope stack maps each
//! name to its current value. Where control flow joins, the versions meet explicitly: an `If`
//! gets merges for the variables either branch changed, a `Loop` carries the variables its body
//! assigns. `break`, `continue` and `return` set boolean flags (ordinary variables named so that
//! no user name can clash, such as `#brk`) and the rest of the enclosing statements is guarded by
//! `if !flag`; a loop leaves at the end of an iteration whose flags are set. Everything outside the
//! contract is refused here with an error on its tokens, so code generation cannot fail.

use crate::error::Errors;
use crate::ir::*;
use crate::names::Namer;
use proc_macro2::Span;
use quote::{ToTokens, quote};
use syn::spanned::Spanned;
use syn::visit::Visit;

const BRK: &str = "#brk";
const CONT: &str = "#cont";
const RET: &str = "#ret";
const RETVAL: &str = "#retval";
const BRKVAL: &str = "#brkval";
/// Bound when every path through the statements lowered so far has jumped away (a guard whose
/// guarded part always jumps): nothing after it runs.
const DEAD: &str = "#dead";

/// Methods whose result carries no derivative, emitted as written: integer methods, the float
/// predicates (used in conditions), and the float roundings, which are piecewise constant (their
/// derivative is 0 wherever it exists, as in JAX).
const CONSTANT_METHODS: &[&str] = &[
    "pow",
    "rem_euclid",
    "div_euclid",
    "abs_diff",
    "isqrt",
    "ilog2",
    "ilog10",
    "count_ones",
    "leading_zeros",
    "trailing_zeros",
    "is_power_of_two",
    "next_power_of_two",
    "wrapping_add",
    "wrapping_sub",
    "wrapping_mul",
    "saturating_add",
    "saturating_sub",
    "saturating_mul",
    "is_nan",
    "is_finite",
    "is_infinite",
    "is_normal",
    "is_sign_positive",
    "is_sign_negative",
    "floor",
    "ceil",
    "round",
    "round_ties_even",
    "trunc",
];

#[derive(Clone)]
struct Binding {
    name: String,
    op: Operand,
    /// For control flags: the flag's value when it is known at this point.
    known: Option<bool>,
}

#[derive(Clone, Default)]
struct Scope {
    vars: Vec<Binding>,
}

type Env = Vec<Scope>;

pub struct Lowerer<'e> {
    namer: Namer,
    errors: &'e mut Errors,
    values: Vec<ValueInfo>,
    scopes: Env,
    /// Depth of enclosing loops; `#brk`/`#cont` live in the innermost loop body's scope.
    loop_depth: usize,
    loop_count: usize,
    write_count: usize,
    has_return: bool,
}

/// Lowers a whole function. Returns `None` when an error was reported.
pub fn lower_fn(item: &syn::ItemFn, namer: &Namer, errors: &mut Errors) -> Option<Func> {
    let before = errors.is_empty();
    let params = crate::params::classify(&item.sig, errors);
    let mut lw = Lowerer {
        namer: namer.clone(),
        errors,
        values: Vec::new(),
        scopes: vec![Scope::default()],
        loop_depth: 0,
        loop_count: 0,
        write_count: 0,
        has_return: contains_return(&item.block),
    };
    // A parameter named like a function the generated code calls (`value_and_grad_f` in `f`,
    // `pullback_g` in a caller of `g`) would shadow it there: the generated functions give it a
    // fresh name (the user's function keeps its own).
    let f = item.sig.ident.to_string();
    let shadows = |name: &str| {
        name == format!("grad_{f}")
            || name == format!("value_and_grad_{f}")
            || name == format!("pullback_{f}")
            || name
                .strip_prefix("pullback_")
                .is_some_and(|callee| namer.mentions(callee))
    };
    let mut ir_params = Vec::new();
    for mut p in params {
        let val = lw.values.len();
        let name = name_of(&p.ident);
        if shadows(&name) {
            p.ident = namer.value(&name, val);
        }
        lw.values.push(ValueInfo {
            ident: p.ident.clone(),
            stem: namer.stem(&name, val),
            user_name: Some(name.clone()),
            kind: p.kind.value_kind(),
            mutable: false,
            restore: false,
            float: p.kind == ParamKind::Scalar,
        });
        lw.bind_new(&name, Operand::Val(val), None);
        ir_params.push(Param {
            ident: p.ident,
            ty: p.ty,
            kind: p.kind.clone(),
            val,
        });
    }
    let mut body = Vec::new();
    let result = if lw.has_return {
        lw.bind_new(RET, konst(false), Some(false));
        lw.bind_new(RETVAL, Operand::Const(quote!(0.0_f64)), None);
        lw.fn_body_with_returns(&item.block.stmts, &mut body);
        Some(lw.lookup(RETVAL).map(|b| b.op).unwrap_or(konst(false)))
    } else {
        lw.stmts(&item.block.stmts, &mut body, true)
    };
    let result = match result {
        Some(r) => r,
        None => {
            if lw.errors.is_empty() {
                lw.errors.at(
                    &item.block,
                    "the function body has no value: a #[differentiable] function must return an f64",
                );
            }
            return None;
        }
    };
    classify_local_arrays(&body, &mut lw.values, lw.errors);
    if !lw.errors.is_empty() || !before {
        return None;
    }
    Some(Func {
        namer: namer.clone(),
        params: ir_params,
        body: Block { stmts: body },
        result,
        values: lw.values,
    })
}

/// The value of a branch that is never used (the branch jumped away): any type.
fn placeholder() -> Operand {
    Operand::Const(quote!(::core::default::Default::default()))
}

/// A placeholder of the same kind as a value: `&f64` has no `Default`, a `&'static 0.0` does.
fn placeholder_like(kind: Kind) -> Operand {
    match kind {
        Kind::ScalarRef => Operand::Const(quote!(&0.0_f64)),
        _ => placeholder(),
    }
}

fn konst(b: bool) -> Operand {
    if b {
        Operand::Const(quote!(true))
    } else {
        Operand::Const(quote!(false))
    }
}

impl Lowerer<'_> {
    fn new_value(&mut self, user_name: Option<&str>) -> ValId {
        let id = self.values.len();
        let base = user_name.unwrap_or("t");
        self.values.push(ValueInfo {
            ident: self.namer.value(base, id),
            stem: self.namer.stem(base, id),
            user_name: user_name.map(str::to_owned),
            kind: Kind::Scalar,
            mutable: false,
            restore: false,
            float: false,
        });
        id
    }

    fn kind(&self, o: &Operand) -> Kind {
        match o {
            Operand::Val(v) => self.values[*v].kind,
            Operand::Const(_) => Kind::Scalar,
        }
    }

    /// What an operation produces, from its operands' kinds.
    fn result_kind(&self, op: &Op) -> Kind {
        let k = |o: &Operand| self.kind(o);
        let owned = |dims: u8| Kind::Array {
            dims,
            is_ref: false,
        };
        match op {
            Op::Copy { src, deref, .. } => match (k(src), deref) {
                (Kind::ScalarRef, true) => Kind::Scalar,
                (Kind::Array { dims, .. }, _) => owned(dims),
                (other, _) => other,
            },
            Op::Neg(a) | Op::CastFloat(a) => match k(a) {
                Kind::Array { dims, .. } => owned(dims),
                _ => Kind::Scalar,
            },
            Op::Arith(_, a, b) => match k(a).dims().max(k(b).dims()) {
                0 => Kind::Scalar,
                d => owned(d),
            },
            Op::Math(..) | Op::Inactive(_) | Op::Call { .. } | Op::Index { by_ref: false, .. } => {
                Kind::Scalar
            }
            Op::Index { by_ref: true, .. } => Kind::ScalarRef,
            Op::Ref(a) => match k(a) {
                Kind::Array { dims, .. } => Kind::Array { dims, is_ref: true },
                _ => Kind::ScalarRef,
            },
            Op::NewArray(NewArray::Zeros2(..)) => owned(2),
            Op::NewArray(_) => owned(1),
            Op::Array(m, args) => match m {
                ArrayMethod::Column | ArrayMethod::Row => owned(1),
                ArrayMethod::Mapv(_) => owned(k(&args[0]).dims().max(1)),
                ArrayMethod::Dot => match (k(&args[0]).dims(), k(&args[1]).dims()) {
                    (2, 2) => owned(2),
                    (1, 1) => Kind::Scalar,
                    _ => owned(1),
                },
                _ => Kind::Scalar,
            },
        }
    }

    /// Whether an operand is known to be an `f64`.
    fn is_float(&self, o: &Operand) -> bool {
        match o {
            Operand::Val(v) => self.values[*v].float,
            Operand::Const(t) => const_is_float(t),
        }
    }

    /// Whether the result of `op` is known to be an `f64`.
    fn result_is_float(&self, op: &Op) -> bool {
        let f = |o: &Operand| self.is_float(o);
        match op {
            Op::Copy { src, .. } | Op::Neg(src) => f(src),
            Op::Arith(_, a, b) => f(a) || f(b),
            Op::Math(m, args) => !m.also_on_integers() || f(&args[0]),
            Op::CastFloat(_) | Op::Call { .. } => true,
            Op::Index { arr, .. } => self.kind(arr).is_array(),
            Op::Array(m, _) => !matches!(
                m,
                ArrayMethod::Len | ArrayMethod::Nrows | ArrayMethod::Ncols | ArrayMethod::Shape
            ),
            Op::Inactive(_) | Op::Ref(_) | Op::NewArray(_) => false,
        }
    }

    /// Emits `op`. After a sub-expression that may have jumped away (`x / { if c { return 0.0 }
    /// 2.0 }`), the operation is guarded: it runs only if no jump happened, so it never computes
    /// with a placeholder (whose partials could be infinite and turn zero adjoints into NaN).
    fn emit(&mut self, out: &mut Vec<Stmt>, op: Op, span: Span, name: Option<&str>) -> Operand {
        match self.jump_state() {
            Jump::Maybe(flags) => self
                .guard(flags, out, |lw, body| {
                    Some(lw.emit_raw(body, op, span, name))
                })
                .unwrap_or_else(placeholder),
            _ => self.emit_raw(out, op, span, name),
        }
    }

    /// Emits `op` as it is (the control flags' own operations, and everything in clear state).
    fn emit_raw(&mut self, out: &mut Vec<Stmt>, op: Op, span: Span, name: Option<&str>) -> Operand {
        let kind = self.result_kind(&op);
        let float = self.result_is_float(&op);
        let dst = self.new_value(name);
        self.values[dst].kind = kind;
        self.values[dst].float = float;
        out.push(Stmt::Let(Let { dst, op, span }));
        Operand::Val(dst)
    }

    fn bind_new(&mut self, name: &str, op: Operand, known: Option<bool>) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.vars.push(Binding {
                name: name.to_owned(),
                op,
                known,
            });
        }
    }

    fn lookup(&self, name: &str) -> Option<Binding> {
        self.scopes
            .iter()
            .rev()
            .find_map(|s| s.vars.iter().rev().find(|b| b.name == name))
            .cloned()
    }

    /// Where the innermost variable called `name` is bound: (scope, index in the scope).
    fn position(&self, name: &str) -> Option<(usize, usize)> {
        self.scopes.iter().enumerate().rev().find_map(|(si, s)| {
            s.vars
                .iter()
                .rposition(|b| b.name == name)
                .map(|vi| (si, vi))
        })
    }

    /// Rebinds the innermost variable called `name` (an assignment). Returns false if unbound.
    fn assign(&mut self, name: &str, op: Operand, known: Option<bool>) -> bool {
        for scope in self.scopes.iter_mut().rev() {
            if let Some(b) = scope.vars.iter_mut().rev().find(|b| b.name == name) {
                b.op = op;
                b.known = known;
                return true;
            }
        }
        false
    }

    // ----- statements and blocks -----

    /// Lowers a statement list. Returns the block's value (its tail expression), if any.
    /// `value_block`: the value is used, so jumps out of it cannot be guarded and are refused.
    fn stmts(
        &mut self,
        stmts: &[syn::Stmt],
        out: &mut Vec<Stmt>,
        value_block: bool,
    ) -> Option<Operand> {
        let mut tail = None;
        for (i, stmt) in stmts.iter().enumerate() {
            let last = i + 1 == stmts.len();
            tail = self.stmt(stmt, out, last && value_block);
            match self.jump_state() {
                Jump::Clear => {}
                // Nothing after an unconditional jump runs; a value block's value is unused.
                Jump::Definite => return None,
                Jump::Maybe(_) if last => return tail,
                Jump::Maybe(flags) => {
                    // The rest runs only if no flag is set; it is guarded once (inside the
                    // guard the flags are known to be clear), and a value block's value comes
                    // out of the guard.
                    let rest = &stmts[i + 1..];
                    return self.guard(flags, out, |lw, body| lw.stmts(rest, body, value_block));
                }
            }
        }
        tail
    }

    /// The function body when it contains `return`: its tail value becomes one more `return`.
    fn fn_body_with_returns(&mut self, stmts: &[syn::Stmt], out: &mut Vec<Stmt>) {
        let (init, tail) = match stmts.split_last() {
            Some((syn::Stmt::Expr(e, None), init)) => (init, Some(e)),
            _ => (stmts, None),
        };
        self.stmts_then(init, out, tail);
    }

    fn stmts_then(&mut self, stmts: &[syn::Stmt], out: &mut Vec<Stmt>, tail: Option<&syn::Expr>) {
        for (i, stmt) in stmts.iter().enumerate() {
            self.stmt(stmt, out, false);
            match self.jump_state() {
                Jump::Clear => {}
                Jump::Definite => return,
                Jump::Maybe(flags) => {
                    let rest = &stmts[i + 1..];
                    self.guard(flags, out, |lw, body| {
                        lw.stmts_then(rest, body, tail);
                        None
                    });
                    return;
                }
            }
        }
        if let Some(e) = tail {
            self.tail_as_return(e, out);
        }
    }

    /// The function's tail when the body also returns early: every path that ends in a value
    /// returns it, so an `if` in tail position may mix `return` and values in its branches.
    fn tail_as_return(&mut self, e: &syn::Expr, out: &mut Vec<Stmt>) {
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
    fn guard(
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
    fn unless_jumped(&mut self, out: &mut Vec<Stmt>, f: impl FnOnce(&mut Self, &mut Vec<Stmt>)) {
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
    fn assume_clear(&mut self, flags: &[Operand]) {
        for n in [BRK, CONT, RET] {
            if let Some(b) = self.lookup(n)
                && flags.iter().any(|f| same_operand(f, &b.op))
            {
                self.assign(n, b.op, Some(false));
            }
        }
    }

    fn jump_state(&self) -> Jump {
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
    fn stmt(&mut self, stmt: &syn::Stmt, out: &mut Vec<Stmt>, is_tail: bool) -> Option<Operand> {
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
                self.macro_refused(&m.mac);
                None
            }
        }
    }

    fn macro_refused(&mut self, mac: &syn::Macro) {
        self.errors.at(
            mac,
            format!(
                "macro calls such as `{}!` are not supported in a #[differentiable] function: the macro cannot see through them; compute the value outside the function or write it out",
                mac.path.to_token_stream()
            ),
        );
    }

    fn local(&mut self, local: &syn::Local, out: &mut Vec<Stmt>) {
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
        let (ident, ty, mutable) = match &local.pat {
            syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                (pi.ident.clone(), None, pi.mutability.is_some())
            }
            syn::Pat::Type(pt) => match &*pt.pat {
                syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => (
                    pi.ident.clone(),
                    Some(pt.ty.clone()),
                    pi.mutability.is_some(),
                ),
                other => {
                    self.errors.at(
                        other,
                        "only simple `let name` or `let mut name` bindings are supported in a #[differentiable] function; bind each value to its own name",
                    );
                    return;
                }
            },
            other => {
                self.errors.at(
                    other,
                    "only simple `let name` or `let mut name` bindings are supported in a #[differentiable] function; bind each value to its own name",
                );
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
            self.bind_new(&name_of(&ident), Operand::Const(quote!(0.0_f64)), None);
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
        let Some(v) = self.expr(&init.expr, out) else {
            self.no_value(&init.expr);
            return;
        };
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
        if mutable
            && let Operand::Val(id) = &v
            && self.is_new_array(*id, out)
        {
            if self.scopes.len() == 1 && self.loop_depth == 0 {
                self.values[*id].mutable = true;
            } else {
                self.errors.at(
                    &local.pat,
                    "a local array that is written to must be declared at the top level of the function body (not inside a loop, branch or block)",
                );
            }
        }
        self.bind_new(&name, v, None);
    }

    /// Whether `v` was just defined, in `out`, as a new local array.
    fn is_new_array(&self, v: ValId, out: &[Stmt]) -> bool {
        out.iter()
            .rev()
            .any(|s| matches!(s, Stmt::Let(l) if l.dst == v && matches!(l.op, Op::NewArray(_))))
    }

    fn no_value(&mut self, e: &syn::Expr) {
        if self.errors.is_empty() {
            self.errors
                .at(e, "this expression has no value that can be used here");
        }
    }

    /// An expression in statement position: its value, if any, is dropped.
    fn expr_stmt(&mut self, e: &syn::Expr, out: &mut Vec<Stmt>) {
        match e {
            syn::Expr::If(ei) => {
                self.if_expr(ei, out, false);
            }
            _ => {
                self.expr(e, out);
            }
        }
    }

    // ----- expressions -----

    /// Lowers an expression in value position. `None` for unit-valued expressions (assignments,
    /// loops) and after an error.
    fn expr(&mut self, e: &syn::Expr, out: &mut Vec<Stmt>) -> Option<Operand> {
        let span = e.span();
        match e {
            syn::Expr::Lit(l) => match &l.lit {
                syn::Lit::Float(_) | syn::Lit::Int(_) | syn::Lit::Bool(_) => {
                    Some(Operand::Const(l.to_token_stream()))
                }
                other => {
                    self.errors.at(
                        other,
                        "only numeric and boolean literals are supported in a #[differentiable] function; compute with f64 values",
                    );
                    None
                }
            },
            syn::Expr::Path(p) => self.path(p),
            syn::Expr::Paren(p) => self.expr(&p.expr, out),
            syn::Expr::Group(g) => self.expr(&g.expr, out),
            syn::Expr::Unary(u) => {
                let a = self.operand(&u.expr, out)?;
                let op = match u.op {
                    syn::UnOp::Neg(_) => Op::Neg(a),
                    syn::UnOp::Not(_) => Op::Inactive(InactiveOp::Not(a)),
                    syn::UnOp::Deref(_) => Op::Copy {
                        src: a,
                        ty: None,
                        deref: true,
                    },
                    _ => {
                        self.errors.at(u, "this unary operator is not supported");
                        return None;
                    }
                };
                Some(self.emit(out, op, span, None))
            }
            syn::Expr::Binary(b) => self.binary(b, out),
            syn::Expr::Assign(a) => {
                let v = self.operand(&a.right, out)?;
                self.unless_jumped(out, |lw, body| lw.assign_to(&a.left, v, body));
                None
            }
            syn::Expr::MethodCall(m) => self.method_call(m, out),
            syn::Expr::Call(c) => self.call(c, out),
            syn::Expr::If(ei) => self.if_expr(ei, out, true),
            syn::Expr::Block(b) => {
                if let Some(label) = &b.label {
                    self.errors.at(
                        label,
                        "labelled blocks are not supported in a #[differentiable] function; use `if` to skip the rest of the block",
                    );
                    return None;
                }
                self.scopes.push(Scope::default());
                let v = self.stmts(&b.block.stmts, out, true);
                self.scopes.pop();
                v
            }
            syn::Expr::Cast(c) => self.cast(c, out),
            syn::Expr::Return(r) => {
                self.ret(r.expr.as_deref(), r, out);
                None
            }
            syn::Expr::Break(b) => {
                if let Some(label) = &b.label {
                    self.errors.at(label, "labelled `break` is not supported in a #[differentiable] function; use a flag variable to leave the outer loop");
                } else if let Some(v) = &b.expr {
                    if self.loop_depth == 0 || self.lookup(BRKVAL).is_none() {
                        self.errors.at(b, "`break` with a value is supported only in a `loop` (not in `for` or `while`)");
                    } else if let Some(v) = self.operand(v, out) {
                        self.unless_jumped(out, |lw, _| {
                            lw.assign(BRKVAL, v, None);
                            lw.assign(BRK, konst(true), Some(true));
                        });
                    }
                } else if self.loop_depth == 0 {
                    self.errors.at(b, "`break` outside a loop");
                } else {
                    self.assign(BRK, konst(true), Some(true));
                }
                None
            }
            syn::Expr::Continue(c) => {
                if let Some(label) = &c.label {
                    self.errors.at(
                        label,
                        "labelled `continue` is not supported in a #[differentiable] function",
                    );
                } else if self.loop_depth == 0 {
                    self.errors.at(c, "`continue` outside a loop");
                } else {
                    self.assign(CONT, konst(true), Some(true));
                }
                None
            }
            syn::Expr::ForLoop(f) => {
                self.for_loop(f, out);
                None
            }
            syn::Expr::While(w) => {
                if let Some(label) = &w.label {
                    self.errors.at(
                        label,
                        "labelled loops are not supported in a #[differentiable] function; remove the label and leave nested loops with a flag variable and `break`",
                    );
                    return None;
                }
                if let syn::Expr::Let(l) = &*w.cond {
                    self.errors.at(l, "`while let` is not supported in a #[differentiable] function; use `while` with a condition, or `loop` with `if ... { break }`");
                    return None;
                }
                self.a_loop(LoopKind::While(&w.cond), &w.body, out, w.span());
                None
            }
            syn::Expr::Loop(l) => {
                if let Some(label) = &l.label {
                    self.errors.at(
                        label,
                        "labelled loops are not supported in a #[differentiable] function; remove the label and leave nested loops with a flag variable and `break`",
                    );
                    return None;
                }
                self.a_loop(LoopKind::Forever, &l.body, out, l.span())
            }
            syn::Expr::Closure(c) => {
                self.errors.at(
                    c,
                    "closures are not supported in a #[differentiable] function; write the closure's body as its own #[differentiable] fn and call it",
                );
                None
            }
            syn::Expr::Match(m) => {
                self.errors.at(
                    m.match_token,
                    "`match` is not supported in a #[differentiable] function; write it as `if` / `else if` / `else`",
                );
                None
            }
            syn::Expr::Unsafe(u) => {
                self.errors.at(
                    u.unsafe_token,
                    "`unsafe` blocks are not supported in a #[differentiable] function (nor are mutable statics, which need them); pass the value in as a parameter",
                );
                None
            }
            syn::Expr::Macro(m) if m.mac.path.is_ident("vec") => {
                let parsed = m.mac.parse_body_with(|input: syn::parse::ParseStream| {
                    let v: syn::Expr = input.parse()?;
                    let _: syn::Token![;] = input.parse()?;
                    let n: syn::Expr = input.parse()?;
                    Ok((v, n))
                });
                let Ok((v, n)) = parsed else {
                    self.errors.at(
                        &m.mac,
                        "only `vec![value; len]` is supported in a #[differentiable] function (a new local array to write into)",
                    );
                    return None;
                };
                let v = self.operand(&v, out)?;
                let n = self.operand(&n, out)?;
                Some(self.emit(out, Op::NewArray(NewArray::Vec(v, n)), span, None))
            }
            syn::Expr::Macro(m) => {
                self.macro_refused(&m.mac);
                None
            }
            syn::Expr::Index(i) => self.index(i, false, out),
            syn::Expr::Reference(r) => {
                if let Some(m) = &r.mutability {
                    self.errors
                        .at(m, "`&mut` is not supported in a #[differentiable] function");
                    return None;
                }
                if let syn::Expr::Index(i) = strip_parens(&r.expr) {
                    match strip_parens(&i.index) {
                        // `&x[..]`: the whole array, by reference (a slice where one is expected).
                        syn::Expr::Range(rr) if rr.start.is_none() && rr.end.is_none() => {
                            let a = self.operand(&i.expr, out)?;
                            return Some(self.emit(out, Op::Ref(a), span, None));
                        }
                        syn::Expr::Range(_) => {}
                        _ => return self.index(i, true, out),
                    }
                }
                let a = self.operand(&r.expr, out)?;
                Some(self.emit(out, Op::Ref(a), span, None))
            }
            syn::Expr::Let(l) => {
                self.errors.at(l, "`if let` / `let` conditions are not supported in a #[differentiable] function; use a boolean condition");
                None
            }
            syn::Expr::Range(r) => {
                self.errors.at(
                    r,
                    "ranges are supported only as the iterator of a `for` loop (`for i in a..b`)",
                );
                None
            }
            syn::Expr::Async(a) => {
                self.errors.at(
                    a,
                    "`async` blocks are not supported in a #[differentiable] function",
                );
                None
            }
            syn::Expr::Field(f) => {
                self.errors.at(
                    f,
                    "field access is not supported in a #[differentiable] function; pass the field's value as an f64 (or array) parameter",
                );
                None
            }
            syn::Expr::Struct(st) => {
                self.errors.at(
                    st,
                    "struct expressions are not supported in a #[differentiable] function: it computes with f64 values and arrays; pass the values as parameters",
                );
                None
            }
            syn::Expr::Tuple(t) => {
                self.errors.at(
                    t,
                    "tuples are not supported in a #[differentiable] function; use one variable per value (and one differentiable function per output)",
                );
                None
            }
            syn::Expr::Array(a) => {
                self.errors.at(
                    a,
                    "array literals are not supported in a #[differentiable] function; pass the array as a parameter (`&[f64]`, `[f64; N]` or an ndarray view)",
                );
                None
            }
            syn::Expr::Try(t) => {
                self.errors.at(t, "`?` is not supported in a #[differentiable] function: it returns an f64, not a Result");
                None
            }
            other => {
                self.errors.at(
                    other,
                    "this expression is not supported in a #[differentiable] function; supported are f64 arithmetic, the f64 math methods, casts, `let`, assignment, `if`, `for` over ranges and arrays, `while`, `loop`, the array methods of the README and calls to other #[differentiable] functions",
                );
                None
            }
        }
    }

    /// A sub-expression that must have a value.
    fn operand(&mut self, e: &syn::Expr, out: &mut Vec<Stmt>) -> Option<Operand> {
        let v = self.expr(e, out);
        if v.is_none() {
            self.no_value(e);
        }
        v
    }

    fn path(&mut self, p: &syn::ExprPath) -> Option<Operand> {
        if p.qself.is_none()
            && let Some(ident) = p.path.get_ident()
            && let Some(b) = self.lookup(&name_of(ident))
        {
            return Some(b.op);
        }
        // Not a local: a constant, a static or a unit-like item, used as written.
        Some(Operand::Const(p.to_token_stream()))
    }

    fn binary(&mut self, b: &syn::ExprBinary, out: &mut Vec<Stmt>) -> Option<Operand> {
        use syn::BinOp as B;
        let span = b.span();
        let compound = match b.op {
            B::AddAssign(_) => Some(Some(Arith::Add)),
            B::SubAssign(_) => Some(Some(Arith::Sub)),
            B::MulAssign(_) => Some(Some(Arith::Mul)),
            B::DivAssign(_) => Some(Some(Arith::Div)),
            B::RemAssign(_) => Some(Some(Arith::Rem)),
            B::BitXorAssign(_)
            | B::BitAndAssign(_)
            | B::BitOrAssign(_)
            | B::ShlAssign(_)
            | B::ShrAssign(_) => Some(None),
            _ => None,
        };
        if let (Some(arith), syn::Expr::Index(i)) = (compound, strip_parens(&b.left)) {
            let rhs = self.operand(&b.right, out)?;
            match arith {
                Some(Arith::Add) => self.write(i, rhs, true, out),
                Some(Arith::Sub) => {
                    let neg = self.emit(out, Op::Neg(rhs), span, None);
                    self.write(i, neg, true, out);
                }
                Some(a) => {
                    // `y[i] *= e`: read the element, then write the product.
                    let current = self.index(i, false, out)?;
                    let v = self.emit(out, Op::Arith(a, current, rhs), span, None);
                    self.write(i, v, false, out);
                }
                None => self.errors.at(
                    b.op,
                    "only `=`, `+=`, `-=`, `*=` and `/=` are supported on f64 array elements",
                ),
            }
            return None;
        }
        if let Some(arith) = compound {
            // On primitive types the right operand is evaluated first, then the place (the
            // Reference, "compound assignment expressions"): `s += { s *= 2.0; 1.0 }` adds to
            // the doubled `s`.
            let rhs = self.operand(&b.right, out)?;
            let current = self.operand(&b.left, out)?;
            let op = match arith {
                Some(a) => Op::Arith(a, current, rhs),
                None => Op::Inactive(InactiveOp::Binary(plain_op(&b.op), current, rhs)),
            };
            let v = self.emit(out, op, span, None);
            self.unless_jumped(out, |lw, body| lw.assign_to(&b.left, v, body));
            return None;
        }
        match b.op {
            B::And(_) | B::Or(_) => {
                let is_and = matches!(b.op, B::And(_));
                let lhs = self.operand(&b.left, out)?;
                let right = &b.right;

                self.if_node(
                    lhs,
                    out,
                    |lw, body| {
                        if is_and {
                            lw.operand(right, body)
                        } else {
                            Some(konst(true))
                        }
                    },
                    |lw, body| {
                        if is_and {
                            Some(konst(false))
                        } else {
                            lw.operand(right, body)
                        }
                    },
                )
            }
            _ => {
                // A long left-associative chain (`a + b + c + ...`, thousands of terms) is
                // lowered along its left spine without recursion.
                let mut spine = vec![b];
                let mut leftmost = &*b.left;
                while let syn::Expr::Binary(inner) = leftmost
                    && is_plain_binary(&inner.op)
                {
                    spine.push(inner);
                    leftmost = &inner.left;
                }
                let mut acc = self.operand(leftmost, out)?;
                for node in spine.into_iter().rev() {
                    let rhs = self.operand(&node.right, out)?;
                    acc = self.plain_binary(node, acc, rhs, out)?;
                }
                Some(acc)
            }
        }
    }

    /// `lhs op rhs` for an operator that is neither an assignment nor `&&`/`||`.
    fn plain_binary(
        &mut self,
        b: &syn::ExprBinary,
        lhs: Operand,
        rhs: Operand,
        out: &mut Vec<Stmt>,
    ) -> Option<Operand> {
        use syn::BinOp as B;
        let span = b.span();
        let op = match b.op {
            B::Add(_) => Op::Arith(Arith::Add, lhs, rhs),
            B::Sub(_) => Op::Arith(Arith::Sub, lhs, rhs),
            B::Mul(_) => Op::Arith(Arith::Mul, lhs, rhs),
            B::Div(_) => Op::Arith(Arith::Div, lhs, rhs),
            B::Rem(_) if self.kind(&lhs).is_array() || self.kind(&rhs).is_array() => {
                self.errors.at(
                    b.op,
                    "`%` between arrays is not supported in a #[differentiable] function; compute the remainder element by element in a loop",
                );
                return None;
            }
            B::Rem(_) => Op::Arith(Arith::Rem, lhs, rhs),
            op => Op::Inactive(InactiveOp::Binary(op, lhs, rhs)),
        };
        Some(self.emit(out, op, span, None))
    }

    fn index(&mut self, i: &syn::ExprIndex, by_ref: bool, out: &mut Vec<Stmt>) -> Option<Operand> {
        let arr = self.operand(&i.expr, out)?;
        let (idx, multi) = match strip_parens(&i.index) {
            syn::Expr::Array(a) => {
                let mut v = vec![];
                for e in &a.elems {
                    v.push(self.operand(e, out)?);
                }
                (v, true)
            }
            syn::Expr::Range(r) => {
                self.errors.at(
                    r,
                    "slicing (`x[a..b]`) is not supported in a #[differentiable] function; index single elements, or loop over `x.iter()`",
                );
                return None;
            }
            other => (vec![self.operand(other, out)?], false),
        };
        Some(self.emit(
            out,
            Op::Index {
                arr,
                idx,
                multi,
                by_ref,
            },
            i.span(),
            None,
        ))
    }

    /// `y[i] = v` (or `+=` when `add`) to a local array declared with `let mut` at the top level.
    fn write(&mut self, i: &syn::ExprIndex, v: Operand, add: bool, out: &mut Vec<Stmt>) {
        let target = match strip_parens(&i.expr) {
            syn::Expr::Path(p) => p.path.get_ident().and_then(|id| self.lookup(&name_of(id))),
            _ => None,
        };
        let arr = match target.map(|b| b.op) {
            Some(Operand::Val(a)) if self.values[a].mutable => a,
            _ => {
                self.errors.at(
                    &i.expr,
                    "element writes are supported only into a local array declared at the top level of the body with `let mut y = Array1::zeros(n)`, `Array2::zeros((r, c))` or `vec![0.0; n]`; parameters cannot be written",
                );
                return;
            }
        };
        let (idx, multi) = match strip_parens(&i.index) {
            syn::Expr::Array(a) => {
                let mut ops = vec![];
                for e in &a.elems {
                    let Some(o) = self.operand(e, out) else {
                        return;
                    };
                    ops.push(o);
                }
                (ops, true)
            }
            other => {
                let Some(o) = self.operand(other, out) else {
                    return;
                };
                (vec![o], false)
            }
        };
        let id = self.write_count;
        self.write_count += 1;
        out.push(Stmt::Write(Write {
            id,
            arr,
            idx,
            multi,
            val: v,
            add,
            span: i.span(),
        }));
    }

    fn assign_to(&mut self, lhs: &syn::Expr, v: Operand, out: &mut Vec<Stmt>) {
        let lhs = strip_parens(lhs);
        if let syn::Expr::Index(i) = lhs {
            self.write(i, v, false, out);
            return;
        }
        if let syn::Expr::Path(p) = lhs
            && let Some(ident) = p.path.get_ident()
        {
            let name = name_of(ident);
            if self.lookup(&name).is_none() {
                self.errors.at(
                    lhs,
                    "assignment to something that is not a local variable (a static?) is not supported in a #[differentiable] function",
                );
                return;
            }
            // Keep the user's name on the new version, for readable generated code.
            let v = match v {
                Operand::Val(id) if self.values[id].user_name.is_none() => {
                    self.values[id].user_name = Some(name.clone());
                    Operand::Val(id)
                }
                Operand::Val(id) => {
                    // `x = y`: a new version of x that copies y.
                    self.emit(
                        out,
                        Op::Copy {
                            src: Operand::Val(id),
                            ty: None,
                            deref: false,
                        },
                        ident.span(),
                        Some(&name),
                    )
                }
                c => c,
            };
            self.assign(&name, v, None);
            return;
        }
        self.errors.at(
            lhs,
            "only assignment to a local variable is supported in a #[differentiable] function (not to fields, dereferences or elements)",
        );
    }

    fn array_method(
        &mut self,
        m: &syn::ExprMethodCall,
        out: &mut Vec<Stmt>,
    ) -> Option<Option<Operand>> {
        use ArrayMethod as A;
        let name = m.method.to_string();
        let (method, arity) = match name.as_str() {
            "column" => (A::Column, 1),
            "row" => (A::Row, 1),
            "sum" => (A::Sum, 0),
            "var" => (A::Var, 1),
            "std" => (A::Std, 1),
            "dot" => (A::Dot, 1),
            "len" => (A::Len, 0),
            "nrows" => (A::Nrows, 0),
            "ncols" => (A::Ncols, 0),
            "shape" => (A::Shape, 0),
            "mapv" => {
                let f = match m.args.first().map(strip_parens) {
                    Some(syn::Expr::Path(p)) if m.args.len() == 1 => {
                        let segs: Vec<String> = p
                            .path
                            .segments
                            .iter()
                            .map(|s| s.ident.to_string())
                            .collect();
                        match segs.as_slice() {
                            [ty, f] if ty == "f64" => {
                                MathFn::lookup(f).filter(|(_, a)| *a == 0).map(|(f, _)| f)
                            }
                            _ => None,
                        }
                    }
                    _ => None,
                };
                let Some(f) = f else {
                    self.errors.at(
                        &m.args,
                        "`mapv` takes one of the one-argument f64 math functions by path, such as `mapv(f64::exp)`; closures are not supported",
                    );
                    return Some(None);
                };
                let Some(a) = self.operand(&m.receiver, out) else {
                    return Some(None);
                };
                return Some(Some(self.emit(
                    out,
                    Op::Array(A::Mapv(f), vec![a]),
                    m.span(),
                    None,
                )));
            }
            "unwrap" => {
                let inner = match strip_parens(&m.receiver) {
                    syn::Expr::MethodCall(mm) if mm.method == "mean" && mm.args.is_empty() => mm,
                    _ => {
                        self.errors.at(
                            &m.method,
                            "`unwrap` is supported only as `.mean().unwrap()` in a #[differentiable] function",
                        );
                        return Some(None);
                    }
                };
                let Some(a) = self.operand(&inner.receiver, out) else {
                    return Some(None);
                };
                return Some(Some(self.emit(
                    out,
                    Op::Array(A::Mean, vec![a]),
                    m.span(),
                    None,
                )));
            }
            "mean" => {
                self.errors.at(
                    &m.method,
                    "write `.mean().unwrap()`: `mean` returns an Option",
                );
                return Some(None);
            }
            "iter" => {
                self.errors.at(
                    &m.method,
                    "`iter()` is supported only as the iterator of a `for` loop",
                );
                return Some(None);
            }
            _ => return None,
        };
        if m.args.len() != arity {
            self.errors
                .at(&m.method, format!("`{name}` takes {arity} argument(s)"));
            return Some(None);
        }
        let Some(recv) = self.operand(&m.receiver, out) else {
            return Some(None);
        };
        let mut ops = vec![recv];
        for a in &m.args {
            let Some(o) = self.operand(a, out) else {
                return Some(None);
            };
            ops.push(o);
        }
        Some(Some(self.emit(out, Op::Array(method, ops), m.span(), None)))
    }

    fn method_call(&mut self, m: &syn::ExprMethodCall, out: &mut Vec<Stmt>) -> Option<Operand> {
        let name = m.method.to_string();
        if let Some(tf) = &m.turbofish {
            self.errors.at(
                tf,
                "turbofish (`::<...>`) is not supported in a #[differentiable] function",
            );
            return None;
        }
        if let Some(result) = self.array_method(m, out) {
            return result;
        }
        if CONSTANT_METHODS.contains(&name.as_str()) {
            let mut ops = vec![self.operand(&m.receiver, out)?];
            for a in &m.args {
                ops.push(self.operand(a, out)?);
            }
            let method = m.method.clone();
            return Some(self.emit(
                out,
                Op::Inactive(InactiveOp::Method(method, ops)),
                m.span(),
                None,
            ));
        }
        let Some((f, arity)) = MathFn::lookup(&name) else {
            self.errors.at(
                &m.method,
                format!(
                    "method `{name}` is not supported in a #[differentiable] function; the supported f64 methods are: {}",
                    MathFn::names()
                ),
            );
            return None;
        };
        if m.args.len() != arity {
            self.errors.at(
                &m.method,
                format!("`{name}` takes {arity} argument(s) besides the receiver"),
            );
            return None;
        }
        let mut ops = vec![self.operand(&m.receiver, out)?];
        for a in &m.args {
            ops.push(self.operand(a, out)?);
        }
        if ops.iter().any(|o| self.kind(o).is_array()) {
            self.errors.at(
                &m.method,
                format!("`{name}` applies to f64 values; for an array write `.mapv(f64::{name})`"),
            );
            return None;
        }
        Some(self.emit(out, Op::Math(f, ops), m.span(), None))
    }

    fn call(&mut self, c: &syn::ExprCall, out: &mut Vec<Stmt>) -> Option<Operand> {
        let syn::Expr::Path(fp) = strip_parens(&c.func) else {
            self.errors.at(
                &c.func,
                "only calls of functions by name or path are supported in a #[differentiable] function; name the #[differentiable] function you call (`f(x)`, `module::f(x)`)",
            );
            return None;
        };
        if fp.qself.is_some() {
            self.errors.at(fp, "qualified paths (`<T as Trait>::f`) are not supported in a #[differentiable] function; call the function by its path, like `f64::sin(x)` or `module::f(x)`");
            return None;
        }
        let segs: Vec<String> = fp
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        // `Array1::<f64>::zeros(n)`: the element type may be written.
        let is_zeros = segs.len() >= 2 && segs[segs.len() - 1] == "zeros";
        if let Some(seg) = fp
            .path
            .segments
            .iter()
            .find(|s| !matches!(s.arguments, syn::PathArguments::None))
            .filter(|_| !is_zeros)
        {
            self.errors.at(
                &seg.arguments,
                "generic arguments in a call are not supported in a #[differentiable] function; call a non-generic #[differentiable] function",
            );
            return None;
        }
        // `Array1::zeros(n)`, `Array2::zeros((r, c))`: a new local array.
        if segs.len() >= 2 && segs[segs.len() - 1] == "zeros" && c.args.len() == 1 {
            match segs[segs.len() - 2].as_str() {
                "Array1" => {
                    let n = self.operand(&c.args[0], out)?;
                    return Some(self.emit(out, Op::NewArray(NewArray::Zeros1(n)), c.span(), None));
                }
                "Array2" => {
                    let syn::Expr::Tuple(t) = strip_parens(&c.args[0]) else {
                        self.errors.at(
                            &c.args[0],
                            "write the shape as a pair: `Array2::zeros((rows, cols))`",
                        );
                        return None;
                    };
                    if t.elems.len() != 2 {
                        self.errors.at(
                            t,
                            "write the shape as a pair: `Array2::zeros((rows, cols))`",
                        );
                        return None;
                    }
                    let r = self.operand(&t.elems[0], out)?;
                    let k = self.operand(&t.elems[1], out)?;
                    return Some(self.emit(
                        out,
                        Op::NewArray(NewArray::Zeros2(r, k)),
                        c.span(),
                        None,
                    ));
                }
                _ => {}
            }
        }
        let is_f64_path = segs.len() >= 2 && segs[segs.len() - 2] == "f64";
        // `f64::from(n)`: a conversion, differentiated like `as f64`.
        if is_f64_path && segs[segs.len() - 1] == "from" && c.args.len() == 1 {
            let a = self.operand(&c.args[0], out)?;
            return Some(self.emit(out, Op::CastFloat(a), c.span(), None));
        }
        // `f64::sin(x)` and friends: the math table in path form.
        if is_f64_path {
            let name = &segs[segs.len() - 1];
            let Some((f, arity)) = MathFn::lookup(name) else {
                self.errors.at(
                    fp,
                    format!(
                        "`f64::{name}` is not supported in a #[differentiable] function; the supported f64 functions are: {}",
                        MathFn::names()
                    ),
                );
                return None;
            };
            if c.args.len() != arity + 1 {
                self.errors
                    .at(fp, format!("`f64::{name}` takes {} argument(s)", arity + 1));
                return None;
            }
            let mut ops = vec![];
            for a in &c.args {
                ops.push(self.operand(a, out)?);
            }
            return Some(self.emit(out, Op::Math(f, ops), c.span(), None));
        }
        let mut args = vec![];
        for a in &c.args {
            args.push(self.operand(a, out)?);
        }
        Some(self.emit(
            out,
            Op::Call {
                path: fp.path.clone(),
                args,
            },
            c.span(),
            None,
        ))
    }

    fn cast(&mut self, c: &syn::ExprCast, out: &mut Vec<Stmt>) -> Option<Operand> {
        let target = type_name(&c.ty);
        let a = self.operand(&c.expr, out)?;
        let op = match target.as_deref() {
            Some("f64") => Op::CastFloat(a),
            Some(
                "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64"
                | "u128" | "usize",
            ) => Op::Inactive(InactiveOp::Cast(a, c.ty.clone())),
            _ => {
                self.errors.at(
                    &c.ty,
                    "only casts to f64 or to an integer type are supported in a #[differentiable] function (f32 is not differentiated: use f64)",
                );
                return None;
            }
        };
        Some(self.emit(out, op, c.span(), None))
    }

    fn ret(&mut self, e: Option<&syn::Expr>, at: &dyn ToTokens, out: &mut Vec<Stmt>) {
        let Some(e) = e else {
            self.errors.at(
                at,
                "`return` without a value: a #[differentiable] function returns an f64",
            );
            return;
        };
        let Some(v) = self.operand(e, out) else {
            return;
        };
        // `return (if c { return a } else { b }) + 1.0`: returns only if the value did not.
        self.unless_jumped(out, |lw, body| {
            let v = match v {
                Operand::Val(id) if lw.values[id].user_name.is_none() => Operand::Val(id),
                other => lw.emit(
                    body,
                    Op::Copy {
                        src: other,
                        ty: None,
                        deref: false,
                    },
                    e.span(),
                    None,
                ),
            };
            lw.assign(RETVAL, v, None);
            lw.assign(RET, konst(true), Some(true));
        });
    }

    // ----- branches -----

    fn if_expr(&mut self, ei: &syn::ExprIf, out: &mut Vec<Stmt>, value: bool) -> Option<Operand> {
        if let syn::Expr::Let(l) = &*ei.cond {
            self.errors.at(l, "`if let` is not supported in a #[differentiable] function; use a boolean condition");
            return None;
        }
        let then_stmts = &ei.then_branch.stmts;
        let else_expr = ei.else_branch.as_ref().map(|(_, e)| &**e);
        if value && else_expr.is_none() {
            // `if` without `else` has no value; used as a statement below.
            return self.if_expr(ei, out, false);
        }
        let cond = self.operand(&ei.cond, out)?;
        self.if_node(
            cond,
            out,
            |lw, body| lw.stmts(then_stmts, body, value),
            |lw, body| match else_expr {
                None => None,
                Some(syn::Expr::Block(b)) => lw.stmts(&b.block.stmts, body, value),
                Some(syn::Expr::If(inner)) => lw.if_expr(inner, body, value),
                Some(other) => lw.expr(other, body),
            },
        )
    }

    /// Builds an `If` whose branches are lowered by `then_f` / `else_f`, with merges for every
    /// variable (and control flag) that differs between the two branches' ends. When both
    /// branches give a value, the `If` has a value too (returned).
    fn if_node(
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
    fn if_node_with(
        &mut self,
        cond: Operand,
        out: &mut Vec<Stmt>,
        then_f: impl FnOnce(&mut Self, &mut Vec<Stmt>) -> Option<Operand>,
        else_f: impl FnOnce(&mut Self, &mut Vec<Stmt>) -> Option<Operand>,
        else_unused: bool,
    ) -> Option<Operand> {
        let saved = self.scopes.clone();
        let (then_block, then_v, then_env, then_jumps) = self.branch(then_f);
        self.scopes = saved.clone();
        let (else_block, else_v, else_env, else_jumps) = self.branch(else_f);
        self.scopes = saved;
        // A branch that always jumps away (`else { return 0.0 }`) has no value; the other
        // branch's value is the `if`'s, with a placeholder that is never used.
        let all_jump = then_jumps && (else_jumps || else_unused);
        let (then_v, else_v) = match (then_v, else_v) {
            (Some(t), None) if else_jumps || else_unused => {
                let p = placeholder_like(self.kind(&t));
                (Some(t), Some(p))
            }
            (None, Some(e)) if then_jumps => (Some(placeholder_like(self.kind(&e))), Some(e)),
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
        }));
        if all_jump {
            self.bind_new(DEAD, konst(true), Some(true));
        }
        value
    }

    fn branch(
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

    // ----- loops -----

    fn for_loop(&mut self, f: &syn::ExprForLoop, out: &mut Vec<Stmt>) {
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
        let Some(range) = self.range_spec(&f.expr, out) else {
            return;
        };
        self.a_loop(LoopKind::Range(index_name, range), &f.body, out, f.span());
    }

    fn range_spec(&mut self, e: &syn::Expr, out: &mut Vec<Stmt>) -> Option<RangeSpec> {
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
    fn a_loop(
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

struct Element {
    arr: Operand,
    name: Option<String>,
    by_ref: bool,
}

/// `x.iter()`, `&x[..]` or `&x`: the array whose elements a `for` loop visits.
fn array_iter_source(e: &syn::Expr) -> Option<&syn::Expr> {
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

enum LoopKind<'a> {
    Range(Option<String>, RangeSpec),
    Elements(Element, RangeSpec),
    While(&'a syn::Expr),
    Forever,
}

enum Jump {
    Clear,
    Definite,
    Maybe(Vec<Operand>),
}

/// A user's name, without the `r#` of a raw identifier (`r#x` and `x` are the same variable).
fn name_of(ident: &proc_macro2::Ident) -> String {
    use syn::ext::IdentExt;
    ident.unraw().to_string()
}

fn merged_kind(a: Kind, b: Kind) -> Kind {
    match (a, b) {
        (Kind::Array { dims, is_ref: true }, Kind::Array { is_ref: true, .. }) => {
            Kind::Array { dims, is_ref: true }
        }
        (Kind::Array { dims, .. }, _) | (_, Kind::Array { dims, .. }) => Kind::Array {
            dims,
            is_ref: false,
        },
        (Kind::ScalarRef, Kind::ScalarRef) => Kind::ScalarRef,
        _ => Kind::Scalar,
    }
}

/// Whether two branches leave a binding with the same value (no merge needed).
fn same(a: &Binding, b: &Binding) -> bool {
    same_operand(&a.op, &b.op)
}

/// Whether a `loop` body has a `break value` of its own (not of a nested loop).
fn breaks_with_value(body: &syn::Block) -> bool {
    #[derive(Default)]
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_break(&mut self, b: &'ast syn::ExprBreak) {
            if b.expr.is_some() && b.label.is_none() {
                self.0 = true;
            }
            syn::visit::visit_expr_break(self, b);
        }
        fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
        fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {}
        fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = Finder::default();
    f.visit_block(body);
    f.0
}

/// A float literal (unsuffixed or `f64`) or a path through `f64` (`f64::EPSILON`,
/// `std::f64::consts::PI`).
pub fn const_is_float(t: &proc_macro2::TokenStream) -> bool {
    match syn::parse2::<syn::Lit>(t.clone()) {
        Ok(syn::Lit::Float(f)) => f.suffix().is_empty() || f.suffix() == "f64",
        Ok(_) => false,
        Err(_) => t
            .clone()
            .into_iter()
            .any(|tt| matches!(tt, proc_macro2::TokenTree::Ident(i) if i == "f64")),
    }
}

/// An operator lowered by [`Lowerer::plain_binary`].
fn is_plain_binary(op: &syn::BinOp) -> bool {
    !matches!(op, syn::BinOp::And(_) | syn::BinOp::Or(_)) && !is_compound_assign(op)
}

/// `+=`, `-=`, ..., `>>=`.
fn is_compound_assign(op: &syn::BinOp) -> bool {
    use syn::BinOp as B;
    matches!(
        op,
        B::AddAssign(_)
            | B::SubAssign(_)
            | B::MulAssign(_)
            | B::DivAssign(_)
            | B::RemAssign(_)
            | B::BitXorAssign(_)
            | B::BitAndAssign(_)
            | B::BitOrAssign(_)
            | B::ShlAssign(_)
            | B::ShrAssign(_)
    )
}

fn same_operand(a: &Operand, b: &Operand) -> bool {
    match (a, b) {
        (Operand::Val(x), Operand::Val(y)) => x == y,
        (Operand::Const(x), Operand::Const(y)) => x.to_string() == y.to_string(),
        _ => false,
    }
}

fn strip_parens(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => strip_parens(&p.expr),
        syn::Expr::Group(g) => strip_parens(&g.expr),
        other => other,
    }
}

fn assign_target_name(e: &syn::Expr) -> Option<String> {
    match strip_parens(e) {
        syn::Expr::Path(p) => p.path.get_ident().map(name_of),
        _ => None,
    }
}

/// The non-assigning form of a compound assignment operator (`%=` → `%`).
fn plain_op(op: &syn::BinOp) -> syn::BinOp {
    use syn::BinOp as B;
    match op {
        B::RemAssign(_) => B::Rem(Default::default()),
        B::BitXorAssign(_) => B::BitXor(Default::default()),
        B::BitAndAssign(_) => B::BitAnd(Default::default()),
        B::BitOrAssign(_) => B::BitOr(Default::default()),
        B::ShlAssign(_) => B::Shl(Default::default()),
        B::ShrAssign(_) => B::Shr(Default::default()),
        other => *other,
    }
}

/// The name of a type written as a single identifier (`f64`, `usize`), if it is one.
pub fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(tp) if tp.qself.is_none() => {
            let segs: Vec<String> = tp
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            match segs
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice()
            {
                [one] => Some((*one).to_owned()),
                // `core::primitive::f64`, `std::primitive::usize`
                ["core" | "std", "primitive", t] => Some((*t).to_owned()),
                _ => None,
            }
        }
        syn::Type::Paren(p) => type_name(&p.elem),
        syn::Type::Group(g) => type_name(&g.elem),
        _ => None,
    }
}

fn check_annotation(ty: &syn::Type, errors: &mut Errors) {
    if type_name(ty).as_deref() == Some("f32") {
        errors.at(ty, "f32 is not differentiated: use f64");
    }
}

pub fn contains_return(block: &syn::Block) -> bool {
    #[derive(Default)]
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_return(&mut self, _: &'ast syn::ExprReturn) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = Finder::default();
    f.visit_block(block);
    f.0
}

/// Names assigned (`x = `, `x += `, ...) anywhere in a loop body, nested loops included.
#[derive(Default)]
struct AssignedNames {
    names: Vec<String>,
}

impl<'ast> Visit<'ast> for AssignedNames {
    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        if let Some(n) = assign_target_name(&a.left) {
            self.names.push(n);
        }
        syn::visit::visit_expr_assign(self, a);
    }
    fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
        if is_compound_assign(&b.op)
            && let Some(n) = assign_target_name(&b.left)
        {
            self.names.push(n);
        }
        syn::visit::visit_expr_binary(self, b);
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// A local array written element by element and used only after its last write needs no tape:
/// the reverse sweep reads it in its final state. Otherwise it is marked `restore`: its writes
/// record what they overwrite and the reverse sweep restores it. Then, until its last write, it
/// may be read element by element at the top level of the body or directly in the body of a
/// top-level loop (those reads are recorded where a recomputed body needs them), and used as a
/// whole array only after its last write.
fn classify_local_arrays(body: &[Stmt], values: &mut [ValueInfo], errors: &mut Errors) {
    let arrays: Vec<ValId> = (0..values.len()).filter(|v| values[*v].mutable).collect();
    for y in arrays {
        let mut used = false;
        let mut ordered = true;
        for s in body {
            if first_write(s, y).is_some() && (used || reads(s, y)) {
                ordered = false;
                break;
            }
            used |= reads(s, y);
        }
        if ordered {
            continue;
        }
        values[y].restore = true;
        let name = values[y].user_name.clone().unwrap_or_default();
        let Some(last) = body.iter().rposition(|s| first_write(s, y).is_some()) else {
            continue;
        };
        for s in &body[..=last] {
            if let Some(span) = whole_use(s, y) {
                errors.at_span(
                    span,
                    format!(
                        "`{name}` is used as a whole array before its last element write; use it whole after it is filled, or read single elements (`{name}[i]`)"
                    ),
                );
                return;
            }
            let nested_read = match s {
                Stmt::Loop(l) => l.body.stmts.iter().find_map(|b| match b {
                    Stmt::Let(_) | Stmt::Write(_) => None,
                    other => index_read(other, y),
                }),
                Stmt::If(_) => index_read(s, y),
                _ => None,
            };
            if let Some(span) = nested_read {
                errors.at_span(
                    span,
                    format!(
                        "`{name}` is read here and written later: such reads are supported at the top level of the body or directly in the body of a top-level loop, not inside an `if` or a nested loop; read the element into an f64 variable there"
                    ),
                );
                return;
            }
        }
    }
}

/// A use of `y` other than an element read, anywhere in `s`.
fn whole_use(s: &Stmt, y: ValId) -> Option<Span> {
    let is_y = |o: &Operand| o.val() == Some(y);
    match s {
        Stmt::Let(l) => match &l.op {
            Op::Index { arr, idx, .. } => (idx.iter().any(is_y) && !is_y(arr)).then_some(l.span),
            // The shape does not change with the elements.
            Op::Array(
                ArrayMethod::Len | ArrayMethod::Nrows | ArrayMethod::Ncols | ArrayMethod::Shape,
                _,
            ) => None,
            op => crate::analyse::op_operands(op)
                .into_iter()
                .any(is_y)
                .then_some(l.span),
        },
        Stmt::Write(w) => (is_y(&w.val) || w.idx.iter().any(is_y)).then_some(w.span),
        Stmt::If(i) => i
            .then_block
            .stmts
            .iter()
            .chain(&i.else_block.stmts)
            .find_map(|s| whole_use(s, y)),
        Stmt::Loop(l) => l.body.stmts.iter().find_map(|s| whole_use(s, y)),
    }
}

/// An element read of `y` anywhere in `s`.
fn index_read(s: &Stmt, y: ValId) -> Option<Span> {
    match s {
        Stmt::Let(l) => {
            matches!(&l.op, Op::Index { arr, .. } if arr.val() == Some(y)).then_some(l.span)
        }
        Stmt::Write(_) => None,
        Stmt::If(i) => i
            .then_block
            .stmts
            .iter()
            .chain(&i.else_block.stmts)
            .find_map(|s| index_read(s, y)),
        Stmt::Loop(l) => l.body.stmts.iter().find_map(|s| index_read(s, y)),
    }
}

fn first_write(s: &Stmt, y: ValId) -> Option<Span> {
    match s {
        Stmt::Write(w) if w.arr == y => Some(w.span),
        Stmt::Let(_) | Stmt::Write(_) => None,
        Stmt::If(i) => i
            .then_block
            .stmts
            .iter()
            .chain(&i.else_block.stmts)
            .find_map(|s| first_write(s, y)),
        Stmt::Loop(l) => l.body.stmts.iter().find_map(|s| first_write(s, y)),
    }
}

fn reads(s: &Stmt, y: ValId) -> bool {
    let is_y = |o: &Operand| o.val() == Some(y);
    match s {
        Stmt::Let(l) => crate::analyse::op_operands(&l.op).into_iter().any(is_y),
        Stmt::Write(w) => is_y(&w.val) || w.idx.iter().any(is_y),
        Stmt::If(i) => {
            is_y(&i.cond)
                || i.merges
                    .iter()
                    .any(|m| is_y(&m.then_val) || is_y(&m.else_val))
                || i.then_block
                    .stmts
                    .iter()
                    .chain(&i.else_block.stmts)
                    .any(|s| reads(s, y))
        }
        Stmt::Loop(l) => {
            l.carried.iter().any(|c| is_y(&c.init) || is_y(&c.next))
                || l.exit.as_ref().is_some_and(is_y)
                || match &l.head {
                    LoopHead::Range { range, .. } => {
                        is_y(&range.lo)
                            || is_y(&range.hi)
                            || range
                                .adaptors
                                .iter()
                                .any(|a| matches!(a, Adaptor::StepBy(k) if is_y(k)))
                    }
                    LoopHead::Forever => false,
                }
                || l.body.stmts.iter().any(|s| reads(s, y))
        }
    }
}
