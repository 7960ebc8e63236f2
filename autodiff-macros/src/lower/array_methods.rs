//! The everyday ndarray methods beyond the reductions of `calls.rs`: `t()`, `view()`,
//! `to_owned()`, `sum_axis`/`mean_axis`/`var_axis`/`std_axis`/`insert_axis`/`len_of` with
//! `Axis(k)`, `broadcast(..).unwrap()`, ndarray's elementwise math (`x.exp()`), and the errors
//! for array methods outside the contract. Beside it: `array_slices.rs` (`slice(s![..])`,
//! `&x[a..b]`), `array_closures.rs` (`mapv`/`map` with a closure, `fold`) and
//! `array_constructors.rs` (`from_elem`, `ones`, `from_vec`).

use super::*;

/// What an error about an array method says is supported.
pub(super) const ARRAY_METHODS: &str = "ndarray's elementwise math (`x.exp()`, `x.powi(2)`, \
`x.clamp(a, b)`, ...), `sum()`, `mean().unwrap()`, `var(ddof)`, `std(ddof)`, \
`dot(&y)`, `t()`, `sum_axis(Axis(k))`, `mean_axis(Axis(k)).unwrap()`, `var_axis(Axis(k), ddof)`, \
`std_axis(Axis(k), ddof)`, `insert_axis(Axis(k))`, \
`slice(s![..])`, `column(j)`, `row(i)`, `mapv(f64::exp)`, `mapv(|e| ...)`, `map(|&e| ...)`, \
`fold(init, |acc, &e| ...)`, `broadcast(shape).unwrap()`, `view()`, `to_owned()`, `clone()`, `len()`, \
`len_of(Axis(k))`, `nrows()`, `ncols()`, `shape()`";

/// Whether `e` is (syntactically) an iterator rather than an array: a range, or a call of an
/// iterator method (`iter()`, `zip(..)`, `map(..)` of one, ...).
fn is_iterator(e: &syn::Expr) -> bool {
    match strip_parens(e) {
        syn::Expr::Range(_) => true,
        syn::Expr::MethodCall(m) => {
            matches!(
                m.method.to_string().as_str(),
                "iter"
                    | "into_iter"
                    | "iter_mut"
                    | "zip"
                    | "enumerate"
                    | "rev"
                    | "skip"
                    | "take"
                    | "step_by"
                    | "cloned"
                    | "copied"
                    | "filter"
                    | "chain"
                    | "windows"
                    | "chunks"
                    | "rows"
                    | "columns"
                    | "outer_iter"
                    | "axis_iter"
                    | "lanes"
            ) || (m.method == "map" && is_iterator(&m.receiver))
        }
        _ => false,
    }
}

impl Lowerer<'_> {
    /// The receiver of method call `m`, which must be an array of at most `max_dims` dimensions.
    pub(super) fn array_receiver(
        &mut self,
        m: &syn::ExprMethodCall,
        out: &mut Vec<Stmt>,
        max_dims: u8,
    ) -> Option<Operand> {
        let a = self.operand(&m.receiver, out)?;
        let dims = self.kind(&a).dims();
        if dims == 0 {
            self.errors.at(
                &m.method,
                format!(
                    "`{}` applies to ndarray arrays; this receiver is not an array",
                    m.method
                ),
            );
            return None;
        }
        if dims > max_dims {
            self.errors.at(
                &m.method,
                format!(
                    "`{}` is supported on arrays of at most {max_dims} dimension(s) in a #[differentiable] function",
                    m.method
                ),
            );
            return None;
        }
        Some(a)
    }

    /// `Axis(k)` (or a path ending in `Axis`): the operand `k`.
    pub(super) fn axis_arg(&mut self, e: &syn::Expr, out: &mut Vec<Stmt>) -> Option<Operand> {
        if let syn::Expr::Call(c) = strip_parens(e)
            && let syn::Expr::Path(p) = strip_parens(&c.func)
            && p.path.segments.last().is_some_and(|s| s.ident == "Axis")
            && c.args.len() == 1
        {
            return self.operand(&c.args[0], out);
        }
        self.errors.at(e, "write the axis as `Axis(k)`");
        None
    }

    /// `t()`, `view()`, `to_owned()`; `sum_axis`, `insert_axis`, `var_axis`, `std_axis` and
    /// `len_of` with `Axis(k)`; `slice(s![..])`; `mapv(|e| ..)`, `map(|e| ..)`;
    /// `fold(init, |acc, &e| ..)`; and the errors for `mean_axis`/`broadcast` without `unwrap`.
    /// `None` if `m` is none of these (or is `map`/`fold` of an iterator).
    pub(super) fn more_array_methods(
        &mut self,
        m: &syn::ExprMethodCall,
        out: &mut Vec<Stmt>,
    ) -> Option<Option<Operand>> {
        use ArrayMethod as A;
        let name = m.method.to_string();
        // `map` and `fold` of an iterator (`x.iter().map(..)`, `(0..n).fold(..)`) are not the
        // array methods.
        if matches!(name.as_str(), "map" | "fold") && is_iterator(&m.receiver) {
            return None;
        }
        let arity = |n: usize, lw: &mut Self| {
            if m.args.len() != n {
                lw.errors
                    .at(&m.method, format!("`{name}` takes {n} argument(s)"));
                false
            } else {
                true
            }
        };
        let span = m.span();
        Some(match name.as_str() {
            // `clone()` of an array is its owned copy (`to_owned()`), the same values.
            "t" | "view" | "to_owned" | "clone" => {
                if !arity(0, self) {
                    return Some(None);
                }
                let method = match name.as_str() {
                    "t" => A::T,
                    "view" => A::View,
                    _ => A::ToOwned,
                };
                let a = self.array_receiver(m, out, 2);
                a.map(|a| self.emit(out, Op::Array(method, vec![a]), span, None))
            }
            "sum_axis" | "insert_axis" => {
                if !arity(1, self) {
                    return Some(None);
                }
                let (method, max) = if name == "sum_axis" {
                    (A::SumAxis, 2)
                } else {
                    (A::InsertAxis, 1)
                };
                let Some(a) = self.array_receiver(m, out, max) else {
                    return Some(None);
                };
                if method == A::SumAxis && self.kind(&a).dims() == 1 {
                    self.errors.at(
                        &m.method,
                        "`sum_axis` of a 1-D array is a 0-D array: write `.sum()`",
                    );
                    return Some(None);
                }
                let k = self.axis_arg(&m.args[0], out);
                k.map(|k| self.emit(out, Op::Array(method, vec![a, k]), span, None))
            }
            "var_axis" | "std_axis" => {
                if !arity(2, self) {
                    return Some(None);
                }
                let method = if name == "var_axis" {
                    A::VarAxis
                } else {
                    A::StdAxis
                };
                let Some(a) = self.array_receiver(m, out, 2) else {
                    return Some(None);
                };
                if self.kind(&a).dims() == 1 {
                    self.errors.at(
                        &m.method,
                        format!(
                            "`{name}` of a 1-D array is a 0-D array: write `.{}(ddof)`",
                            &name[..3]
                        ),
                    );
                    return Some(None);
                }
                let Some(k) = self.axis_arg(&m.args[0], out) else {
                    return Some(None);
                };
                let d = self.operand(&m.args[1], out);
                d.map(|d| self.emit(out, Op::Array(method, vec![a, k, d]), span, None))
            }
            "mean_axis" | "broadcast" => {
                let example = if name == "mean_axis" {
                    "mean_axis(Axis(k))"
                } else {
                    "broadcast((rows, cols))"
                };
                self.errors.at(
                    &m.method,
                    format!("write `.{example}.unwrap()`: `{name}` returns an Option"),
                );
                None
            }
            "len_of" => {
                if !arity(1, self) {
                    return Some(None);
                }
                let Some(a) = self.array_receiver(m, out, 2) else {
                    return Some(None);
                };
                let k = self.axis_arg(&m.args[0], out);
                k.map(|k| self.emit(out, Op::Array(A::LenOf, vec![a, k]), span, None))
            }
            "slice" => self.slice(m, out),
            "mapv" | "map" => match m.args.first().map(strip_parens) {
                Some(syn::Expr::Closure(c)) if m.args.len() == 1 => self.mapv_closure(m, c, out),
                _ if name == "map" => {
                    self.errors.at(
                        &m.args,
                        "`map` takes a closure of the element, `map(|e| ...)` or `map(|&e| ...)`",
                    );
                    None
                }
                _ => return None,
            },
            "fold" => self.fold(m, out),
            _ => return None,
        })
    }

    /// `recv.unwrap()`: supported after `mean()` and `mean_axis(Axis(k))`; otherwise the error
    /// is on the method at fault.
    pub(super) fn unwrap(
        &mut self,
        m: &syn::ExprMethodCall,
        out: &mut Vec<Stmt>,
    ) -> Option<Operand> {
        let span = m.span();
        if !m.args.is_empty() {
            self.errors.at(&m.method, "`unwrap` takes no arguments");
            return None;
        }
        let syn::Expr::MethodCall(inner) = strip_parens(&m.receiver) else {
            self.errors.at(
                &m.method,
                "`unwrap` is supported only after `.mean()`, `.mean_axis(Axis(k))` and `.broadcast(shape)` in a #[differentiable] function",
            );
            return None;
        };
        if let Some(e) = first_or_last(inner) {
            return self.operand(&e, out);
        }
        match inner.method.to_string().as_str() {
            "mean" if inner.args.is_empty() => {
                let a = self.operand(&inner.receiver, out)?;
                Some(self.emit(out, Op::Array(ArrayMethod::Mean, vec![a]), span, None))
            }
            "mean_axis" if inner.args.len() == 1 => {
                let a = self.array_receiver(inner, out, 2)?;
                if self.kind(&a).dims() == 1 {
                    self.errors.at(
                        &inner.method,
                        "`mean_axis` of a 1-D array is a 0-D array: write `.mean().unwrap()`",
                    );
                    return None;
                }
                let k = self.axis_arg(&inner.args[0], out)?;
                Some(self.emit(
                    out,
                    Op::Array(ArrayMethod::MeanAxis, vec![a, k]),
                    span,
                    None,
                ))
            }
            "broadcast" if inner.args.len() == 1 => {
                let a = self.array_receiver(inner, out, 2)?;
                let mut ops = vec![a];
                match strip_parens(&inner.args[0]) {
                    syn::Expr::Tuple(t) if (1..=2).contains(&t.elems.len()) => {
                        for e in &t.elems {
                            ops.push(self.operand(e, out)?);
                        }
                    }
                    syn::Expr::Tuple(t) => {
                        self.errors.at(
                            t,
                            "`broadcast` to at most 2 dimensions is supported: `(rows, cols)`",
                        );
                        return None;
                    }
                    n => ops.push(self.operand(n, out)?),
                }
                if ops.len() - 1 < self.kind(&ops[0]).dims() as usize {
                    self.errors.at(
                        &inner.args[0],
                        "`broadcast` gives the array at least as many dimensions as it has",
                    );
                    return None;
                }
                Some(self.emit(out, Op::Array(ArrayMethod::Broadcast, ops), span, None))
            }
            name => {
                // The inner method reports its own error if it is not supported; if it is,
                // it returns no Option.
                self.method_call(inner, out)?;
                self.errors.at(
                    &m.method,
                    format!("`{name}` does not return an Option here: remove `.unwrap()`"),
                );
                None
            }
        }
    }

    /// An error for a method that no rule covers, on an array receiver: what is supported.
    pub(super) fn array_method_refused(&mut self, m: &syn::ExprMethodCall) {
        let name = m.method.to_string();
        if name == "push" {
            self.errors.at(&m.method, super::calls::GROWING_VEC);
            return;
        }
        let hint = match name.as_str() {
            "max" | "min" => format!(
                "; for the largest or smallest element write `x.fold(f64::{}, |m, &e| m.{name}(e))`",
                if name == "max" {
                    "NEG_INFINITY"
                } else {
                    "INFINITY"
                }
            ),
            "product" | "sum_axis" | "mean_axis" => String::new(),
            _ => "; for anything else, loop over the elements (`for i in 0..x.len()`)".to_owned(),
        };
        self.errors.at(
            &m.method,
            format!(
                "method `{name}` is not supported on an array in a #[differentiable] function; the supported array methods are {ARRAY_METHODS}{hint}"
            ),
        );
    }

    /// ndarray's elementwise methods of float arrays, `x.exp()`, `x.powi(2)`, `x.clamp(a, b)`,
    /// `x.floor()`, `x.pow2()`, ...: the same values as `mapv` of the f64 method (which is how
    /// ndarray computes them), lowered as `x.mapv(f64::exp)` or as a `mapv` closure whose
    /// arguments are evaluated once. Other methods on an array are refused with what arrays
    /// support.
    pub(super) fn array_elementwise(
        &mut self,
        m: &syn::ExprMethodCall,
        recv: Operand,
        out: &mut Vec<Stmt>,
    ) -> Option<Operand> {
        let name = m.method.to_string();
        let n = m.args.len();
        match (MathFn::lookup(&name), name.as_str(), n) {
            (Some((f, 0)), _, 0) => {
                return Some(self.emit(
                    out,
                    Op::Array(ArrayMethod::Mapv(f), vec![recv]),
                    m.span(),
                    None,
                ));
            }
            (_, "powi" | "powf" | "log" | "hypot", 1)
            | (_, "clamp", 2)
            | (_, "floor" | "ceil" | "round" | "trunc" | "pow2", 0) => {}
            (Some((_, arity)), _, _) if n == arity => {
                let args = if arity == 0 { "" } else { ".." };
                self.errors.at(
                    &m.method,
                    format!(
                        "`{name}` applies to f64 values; for an array write `.mapv(|e| e.{name}({args}))`"
                    ),
                );
                return None;
            }
            _ => {
                self.array_method_refused(m);
                return None;
            }
        }
        // `recv.mapv(|e| e.name(a0, ..))` with the receiver and arguments under generated names.
        self.scopes.push(Scope::default());
        let r = self.namer.own("recv");
        self.bind_new(&r.to_string(), recv, None);
        let mut args = vec![];
        for (k, a) in m.args.iter().enumerate() {
            let Some(v) = self.operand(a, out) else {
                self.scopes.pop();
                return None;
            };
            let h = self.namer.own(&format!("arg{k}"));
            self.bind_new(&h.to_string(), v, None);
            args.push(h);
        }
        let e = self.namer.own("e");
        let method = &m.method;
        let body: syn::Expr = if name == "pow2" {
            syn::parse_quote_spanned!(method.span()=> #e * #e)
        } else {
            syn::parse_quote_spanned!(method.span()=> #e.#method(#(#args),*))
        };
        let call: syn::ExprMethodCall =
            syn::parse_quote_spanned!(method.span()=> #r.mapv(|#e| #body));
        let v = match call.args.first() {
            Some(syn::Expr::Closure(c)) => self.mapv_closure(&call, c, out),
            _ => None,
        };
        self.scopes.pop();
        v
    }
}

/// `x.first().unwrap()` and `x.last().unwrap()` (a `&f64`) as the element reads `&x[0]` and
/// `&x[x.len() - 1]`, with `.copied()` or `.cloned()` before `unwrap` as `x[0]`, a value; the
/// array named by a path or a field (read twice for `last`). `None` for anything else.
fn first_or_last(inner: &syn::ExprMethodCall) -> Option<syn::Expr> {
    let (call, by_ref) = match strip_parens(&inner.receiver) {
        syn::Expr::MethodCall(c)
            if (inner.method == "copied" || inner.method == "cloned") && inner.args.is_empty() =>
        {
            (c, false)
        }
        _ => (inner, true),
    };
    if !call.args.is_empty() || !(call.method == "first" || call.method == "last") {
        return None;
    }
    let x = strip_parens(&call.receiver);
    if !matches!(x, syn::Expr::Path(_) | syn::Expr::Field(_)) {
        return None;
    }
    let sp = call.method.span();
    let at: syn::Expr = if call.method == "first" {
        syn::parse_quote_spanned!(sp=> #x[0])
    } else {
        syn::parse_quote_spanned!(sp=> #x[#x.len() - 1])
    };
    Some(if by_ref {
        syn::parse_quote_spanned!(sp=> &#at)
    } else {
        at
    })
}

/// `x.get(i).copied().unwrap_or(d)` (or `.cloned()`), `x.first().copied().unwrap_or(d)` and
/// `x.last().copied().unwrap_or(d)` as the checked reads they are: `if i < x.len() { x[i] }
/// else { d }`; `x` named by a path or a field. `None` for anything else.
pub(super) fn element_or(m: &syn::ExprMethodCall) -> Option<syn::Expr> {
    let syn::Expr::MethodCall(copied) = strip_parens(&m.receiver) else {
        return None;
    };
    if !(copied.method == "copied" || copied.method == "cloned") || !copied.args.is_empty() {
        return None;
    }
    let syn::Expr::MethodCall(at) = strip_parens(&copied.receiver) else {
        return None;
    };
    let x = strip_parens(&at.receiver);
    if !matches!(x, syn::Expr::Path(_) | syn::Expr::Field(_)) {
        return None;
    }
    let d = &m.args[0];
    let sp = at.method.span();
    match (at.method.to_string().as_str(), at.args.len()) {
        ("get", 1) => {
            let i = &at.args[0];
            Some(syn::parse_quote_spanned!(sp=> if (#i) < #x.len() { #x[#i] } else { #d }))
        }
        ("first", 0) => Some(syn::parse_quote_spanned!(sp=> if #x.len() > 0 { #x[0] } else { #d })),
        ("last", 0) => {
            Some(syn::parse_quote_spanned!(sp=> if #x.len() > 0 { #x[#x.len() - 1] } else { #d }))
        }
        _ => None,
    }
}
