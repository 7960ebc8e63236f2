//! Method and function calls: the math table, the array methods, constant methods, casts and
//! calls to other `#[differentiable]` functions.

use super::iterators;
use super::*;

impl Lowerer<'_> {
    pub(super) fn array_method(
        &mut self,
        m: &syn::ExprMethodCall,
        out: &mut Vec<Stmt>,
    ) -> Option<Option<Operand>> {
        use ArrayMethod as A;
        if let Some(result) = self.more_array_methods(m, out) {
            return Some(result);
        }
        if m.method == "unwrap_or"
            && m.args.len() == 1
            && let Some(e) = super::array_methods::element_or(m)
        {
            return Some(self.operand(&e, out));
        }
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
                        let segs: Vec<String> = crate::names::path_names(&p.path);
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
                        "`mapv` takes a closure of the element, `mapv(|e| ...)`, or one of the one-argument f64 math functions by path, such as `mapv(f64::exp)`",
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
            "unwrap" => return Some(self.unwrap(m, out)),
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

    pub(super) fn method_call(
        &mut self,
        m: &syn::ExprMethodCall,
        out: &mut Vec<Stmt>,
    ) -> Option<Operand> {
        let name = m.method.to_string();
        if let Some(result) = self.iterator_consumer(m, None, out) {
            return result;
        }
        if let Some((bad, msg)) = iterators::method_misuse(m) {
            self.errors.at(bad, msg);
            return None;
        }
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
            let recv = self.operand(&m.receiver, out);
            if let Some(r) = &recv
                && self.kind(r).is_array()
            {
                return self.array_elementwise(m, r.clone(), out);
            }
            let args = self.operands(&m.args, out);
            let mut ops = vec![recv?];
            ops.extend(args?);
            // On floats `rem_euclid` is `a - b * floor(a / b)`: not a constant.
            if name == "rem_euclid" && self.is_float(&ops[0]) {
                self.errors.at(
                    &m.method,
                    "`rem_euclid` of an f64 is not supported in a #[differentiable] function (unlike the integer method it is not constant: its derivative in the receiver is 1); write `let r = a % b; if r < 0.0 { r + b.abs() } else { r }`",
                );
                return None;
            }
            let method = m.method.clone();
            return Some(self.emit(
                out,
                Op::Inactive(InactiveOp::Method(method, ops)),
                m.span(),
                None,
            ));
        }
        if let Some(result) = self.self_method_call(m, out) {
            return result;
        }
        let lookup = MathFn::lookup(&name);
        let recv = self.operand(&m.receiver, out);
        if let Some(r) = &recv
            && self.kind(r).is_array()
        {
            return self.array_elementwise(m, r.clone(), out);
        }
        let Some((f, arity)) = lookup else {
            if name == "push" {
                // A receiver already refused (`Vec::new()`) has had its error.
                if recv.is_some() {
                    self.errors.at(&m.method, GROWING_VEC);
                }
                return None;
            }
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
        let args = self.operands(&m.args, out);
        let mut ops = vec![recv?];
        ops.extend(args?);
        if ops.iter().any(|o| self.kind(o).is_array()) {
            self.errors.at(
                &m.method,
                format!(
                    "`{name}` applies to f64 values; for an array write `.mapv(|e| e.{name}(..))`"
                ),
            );
            return None;
        }
        Some(self.emit(out, Op::Math(f, ops), m.span(), None))
    }

    pub(super) fn call(&mut self, c: &syn::ExprCall, out: &mut Vec<Stmt>) -> Option<Operand> {
        // `let r = step(w, &mut s, x);`: a helper that writes into `&mut` arguments.
        if c.args.iter().any(super::mut_calls::is_mut_borrow) {
            return self.mut_call(c, out);
        }
        let syn::Expr::Path(fp) = strip_parens(&c.func) else {
            self.errors.at(
                &c.func,
                "only calls of functions by name or path are supported in a #[differentiable] function; name the #[differentiable] function you call (`f(x)`, `module::f(x)`)",
            );
            return None;
        };
        if fp.qself.is_none()
            && let Some(ident) = fp.path.get_ident()
            && let Some(index) = self.lookup(&name_of(ident)).and_then(|b| b.closure)
        {
            let args: Vec<&syn::Expr> = c.args.iter().collect();
            return self.call_closure(index, &args, c, out);
        }
        if fp.qself.is_some() {
            self.errors.at(fp, "qualified paths (`<T as Trait>::f`) are not supported in a #[differentiable] function; call the function by its path, like `f64::sin(x)` or `module::f(x)`");
            return None;
        }
        let segs: Vec<String> = crate::names::path_names(&fp.path);
        if segs.len() >= 2
            && segs[segs.len() - 2] == "Vec"
            && matches!(segs[segs.len() - 1].as_str(), "new" | "with_capacity")
        {
            self.errors.at(fp, GROWING_VEC);
            return None;
        }
        // `Array1::<f64>::zeros(n)`: the element type may be written.
        let is_zeros = segs.len() >= 2
            && matches!(
                segs[segs.len() - 1].as_str(),
                "zeros" | "ones" | "from_elem" | "from_vec"
            );
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
        if let Some(result) = self.array_constructor(c, &segs, out) {
            return result;
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
        // `stop_gradient(x)` (the runtime's, by any path): the value, with no derivative.
        if segs.last().is_some_and(|s| s == "stop_gradient") && c.args.len() == 1 {
            let a = self.operand(&c.args[0], out)?;
            return Some(self.emit(
                out,
                Op::Inactive(InactiveOp::StopGradient(a)),
                c.span(),
                None,
            ));
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
            let ops = self.operands(&c.args, out)?;
            return Some(self.emit(out, Op::Math(f, ops), c.span(), None));
        }
        let args = self.operands(&c.args, out)?;
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

    pub(super) fn cast(&mut self, c: &syn::ExprCast, out: &mut Vec<Stmt>) -> Option<Operand> {
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
}

/// A vector that grows (`Vec::new()`, `push`): its elements' positions would have to be
/// recorded for the reverse sweep; a vector made with its length is a local array.
pub(super) const GROWING_VEC: &str = "a growing `Vec` (`Vec::new()`, `Vec::with_capacity(n)`, `push`) is not supported in a #[differentiable] function; create it with its length and write its elements, `let mut ys = vec![0.0; n]; ys[i] = ...;`, or collect an iterator chain, `let ys: Vec<f64> = x.iter().map(|v| v.sin()).collect();`";
