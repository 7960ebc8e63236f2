//! Array methods that take a closure: `fold(init, |acc, &e| ..)` (lowered as the loop it is) and
//! `mapv`/`map` with a closure, whose body is lowered as a scalar function of its own.

use super::*;

impl Lowerer<'_> {
    /// `a.fold(init, |acc, &e| body)`: the loop `{ let mut acc = init; for &e in a.iter() { acc
    /// = body; } acc }` over a 1-D array; over a matrix, two index loops in row-major order.
    pub(super) fn fold(&mut self, m: &syn::ExprMethodCall, out: &mut Vec<Stmt>) -> Option<Operand> {
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
    pub(super) fn mapv_closure(
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
    pub(super) fn lower_closure(
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
            array_output: None,
            values,
        })
    }
}
