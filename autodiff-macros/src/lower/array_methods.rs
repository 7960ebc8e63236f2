//! The everyday ndarray methods beyond the reductions of `calls.rs`: `t()`, `view()`,
//! `to_owned()`, `sum_axis`/`mean_axis`/`var_axis`/`std_axis`/`insert_axis`/`len_of` with
//! `Axis(k)`, `broadcast(..).unwrap()`, `slice(s![..])` and `&x[a..b]`, ndarray's elementwise
//! math (`x.exp()`), `mapv` and `map` with a closure (the closure body lowered as a scalar
//! function of its own), `fold` (a loop over the elements), `from_elem`/`ones`/`from_vec`, and
//! the errors for array methods outside the contract.

use super::*;

/// What an error about an array method says is supported.
pub(super) const ARRAY_METHODS: &str = "ndarray's elementwise math (`x.exp()`, `x.powi(2)`, \
`x.clamp(a, b)`, ...), `sum()`, `mean().unwrap()`, `var(ddof)`, `std(ddof)`, \
`dot(&y)`, `t()`, `sum_axis(Axis(k))`, `mean_axis(Axis(k)).unwrap()`, `var_axis(Axis(k), ddof)`, \
`std_axis(Axis(k), ddof)`, `insert_axis(Axis(k))`, \
`slice(s![..])`, `column(j)`, `row(i)`, `mapv(f64::exp)`, `mapv(|e| ...)`, `map(|&e| ...)`, \
`fold(init, |acc, &e| ...)`, `broadcast(shape).unwrap()`, `view()`, `to_owned()`, `len()`, \
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
    fn array_receiver(
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
    fn axis_arg(&mut self, e: &syn::Expr, out: &mut Vec<Stmt>) -> Option<Operand> {
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
            "t" | "view" | "to_owned" => {
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

    /// `a.slice(s![...])`: a view. Indices and range bounds are constants or integer values.
    fn slice(&mut self, m: &syn::ExprMethodCall, out: &mut Vec<Stmt>) -> Option<Operand> {
        let refuse = |lw: &mut Self| {
            lw.errors.at(
                &m.args,
                "`slice` takes `s![...]` with indices and ranges (`s![1..]`, `s![.., j]`, `s![a..b;2]`)",
            );
            None
        };
        let Some(syn::Expr::Macro(mac)) = m.args.first().map(strip_parens) else {
            return refuse(self);
        };
        if m.args.len() != 1 || mac.mac.path.segments.last().is_none_or(|s| s.ident != "s") {
            return refuse(self);
        }
        let parsed = mac.mac.parse_body_with(|input: syn::parse::ParseStream| {
            let mut elems: Vec<(syn::Expr, Option<syn::Expr>)> = vec![];
            while !input.is_empty() {
                let e: syn::Expr = input.parse()?;
                let step = if input.peek(syn::Token![;]) {
                    let _: syn::Token![;] = input.parse()?;
                    Some(input.parse()?)
                } else {
                    None
                };
                elems.push((e, step));
                if input.is_empty() {
                    break;
                }
                let _: syn::Token![,] = input.parse()?;
            }
            Ok(elems)
        });
        let Ok(parsed) = parsed else {
            return refuse(self);
        };
        for (e, _) in &parsed {
            if let syn::Expr::Path(p) = strip_parens(e)
                && p.path.segments.last().is_some_and(|s| s.ident == "NewAxis")
            {
                self.errors.at(
                    e,
                    "`NewAxis` in `s![...]` is not supported in a #[differentiable] function; use `insert_axis(Axis(k))`",
                );
                return None;
            }
        }
        let a = self.array_receiver(m, out, 2)?;
        let dims = self.kind(&a).dims() as usize;
        if parsed.len() > dims {
            self.errors.at(
                &mac.mac,
                format!(
                    "`s![...]` has {} elements for an array of {dims} dimension(s)",
                    parsed.len()
                ),
            );
            return None;
        }
        let mut elems = vec![];
        for (e, step) in &parsed {
            let step = match step {
                Some(s) => Some(self.operand(s, out)?),
                None => None,
            };
            match strip_parens(e) {
                syn::Expr::Range(r) => {
                    let lo = match &r.start {
                        Some(x) => Some(self.operand(x, out)?),
                        None => None,
                    };
                    let hi = match &r.end {
                        Some(x) => Some(self.operand(x, out)?),
                        None => None,
                    };
                    elems.push(SliceElem::Range {
                        lo,
                        hi,
                        inclusive: matches!(r.limits, syn::RangeLimits::Closed(_)),
                        step,
                    });
                }
                other => {
                    if step.is_some() {
                        self.errors.at(e, "a step (`;k`) applies to a range");
                        return None;
                    }
                    elems.push(SliceElem::Index(self.operand(other, out)?));
                }
            }
        }
        let ranges = elems
            .iter()
            .filter(|e| matches!(e, SliceElem::Range { .. }))
            .count();
        if ranges + (dims - elems.len()) == 0 {
            self.errors.at(
                &mac.mac,
                "this slice is a single element: read it with `x[i]` or `m[[i, j]]`",
            );
            return None;
        }
        Some(self.emit(
            out,
            Op::Slice {
                arr: a,
                elems,
                std: false,
            },
            m.span(),
            None,
        ))
    }

    /// `a.fold(init, |acc, &e| body)`: the loop `{ let mut acc = init; for &e in a.iter() { acc
    /// = body; } acc }` over a 1-D array; over a matrix, two index loops in row-major order.
    fn fold(&mut self, m: &syn::ExprMethodCall, out: &mut Vec<Stmt>) -> Option<Operand> {
        let refuse = |lw: &mut Self, at: &dyn ToTokens| {
            lw.errors.at(
                at,
                "`fold` takes an initial value and a closure of two parameters, `x.fold(init, |acc, &e| ...)`",
            );
            None
        };
        if m.args.len() != 2 {
            return refuse(self, &m.method);
        }
        let syn::Expr::Closure(c) = strip_parens(&m.args[1]) else {
            return refuse(self, &m.args[1]);
        };
        if c.inputs.len() != 2 {
            return refuse(self, &c.inputs);
        }
        let untyped = |p: &syn::Pat| match p {
            syn::Pat::Type(t) => (*t.pat).clone(),
            other => other.clone(),
        };
        let acc = untyped(&c.inputs[0]);
        let elem = untyped(&c.inputs[1]);
        let syn::Pat::Ident(acc_id) = &acc else {
            return refuse(self, &c.inputs[0]);
        };
        let acc_id = &acc_id.ident;
        // The receiver first (as Rust evaluates it), under a name no user name can be, so that
        // the closure's parameters cannot shadow what it reads (`m.fold(0.0, |m, &e| ..)`).
        let a = self.operand(&m.receiver, out)?;
        let hidden = self.namer.own("fold");
        let (init, body) = (&m.args[0], &c.body);
        let lowered: syn::Expr = match self.kind(&a).dims() {
            1 => syn::parse_quote_spanned! {m.method.span()=>
                {
                    let mut #acc_id = #init;
                    for #elem in #hidden.iter() {
                        #acc_id = #body;
                    }
                    #acc_id
                }
            },
            // A matrix: its elements in row-major order, by index.
            2 => {
                let (i, j) = (self.namer.own("fold_i"), self.namer.own("fold_j"));
                let read: syn::Stmt = match &elem {
                    syn::Pat::Reference(r) if r.mutability.is_none() => {
                        let p = &r.pat;
                        syn::parse_quote!(let #p = #hidden[[#i, #j]];)
                    }
                    syn::Pat::Ident(_) | syn::Pat::Wild(_) => {
                        syn::parse_quote!(let #elem = &#hidden[[#i, #j]];)
                    }
                    _ => return refuse(self, &c.inputs[1]),
                };
                syn::parse_quote_spanned! {m.method.span()=>
                    {
                        let mut #acc_id = #init;
                        for #i in 0..#hidden.nrows() {
                            for #j in 0..#hidden.ncols() {
                                #read
                                #acc_id = #body;
                            }
                        }
                        #acc_id
                    }
                }
            }
            _ => {
                self.errors.at(&m.receiver, "`fold` applies to arrays");
                return None;
            }
        };
        self.scopes.push(Scope::default());
        self.bind_new(&hidden.to_string(), a, None);
        let v = self.expr(&lowered, out);
        self.scopes.pop();
        v
    }

    /// `a.mapv(|e| body)`: the body is lowered as a scalar function of `e` and of the values it
    /// captures (f64 values of the enclosing function; not arrays).
    fn mapv_closure(
        &mut self,
        m: &syn::ExprMethodCall,
        c: &syn::ExprClosure,
        out: &mut Vec<Stmt>,
    ) -> Option<Operand> {
        // `mapv` passes the element by value; `map` by reference (`|e|` binds a `&f64`, `|&e|`
        // an f64).
        let by_ref_method = m.method == "map";
        let what = if by_ref_method {
            "the closure of `map` takes one parameter, the element by reference: `|e| ...` or `|&e| ...`"
        } else {
            "the closure of `mapv` takes one parameter, the element by value: `|e| ...`"
        };
        let pat = match c.inputs.first() {
            Some(syn::Pat::Type(pt)) => Some(&*pt.pat),
            other => other,
        };
        let (elem, by_ref) = match pat {
            Some(syn::Pat::Ident(pi)) if c.inputs.len() == 1 && pi.subpat.is_none() => {
                (pi.ident.clone(), by_ref_method)
            }
            Some(syn::Pat::Reference(r)) if c.inputs.len() == 1 && by_ref_method => match &*r.pat {
                syn::Pat::Ident(pi) if pi.subpat.is_none() => (pi.ident.clone(), false),
                _ => {
                    self.errors.at(&c.inputs, what);
                    return None;
                }
            },
            _ => {
                self.errors.at(&c.inputs, what);
                return None;
            }
        };
        if let Some(a) = &c.asyncness {
            self.errors.at(a, "`async` closures are not supported");
            return None;
        }
        let a = self.array_receiver(m, out, 2)?;
        // The names the body reads that are bound outside it.
        let elem_name = name_of(&elem);
        let mut names: Vec<syn::Ident> = vec![];
        {
            struct Paths<'n>(&'n mut Vec<syn::Ident>);
            impl<'ast> Visit<'ast> for Paths<'_> {
                fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
                    if p.qself.is_none()
                        && let Some(i) = p.path.get_ident()
                    {
                        self.0.push(i.clone());
                    }
                }
                fn visit_item(&mut self, _: &'ast syn::Item) {}
            }
            Paths(&mut names).visit_expr(&c.body);
        }
        let mut captures: Vec<(String, Operand)> = vec![];
        for ident in &names {
            let name = name_of(ident);
            if name == elem_name || captures.iter().any(|(n, _)| *n == name) {
                continue;
            }
            let Some(b) = self.lookup(&name) else {
                continue;
            };
            if self.kind(&b.op).is_array() {
                self.errors.at(
                    ident,
                    format!(
                        "the closure of `mapv` may read f64 values of the function, not arrays (`{name}`); read the elements you need into f64 variables before the closure (`let x0 = x[0];`), or write a loop over the indices"
                    ),
                );
                return None;
            }
            captures.push((name, b.op));
        }
        let func = self.lower_closure(&elem, by_ref, &captures, &c.body, c)?;
        let op = Op::MapClosure(Box::new(MapClosure {
            arr: a,
            captures: captures.into_iter().map(|(_, o)| o).collect(),
            by_ref,
            func,
        }));
        Some(self.emit(out, op, m.span(), None))
    }

    /// The body of a `mapv` closure as a function of its own: parameters the element, then the
    /// captures, all f64. Its values are numbered after this function's, so that its names
    /// never shadow one that binding the captures reads.
    fn lower_closure(
        &mut self,
        elem: &syn::Ident,
        by_ref: bool,
        captures: &[(String, Operand)],
        body: &syn::Expr,
        closure: &syn::ExprClosure,
    ) -> Option<Func> {
        let block = syn::Block {
            brace_token: Default::default(),
            stmts: vec![syn::Stmt::Expr(body.clone(), None)],
        };
        let saved_values = std::mem::take(&mut self.values);
        let saved_scopes = std::mem::replace(&mut self.scopes, vec![Scope::default()]);
        let saved_depth = std::mem::replace(&mut self.loop_depth, 0);
        let saved_return = std::mem::replace(&mut self.has_return, contains_return(&block));
        let outer_float: Vec<bool> = captures
            .iter()
            .map(|(_, o)| match o {
                Operand::Val(v) => {
                    saved_values[*v].float || saved_values[*v].kind == Kind::ScalarRef
                }
                Operand::Const(t) => const_is_float(t),
            })
            .collect();
        for _ in 0..saved_values.len() {
            let id = self.values.len();
            self.values.push(ValueInfo {
                ident: self.namer.value("unused", id),
                stem: self.namer.stem("unused", id),
                user_name: None,
                kind: Kind::Scalar,
                mutable: false,
                restore: false,
                tape_read: false,
                float: false,
            });
        }
        let mut params = vec![];
        let names = std::iter::once((name_of(elem), true)).chain(
            captures
                .iter()
                .zip(&outer_float)
                .map(|((n, _), f)| (n.clone(), *f)),
        );
        for (k, (name, float)) in names.enumerate() {
            let kind = if k == 0 && by_ref {
                ParamKind::ScalarRef
            } else {
                ParamKind::Scalar
            };
            let val = self.values.len();
            let ident = self.namer.value(&name, val);
            self.values.push(ValueInfo {
                ident: ident.clone(),
                stem: self.namer.stem(&name, val),
                user_name: Some(name.clone()),
                kind: kind.value_kind(),
                mutable: false,
                restore: false,
                tape_read: false,
                float,
            });
            self.bind_new(&name, Operand::Val(val), None);
            params.push(Param {
                ident,
                ty: Box::new(syn::parse_quote!(f64)),
                kind,
                val,
            });
        }
        let before = self.errors.is_empty();
        let mut stmts = Vec::new();
        let result = if self.has_return {
            self.bind_new(RET, konst(false), Some(false));
            self.bind_new(RETVAL, Operand::Const(quote!(0.0_f64)), None);
            self.fn_body_with_returns(&block.stmts, &mut stmts);
            Some(self.lookup(RETVAL).map(|b| b.op).unwrap_or(konst(false)))
        } else {
            self.stmts(&block.stmts, &mut stmts, true)
        };
        if let Some(r) = &result
            && self.kind(r).is_array()
        {
            self.errors.at(
                &closure.body,
                "the closure of `mapv` must compute an f64 from the element",
            );
        }
        classify_local_arrays(&mut stmts, &mut self.values, self.errors);
        let values = std::mem::replace(&mut self.values, saved_values);
        self.scopes = saved_scopes;
        self.loop_depth = saved_depth;
        self.has_return = saved_return;
        let result = result?;
        if !before || !self.errors.is_empty() {
            return None;
        }
        Some(Func {
            namer: self.namer.clone(),
            params,
            body: Block { stmts },
            results: vec![result],
            tuple_output: false,
            values,
        })
    }

    /// `Array1::from_elem(n, v)`, `Array2::from_elem((r, c), v)`, `Array::from_elem(..)`: a new
    /// local array (like `Array1::zeros`) whose elements carry `v`'s derivative; `ones` and
    /// `Array::zeros` likewise;
    /// `Array1::from_vec(v)`: the elements of `v`. `None` if `c` is none of these.
    pub(super) fn array_constructor(
        &mut self,
        c: &syn::ExprCall,
        segs: &[String],
        out: &mut Vec<Stmt>,
    ) -> Option<Option<Operand>> {
        let [.., ty, f] = segs else {
            return None;
        };
        if !matches!(ty.as_str(), "Array" | "Array1" | "Array2") {
            return None;
        }
        let span = c.span();
        match f.as_str() {
            // `Array1::zeros`/`Array2::zeros` are the local arrays of `calls.rs`.
            "from_elem" | "ones" | "zeros" if f != "zeros" || ty == "Array" => {
                let fill = match f.as_str() {
                    "ones" => Some(quote!(1.0_f64)),
                    "zeros" => Some(quote!(0.0_f64)),
                    _ => None,
                };
                if c.args.len() != 2 - usize::from(fill.is_some()) {
                    self.errors.at(
                        c,
                        if fill.is_some() {
                            format!(
                                "`{f}` takes a shape: `Array1::{f}(n)`, `Array2::{f}((rows, cols))`"
                            )
                        } else {
                            "`from_elem` takes a shape and a value: `Array1::from_elem(n, v)`"
                                .to_owned()
                        },
                    );
                    return Some(None);
                }
                let shape = strip_parens(&c.args[0]);
                let pair = match shape {
                    syn::Expr::Tuple(t) if t.elems.len() == 2 => Some(t),
                    _ => None,
                };
                let two = match (ty.as_str(), pair) {
                    ("Array1", None) | ("Array", None) => false,
                    ("Array2", Some(_)) | ("Array", Some(_)) => true,
                    _ => {
                        self.errors.at(
                            &c.args[0],
                            format!("write the shape as `n` for `Array1::{f}(..)` and as a pair for `Array2::{f}((rows, cols), ..)`"),
                        );
                        return Some(None);
                    }
                };
                let v = match fill {
                    Some(t) => Some(Operand::Const(t)),
                    None => self.operand(&c.args[1], out),
                };
                let op = if let Some(t) = pair.filter(|_| two) {
                    let r = self.operand(&t.elems[0], out);
                    let k = self.operand(&t.elems[1], out);
                    match (v, r, k) {
                        (Some(v), Some(r), Some(k)) => NewArray::FromElem2(v, r, k),
                        _ => return Some(None),
                    }
                } else {
                    let n = self.operand(shape, out);
                    match (v, n) {
                        (Some(v), Some(n)) => NewArray::FromElem1(v, n),
                        _ => return Some(None),
                    }
                };
                Some(Some(self.emit(out, Op::NewArray(op), span, None)))
            }
            "from_vec" if ty != "Array2" => {
                if c.args.len() != 1 {
                    self.errors.at(c, "`from_vec` takes one Vec");
                    return Some(None);
                }
                // `Array1::from_vec(vec![a, b, ...])`: a new local array of those elements.
                if let syn::Expr::Macro(mm) = strip_parens(&c.args[0])
                    && mm.mac.path.is_ident("vec")
                    && let Ok(list) = mm.mac.parse_body_with(
                        syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
                    )
                    && !list.is_empty()
                {
                    let mut elems = vec![];
                    for e in &list {
                        elems.push(self.operand(e, out));
                    }
                    let Some(elems) = elems.into_iter().collect::<Option<Vec<_>>>() else {
                        return Some(None);
                    };
                    if let Some(k) = elems.iter().position(|e| self.kind(e).is_array()) {
                        self.errors
                            .at(&list[k], "the elements of `vec![..]` must be f64 values");
                        return Some(None);
                    }
                    return Some(Some(self.emit(
                        out,
                        Op::NewArray(NewArray::FromElems(elems)),
                        span,
                        None,
                    )));
                }
                let Some(v) = self.operand(&c.args[0], out) else {
                    return Some(None);
                };
                if self.kind(&v).dims() != 1 {
                    self.errors.at(
                        &c.args[0],
                        "`Array1::from_vec` takes a 1-D array of f64 (a `Vec<f64>`, `vec![v; n]`)",
                    );
                    return Some(None);
                }
                Some(Some(self.emit(
                    out,
                    Op::Array(ArrayMethod::FromVec, vec![v]),
                    span,
                    None,
                )))
            }
            _ => None,
        }
    }

    /// `x[a..b]` / `&x[a..b]` (also `a..`, `..b`, `a..=b`) of a slice, `Vec` or fixed array: a
    /// `&[f64]` of those elements; the adjoint is added into that part of `x`'s.
    pub(super) fn range_index(
        &mut self,
        arr: Operand,
        r: &syn::ExprRange,
        i: &syn::ExprIndex,
        out: &mut Vec<Stmt>,
    ) -> Option<Operand> {
        if self.kind(&arr).dims() != 1 {
            self.errors.at(
                r,
                "slicing (`x[a..b]`) is supported on 1-D slices, `Vec`s and fixed arrays of f64; for an ndarray array write `x.slice(s![a..b])`",
            );
            return None;
        }
        let lo = match &r.start {
            Some(x) => Some(self.operand(x, out)?),
            None => None,
        };
        let hi = match &r.end {
            Some(x) => Some(self.operand(x, out)?),
            None => None,
        };
        let elems = vec![SliceElem::Range {
            lo,
            hi,
            inclusive: matches!(r.limits, syn::RangeLimits::Closed(_)),
            step: None,
        }];
        Some(self.emit(
            out,
            Op::Slice {
                arr,
                elems,
                std: true,
            },
            i.span(),
            None,
        ))
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
