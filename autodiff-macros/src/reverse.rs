//! Code generation: the forward sweep (which records what loops must keep) and the reverse sweep
//! (adjoint statements in reverse order).
//!
//! * Forward, *record* mode: the whole body, as the user wrote it but in SSA form; each loop with
//!   a non-empty reverse pushes the carried values the reverse needs at the start of every
//!   iteration, and an iteration count when the loop can stop early.
//! * Forward, *slice* mode: inside the reverse of a branch or loop iteration, only the statements
//!   whose values that reverse needs (`Analysis::needed`), nothing recorded.
//! * Reverse: for each statement, last first, the adjoint contributions of its rule (`+=`); an
//!   `if` takes the same branch again; a loop runs its iterations backwards, restoring the
//!   recorded values, recomputing the iteration's values, then reversing its body.
//!
//! Codegen cannot fail: lowering refused everything it cannot handle.

use crate::analyse::{self, Analysis};
use crate::ir::*;
use crate::rules;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use std::cell::RefCell;

mod checkpoint;

fn array_method_name(m: ArrayMethod) -> &'static str {
    match m {
        ArrayMethod::Column => "column",
        ArrayMethod::Row => "row",
        ArrayMethod::Sum => "sum",
        ArrayMethod::Mean => "mean",
        ArrayMethod::Var => "var",
        ArrayMethod::Std => "std",
        ArrayMethod::Dot => "dot",
        ArrayMethod::Mapv(_) => "mapv",
        ArrayMethod::T => "t",
        ArrayMethod::View => "view",
        ArrayMethod::ToOwned => "to_owned",
        ArrayMethod::SumAxis => "sum_axis",
        ArrayMethod::MeanAxis => "mean_axis",
        ArrayMethod::InsertAxis => "insert_axis",
        ArrayMethod::VarAxis => "var_axis",
        ArrayMethod::StdAxis => "std_axis",
        ArrayMethod::FromVec => "from_vec",
        ArrayMethod::Broadcast => "broadcast",
        ArrayMethod::LenOf => "len_of",
        ArrayMethod::Len => "len",
        ArrayMethod::Nrows => "nrows",
        ArrayMethod::Ncols => "ncols",
        ArrayMethod::Shape => "shape",
    }
}

pub struct Gen<'a> {
    pub f: &'a Func,
    pub an: &'a Analysis,
    /// `&x` shares `x`'s adjoint: `root[v]` is the value whose adjoint `v` uses.
    root: Vec<ValId>,
    /// Adjoints not declared yet, because their first contribution will create them
    /// (`let mut t_bar: f64 = contribution;`, `let mut x_bar = first_adj(&x, contribution)` for
    /// an array): no `0.0 +`, no zero array and extra pass, and an owned array contribution of
    /// the right shape is moved into place.
    pending: RefCell<Vec<ValId>>,
    /// Array adjoints whose creation is put off while only scalar broadcasts (`mean`, `sum`)
    /// add to them, so that a `var`/`std` contribution can absorb those in its own pass.
    deferred: RefCell<Vec<Deferred>>,
    /// For an array value (by root), a value `m = x.mean()` computed at the top level of the
    /// body, hence in scope everywhere in the reverse sweep: `var`/`std` pullbacks use it.
    mean_of: Vec<Option<ValId>>,
    /// Whether the debugging macros of the body are emitted (see [`Gen::without_debug`]).
    debug: bool,
    /// Set while the reverse sweep runs a checkpointed segment forward again: its debugging
    /// macros already ran in the forward sweep.
    rerun: std::cell::Cell<bool>,
}

/// An array adjoint not created yet (see [`Gen::deferred`]).
struct Deferred {
    root: ValId,
    /// The `var`/`std` contribution that will create it: without a shift, and with the shift
    /// variable ([`Gen::shift_ident`]) as argument.
    base: Option<(TokenStream, TokenStream)>,
    /// The scalar contributions to add to every element.
    shifts: Vec<TokenStream>,
}

pub(crate) fn rt() -> TokenStream {
    quote!(::autodiff_runtime::__rt)
}

/// How a forward sweep is emitted.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Sweep {
    /// Every statement, and what the reverse sweep needs is recorded.
    Record,
    /// Only what the reverse of the enclosing branch or iteration needs; nothing recorded.
    Recompute,
    /// Every statement, nothing recorded: the first forward pass over a checkpointed loop,
    /// whose segments are recorded again when the reverse sweep reaches them.
    Plain,
}

impl Sweep {
    fn all(self) -> bool {
        self != Sweep::Recompute
    }
}

impl<'a> Gen<'a> {
    pub fn new(f: &'a Func, an: &'a Analysis) -> Self {
        let mut root: Vec<ValId> = (0..f.values.len()).collect();
        fn walk(b: &Block, root: &mut Vec<ValId>) {
            for s in &b.stmts {
                match s {
                    Stmt::Let(Let {
                        dst,
                        op: Op::Ref(Operand::Val(src)),
                        ..
                    }) => root[*dst] = root[*src],
                    Stmt::If(i) => {
                        walk(&i.then_block, root);
                        walk(&i.else_block, root);
                    }
                    Stmt::Loop(l) => walk(&l.body, root),
                    _ => {}
                }
            }
        }
        walk(&f.body, &mut root);
        let mut mean_of = vec![None; f.values.len()];
        for s in &f.body.stmts {
            if let Stmt::Let(Let {
                dst,
                op: Op::Array(ArrayMethod::Mean, args),
                ..
            }) = s
                && let Some(Operand::Val(x)) = args.first()
            {
                mean_of[root[*x]].get_or_insert(*dst);
            }
        }
        Gen {
            f,
            an,
            root,
            pending: RefCell::new(Vec::new()),
            deferred: RefCell::new(Vec::new()),
            mean_of,
            debug: true,
            rerun: std::cell::Cell::new(false),
        }
    }

    /// Leaves out the body's debugging macros (`println!`, `assert!`, ...): for `pullback_*`,
    /// which a caller runs in its reverse sweep after its forward sweep has called the function
    /// itself, so that they run once per call of the caller, as in the caller without the
    /// attribute.
    pub fn without_debug(mut self) -> Self {
        self.debug = false;
        self
    }

    pub(crate) fn ident(&self, v: ValId) -> &Ident {
        &self.f.values[v].ident
    }

    pub fn adj(&self, v: ValId) -> Ident {
        self.derived(self.root[v], "bar")
    }

    pub(crate) fn derived(&self, v: ValId, role: &str) -> Ident {
        self.f.namer.derived(&self.f.values[v].stem, role)
    }

    pub(crate) fn opnd(&self, o: &Operand) -> TokenStream {
        match o {
            Operand::Val(v) => {
                let i = self.ident(*v);
                quote!(#i)
            }
            Operand::Const(t) => t.clone(),
        }
    }

    fn is_float_operand(&self, o: &Operand) -> bool {
        match o {
            Operand::Val(v) => self.f.values[*v].float,
            Operand::Const(t) => crate::lower::const_is_float(t),
        }
    }

    fn is_active(&self, o: &Operand) -> bool {
        o.val().is_some_and(|v| self.an.active[v])
    }

    fn tape(&self, id: usize) -> Ident {
        self.f.namer.own(&format!("tape{id}"))
    }

    fn write_tape(&self, id: usize) -> Ident {
        self.f.namer.own(&format!("write_tape{id}"))
    }

    fn read_tape(&self, v: ValId) -> Ident {
        self.derived(v, "tape")
    }

    fn count(&self, id: usize) -> Ident {
        self.f.namer.own(&format!("count{id}"))
    }

    fn iterations(&self, id: usize) -> Ident {
        self.f.namer.own(&format!("n{id}"))
    }

    fn counted(&self, l: &Loop) -> bool {
        analyse::has_reverse_loop(l, &self.an.active)
            && (l.exit.is_some() || matches!(l.head, LoopHead::Forever))
    }

    /// `let mut tape_N = Vec::new();` for every loop that records.
    pub fn declare_tapes(&self, b: &Block) -> TokenStream {
        let mut out = TokenStream::new();
        for s in &b.stmts {
            match s {
                Stmt::Let(l) => {
                    if self.an.taped[l.dst] {
                        let t = self.read_tape(l.dst);
                        out.extend(
                            quote!(let mut #t: ::std::vec::Vec<f64> = ::std::vec::Vec::new();),
                        );
                    }
                }
                Stmt::Write(w) => {
                    if self.f.values[w.arr].restore {
                        let t = self.write_tape(w.id);
                        out.extend(
                            quote!(let mut #t: ::std::vec::Vec<f64> = ::std::vec::Vec::new();),
                        );
                    }
                }
                Stmt::If(i) => {
                    out.extend(self.declare_tapes(&i.then_block));
                    out.extend(self.declare_tapes(&i.else_block));
                }
                Stmt::Loop(l) => {
                    if !analyse::recorded(l, self.an).is_empty() || self.checkpointed(l) {
                        let t = self.tape(l.id);
                        out.extend(quote!(let mut #t = ::std::vec::Vec::new();));
                    }
                    if self.counted(l) {
                        let c = self.count(l.id);
                        out.extend(
                            quote!(let mut #c: ::std::vec::Vec<usize> = ::std::vec::Vec::new();),
                        );
                    }
                    out.extend(self.declare_tapes(&l.body));
                }
            }
        }
        out
    }

    /// Describes what the function records, for the generated functions' docs.
    pub fn tape_summary(&self, b: &Block, out: &mut Vec<String>) {
        for s in &b.stmts {
            match s {
                Stmt::Let(l) => {
                    if self.an.taped[l.dst] {
                        out.push("an element read in a loop records its value".to_owned());
                    }
                }
                Stmt::Write(w) => {
                    if self.f.values[w.arr].restore {
                        let n = self.f.values[w.arr].user_name.clone().unwrap_or_default();
                        out.push(format!(
                            "each write to `{n}` records the element it overwrites"
                        ));
                    }
                }
                Stmt::If(i) => {
                    self.tape_summary(&i.then_block, out);
                    self.tape_summary(&i.else_block, out);
                }
                Stmt::Loop(l) if self.checkpointed(l) => {
                    out.push(self.checkpoint_summary(l));
                    self.tape_summary(&l.body, out);
                }
                Stmt::Loop(l) => {
                    let rec = analyse::recorded(l, self.an);
                    if !rec.is_empty() {
                        let names: Vec<String> = rec
                            .iter()
                            .map(|v| {
                                let n = self.f.values[*v].user_name.clone().unwrap_or_default();
                                format!("`{}`", n.trim_start_matches('#'))
                            })
                            .collect();
                        out.push(format!(
                            "loop {} records {} per iteration",
                            l.id + 1,
                            names.join(", ")
                        ));
                    }
                    if self.counted(l) {
                        out.push(format!("loop {} records its iteration count", l.id + 1));
                    }
                    self.tape_summary(&l.body, out);
                }
            }
        }
    }

    // ----- forward -----

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
                Stmt::Let(l) if self.an.taped[l.dst] => {
                    let (d, t) = (self.ident(l.dst), self.read_tape(l.dst));
                    if mode == Sweep::Plain {
                        out.extend(self.fwd_let(l));
                    } else if mode == Sweep::Record {
                        out.extend(self.fwd_let(l));
                        out.extend(quote!(#t.push(#d);));
                    } else {
                        out.extend(quote!(let #d: f64 = ::autodiff_runtime::__rt::pop(&mut #t);));
                    }
                }
                Stmt::Let(l) => {
                    if mode.all() || self.an.needed[l.dst] {
                        out.extend(self.fwd_let(l));
                    }
                }
                Stmt::If(i) => {
                    if mode.all() || i.merges.iter().any(|m| self.an.needed[m.dst]) {
                        out.extend(self.fwd_if(i, mode));
                    }
                }
                Stmt::Loop(l) => {
                    if mode.all() || l.carried.iter().any(|c| self.an.needed[c.out]) {
                        out.extend(self.fwd_loop(l, mode));
                    }
                }
                // Writes run once: a local array is only used after its last write, so the
                // reverse sweep reads it in its final state and never recomputes a write.
                Stmt::Write(w) => {
                    if mode.all() {
                        out.extend(self.fwd_write(w));
                    }
                }
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

    fn elem(&self, arr: &Ident, idx: &[Operand], multi: bool) -> TokenStream {
        let idx: Vec<TokenStream> = idx.iter().map(|o| self.opnd(o)).collect();
        if multi {
            quote!(#arr[[#(#idx),*]])
        } else {
            quote!(#arr[#(#idx),*])
        }
    }

    pub(crate) fn fwd_write_pub(&self, w: &Write) -> TokenStream {
        self.fwd_write(w)
    }

    fn fwd_write(&self, w: &Write) -> TokenStream {
        let e = self.elem(self.ident(w.arr), &w.idx, w.multi);
        let v = self.opnd(&w.val);
        let save = if self.f.values[w.arr].restore {
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

    /// `arr[i] = v`: v̄ += ārr[i], ārr[i] = 0 (the old element no longer reaches the output);
    /// `arr[i] += v`: v̄ += ārr[i].
    fn rev_write(&self, w: &Write) -> TokenStream {
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

    pub(crate) fn kind(&self, o: &Operand) -> Kind {
        match o {
            Operand::Val(v) => self.f.values[*v].kind,
            Operand::Const(_) => Kind::Scalar,
        }
    }

    /// An operand of arithmetic: arrays by reference (so that they are not moved and the
    /// operator impls for `&ArrayBase` apply), everything else by value.
    fn arith_opnd(&self, o: &Operand) -> TokenStream {
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

    pub(crate) fn fwd_let(&self, l: &Let) -> TokenStream {
        let sp = l.span;
        let dst = self.ident(l.dst);
        let o = |x: &Operand| self.opnd(x);
        if let Op::NewArray(na) = &l.op {
            let nd = quote!(::autodiff_runtime::ndarray);
            let rhs = match na {
                NewArray::Zeros1(n) => {
                    let n = self.opnd(n);
                    quote_spanned!(sp=> #nd::Array1::<f64>::zeros(#n))
                }
                NewArray::Zeros2(r, c) => {
                    let (r, c) = (self.opnd(r), self.opnd(c));
                    quote_spanned!(sp=> #nd::Array2::<f64>::zeros((#r, #c)))
                }
                NewArray::Vec(v, n) => {
                    let (v, n) = (self.opnd(v), self.opnd(n));
                    quote_spanned!(sp=> ::std::vec![#v; #n])
                }
                NewArray::FromElem1(v, n) => {
                    let (v, n) = (self.opnd(v), self.opnd(n));
                    quote_spanned!(sp=> #nd::Array1::<f64>::from_elem(#n, #v))
                }
                NewArray::FromElems(elems) => {
                    let elems: Vec<TokenStream> = elems.iter().map(|e| self.opnd(e)).collect();
                    quote_spanned!(sp=> #nd::Array1::<f64>::from_vec(::std::vec![#(#elems),*]))
                }
                NewArray::FromElem2(v, r, c) => {
                    let (v, r, c) = (self.opnd(v), self.opnd(r), self.opnd(c));
                    quote_spanned!(sp=> #nd::Array2::<f64>::from_elem((#r, #c), #v))
                }
            };
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
                if *multi {
                    quote_spanned!(sp=> #r #a[[#(#idx),*]])
                } else {
                    quote_spanned!(sp=> #r #a[#(#idx),*])
                }
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

    fn fwd_if(&self, i: &If, mode: Sweep) -> TokenStream {
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
    fn range_seq(&self, r: &RangeSpec) -> TokenStream {
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

    fn fwd_loop(&self, l: &Loop, mode: Sweep) -> TokenStream {
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

    // ----- reverse -----

    /// `let mut v_bar = 0.0;` for the active values defined directly in `b`, and `extra`; except
    /// the values created by their first contribution (see [`Gen::created_by_contribution`]).
    pub fn decl_adjoints(&self, b: &Block, extra: &[ValId]) -> TokenStream {
        let mut vals: Vec<ValId> = extra.to_vec();
        for s in &b.stmts {
            match s {
                Stmt::Let(l) if !self.created_by_contribution(l.dst) => vals.push(l.dst),
                Stmt::Let(_) => {}
                Stmt::If(i) => vals.extend(i.merges.iter().map(|m| m.dst)),
                Stmt::Loop(l) => vals.extend(l.carried.iter().map(|c| c.out)),
                Stmt::Write(_) => {}
            }
        }
        vals.into_iter()
            .filter(|v| self.an.active[*v] && self.root[*v] == *v)
            .map(|v| self.decl_one(v))
            .collect()
    }

    /// A value whose adjoint is declared where the reverse sweep first touches it: by its first
    /// contribution when that is an `ā += c` (`let mut a_bar: f64 = c;`, or `first_adj` for an
    /// array), by a zero otherwise. The value of a `let` in the block being reversed; not a
    /// written local array, not the function's result (which is seeded).
    fn created_by_contribution(&self, v: ValId) -> bool {
        let info = &self.f.values[v];
        self.an.active[v]
            && self.root[v] == v
            && !info.mutable
            && !info.restore
            && !self.f.results.iter().any(|r| r.val() == Some(v))
    }

    /// Takes `v` off the pending adjoints; true if it was there.
    fn take_pending(&self, v: ValId) -> bool {
        let mut p = self.pending.borrow_mut();
        match p.iter().position(|x| *x == v) {
            Some(k) => {
                p.swap_remove(k);
                true
            }
            None => false,
        }
    }

    /// Zero declarations of the pending adjoints among `vals` (by their roots).
    fn declare_pending(&self, vals: impl IntoIterator<Item = ValId>) -> TokenStream {
        let mut out = TokenStream::new();
        for v in vals {
            let r = self.root[v];
            if self.take_pending(r) {
                out.extend(self.decl_one(r));
            }
            out.extend(self.flush_deferred(r));
        }
        out
    }

    /// Creates the deferred adjoint of `r`, if it is one: from its `var`/`std` contribution with
    /// the scalar contributions folded in, or from the scalars alone.
    fn flush_deferred(&self, r: ValId) -> TokenStream {
        let d = {
            let mut ds = self.deferred.borrow_mut();
            match ds.iter().position(|d| d.root == r) {
                Some(k) => ds.swap_remove(k),
                None => return TokenStream::new(),
            }
        };
        let (a, x) = (self.adj(r), self.ident(r));
        let rt = rt();
        let total = match d.shifts.split_first() {
            Some((first, rest)) => quote!(#first #(+ #rest)*),
            None => quote!(0.0),
        };
        match d.base {
            Some((plain, _)) if d.shifts.is_empty() => {
                quote!(let mut #a = #rt::first_adj(&#x, #plain);)
            }
            Some((_, shifted)) => {
                let k = self.shift_ident(r);
                quote!(
                    let #k: f64 = #total;
                    let mut #a = #rt::first_adj(&#x, #shifted);
                )
            }
            None => quote!(let mut #a = #rt::first_adj(&#x, #total);),
        }
    }

    /// The variable holding the folded scalar contributions to `r`'s deferred adjoint.
    fn shift_ident(&self, r: ValId) -> Ident {
        self.derived(r, "shift")
    }

    fn is_deferred(&self, r: ValId) -> bool {
        self.deferred.borrow().iter().any(|d| d.root == r)
    }

    /// Zero declarations of the pending adjoints that the reverse of `s` (a branch, loop or
    /// element write, whose code is nested) may touch.
    fn declare_pending_used_by(&self, s: &Stmt) -> TokenStream {
        let mut used = Vec::new();
        analyse::stmt_uses(s, &mut |v| used.push(v));
        if let Stmt::Write(w) = s {
            used.push(w.arr);
        }
        self.declare_pending(used)
    }

    /// `let mut v_bar = 0.0;`, or a zero of v's shape for an array.
    pub fn decl_one(&self, v: ValId) -> TokenStream {
        let a = self.adj(v);
        if self.f.values[v].kind.is_array() {
            let x = self.ident(v);
            quote!(let mut #a = ::autodiff_runtime::__rt::zero_adj(&#x);)
        } else if let Kind::Tuple(n) = self.f.values[v].kind {
            let (tys, zeros) = ((0..n).map(|_| quote!(f64)), (0..n).map(|_| quote!(0.0)));
            quote!(let mut #a: (#(#tys,)*) = (#(#zeros,)*);)
        } else {
            quote!(let mut #a: f64 = 0.0;)
        }
    }

    /// `target_bar += contribution`; through the runtime (which sums broadcasts back to the
    /// target's shape) when arrays are involved.
    /// Creates the adjoint instead when it is pending (see [`Gen::created_by_contribution`]).
    fn accum_kind(&self, target: &Operand, contribution: TokenStream, array: bool) -> TokenStream {
        match target {
            Operand::Val(v) if self.an.active[*v] => {
                let a = self.adj(*v);
                let array = array || self.f.values[*v].kind.is_array();
                let r = self.root[*v];
                if self.take_pending(r) {
                    if array {
                        let x = self.ident(r);
                        quote!(let mut #a = ::autodiff_runtime::__rt::first_adj(&#x, #contribution);)
                    } else {
                        quote!(let mut #a: f64 = #contribution;)
                    }
                } else if array {
                    quote!(::autodiff_runtime::__rt::acc(&mut #a, &(#contribution));)
                } else {
                    quote!(#a += #contribution;)
                }
            }
            _ => TokenStream::new(),
        }
    }

    fn accum(&self, target: &Operand, contribution: TokenStream) -> TokenStream {
        self.accum_kind(target, contribution, false)
    }

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
        self.pending.borrow_mut().retain(|v| !created.contains(v));
        for v in &created {
            out.extend(self.flush_deferred(*v));
        }
        out
    }

    fn rev_let(&self, l: &Let) -> TokenStream {
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
            let arg_t: Vec<TokenStream> = args.iter().map(|a| self.opnd(a)).collect();
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
                // `&y` of a restored array: borrow afresh, the reverse sweep writes to `y`.
                if let Operand::Val(v) = o
                    && self.root[*v] != *v
                    && self.f.values[self.root[*v]].restore
                {
                    let r = self.ident(self.root[*v]);
                    return quote!((&#r));
                }
                let t = self.opnd(o);
                if !array && self.kind(o) == Kind::ScalarRef {
                    quote!((*#t))
                } else {
                    t
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

    /// The closure of `a.mapv(|e| body)` in the forward sweep: the body's own code, after
    /// binding the captured values to its parameters.
    fn closure_forward(&self, mc: &MapClosure) -> TokenStream {
        let f = &mc.func;
        // Nothing active: the body's loops record nothing here (its pullback records its own).
        let an = analyse::analyse(f, &[]);
        let g = Gen::new(f, &an);
        let tapes = g.declare_tapes(&f.body);
        let fwd = g.fwd_block(&f.body, Sweep::Record);
        let result = g.opnd(&f.results[0]);
        let (elem, bind_elem) = self.closure_elem(mc);
        let bind = self.bind_captures(mc);
        quote!(|#elem: f64| -> f64 { #bind_elem #bind #tapes #fwd #result })
    }

    /// The closure's parameter for the element, and its binding to the body's parameter:
    /// itself for `mapv`, a reference to it for `map(|e| ..)`.
    fn closure_elem(&self, mc: &MapClosure) -> (Ident, TokenStream) {
        let p = &mc.func.params[0].ident;
        if mc.by_ref {
            let e = mc.func.namer.own("elem");
            let bind = quote!(let #p = &#e;);
            (e, bind)
        } else {
            (p.clone(), TokenStream::new())
        }
    }

    /// `let (c1, c2, ..) = (outer1, outer2, ..);`: the closure's parameters for the captured
    /// values (at once, so that no binding shadows an outer name another one reads).
    fn bind_captures(&self, mc: &MapClosure) -> TokenStream {
        if mc.captures.is_empty() {
            return TokenStream::new();
        }
        let inner: Vec<&Ident> = mc.func.params[1..].iter().map(|p| &p.ident).collect();
        let outer: Vec<TokenStream> = mc
            .captures
            .iter()
            .map(|c| {
                let t = self.opnd(c);
                if self.kind(c) == Kind::ScalarRef {
                    quote!(*#t)
                } else {
                    t
                }
            })
            .collect();
        quote!(let (#(#inner,)*) = (#(#outer,)*);)
    }

    /// The reverse of `v = a.mapv(|e| body)`: per element, the body's pullback (its forward
    /// recomputed, then its reverse) gives ∂body/∂e times v̄ᵢ, the element's adjoint, and adds
    /// ∂body/∂c times v̄ᵢ to each captured value's accumulator; one pass over `a`.
    fn rev_map_closure(&self, dst: ValId, mc: &MapClosure) -> TokenStream {
        let rt = rt();
        let f = &mc.func;
        let params: Vec<ValId> = f.params.iter().map(|p| p.val).collect();
        let an = analyse::analyse(f, &params);
        let g = Gen::new(f, &an);
        let seed = f.namer.own("d_elem");
        let outs: Vec<Ident> = (0..params.len())
            .map(|k| self.derived(dst, &format!("e{k}")))
            .collect();
        let adjs: Vec<Ident> = params.iter().map(|v| g.adj(*v)).collect();
        let sweep = crate::expand::sweep(&g, f, &quote!(#seed), &params, quote!((#(#adjs,)*)));
        let (elem, bind_elem) = self.closure_elem(mc);
        let bind = self.bind_captures(mc);
        let bind = quote!(#bind_elem #bind);
        let active_caps: Vec<(usize, &Operand)> = mc
            .captures
            .iter()
            .enumerate()
            .filter(|(_, c)| self.is_active(c))
            .map(|(k, c)| (k + 1, c))
            .collect();
        let accs: Vec<Ident> = active_caps
            .iter()
            .map(|(k, _)| self.derived(dst, &format!("cap{k}")))
            .collect();
        let add_caps: Vec<TokenStream> = active_caps
            .iter()
            .zip(&accs)
            .map(|((k, _), acc)| {
                let o = &outs[*k];
                quote!(#acc += #o;)
            })
            .collect();
        let gbar = self.adj(dst);
        let a = self.opnd(&mc.arr);
        let e0 = &outs[0];
        let mut code = quote!(#(let mut #accs: f64 = 0.0;)*);
        let body = quote!(
            #bind
            let (_, (#(#outs,)*)) = #sweep;
            #(#add_caps)*
        );
        if self.is_active(&mc.arr) {
            let contrib = self.derived(dst, "map_da");
            code.extend(quote!(
                let #contrib = #rt::map_pullback(&#a, &#gbar, |#elem: f64, #seed: f64| -> f64 {
                    #body
                    #e0
                });
            ));
            if let Some(v) = mc.arr.val() {
                code.extend(self.flush_deferred(self.root[v]));
            }
            code.extend(self.accum_kind(&mc.arr, quote!(#contrib), true));
        } else {
            code.extend(quote!(
                #rt::each_pullback(&#a, &#gbar, |#elem: f64, #seed: f64| { #body });
            ));
        }
        for ((_, c), acc) in active_caps.iter().zip(&accs) {
            code.extend(self.accum(c, quote!(#acc)));
        }
        code
    }

    fn rev_if(&self, i: &If) -> TokenStream {
        let cond = self.opnd(&i.cond);
        let branch = |b: &Block, then: bool| {
            let decl = self.decl_adjoints(b, &[]);
            let slice = self.fwd_block(b, Sweep::Recompute);
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
        quote!(if #cond { #t } else { #e })
    }

    fn rev_loop(&self, l: &Loop) -> TokenStream {
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
        let mut body = TokenStream::new();
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
        // The iteration's values first: an array adjoint's zero takes its shape from them.
        body.extend(self.fwd_block(&l.body, Sweep::Recompute));
        body.extend(self.decl_adjoints(&l.body, &[]));
        // The carried values' adjoints at the start of the iteration are created by their first
        // contribution too; one that none reaches is zero.
        self.pending.borrow_mut().extend(&active_entries);
        let flows: Vec<(&Operand, TokenStream)> = act
            .iter()
            .zip(&carry)
            .map(|(c, k)| (&c.next, quote!(#k)))
            .collect();
        body.extend(self.rev_block(&l.body, &flows));
        for (c, k) in act.iter().zip(&carry) {
            if self.an.active[c.entry] && !self.take_pending(c.entry) {
                let e = self.adj(c.entry);
                body.extend(quote!(#k = #e;));
            } else {
                body.extend(quote!(#k = 0.0;));
            }
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
            LoopHead::Forever => quote!(for _ in 0..#n),
        };
        out.extend(quote!(#head { #body }));
        for (c, k) in act.iter().zip(&carry) {
            out.extend(self.accum(&c.init, quote!(#k)));
        }
        quote!({ #out })
    }
}

/// Latency weight of an operation, for [`schedule`]: a libm call is long, a division longer
/// than the other arithmetic.
fn latency(op: &Op) -> u32 {
    use MathFn as M;
    match op {
        Op::Math(M::Abs | M::Signum | M::Max | M::Min | M::Clamp | M::MulAdd, _) => 1,
        Op::Math(M::Sqrt | M::Recip | M::ToDegrees | M::ToRadians, _) => 4,
        Op::Math(..) => 20,
        Op::Arith(Arith::Div | Arith::Rem, ..) => 4,
        _ => 1,
    }
}

/// The order in which to emit a run of pure scalar `let`s (indices into `run`): list scheduling
/// by the longest latency path from each to the end of the run, ties in the written order. The
/// values are the same in any order that respects the data dependences; this one starts the
/// long chains first, so that their libm calls overlap with independent work: in the
/// Weierstrass term `a^k cos(b^k π x)`, `b^k` (which feeds the `sin` of the reverse sweep)
/// before `a^k`, about 10 % faster at n = 20 than the written order.
pub(crate) fn schedule(run: &[&Let]) -> Vec<usize> {
    let n = run.len();
    let index_of = |v: ValId| run.iter().position(|l| l.dst == v);
    let deps: Vec<Vec<usize>> = run
        .iter()
        .map(|l| {
            analyse::op_operands(&l.op)
                .into_iter()
                .filter_map(|o| o.val().and_then(index_of))
                .collect()
        })
        .collect();
    // Longest path to the end, computed last to first (users come after their operands).
    let mut priority: Vec<u32> = run.iter().map(|l| latency(&l.op)).collect();
    for i in (0..n).rev() {
        for &d in &deps[i] {
            priority[d] = priority[d].max(latency(&run[d].op) + priority[i]);
        }
    }
    let mut done = vec![false; n];
    let mut order = Vec::with_capacity(n);
    for _ in 0..n {
        let next = (0..n)
            .filter(|&i| !done[i] && deps[i].iter().all(|&d| done[d]))
            .max_by(|&a, &b| priority[a].cmp(&priority[b]).then(b.cmp(&a)));
        match next {
            Some(i) => {
                done[i] = true;
                order.push(i);
            }
            // Unreachable for SSA (operands precede their users); keep the written order.
            None => return (0..n).collect(),
        }
    }
    order
}
