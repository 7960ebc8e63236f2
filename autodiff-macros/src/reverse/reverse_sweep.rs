//! The reverse sweep: statements last first, each adding its rule's contributions to its
//! operands' adjoints; an `if` takes the same branch again, a loop runs backwards restoring
//! what it recorded, a call goes through the callee's pullback.

use super::*;

impl Gen<'_> {
    /// The reverse of `b`, after the `flows` (`target_bar += contribution`) into it: a branch's
    /// merged adjoints, an iteration's carried ones.
    pub fn rev_block(&self, b: &Block, flows: &[(&Operand, TokenStream)]) -> TokenStream {
        let created: Vec<ValId> = b
            .stmts
            .iter()
            .filter_map(|s| match s {
                Stmt::Let(l) if self.created_by_contribution(l.dst) => Some(l.dst),
                _ => None,
            })
            .collect();
        self.pending.borrow_mut().extend(&created);
        let mut out = TokenStream::new();
        for (target, c) in flows {
            out.extend(self.accum(target, c.clone()));
        }
        for s in b.stmts.iter().rev() {
            match s {
                Stmt::Let(l) if self.an.active[l.dst] => out.extend(self.rev_let(l)),
                Stmt::Let(_) => {}
                Stmt::If(i) if analyse::has_reverse_if(i, &self.an.active) => {
                    out.extend(self.declare_pending_used_by(s));
                    out.extend(self.rev_if(i))
                }
                Stmt::If(_) => {}
                Stmt::Loop(l) if analyse::has_reverse_loop(l, &self.an.active) => {
                    out.extend(self.declare_pending_used_by(s));
                    out.extend(self.rev_loop(l))
                }
                Stmt::Loop(_) => {}
                Stmt::Write(w) if self.an.active[w.arr] => {
                    out.extend(self.declare_pending_used_by(s));
                    out.extend(self.rev_write(w))
                }
                Stmt::Write(_) => {}
            }
        }
        // Each was declared at the latest by the reverse of its own `let`.
        let mut pending = self.pending.borrow_mut();
        for v in &created {
            pending.remove(v);
        }
        drop(pending);
        for v in &created {
            out.extend(self.flush_deferred(*v));
        }
        out
    }

    pub(super) fn rev_let(&self, l: &Let) -> TokenStream {
        if self.root[l.dst] != l.dst {
            // `&x`: its adjoint is `x`'s own, so contributions already landed there.
            return TokenStream::new();
        }
        let g = self.adj(l.dst);
        let g_tokens = quote!(#g);
        if self.take_pending(l.dst) {
            // No contribution reached it: its adjoint is zero, and so are its contributions.
            return TokenStream::new();
        }
        let mut code = self.flush_deferred(l.dst);
        if let Op::Field(Operand::Val(t), i) = &l.op {
            // A part of a call's tuple result: its component of the tuple's adjoint.
            if self.an.active[*t] {
                let r = self.root[*t];
                if self.take_pending(r) {
                    code.extend(self.decl_one(r));
                }
                let (a, i) = (self.adj(*t), syn::Index::from(*i));
                code.extend(quote!(#a.#i += #g;));
            }
            return code;
        }
        if let Op::Call { path, args } = &l.op {
            // A pullback's array adjoints may be `Vec`s or fixed arrays: added to a zero.
            code.extend(
                self.declare_pending(
                    args.iter()
                        .filter_map(|a| a.val())
                        .filter(|v| self.f.values[*v].kind.is_array()),
                ),
            );
            let mut pb = path.clone();
            if let Some(last) = pb.segments.last_mut() {
                last.ident = format_ident!("pullback_{}", last.ident, span = last.ident.span());
            }
            let outs: Vec<Ident> = (0..args.len())
                .map(|k| self.derived(l.dst, &format!("d{k}")))
                .collect();
            let arg_t: Vec<TokenStream> = args.iter().map(|a| self.rev_operand(a)).collect();
            code.extend(quote_spanned!(l.span=> let (#(#outs,)*) = #pb(#(#arg_t,)* #g);));
            for (a, o) in args.iter().zip(&outs) {
                let array = self.kind(a).is_array();
                // Through a trait, so that a parameter the callee does not differentiate (its
                // type is not one the macro reads as a float) is a clear error on the call.
                let d = if array {
                    quote!(#o)
                } else {
                    quote_spanned!(l.span=> ::autodiff_runtime::__rt::callee_adjoint(#o))
                };
                code.extend(self.accum_kind(a, d, array));
            }
            return code;
        }
        if let Op::MapClosure(mc) = &l.op {
            code.extend(self.rev_map_closure(l.dst, mc));
            return code;
        }
        let operands = analyse::op_operands(&l.op);
        let array = self.f.values[l.dst].kind.is_array()
            || operands.iter().any(|o| self.kind(o).is_array());
        // Scalar rules are plain f64 expressions: a `&f64` operand is dereferenced there.
        let toks: Vec<TokenStream> = operands
            .iter()
            .map(|o| {
                if !array && self.kind(o) == Kind::ScalarRef {
                    let t = self.opnd(o);
                    quote!((*#t))
                } else {
                    self.rev_operand(o)
                }
            })
            .collect();
        let targets: Vec<TokenStream> = operands
            .iter()
            .map(|o| match o {
                Operand::Val(v) => {
                    let a = self.adj(*v);
                    quote!(#a)
                }
                Operand::Const(_) => TokenStream::new(),
            })
            .collect();
        let result = {
            let d = self.ident(l.dst);
            quote!(#d)
        };
        let scalar: Vec<bool> = operands.iter().map(|o| !self.kind(o).is_array()).collect();
        // For `var`/`std`: the operand's mean, if the function computes it at the top level.
        let mean = match &l.op {
            Op::Array(ArrayMethod::Var | ArrayMethod::Std, args) => args
                .first()
                .and_then(Operand::val)
                .and_then(|x| self.mean_of[self.root[x]])
                .map(|m| {
                    let m = self.ident(m);
                    quote!(#m)
                }),
            _ => None,
        };
        let env = || {
            rules::Env::new(&toks, &result, &g_tokens, &targets, array, &scalar)
                .with_mean(mean.clone())
        };
        let contribs: Vec<(usize, &Operand, rules::Contrib)> = operands
            .iter()
            .enumerate()
            .filter(|(_, o)| self.is_active(o))
            .filter_map(|(i, o)| Some((i, *o, rules::rule(&l.op, i, &env())?)))
            .collect();
        let last = contribs.len();
        for (k, (i, o, c)) in contribs.into_iter().enumerate() {
            let root = o.val().map(|v| self.root[v]);
            // A `var`/`std` contribution and the scalar broadcasts of `mean`/`sum` to an array
            // adjoint not created yet are gathered, and the adjoint made in one pass.
            let absorbs = matches!(l.op, Op::Array(ArrayMethod::Var | ArrayMethod::Std, _));
            let broadcast = matches!(l.op, Op::Array(ArrayMethod::Mean | ArrayMethod::Sum, _));
            // For `var`/`std`: the same rule with the shift variable as argument.
            let with_shift = root.filter(|_| absorbs).and_then(|r| {
                let k = self.shift_ident(r);
                match rules::rule(&l.op, i, &env().with_shift(quote!(#k))) {
                    Some(rules::Contrib::Add(t)) => Some(t),
                    _ => None,
                }
            });
            if let (Some(r), rules::Contrib::Add(c)) = (root, &c)
                && (broadcast || with_shift.is_some())
                && self.f.values[r].kind.is_array()
                && (self.take_pending(r) || self.is_deferred(r))
            {
                let mut ds = self.deferred.borrow_mut();
                let pos = match ds.iter().position(|d| d.root == r) {
                    Some(p) => p,
                    None => {
                        ds.push(Deferred {
                            root: r,
                            base: None,
                            shifts: Vec::new(),
                        });
                        ds.len() - 1
                    }
                };
                let d = &mut ds[pos];
                if broadcast {
                    d.shifts.push(quote!((#c)));
                    continue;
                }
                if d.base.is_none()
                    && let Some(with_shift) = with_shift
                {
                    d.base = Some((c.clone(), with_shift));
                    continue;
                }
                // A second `var`/`std` of the same array: create the adjoint, then add.
                drop(ds);
                code.extend(self.flush_deferred(r));
            } else if let Some(r) = root {
                code.extend(self.flush_deferred(r));
            }
            match c {
                rules::Contrib::Add(c) => {
                    // Where arrays are involved, `g` itself is moved into an adjoint it creates
                    // by the statement's last contribution (it is dead after it), and borrowed
                    // by the others.
                    let c = if array && c.to_string() == g_tokens.to_string() && k + 1 < last {
                        quote!(&#c)
                    } else {
                        c
                    };
                    code.extend(self.accum_kind(o, c, array));
                }
                rules::Contrib::Stmt(s) => {
                    code.extend(self.declare_pending(root));
                    code.extend(s);
                }
            }
        }
        code
    }

    /// An operand as the reverse sweep reads it: `&y` of a restored array is borrowed afresh,
    /// since the reverse sweep writes to `y` between the forward borrow and this use.
    pub(super) fn rev_operand(&self, o: &Operand) -> TokenStream {
        if let Operand::Val(v) = o
            && self.root[*v] != *v
            && self.f.values[self.root[*v]].restore
        {
            let r = self.ident(self.root[*v]);
            return quote!((&#r));
        }
        self.opnd(o)
    }

    /// `arr[i] = v`: v̄ += ārr[i], ārr[i] = 0 (the old element no longer reaches the output);
    /// `arr[i] += v`: v̄ += ārr[i].
    pub(super) fn rev_write(&self, w: &Write) -> TokenStream {
        let adj = self.adj(w.arr);
        let e = self.elem(&adj, &w.idx, w.multi);
        let take = self.accum(&w.val, quote!(#e));
        let restore = if self.f.values[w.arr].restore {
            let (t, old) = (
                self.write_tape(w.id),
                self.elem(self.ident(w.arr), &w.idx, w.multi),
            );
            quote!(#old = ::autodiff_runtime::__rt::pop(&mut #t);)
        } else {
            TokenStream::new()
        };
        if w.add {
            quote!(#take #restore)
        } else {
            quote!(#take #e = 0.0; #restore)
        }
    }

    pub(super) fn rev_if(&self, i: &If) -> TokenStream {
        let cond = self.opnd(&i.cond);
        let branch = |b: &Block, then: bool| {
            let slice = self.recompute(b, &i.snapshots, || self.fwd_block(b, Sweep::Recompute));
            let decl = self.decl_adjoints(b, &[]);
            let flows: Vec<(&Operand, TokenStream)> = i
                .merges
                .iter()
                .filter(|m| self.an.active[m.dst])
                .map(|m| {
                    let d = self.adj(m.dst);
                    (if then { &m.then_val } else { &m.else_val }, quote!(#d))
                })
                .collect();
            let rev = self.rev_block(b, &flows);
            quote!(#slice #decl #rev)
        };
        let (t, e) = (branch(&i.then_block, true), branch(&i.else_block, false));
        // The arrays copied before the `if`, put back: the branch is replayed from them.
        let restore = self.snapshot_pop(local_arrays::addr(i), &i.snapshots);
        quote!(#restore if #cond { #t } else { #e })
    }

    pub(super) fn rev_loop(&self, l: &Loop) -> TokenStream {
        let rt = rt();
        let act: Vec<&Carried> = l
            .carried
            .iter()
            .filter(|c| self.an.active[c.entry] || self.an.active[c.out])
            .collect();
        let carry: Vec<Ident> = act.iter().map(|c| self.derived(c.entry, "carry")).collect();
        let mut out = TokenStream::new();
        for (c, k) in act.iter().zip(&carry) {
            let init = if self.an.active[c.out] {
                let o = self.adj(c.out);
                quote!(#o)
            } else {
                quote!(0.0)
            };
            out.extend(quote!(let mut #k: f64 = #init;));
        }
        // The running max/min of a replayed loop: the element equal to the final value that
        // won when it was read takes the adjoint (see `analyse::selection`).
        let selections: Vec<Option<selections::Selected>> =
            act.iter().map(|c| self.selected(l, c)).collect();
        out.extend(self.declare_selections(l, &selections));
        let mut body = TokenStream::new();
        // A replayed loop (see `analyse/order_free.rs`) runs forward from the initial values of
        // the carried values its reverse reads, and updates them as the forward sweep did.
        let replayed: Vec<&Carried> = if self.an.replayed.contains(&l.id) {
            l.carried
                .iter()
                .filter(|c| self.an.needed[c.entry])
                .collect()
        } else {
            vec![]
        };
        for c in &replayed {
            let (e, init) = (self.ident(c.entry), self.opnd(&c.init));
            out.extend(quote!(let mut #e = #init;));
        }
        let recorded = analyse::recorded(l, self.an);
        if !recorded.is_empty() {
            let t = self.iteration_tape(l);
            let vals: Vec<&Ident> = recorded.iter().map(|v| self.ident(*v)).collect();
            body.extend(quote!(let (#(#vals,)*) = #rt::pop(&mut #t);));
        }
        let active_entries: Vec<ValId> = l
            .carried
            .iter()
            .map(|c| c.entry)
            .filter(|e| self.an.active[*e])
            .collect();
        // The arrays copied at the start of the iteration, put back: it is replayed from them.
        body.extend(self.snapshot_pop(local_arrays::addr(l), &l.snapshots));
        // The iteration's values first: an array adjoint's zero takes its shape from them.
        let exit = analyse::positional_exit(l)
            .filter(|e| self.an.positional[*e] && self.an.needed[*e])
            .map(|e| {
                let last = self.f.namer.own(&format!("last{}", l.id));
                self.exit_flags.borrow_mut().insert(e, last.clone());
                (e, last)
            });
        body.extend(self.recompute(&l.body, &l.snapshots, || {
            self.fwd_block(&l.body, Sweep::Recompute)
        }));
        if let Some((e, _)) = &exit {
            self.exit_flags.borrow_mut().remove(e);
        }
        body.extend(self.decl_adjoints(&l.body, &[]));
        // The carried values' adjoints at the start of the iteration are created by their first
        // contribution too; one that none reaches is zero.
        self.pending.borrow_mut().extend(&active_entries);
        let mut flows: Vec<(&Operand, TokenStream)> = vec![];
        for ((c, k), sel) in act.iter().zip(&carry).zip(&selections) {
            match sel {
                None => flows.push((&c.next, quote!(#k))),
                Some(s) => {
                    body.extend(self.pick(l, c, s));
                    let pick = &s.pick;
                    flows.push((&s.elem, quote!(if #pick { #k } else { 0.0 })));
                }
            }
        }
        body.extend(self.rev_block(&l.body, &flows));
        for ((c, k), sel) in act.iter().zip(&carry).zip(&selections) {
            if sel.is_some() {
                // The carried adjoint stays on the final value until the winner takes it.
                self.take_pending(c.entry);
            } else if self.an.active[c.entry] && !self.take_pending(c.entry) {
                let e = self.adj(c.entry);
                body.extend(quote!(#k = #e;));
            } else {
                body.extend(quote!(#k = 0.0;));
            }
        }
        if !replayed.is_empty() {
            let entries: Vec<&Ident> = replayed.iter().map(|c| self.ident(c.entry)).collect();
            let nexts: Vec<TokenStream> = replayed.iter().map(|c| self.opnd(&c.next)).collect();
            body.extend(quote!((#(#entries),*) = (#(#nexts),*);));
        }
        if selections.iter().any(Option::is_some) {
            let (pos, _) = self.positions(l);
            body.extend(quote!(#pos += 1;));
        }
        if self.checkpointed(l) {
            out.extend(self.rev_checkpointed(l, body));
            for (c, k) in act.iter().zip(&carry) {
                out.extend(self.accum(&c.init, quote!(#k)));
            }
            return quote!({ #out });
        }
        let n = self.iterations(l.id);
        if self.counted(l) {
            let c = self.count(l.id);
            out.extend(quote!(let #n: usize = #rt::pop(&mut #c);));
        }
        let head = match &l.head {
            LoopHead::Range { index, range } => {
                let i = self.ident(*index);
                let seq = self.range_seq(range);
                if self.counted(l) {
                    quote!(for #i in #seq.reversed_prefix(#n))
                } else if analyse::order_free(l, self.an) {
                    quote!(for #i in #seq.iter())
                } else {
                    quote!(for #i in #seq.reversed())
                }
            }
            // The first iteration reversed is the last one run.
            LoopHead::Forever => match &exit {
                Some((_, last)) => {
                    let k = self.f.namer.own(&format!("back{}", l.id));
                    body = quote!(let #last: bool = #k == 0; #body);
                    quote!(for #k in 0..#n)
                }
                None => quote!(for _ in 0..#n),
            },
        };
        out.extend(quote!(#head { #body }));
        for ((c, k), sel) in act.iter().zip(&carry).zip(&selections) {
            match sel {
                // No element won: the initial value is the result.
                Some(selections::Selected { won: Some(won), .. }) => {
                    out.extend(self.accum(&c.init, quote!(if #won { 0.0 } else { #k })));
                }
                Some(_) => {}
                None => out.extend(self.accum(&c.init, quote!(#k))),
            }
        }
        quote!({ #out })
    }
}
