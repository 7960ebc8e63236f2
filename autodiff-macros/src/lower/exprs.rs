//! Expressions: literals, paths, operators (long chains without recursion).

use super::*;

impl Lowerer<'_> {
    /// Lowers an expression in value position. `None` for unit-valued expressions (assignments,
    /// loops) and after an error.
    pub(super) fn expr(&mut self, e: &syn::Expr, out: &mut Vec<Stmt>) -> Option<Operand> {
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
                    // `*v` of an element bound by value (`|v|` over `.copied()`, or
                    // `**v` in a `filter`) reads the value itself.
                    syn::UnOp::Deref(_) if self.kind(&a) == Kind::Scalar && self.is_float(&a) => {
                        return Some(a);
                    }
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
            syn::Expr::Assign(a) if matches!(strip_parens(&a.left), syn::Expr::Tuple(_)) => {
                self.tuple_assign(a, out);
                None
            }
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
                    self.errors.at(label, LABELLED_LOOP_REFUSED);
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
                    self.errors.at(label, LABELLED_LOOP_REFUSED);
                    return None;
                }
                self.a_loop(LoopKind::Forever, &l.body, out, l.span())
            }
            syn::Expr::Closure(c) => {
                self.errors.at(
                    c,
                    "a closure in a #[differentiable] function must be bound with `let f = |..| ..;` and called, or given to an iterator adaptor (`map`, `filter`, `fold`, ...)",
                );
                None
            }
            syn::Expr::Match(m) => self.match_expr(m, out, true),
            syn::Expr::Unsafe(u) => {
                self.errors.at(
                    u.unsafe_token,
                    "`unsafe` blocks are not supported in a #[differentiable] function (nor are mutable statics, which need them); pass the value in as a parameter",
                );
                None
            }
            // `vec![a, b, c]`: a new local array of those elements.
            syn::Expr::Macro(m)
                if super::syntax::is_vec_macro(&m.mac.path)
                    && let Ok(list) = m.mac.parse_body_with(
                        syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
                    )
                    && !list.is_empty() =>
            {
                let elems: Vec<&syn::Expr> = list.iter().collect();
                self.elements(&elems, ElemsForm::Vec, span, out)
            }
            syn::Expr::Macro(m) if super::syntax::is_vec_macro(&m.mac.path) => {
                let parsed = m.mac.parse_body_with(|input: syn::parse::ParseStream| {
                    let v: syn::Expr = input.parse()?;
                    let _: syn::Token![;] = input.parse()?;
                    let n: syn::Expr = input.parse()?;
                    Ok((v, n))
                });
                let Ok((v, n)) = parsed else {
                    self.errors.at(
                        &m.mac,
                        "only `vec![value; len]` (a new local array to write into) and `vec![a, b, ..]` of f64 values are supported in a #[differentiable] function",
                    );
                    return None;
                };
                if is_integer_literal(&v) {
                    self.errors.at(&v, INTEGER_ARRAYS);
                    return None;
                }
                let v = self.operand(&v, out)?;
                let n = self.operand(&n, out)?;
                Some(self.emit(out, Op::NewArray(NewArray::Vec(v, n)), span, None))
            }
            // `[v; N]`: `N` is a constant expression, kept as written.
            syn::Expr::Repeat(r) => {
                if is_integer_literal(&r.expr) {
                    self.errors.at(&r.expr, INTEGER_ARRAYS);
                    return None;
                }
                let v = self.operand(&r.expr, out)?;
                let n = r.len.to_token_stream();
                Some(self.emit(out, Op::NewArray(NewArray::Repeat(v, n)), span, None))
            }
            syn::Expr::Macro(m)
                if m.mac
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "matches") =>
            {
                self.matches_macro(&m.mac, out)
            }
            syn::Expr::Macro(m) => self.macro_call(&m.mac, out),
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
                        syn::Expr::Range(_) => return self.index(i, true, out),
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
                if let Some(read) = self.constant_field(f) {
                    return Some(Operand::Const(read));
                }
                if matches!(f.member, syn::Member::Unnamed(_)) {
                    self.errors.at(
                        f,
                        "a part of a tuple is read from a variable holding it (`let t = (a, b); t.0`) or by taking the tuple apart (`let (a, b) = ..;`); this tuple is neither",
                    );
                    return None;
                }
                self.errors.at(
                    f,
                    "field access is supported on parameters that are not differentiated (`self.k`, or `cfg.n` with `cfg: &Config`); to differentiate with respect to a field, pass its value as an f64 (or array) parameter",
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
            syn::Expr::Array(a) if !a.elems.is_empty() => {
                let elems: Vec<&syn::Expr> = a.elems.iter().collect();
                self.elements(&elems, ElemsForm::Fixed, span, out)
            }
            syn::Expr::Array(a) => {
                self.errors.at(
                    a,
                    "an empty array literal is not supported in a #[differentiable] function; write `[0.0; N]` or `vec![0.0; n]` and fill it",
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
    pub(super) fn operand(&mut self, e: &syn::Expr, out: &mut Vec<Stmt>) -> Option<Operand> {
        let v = self.expr(e, out);
        if v.is_none() {
            self.no_value(e);
        }
        v
    }

    /// Sub-expressions that must have values (arguments, indices), in order. All are lowered,
    /// also after one failed, so that each problem among them is reported.
    pub(super) fn operands<'x>(
        &mut self,
        es: impl IntoIterator<Item = &'x syn::Expr>,
        out: &mut Vec<Stmt>,
    ) -> Option<Vec<Operand>> {
        let all: Vec<Option<Operand>> = es.into_iter().map(|e| self.operand(e, out)).collect();
        all.into_iter().collect()
    }

    pub(super) fn path(&mut self, p: &syn::ExprPath) -> Option<Operand> {
        if p.qself.is_none()
            && let Some(ident) = p.path.get_ident()
            && let Some(b) = self.lookup(&name_of(ident))
        {
            if is_refused(&b.op) {
                return None;
            }
            if b.closure.is_some() {
                self.errors.at(
                    p,
                    "a closure can be called (`f(x)`) or given to an iterator adaptor in a #[differentiable] function; other uses are not supported",
                );
                return None;
            }
            return Some(b.op);
        }
        // Not a local: a constant, a static or a unit-like item, used as written.
        Some(Operand::Const(p.to_token_stream()))
    }

    pub(super) fn binary(&mut self, b: &syn::ExprBinary, out: &mut Vec<Stmt>) -> Option<Operand> {
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
            let rhs = self.operand(&b.right, out);
            let current = self.operand(&b.left, out);
            let (rhs, current) = (rhs?, current?);
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
                let right = &b.right;
                let Some(lhs) = self.operand(&b.left, out) else {
                    // The right operand's own problems are reported too.
                    self.operand(right, &mut Vec::new());
                    return None;
                };

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
                // Every operand is lowered, also after one failed, so that each problem is
                // reported.
                let mut acc = self.operand(leftmost, out);
                for node in spine.into_iter().rev() {
                    let rhs = self.operand(&node.right, out);
                    acc = match (acc, rhs) {
                        (Some(a), Some(r)) => self.plain_binary(node, a, r, out),
                        _ => None,
                    };
                }
                acc
            }
        }
    }

    /// `lhs op rhs` for an operator that is neither an assignment nor `&&`/`||`.
    pub(super) fn plain_binary(
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
}

/// Local arrays are arrays of `f64` (the generated code gives them adjoints and tangents).
const INTEGER_ARRAYS: &str = "local arrays of integers are not supported in a #[differentiable] function yet (local arrays hold f64 values, which get derivatives); keep indices in integer variables, or compute them in a function without the attribute and pass the result in";

/// `1`, `0usize`, `-3`: an integer literal (not `1.0`, `1f64`).
fn is_integer_literal(e: &syn::Expr) -> bool {
    match strip_parens(e) {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(n),
            ..
        }) => !n.suffix().starts_with('f'),
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => is_integer_literal(&u.expr),
        _ => false,
    }
}
