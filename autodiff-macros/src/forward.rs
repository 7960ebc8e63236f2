//! Forward mode: `jvp_f(args.., tangents..) -> (value, derivative along the tangents)`.
//!
//! The primal statements are the forward sweep's; after each active one comes its tangent,
//! `v̇ = Σᵢ ∂v/∂aᵢ · ȧᵢ`. The partials are the reverse rules' own (`rules::rule` with the
//! output adjoint `g` replaced by the operand's tangent: every scalar rule is `g · ∂v/∂aᵢ`), so
//! the two modes cannot disagree. Branches merge tangents with their values, loops carry them,
//! a call goes through the callee's `jvp_*`, an element read `x[i]` reads the tangent `ẋ[i]`.
//! A local array has a tangent array of its own, made the same way from the elements' tangents
//! and written where the array is (`y[i] = v` is followed by `y_dot[i] = v_dot`), so
//! `hessian` can differentiate such code again. Nothing is recorded. Whole-array operations
//! have no forward rule yet: for such a function `jvp_f` is the gradient's dot product with the
//! tangents (one reverse sweep, see `expand::jvp_items`).

use crate::analyse::{self, Analysis};
use crate::ir::*;
use crate::reverse::Gen;
use crate::rules;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};

pub struct Fwd<'a> {
    g: &'a Gen<'a>,
    f: &'a Func,
    an: &'a Analysis,
    /// Active local arrays (made by `vec![..]`, `Array1::zeros`, ..., or moved from one), whose
    /// tangent is an array of their own (`y_dot`, written where `y` is), not a reference.
    owned: std::collections::HashSet<ValId>,
}

impl<'a> Fwd<'a> {
    pub fn new(g: &'a Gen<'a>, f: &'a Func, an: &'a Analysis) -> Self {
        fn walk(b: &Block, an: &Analysis, owned: &mut std::collections::HashSet<ValId>) {
            for s in &b.stmts {
                match s {
                    Stmt::Let(l) if an.active[l.dst] => match &l.op {
                        Op::NewArray(_) => {
                            owned.insert(l.dst);
                        }
                        Op::Copy {
                            src, deref: false, ..
                        } if src.val().is_some_and(|v| owned.contains(&v)) => {
                            owned.insert(l.dst);
                        }
                        _ => {}
                    },
                    Stmt::Let(_) | Stmt::Write(_) => {}
                    Stmt::If(i) => {
                        walk(&i.then_block, an, owned);
                        walk(&i.else_block, an, owned);
                    }
                    Stmt::Loop(l) => walk(&l.body, an, owned),
                }
            }
        }
        let mut owned = std::collections::HashSet::new();
        walk(&f.body, an, &mut owned);
        Fwd { g, f, an, owned }
    }

    fn is_owned(&self, o: &Operand) -> bool {
        o.val().is_some_and(|v| self.owned.contains(&v))
    }

    /// The tangent of a value.
    pub fn tan(&self, v: ValId) -> Ident {
        self.g.derived(v, "dot")
    }

    fn active(&self, o: &Operand) -> Option<ValId> {
        o.val().filter(|v| self.an.active[*v])
    }

    fn is_array(&self, v: ValId) -> bool {
        self.f.values[v].kind.is_array()
    }

    /// The tangent of an operand: its own, or zero (`None`) for constants and inactive values.
    fn tan_of(&self, o: &Operand) -> Option<TokenStream> {
        self.active(o).map(|v| {
            let t = self.tan(v);
            quote!(#t)
        })
    }

    /// A scalar tangent, `0.0` where there is none.
    pub fn scalar_tan(&self, o: &Operand) -> TokenStream {
        self.tan_of(o).unwrap_or_else(|| quote!(0.0))
    }

    /// Whether every active statement of `b` has a forward rule here.
    pub fn supported(&self, b: &Block) -> bool {
        b.stmts.iter().all(|s| match s {
            Stmt::Let(l) => !self.an.active[l.dst] || self.let_supported(l),
            Stmt::If(i) => {
                self.supported(&i.then_block)
                    && self.supported(&i.else_block)
                    && i.merges
                        .iter()
                        .all(|m| !self.an.active[m.dst] || !self.is_array(m.dst))
            }
            Stmt::Loop(l) => {
                self.supported(&l.body)
                    && l.carried
                        .iter()
                        .all(|c| !self.an.active[c.entry] || !self.is_array(c.entry))
            }
            // A local vector's tangent is written where it is (matrices: not yet).
            Stmt::Write(w) => !self.an.active[w.arr] || self.f.values[w.arr].kind.dims() == 1,
        })
    }

    fn let_supported(&self, l: &Let) -> bool {
        match &l.op {
            // A tangent that is the operand's own (a reference, a copy) or a part of it.
            Op::Ref(_) | Op::Copy { .. } | Op::Index { .. } => true,
            // `&x[a..b]` of a slice; ndarray's `s![..]` views and `mapv` closures have no
            // forward rule yet.
            Op::Slice { std, .. } => *std,
            Op::MapClosure(_) => false,
            Op::Field(..) | Op::Call { .. } => true,
            Op::Neg(_) | Op::Arith(..) | Op::Math(..) | Op::CastFloat(_) => {
                !self.is_array(l.dst)
                    && analyse::op_operands(&l.op)
                        .iter()
                        .all(|o| !self.g.kind(o).is_array())
            }
            Op::Inactive(_) => true,
            // A new local array: its tangent is made the same way from the elements' tangents.
            Op::NewArray(_) => self.f.values[l.dst].kind.dims() == 1,
            Op::Array(..) => false,
        }
    }

    pub fn block(&self, b: &Block) -> TokenStream {
        let mut out = TokenStream::new();
        // Runs of pure scalar `let`s in the reverse mode's scheduled order, each with its
        // tangent (which depends on what its value depends on).
        let mut run: Vec<&Let> = Vec::new();
        let flush = |run: &mut Vec<&Let>, out: &mut TokenStream| {
            for k in crate::reverse::schedule(run) {
                out.extend(self.let_(run[k]));
            }
            run.clear();
        };
        for s in &b.stmts {
            if let Stmt::Let(l) = s
                && self.g.schedulable(l)
            {
                run.push(l);
                continue;
            }
            flush(&mut run, &mut out);
            match s {
                Stmt::Let(l) => out.extend(self.let_(l)),
                Stmt::If(i) => out.extend(self.if_(i)),
                Stmt::Loop(l) => out.extend(self.loop_(l)),
                Stmt::Write(w) => out.extend(self.write(w)),
            }
        }
        flush(&mut run, &mut out);
        out
    }

    /// `y[i] = v` and, for an active array, `y_dot[i] = v_dot` (`+=` alike).
    fn write(&self, w: &Write) -> TokenStream {
        let primal = self.g.fwd_write_pub(w);
        if !self.an.active[w.arr] {
            return primal;
        }
        let t = self.tan(w.arr);
        let idx: Vec<TokenStream> = w.idx.iter().map(|i| self.g.opnd(i)).collect();
        let b = crate::ir::index_brackets(w.multi, &idx);
        let e = quote!(#t #b);
        let v = self.scalar_tan(&w.val);
        let tangent = if w.add {
            quote_spanned!(w.span=> #e += #v;)
        } else {
            quote_spanned!(w.span=> #e = #v;)
        };
        quote!(#primal #tangent)
    }

    fn let_(&self, l: &Let) -> TokenStream {
        if !self.an.active[l.dst] {
            return self.g.fwd_let(l);
        }
        let (d, dot) = (self.g.ident(l.dst), self.tan(l.dst));
        let sp = l.span;
        if let Op::Call { path, args } = &l.op {
            let mut jvp = path.clone();
            if let Some(last) = jvp.segments.last_mut() {
                last.ident = format_ident!("jvp_{}", last.ident, span = last.ident.span());
            }
            let primal: Vec<TokenStream> = args.iter().map(|a| self.g.opnd(a)).collect();
            let tangents: Vec<TokenStream> = args.iter().map(|a| self.arg_tangent(a)).collect();
            return quote_spanned!(sp=> let (#d, #dot) = #jvp(#(#primal,)* #(#tangents),*););
        }
        let primal = self.g.fwd_let(l);
        if let Op::NewArray(na) = &l.op {
            let tangent = self.g.new_array(na, sp, &|v: &Operand| self.scalar_tan(v));
            let m = if self.f.values[l.dst].mutable {
                quote!(mut)
            } else {
                quote!()
            };
            return quote_spanned!(sp=> #primal let #m #dot = #tangent;);
        }
        let tangent = match &l.op {
            // A local array's own tangent array, by reference or cloned with the value.
            Op::Ref(a) if self.is_owned(a) => {
                let t = self.tan_of(a).unwrap_or_default();
                quote!(&#t)
            }
            Op::Copy { src: a, .. } if self.is_owned(a) => {
                let t = self.tan_of(a).unwrap_or_default();
                quote!(#t.clone())
            }
            Op::Ref(a) | Op::Copy { src: a, .. } => self.tan_of(a).unwrap_or_else(|| quote!(0.0)),
            Op::Field(t, i) => {
                let i = syn::Index::from(*i);
                let t = self.tan_of(t).unwrap_or_default();
                quote!(#t.#i)
            }
            Op::Slice { arr, elems, .. } => {
                let a = self.tan_of(arr).unwrap_or_default();
                let args: Vec<TokenStream> = analyse::op_operands(&l.op)
                    .into_iter()
                    .map(|x| self.g.opnd(x))
                    .collect();
                let (r, g) = (TokenStream::new(), TokenStream::new());
                let scalar = vec![true; args.len()];
                let env = rules::Env::new(&args, &r, &g, &args, true, &scalar);
                let range = rules::slice_elems(elems, &env);
                quote!(&#a[#(#range)*])
            }
            Op::Index {
                arr, idx, multi, ..
            } => {
                let a = self.tan_of(arr).unwrap_or_default();
                let idx: Vec<TokenStream> = idx.iter().map(|i| self.g.opnd(i)).collect();
                let b = crate::ir::index_brackets(*multi, &idx);
                quote!(#a #b)
            }
            op => self.rule_tangent(op, l.dst),
        };
        quote_spanned!(sp=> #primal let #dot = #tangent;)
    }

    /// `Σᵢ rule(op, i)` with `g` the tangent of operand `i`.
    fn rule_tangent(&self, op: &Op, dst: ValId) -> TokenStream {
        let operands = analyse::op_operands(op);
        let toks: Vec<TokenStream> = operands
            .iter()
            .map(|o| {
                let t = self.g.opnd(o);
                if self.g.kind(o) == Kind::ScalarRef {
                    quote!((*#t))
                } else {
                    t
                }
            })
            .collect();
        let result = {
            let d = self.g.ident(dst);
            quote!(#d)
        };
        let targets: Vec<TokenStream> = operands.iter().map(|_| TokenStream::new()).collect();
        let scalar = vec![true; operands.len()];
        let terms: Vec<TokenStream> = operands
            .iter()
            .enumerate()
            .filter_map(|(i, o)| {
                let t = self.tan_of(o)?;
                let env = rules::Env::new(&toks, &result, &t, &targets, false, &scalar);
                match rules::rule(op, i, &env)? {
                    rules::Contrib::Add(c) => Some(quote!((#c))),
                    rules::Contrib::Stmt(_) => None,
                }
            })
            .collect();
        match terms.split_first() {
            Some((first, rest)) => quote!(#first #(+ #rest)*),
            None => quote!(0.0),
        }
    }

    /// The tangent passed for a call argument: its own, or a zero of the callee parameter's
    /// tangent type.
    fn arg_tangent(&self, a: &Operand) -> TokenStream {
        let rt = crate::reverse::rt();
        match (self.tan_of(a), self.g.kind(a).is_array()) {
            (Some(t), _) if self.is_owned(a) => quote!(&#t),
            (Some(t), _) => t,
            (None, true) => {
                let x = self.g.opnd(a);
                quote!(&#rt::zero_adj(&#x))
            }
            (None, false) => quote!(#rt::no_tangent()),
        }
    }

    fn if_(&self, i: &If) -> TokenStream {
        let cond = self.g.opnd(&i.cond);
        let then_b = self.block(&i.then_block);
        let else_b = self.block(&i.else_block);
        let mut dsts = vec![];
        let (mut tv, mut ev) = (vec![], vec![]);
        for m in &i.merges {
            dsts.push(self.g.ident(m.dst).clone());
            tv.push(self.g.moved(&m.then_val));
            ev.push(self.g.moved(&m.else_val));
            if self.an.active[m.dst] {
                dsts.push(self.tan(m.dst));
                tv.push(self.scalar_tan(&m.then_val));
                ev.push(self.scalar_tan(&m.else_val));
            }
        }
        if dsts.is_empty() {
            return quote!(if #cond { #then_b } else { #else_b });
        }
        quote!(let (#(#dsts,)*) = if #cond { #then_b (#(#tv,)*) } else { #else_b (#(#ev,)*) };)
    }

    fn loop_(&self, l: &Loop) -> TokenStream {
        let mut entries: Vec<Ident> = vec![];
        let mut inits: Vec<TokenStream> = vec![];
        let mut nexts: Vec<TokenStream> = vec![];
        // (value after the loop, variable that holds it)
        let mut outs: Vec<(Ident, Ident)> = vec![];
        for c in &l.carried {
            entries.push(self.g.ident(c.entry).clone());
            inits.push(self.g.opnd(&c.init));
            nexts.push(self.g.opnd(&c.next));
            outs.push((self.g.ident(c.out).clone(), self.g.ident(c.entry).clone()));
            if self.an.active[c.entry] {
                entries.push(self.tan(c.entry));
                inits.push(self.scalar_tan(&c.init));
                nexts.push(self.scalar_tan(&c.next));
                if self.an.active[c.out] {
                    outs.push((self.tan(c.out), self.tan(c.entry)));
                }
            }
        }
        let (out_vals, out_vars): (Vec<Ident>, Vec<Ident>) = outs.into_iter().unzip();
        let body = self.block(&l.body);
        let advance = if entries.is_empty() {
            TokenStream::new()
        } else {
            quote!((#(#entries,)*) = (#(#nexts,)*);)
        };
        let exit = l.exit.as_ref().map(|x| {
            let x = self.g.opnd(x);
            quote!(if #x { break; })
        });
        let head = match &l.head {
            LoopHead::Range { index, range } => {
                let i = self.g.ident(*index);
                let it = self.g.range_iter(range);
                quote_spanned!(l.span=> for #i in #it)
            }
            LoopHead::Forever => quote_spanned!(l.span=> loop),
        };
        // A checkpoint's segment length means nothing without a tape; it is still read.
        let every = l.checkpoint.as_ref().map(|k| {
            let k = self.g.opnd(k);
            quote!(let _ = #k;)
        });
        quote! {
            #every
            #(let mut #entries = #inits;)*
            #head {
                #body
                #advance
                #exit
            }
            #(let #out_vals = #out_vars;)*
        }
    }
}

/// The tangent's type for a parameter: `f64` for numbers, a reference for arrays, `()` for the
/// rest (as the pullback's adjoints, by reference).
pub fn tangent_type(kind: &ParamKind) -> TokenStream {
    match kind {
        ParamKind::Scalar | ParamKind::ScalarRef => quote!(f64),
        ParamKind::Slice { .. } => quote!(&[f64]),
        ParamKind::Fixed { len, .. } => quote!(&[f64; #len]),
        ParamKind::Nd { dims: 1, .. } => quote!(&::autodiff_runtime::ndarray::Array1<f64>),
        ParamKind::Nd { .. } => quote!(&::autodiff_runtime::ndarray::Array2<f64>),
        ParamKind::Na { owned, .. } => quote!(&#owned),
        ParamKind::Other => quote!(()),
    }
}

/// What `jvp_f` needs from the expansion of `f`.
pub struct JvpParts<'a> {
    pub func: &'a syn::ItemFn,
    pub ir: &'a Func,
    /// Reverse-mode generator and analysis with every float parameter active.
    pub g: &'a Gen<'a>,
    pub an: &'a Analysis,
    pub inputs: &'a [TokenStream],
    pub lints: &'a TokenStream,
}

/// `jvp_f(params.., tangents..) -> (value, tangent of the value)`: by forward mode where every
/// statement has a forward rule, otherwise the function's value and its pullback's adjoints
/// (one call per output) dotted with the tangents.
pub fn jvp_items(p: &JvpParts) -> TokenStream {
    let (func, ir) = (p.func, p.ir);
    let fwd = Fwd::new(p.g, ir, p.an);
    if !fwd.supported(&ir.body) {
        let ps: Vec<crate::params::ParamSpec> = ir
            .params
            .iter()
            .map(|q| crate::params::ParamSpec {
                ident: q.ident.clone(),
                ty: q.ty.clone(),
                kind: q.kind.clone(),
            })
            .collect();
        let uses = crate::custom::argument_uses(&ps);
        let outputs = ir.tuple_output.then_some(ir.results.len());
        return crate::custom::jvp_by_rule(
            func,
            &ps,
            &uses,
            outputs,
            p.lints,
            "from its pullback (generated by `#[differentiable]`: this function has whole-array operations, which have no forward rule yet)",
        );
    }
    let (vis, generics, fname) = (&func.vis, &func.sig.generics, &func.sig.ident);
    let jvp = format_ident!("jvp_{}", fname);
    let tangent_inputs = tangent_inputs(&fwd, ir, p.an);
    let n_out = if ir.tuple_output { ir.results.len() } else { 1 };
    let ones = (0..n_out).map(|_| quote!(f64));
    let out_ty = if ir.tuple_output {
        let twice = ones.clone();
        quote!(((#(#ones,)*), (#(#twice,)*)))
    } else {
        quote!((f64, f64))
    };
    let block = fwd.block(&ir.body);
    let values: Vec<TokenStream> = ir.results.iter().map(|r| p.g.opnd(r)).collect();
    let tangents: Vec<TokenStream> = ir.results.iter().map(|r| fwd.scalar_tan(r)).collect();
    let body = if ir.tuple_output {
        quote!({ #block ((#(#values,)*), (#(#tangents,)*)) })
    } else {
        let (v, t) = (&values[0], &tangents[0]);
        quote!({ #block (#v, #t) })
    };
    let doc = format!(
        "The value of [`{fname}`] and its derivative along the tangents (one per parameter: `f64` for numbers, a reference for arrays, `()` for the rest), by forward mode (generated by `#[differentiable]`)."
    );
    let lints = p.lints;
    let inputs = p.inputs;
    quote! {
        #[doc = #doc]
        #[inline]
        #lints
        #vis fn #jvp #generics(#(#inputs,)* #(#tangent_inputs),*) -> #out_ty {
            #body
        }
    }
}

/// The tangent parameters of a native `jvp_f`, one per parameter (named for the active ones).
fn tangent_inputs(fwd: &Fwd, ir: &Func, an: &Analysis) -> Vec<TokenStream> {
    ir.params
        .iter()
        .map(|q| {
            let ty = tangent_type(&q.kind);
            if !an.active[q.val] || q.kind == ParamKind::Other {
                quote!(_: #ty)
            } else {
                let t = fwd.tan(q.val);
                quote!(#t: #ty)
            }
        })
        .collect()
}

/// `jvp_f` of a function that returns a local array it wrote (`let mut r = vec![0.0; n]; ..;
/// r`), by forward mode: the value and its tangent array, made and written beside it. `None`
/// when some statement has no forward rule or the result is not such an array (then `jvp_f`
/// comes from one pullback per output element, see `array_outputs::jvp`).
pub fn array_jvp_items(p: &JvpParts) -> Option<TokenStream> {
    let (func, ir) = (p.func, p.ir);
    let fwd = Fwd::new(p.g, ir, p.an);
    if !fwd.supported(&ir.body) || ir.results.len() != 1 || !fwd.is_owned(&ir.results[0]) {
        return None;
    }
    let (vis, generics, fname) = (&func.vis, &func.sig.generics, &func.sig.ident);
    let jvp = format_ident!("jvp_{}", fname);
    let tangent_inputs = tangent_inputs(&fwd, ir, p.an);
    let ty = crate::expand::output_adjoint_type(func);
    let block = fwd.block(&ir.body);
    let value = p.g.opnd(&ir.results[0]);
    let tangent = fwd.scalar_tan(&ir.results[0]);
    let doc = format!(
        "The value of [`{fname}`] and its derivative along the tangents (one per parameter: `f64` for numbers, a reference for arrays, `()` for the rest), an array like the value, by forward mode (generated by `#[differentiable]`)."
    );
    let (lints, inputs) = (p.lints, p.inputs);
    Some(quote! {
        #[doc = #doc]
        #[inline]
        #lints
        #vis fn #jvp #generics(#(#inputs,)* #(#tangent_inputs),*) -> (#ty, #ty) {
            #block
            (#value, #tangent)
        }
    })
}
