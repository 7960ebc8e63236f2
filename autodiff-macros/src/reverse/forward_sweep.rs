//! The forward sweep: the body as the user wrote it, in SSA form, in one of the three
//! [`Sweep`] modes (recording, recomputing what a reverse step needs, or plain), with runs of
//! scalar statements in a latency-scheduled order.

use super::*;

impl Gen<'_> {
    pub fn fwd_block(&self, b: &Block, mode: Sweep) -> TokenStream {
        let mut out = TokenStream::new();
        // Runs of pure scalar `let`s are emitted in a scheduled order (see `schedule`).
        let mut run: Vec<&Let> = Vec::new();
        let flush = |run: &mut Vec<&Let>, out: &mut TokenStream| {
            for k in schedule(run) {
                let l = run[k];
                if mode.all() || self.an.needed[l.dst] {
                    out.extend(self.fwd_let(l));
                }
            }
            run.clear();
        };
        for s in &b.stmts {
            match s {
                Stmt::Let(l) if !self.an.taped[l.dst] && self.schedulable(l) => {
                    run.push(l);
                    continue;
                }
                _ => flush(&mut run, &mut out),
            }
            match s {
                Stmt::Let(l) if self.an.taped[l.dst] => out.extend(self.taped_read(l, mode)),
                Stmt::Let(l) => {
                    if mode.all() || self.an.needed[l.dst] {
                        out.extend(self.fwd_let(l));
                        self.declared(l, mode);
                    }
                }
                // A recomputation also runs the loops and `if`s that replay a local array.
                Stmt::If(i) => {
                    if mode.all()
                        || i.merges.iter().any(|m| self.an.needed[m.dst])
                        || self.replays(s)
                    {
                        out.extend(self.fwd_if(i, mode));
                    }
                }
                Stmt::Loop(l) => {
                    if mode.all()
                        || l.carried.iter().any(|c| self.an.needed[c.out])
                        || self.replays(s)
                    {
                        out.extend(self.fwd_loop(l, mode));
                    }
                }
                Stmt::Write(w) => out.extend(self.write_in(w, mode)),
            }
        }
        flush(&mut run, &mut out);
        out
    }

    /// A `let` that computes a scalar from scalars with no effect beyond its value: arithmetic,
    /// math functions, casts and copies of `f64`s. Calls, indexing, array operations and the
    /// user's inactive expressions (which may panic) keep their place.
    pub(crate) fn schedulable(&self, l: &Let) -> bool {
        let scalar = |o: &Operand| !self.kind(o).is_array();
        !self.f.values[l.dst].kind.is_array()
            && match &l.op {
                Op::Arith(_, a, b) => scalar(a) && scalar(b),
                Op::Neg(a) | Op::CastFloat(a) => scalar(a),
                Op::Math(_, args) => args.iter().all(scalar),
                Op::Copy { src, .. } => scalar(src),
                _ => false,
            }
    }

    pub(super) fn elem(&self, arr: &Ident, idx: &[Operand], multi: bool) -> TokenStream {
        let idx: Vec<TokenStream> = idx.iter().map(|o| self.opnd(o)).collect();
        let b = crate::ir::index_brackets(multi, &idx);
        quote!(#arr #b)
    }

    /// A write for forward mode, which records nothing.
    pub(crate) fn fwd_write_pub(&self, w: &Write) -> TokenStream {
        self.fwd_write(w, false)
    }

    /// `arr[idx] = val` (or `+=`); `save`: first records the element it overwrites.
    pub(super) fn fwd_write(&self, w: &Write, save: bool) -> TokenStream {
        let e = self.elem(self.ident(w.arr), &w.idx, w.multi);
        let v = self.opnd(&w.val);
        let save = if save {
            let t = self.write_tape(w.id);
            quote!(#t.push(#e);)
        } else {
            TokenStream::new()
        };
        if w.add {
            quote_spanned!(w.span=> #save #e += #v;)
        } else {
            quote_spanned!(w.span=> #save #e = #v;)
        }
    }

    pub(crate) fn kind(&self, o: &Operand) -> Kind {
        match o {
            Operand::Val(v) => self.f.values[*v].kind,
            Operand::Const(_) => Kind::Scalar,
        }
    }

    /// An operand of arithmetic: arrays by reference (so that they are not moved and the
    /// operator impls for `&ArrayBase` apply), everything else by value.
    pub(super) fn arith_opnd(&self, o: &Operand) -> TokenStream {
        let t = self.opnd(o);
        match self.kind(o) {
            Kind::Array { is_ref: false, .. } => quote!(&#t),
            _ => t,
        }
    }

    /// A value moved into a new binding: arrays that are not references are cloned, since the
    /// reverse sweep may still read the original.
    pub(crate) fn moved(&self, o: &Operand) -> TokenStream {
        let t = self.opnd(o);
        match self.kind(o) {
            Kind::Array { is_ref: false, .. } => quote!(::core::clone::Clone::clone(&#t)),
            _ => t,
        }
    }

    /// The expression that makes a new array, with `value` rendering its element operands
    /// (the primal's own, or, for forward mode, their tangents); shapes are the primal's.
    pub(crate) fn new_array(
        &self,
        na: &NewArray,
        sp: proc_macro2::Span,
        value: &dyn Fn(&Operand) -> TokenStream,
    ) -> TokenStream {
        let nd = quote!(::autodiff_runtime::ndarray);
        match na {
            NewArray::Zeros1(n) => {
                let n = self.opnd(n);
                quote_spanned!(sp=> #nd::Array1::<f64>::zeros(#n))
            }
            NewArray::Zeros2(r, c) => {
                let (r, c) = (self.opnd(r), self.opnd(c));
                quote_spanned!(sp=> #nd::Array2::<f64>::zeros((#r, #c)))
            }
            NewArray::Vec(v, n) => {
                let (v, n) = (value(v), self.opnd(n));
                quote_spanned!(sp=> ::std::vec![#v; #n])
            }
            NewArray::FromElem1(v, n) => {
                let (v, n) = (value(v), self.opnd(n));
                quote_spanned!(sp=> #nd::Array1::<f64>::from_elem(#n, #v))
            }
            NewArray::FromElems(elems, form) => {
                let elems: Vec<TokenStream> = elems.iter().map(value).collect();
                match form {
                    ElemsForm::Array1 => quote_spanned!(sp=>
                        #nd::Array1::<f64>::from_vec(::std::vec![#(#elems),*])),
                    ElemsForm::Vec => quote_spanned!(sp=> ::std::vec![#(#elems),*]),
                    ElemsForm::Fixed => quote_spanned!(sp=> [#(#elems),*]),
                }
            }
            NewArray::FromElem2(v, r, c) => {
                let (v, r, c) = (value(v), self.opnd(r), self.opnd(c));
                quote_spanned!(sp=> #nd::Array2::<f64>::from_elem((#r, #c), #v))
            }
            NewArray::Repeat(v, n) => {
                let v = value(v);
                quote_spanned!(sp=> [#v; #n])
            }
            NewArray::ZerosLike(x) => {
                let x = self.opnd(x);
                quote_spanned!(sp=> ::autodiff_runtime::__rt::zero_adj(&#x))
            }
        }
    }

    pub(crate) fn fwd_let(&self, l: &Let) -> TokenStream {
        let sp = l.span;
        let dst = self.ident(l.dst);
        if let Some(last) = self.exit_flags.borrow().get(&l.dst) {
            return quote!(let #dst: bool = #last;);
        }
        let o = |x: &Operand| self.opnd(x);
        if let Op::NewArray(na) = &l.op {
            let rhs = self.new_array(na, sp, &|v: &Operand| self.opnd(v));
            let m = if self.f.values[l.dst].mutable {
                quote!(mut)
            } else {
                quote!()
            };
            return quote_spanned!(sp=> let #m #dst = #rhs;);
        }
        let rhs = match &l.op {
            Op::Copy { src, ty, deref } => {
                let s = if *deref { o(src) } else { self.moved(src) };
                let s = if *deref { quote_spanned!(sp=> *#s) } else { s };
                return match ty {
                    Some(ty) => quote_spanned!(l.span=> let #dst: #ty = #s;),
                    None => quote_spanned!(l.span=> let #dst = #s;),
                };
            }
            Op::Neg(a) => {
                let a = self.arith_opnd(a);
                quote_spanned!(sp=> -#a)
            }
            Op::Arith(ar, a, b) => {
                let (a, b) = (self.arith_opnd(a), self.arith_opnd(b));
                match ar {
                    Arith::Add => quote_spanned!(sp=> #a + #b),
                    Arith::Sub => quote_spanned!(sp=> #a - #b),
                    Arith::Mul => quote_spanned!(sp=> #a * #b),
                    Arith::Div => quote_spanned!(sp=> #a / #b),
                    Arith::Rem => quote_spanned!(sp=> #a % #b),
                }
            }
            Op::Math(f, args_ir) => {
                let name = format_ident!("{}", f.name(), span = l.span);
                let args = args_ir;
                // Always the path form: it fixes the type of an untyped literal operand
                // (`let half = 0.5; half.sqrt()` would be an ambiguous `{float}` once
                // scheduling moves it before the use that fixed the type).
                let args: Vec<TokenStream> = args
                    .iter()
                    .map(|a| match self.kind(a) {
                        Kind::ScalarRef => {
                            let a = o(a);
                            quote_spanned!(sp=> *#a)
                        }
                        _ => o(a),
                    })
                    .collect();
                if f.also_on_integers() && !self.is_float_operand(&args_ir[0]) {
                    let (recv, rest) = (&args[0], &args[1..]);
                    quote_spanned!(sp=> #recv.#name(#(#rest),*))
                } else {
                    quote_spanned!(sp=> f64::#name(#(#args),*))
                }
            }
            Op::CastFloat(a) => {
                let a = o(a);
                quote_spanned!(sp=> #a as f64)
            }
            Op::Inactive(InactiveOp::Not(a)) => {
                let a = o(a);
                quote_spanned!(sp=> !#a)
            }
            Op::Inactive(InactiveOp::Binary(op, a, b)) => {
                let (a, b) = (o(a), o(b));
                quote_spanned!(sp=> #a #op #b)
            }
            Op::Inactive(InactiveOp::Cast(a, ty)) => {
                let a = o(a);
                quote_spanned!(sp=> #a as #ty)
            }
            Op::Inactive(InactiveOp::Matches(a, pat)) => {
                let a = o(a);
                quote_spanned!(sp=> ::core::matches!(#a, #pat))
            }
            Op::Inactive(InactiveOp::StopGradient(a)) => {
                let owned_array = matches!(self.kind(a), Kind::Array { is_ref: false, .. });
                let a = o(a);
                if owned_array {
                    quote_spanned!(sp=> ::core::clone::Clone::clone(&#a))
                } else {
                    quote_spanned!(sp=> #a)
                }
            }
            Op::Inactive(InactiveOp::Extract(a, pat, name)) => {
                let a = o(a);
                quote_spanned!(sp=> match &#a {
                    #pat => ::core::clone::Clone::clone(#name),
                    _ => ::core::unreachable!(),
                })
            }
            // A statement: nothing reads its `()`.
            Op::Inactive(InactiveOp::Debug(mac)) => {
                return if self.debug && !self.rerun.get() {
                    quote_spanned!(sp=> #mac;)
                } else {
                    TokenStream::new()
                };
            }
            Op::Inactive(InactiveOp::Method(m, args)) => {
                let recv = o(&args[0]);
                let rest: Vec<TokenStream> = args[1..].iter().map(o).collect();
                // On a float that may be an untyped literal, through a trait: a method call on
                // one is an error (E0689) here as in the user's function, which reports it.
                if crate::lower::is_float_method(&m.to_string())
                    && self.is_float_operand(&args[0])
                    && self.kind(&args[0]) != Kind::ScalarRef
                {
                    quote_spanned!(sp=> ::autodiff_runtime::__rt::FloatMethods::#m(#recv))
                } else {
                    quote_spanned!(sp=> #recv.#m(#(#rest),*))
                }
            }
            Op::Field(t, i) => {
                let t = o(t);
                let i = syn::Index::from(*i);
                quote_spanned!(sp=> #t.#i)
            }
            Op::Call { path, args } => {
                let args: Vec<TokenStream> = args.iter().map(o).collect();
                quote_spanned!(sp=> #path(#(#args),*))
            }
            Op::Ref(a) => {
                let a = o(a);
                quote_spanned!(sp=> &#a)
            }
            Op::Index {
                arr,
                idx,
                multi,
                by_ref,
            } => {
                let a = o(arr);
                let idx: Vec<TokenStream> = idx.iter().map(o).collect();
                let r = if *by_ref {
                    quote_spanned!(sp=> &)
                } else {
                    quote_spanned!(sp=> )
                };
                let b = crate::ir::index_brackets(*multi, &idx);
                quote_spanned!(sp=> #r #a #b)
            }
            // Handled above.
            Op::NewArray(_) => return TokenStream::new(),
            Op::Slice { arr, elems, std } => {
                let a = o(arr);
                let args: Vec<TokenStream> = analyse::op_operands(&l.op)
                    .into_iter()
                    .map(|x| self.opnd(x))
                    .collect();
                let (r, g) = (TokenStream::new(), TokenStream::new());
                let scalar = vec![true; args.len()];
                let env = rules::Env::new(&args, &r, &g, &args, true, &scalar);
                if *std {
                    let r = rules::slice_elems(elems, &env);
                    quote_spanned!(sp=> &#a[#(#r)*])
                } else {
                    let s = rules::slice_macro(elems, &env);
                    quote_spanned!(sp=> #a.slice(#s))
                }
            }
            Op::MapClosure(mc) => {
                let a = o(&mc.arr);
                let map = self.closure_forward(mc);
                quote_spanned!(sp=> #a.mapv(#map))
            }
            Op::Array(m, args) => {
                let a = o(&args[0]);
                let rest: Vec<TokenStream> = args[1..].iter().map(o).collect();
                let nd = quote!(::autodiff_runtime::ndarray);
                match m {
                    ArrayMethod::Mean => quote_spanned!(sp=> #a.mean().unwrap()),
                    ArrayMethod::SumAxis => {
                        let k = &rest[0];
                        quote_spanned!(sp=> #a.sum_axis(#nd::Axis(#k)))
                    }
                    ArrayMethod::MeanAxis => {
                        let k = &rest[0];
                        quote_spanned!(sp=> #a.mean_axis(#nd::Axis(#k)).unwrap())
                    }
                    ArrayMethod::VarAxis | ArrayMethod::StdAxis => {
                        let (k, d) = (&rest[0], &rest[1]);
                        let name = format_ident!("{}", array_method_name(*m), span = l.span);
                        quote_spanned!(sp=> #a.#name(#nd::Axis(#k), #d))
                    }
                    ArrayMethod::InsertAxis => {
                        let k = &rest[0];
                        quote_spanned!(sp=> #a.view().insert_axis(#nd::Axis(#k)))
                    }
                    ArrayMethod::Broadcast => {
                        if rest.len() == 1 {
                            let n = &rest[0];
                            quote_spanned!(sp=> #a.broadcast(#n).unwrap())
                        } else {
                            quote_spanned!(sp=> #a.broadcast((#(#rest),*)).unwrap())
                        }
                    }
                    ArrayMethod::LenOf => {
                        let k = &rest[0];
                        quote_spanned!(sp=> #a.len_of(#nd::Axis(#k)))
                    }
                    ArrayMethod::FromVec => {
                        quote_spanned!(sp=> #nd::Array1::<f64>::from_vec(#a.to_vec()))
                    }
                    ArrayMethod::Mapv(f) => {
                        let f = format_ident!("{}", f.name(), span = l.span);
                        quote_spanned!(sp=> #a.mapv(f64::#f))
                    }
                    other => {
                        let name = format_ident!("{}", array_method_name(*other), span = l.span);
                        quote_spanned!(sp=> #a.#name(#(#rest),*))
                    }
                }
            }
        };
        quote_spanned!(l.span=> let #dst = #rhs;)
    }

    pub(super) fn fwd_if(&self, i: &If, mode: Sweep) -> TokenStream {
        let snapshots = self.snapshot_push(local_arrays::addr(i), &i.snapshots, mode);
        let rest = self.fwd_if_only(i, mode);
        quote!(#snapshots #rest)
    }

    fn fwd_if_only(&self, i: &If, mode: Sweep) -> TokenStream {
        let cond = self.opnd(&i.cond);
        let merges: Vec<&Merge> = i
            .merges
            .iter()
            .filter(|m| mode.all() || self.an.needed[m.dst])
            .collect();
        let then_b = self.fwd_block(&i.then_block, mode);
        let else_b = self.fwd_block(&i.else_block, mode);
        if merges.is_empty() {
            return quote!(if #cond { #then_b } else { #else_b });
        }
        let dsts: Vec<&Ident> = merges.iter().map(|m| self.ident(m.dst)).collect();
        let tv: Vec<TokenStream> = merges.iter().map(|m| self.moved(&m.then_val)).collect();
        let ev: Vec<TokenStream> = merges.iter().map(|m| self.moved(&m.else_val)).collect();
        if merges.len() == 1 {
            let (d, t, e) = (dsts[0], &tv[0], &ev[0]);
            quote!(let #d = if #cond { #then_b #t } else { #else_b #e };)
        } else {
            quote!(let (#(#dsts),*) = if #cond { #then_b (#(#tv),*) } else { #else_b (#(#ev),*) };)
        }
    }

    pub(crate) fn range_iter(&self, r: &RangeSpec) -> TokenStream {
        let (lo, hi) = (self.opnd(&r.lo), self.opnd(&r.hi));
        let mut it = if r.inclusive {
            quote!((#lo..=#hi))
        } else {
            quote!((#lo..#hi))
        };
        for a in &r.adaptors {
            it = match a {
                Adaptor::Rev => quote!(#it.rev()),
                Adaptor::StepBy(s) => {
                    let s = self.opnd(s);
                    quote!(#it.step_by(#s))
                }
            };
        }
        it
    }

    /// The same sequence as `range_iter`, as a runtime `Seq` that can run backwards.
    pub(super) fn range_seq(&self, r: &RangeSpec) -> TokenStream {
        let rt = rt();
        let (lo, hi) = (self.opnd(&r.lo), self.opnd(&r.hi));
        let incl = r.inclusive;
        let mut it = quote!(#rt::Seq::new(#lo, #hi, #incl));
        for a in &r.adaptors {
            it = match a {
                Adaptor::Rev => quote!(#it.rev()),
                Adaptor::StepBy(s) => {
                    let s = self.opnd(s);
                    quote!(#it.step_by(#s))
                }
            };
        }
        it
    }

    pub(super) fn fwd_loop(&self, l: &Loop, mode: Sweep) -> TokenStream {
        if mode == Sweep::Record && self.checkpointed(l) {
            return self.fwd_checkpointed(l);
        }
        let record = mode == Sweep::Record;
        let entries: Vec<&Ident> = l.carried.iter().map(|c| self.ident(c.entry)).collect();
        let inits: Vec<TokenStream> = l.carried.iter().map(|c| self.opnd(&c.init)).collect();
        let nexts: Vec<TokenStream> = l.carried.iter().map(|c| self.opnd(&c.next)).collect();
        let outs: Vec<&Ident> = l.carried.iter().map(|c| self.ident(c.out)).collect();
        let recorded = if record {
            analyse::recorded(l, self.an)
        } else {
            vec![]
        };
        let counted = record && self.counted(l);
        let n = self.iterations(l.id);
        let mut body = TokenStream::new();
        if counted {
            body.extend(quote!(#n += 1;));
        }
        body.extend(self.snapshot_push(local_arrays::addr(l), &l.snapshots, mode));
        if !recorded.is_empty() {
            let t = self.tape(l.id);
            let vals: Vec<&Ident> = recorded.iter().map(|v| self.ident(*v)).collect();
            body.extend(quote!(#t.push((#(#vals,)*));));
        }
        body.extend(self.fwd_block(&l.body, mode));
        match entries.len() {
            0 => {}
            1 => {
                let (e, x) = (entries[0], &nexts[0]);
                body.extend(quote!(#e = #x;));
            }
            _ => body.extend(quote!((#(#entries),*) = (#(#nexts),*);)),
        }
        if let Some(exit) = &l.exit {
            let x = self.opnd(exit);
            body.extend(quote!(if #x { break; }));
        }
        let head = match &l.head {
            LoopHead::Range { index, range } => {
                let i = self.ident(*index);
                let it = self.range_iter(range);
                quote_spanned!(l.span=> for #i in #it)
            }
            LoopHead::Forever => quote_spanned!(l.span=> loop),
        };
        let mut out = quote!(#(let mut #entries = #inits;)*);
        // A range loop knows how many iterations it may record: reserve them once.
        if let (false, LoopHead::Range { range, .. }) = (recorded.is_empty(), &l.head) {
            let t = self.tape(l.id);
            let seq = self.range_seq(range);
            out.extend(quote!(#t.reserve(#seq.len());));
        }
        if counted {
            out.extend(quote!(let mut #n: usize = 0;));
        }
        out.extend(quote!(#head { #body }));
        if counted {
            let c = self.count(l.id);
            out.extend(quote!(#c.push(#n);));
        }
        out.extend(quote!(#(let #outs = #entries;)*));
        out
    }
}
