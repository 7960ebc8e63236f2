//! Tuples and destructuring: `let (mut x, mut y) = (x0, y0);`, `(x, y) = (y, x + y);`,
//! `let [a, b, c] = state;`. A tuple never exists as a value: its parts are lowered one by one
//! (all of them before any name is bound, so `let (a, b) = (b, a)` swaps) and each name is bound
//! to its part.

use super::closures::ArgVal;
use super::*;

impl Lowerer<'_> {
    /// A `let` whose pattern takes a value apart (tuple, `&name`, `[a, b]`).
    pub(super) fn pattern_let(&mut self, local: &syn::Local, pat: &syn::Pat, out: &mut Vec<Stmt>) {
        let Some(init) = &local.init else {
            self.errors.at(
                local,
                "`let` without a value is not supported in a #[differentiable] function; give the variables their first values where they are declared",
            );
            self.bind_placeholders(pat);
            return;
        };
        if let Some((_, diverge)) = &init.diverge {
            self.errors.at(
                diverge,
                "`let ... else` is not supported in a #[differentiable] function",
            );
            self.bind_placeholders(pat);
            return;
        }
        let ok = match pat {
            syn::Pat::Slice(sl) => self.slice_let(sl, &init.expr, out),
            syn::Pat::Tuple(t) if Self::is_branching(&init.expr) => {
                let parts = self.tuple_of_branches(&init.expr, t.elems.len(), out);
                let val = ArgVal::Tuple(parts.into_iter().map(ArgVal::One).collect());
                self.bind_pattern(pat, val, out)
            }
            syn::Pat::Tuple(t)
                if is_sin_cos(&init.expr)
                    || matches!(strip_parens(&init.expr), syn::Expr::Call(c) if self.is_tuple_call(c)) =>
            {
                match self.tuple_value(&init.expr, t.elems.len(), out) {
                    Some(parts) => {
                        let val = ArgVal::Tuple(parts.into_iter().map(ArgVal::One).collect());
                        self.bind_pattern(pat, val, out)
                    }
                    None => false,
                }
            }
            _ => match self.arg_val(&init.expr, out) {
                Some(val) => self.bind_pattern(pat, val, out),
                None => false,
            },
        };
        if !ok {
            self.bind_placeholders(pat);
        }
    }

    /// `let [a, b, c] = arr;`: each name reads its element.
    fn slice_let(&mut self, sl: &syn::PatSlice, init: &syn::Expr, out: &mut Vec<Stmt>) -> bool {
        let Some(arr) = self.operand(init, out) else {
            return false;
        };
        if self.kind(&arr).dims() != 1 {
            self.errors.at(
                init,
                "`let [a, b, ..] = value` takes apart a 1-D array of f64 in a #[differentiable] function",
            );
            return false;
        }
        for (i, p) in sl.elems.iter().enumerate() {
            match p {
                syn::Pat::Wild(_) => {}
                syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                    let idx = Operand::Const(quote!(#i));
                    let v = self.emit(
                        out,
                        Op::Index {
                            arr: arr.clone(),
                            idx: vec![idx],
                            multi: false,
                            by_ref: false,
                        },
                        pi.span(),
                        Some(&name_of(&pi.ident)),
                    );
                    self.bind_new(&name_of(&pi.ident), v, None);
                }
                other => {
                    self.errors.at(
                        other,
                        "in `let [a, b, ..] = array` each element must be a name or `_` in a #[differentiable] function",
                    );
                    return false;
                }
            }
        }
        true
    }

    /// `(x, y) = (y, x + y);`: every right-hand part first, then the assignments.
    pub(super) fn tuple_assign(&mut self, a: &syn::ExprAssign, out: &mut Vec<Stmt>) {
        let syn::Expr::Tuple(lhs) = strip_parens(&a.left) else {
            return;
        };
        let val = match strip_parens(&a.right) {
            e if Self::is_branching(e) => {
                let parts = self.tuple_of_branches(&a.right, lhs.elems.len(), out);
                Some(ArgVal::Tuple(parts.into_iter().map(ArgVal::One).collect()))
            }
            e if is_sin_cos(e) || matches!(e, syn::Expr::Call(c) if self.is_tuple_call(c)) => self
                .tuple_value(&a.right, lhs.elems.len(), out)
                .map(|parts| ArgVal::Tuple(parts.into_iter().map(ArgVal::One).collect())),
            _ => self.arg_val(&a.right, out),
        };
        let Some(val) = val else {
            return;
        };
        let ArgVal::Tuple(items) = val else {
            self.errors.at(
                &a.right,
                "assign a tuple to a tuple of places: `(x, y) = (a, b)`",
            );
            return;
        };
        if items.len() != lhs.elems.len() {
            self.errors.at(
                a,
                "the two sides of this tuple assignment have different lengths",
            );
            return;
        }
        for (place, item) in lhs.elems.iter().zip(items) {
            if matches!(place, syn::Expr::Infer(_)) {
                continue;
            }
            match item {
                ArgVal::One(v) => {
                    self.unless_jumped(out, |lw, body| lw.assign_to(place, v, body));
                }
                ArgVal::Tuple(_) => {
                    self.errors.at(
                        place,
                        "nested tuples in an assignment are not supported in a #[differentiable] function; assign each part",
                    );
                }
            }
        }
    }

    /// `return (a, b)` (or the tail `(a, b)`) of a function with `n` outputs.
    pub(super) fn ret_tuple(&mut self, e: &syn::Expr, n: usize, out: &mut Vec<Stmt>) {
        let Some(parts) = self.tuple_value(e, n, out) else {
            return;
        };
        self.unless_jumped(out, |lw, body| {
            for (i, v) in parts.into_iter().enumerate() {
                let v = lw.fresh(v, e.span(), body);
                lw.assign(&super::retval_slot(i), v, None);
            }
            lw.assign(RET, konst(true), Some(true));
        });
    }

    /// The `n` parts of a tuple-valued expression: a tuple written out, or a call of a
    /// #[differentiable] function that returns `n` f64s.
    pub(super) fn tuple_value(
        &mut self,
        e: &syn::Expr,
        n: usize,
        out: &mut Vec<Stmt>,
    ) -> Option<Vec<Operand>> {
        match strip_parens(e) {
            syn::Expr::Tuple(t) if t.elems.len() == n => {
                let mut parts = Vec::new();
                for el in &t.elems {
                    parts.push(self.operand(el, out)?);
                }
                Some(parts)
            }
            // `x.sin_cos()` / `f64::sin_cos(x)`: the pair of math functions, `x` evaluated once.
            e if n == 2 && is_sin_cos(e) => {
                let x = match e {
                    syn::Expr::MethodCall(m) => &*m.receiver,
                    syn::Expr::Call(c) => &c.args[0],
                    _ => return None,
                };
                let x = self.operand(x, out)?;
                let sp = e.span();
                let sin = self.emit(out, Op::Math(MathFn::Sin, vec![x.clone()]), sp, None);
                let cos = self.emit(out, Op::Math(MathFn::Cos, vec![x]), sp, None);
                Some(vec![sin, cos])
            }
            syn::Expr::Call(c) if self.is_tuple_call(c) => {
                let t = self.call(c, out)?;
                if let Operand::Val(id) = &t {
                    self.values[*id].kind = Kind::Tuple(n as u8);
                    self.values[*id].float = false;
                }
                Some(
                    (0..n)
                        .map(|i| self.emit(out, Op::Field(t.clone(), i), c.span(), None))
                        .collect(),
                )
            }
            _ => {
                self.errors.at(
                    e,
                    format!("expected a tuple of {n} values here: `(a, b, ..)` written out, or a call of a #[differentiable] function that returns {n} f64s"),
                );
                None
            }
        }
    }

    /// A call of a function by path that is not a closure nor a math function: a
    /// #[differentiable] function, whose outputs the pattern says.
    fn is_tuple_call(&self, c: &syn::ExprCall) -> bool {
        let syn::Expr::Path(p) = strip_parens(&c.func) else {
            return false;
        };
        let closure = p
            .path
            .get_ident()
            .and_then(|i| self.lookup(&name_of(i)))
            .is_some_and(|b| b.closure.is_some());
        let segs: Vec<String> = crate::names::path_names(&p.path);
        !closure && (segs.len() < 2 || segs[segs.len() - 2] != "f64")
    }

    /// After a refused pattern, its names are bound anyway so that later uses add no errors.
    pub(super) fn bind_placeholders(&mut self, pat: &syn::Pat) {
        #[derive(Default)]
        struct Names(Vec<String>);
        impl<'ast> Visit<'ast> for Names {
            fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
                self.0.push(name_of(&p.ident));
            }
        }
        let mut names = Names::default();
        names.visit_pat(pat);
        for n in names.0 {
            self.bind_new(&n, refused(), None);
        }
    }
}

/// `x.sin_cos()` or `f64::sin_cos(x)`.
fn is_sin_cos(e: &syn::Expr) -> bool {
    match strip_parens(e) {
        syn::Expr::MethodCall(m) => m.method == "sin_cos" && m.args.is_empty(),
        syn::Expr::Call(c) => {
            c.args.len() == 1
                && matches!(strip_parens(&c.func), syn::Expr::Path(p)
                    if p.path.segments.len() == 2
                        && p.path.segments[0].ident == "f64"
                        && p.path.segments[1].ident == "sin_cos")
        }
        _ => false,
    }
}
