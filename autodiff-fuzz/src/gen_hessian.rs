//! Feature `hessian`: which generated functions get `#[differentiable(hessian)]`.
//!
//! The macro gives `hvp_*`/`hessian_*` to functions with one `f64` output whose parameters are
//! `f64`, `&f64`, slices, `Vec<f64>`, `[f64; N]`, 1-D ndarray arrays or constants (integers,
//! `bool`, `Option<usize>`), whose `jvp_*` is forward mode (no whole-array operation, no
//! written local array: those make `jvp_*` come from a pullback, which the second pass cannot
//! differentiate), and whose `#[differentiable]` callees have `hessian` too. The choice is made
//! after generation without drawing from the generator, so a seed gives the same programs with
//! and without the feature; only the attributes differ.

use crate::ast::*;

/// Marks every function of `p` that can take `hessian` (in order: a caller needs its callees
/// marked).
pub(super) fn mark(p: &mut Program) {
    let mut marked: Vec<String> = vec![];
    for f in p.funcs.iter_mut() {
        let mut w = Walk {
            ok: true,
            calls: vec![],
        };
        w.block(&f.body);
        let params_ok = f.params.iter().all(|q| match q.ty {
            PTy::F64 | PTy::RefF64 | PTy::Int(_) | PTy::Bool | PTy::OptUsize => true,
            PTy::Arr(t) => !t.is2(),
        });
        f.hessian =
            !f.pair && params_ok && w.ok && w.calls.iter().all(|c| marked.iter().any(|m| m == c));
        if f.hessian {
            marked.push(f.name.clone());
        }
    }
}

/// Collects the called functions and notes what has no forward rule.
struct Walk {
    ok: bool,
    calls: Vec<String>,
}

impl Walk {
    fn block(&mut self, b: &Block) {
        for s in &b.stmts {
            self.stmt(s);
        }
        if let Some(t) = &b.tail {
            self.e(t);
        }
    }
    fn stmt(&mut self, s: &Stmt) {
        match s {
            Stmt::Let { init, .. } => self.e(init),
            // a local array, written: no forward rule
            Stmt::LetArr { .. } | Stmt::LetCopy { .. } => self.ok = false,
            Stmt::Assign(lv, _, e) => {
                match lv {
                    LV::Var(_) => {}
                    LV::Idx(_, i) => self.e(i),
                    LV::Idx2(_, i, j) => {
                        self.e(i);
                        self.e(j);
                    }
                }
                self.e(e);
            }
            Stmt::If(c, t, e) => {
                self.e(c);
                self.block(t);
                if let Some(e) = e {
                    self.els(e);
                }
            }
            Stmt::For { range, body, .. } => {
                self.e(&range.lo);
                self.e(&range.hi);
                if let Some(st) = &range.step {
                    self.e(st);
                }
                self.block(body);
            }
            Stmt::ForElem { body, .. } | Stmt::Loop(body) | Stmt::Block(body) => self.block(body),
            Stmt::While(c, b) => {
                self.e(c);
                self.block(b);
            }
            Stmt::Return(e) | Stmt::LetElse(_, _, e) => self.e(e),
            Stmt::Break | Stmt::Continue | Stmt::LetArrPat(..) => {}
            Stmt::BreakTo(_) | Stmt::ContinueTo(_) => {}
            Stmt::Labelled(_, inner) => self.stmt(inner),
            Stmt::LetClo { body, .. } => self.e(body),
            Stmt::LetTuple(_, t) | Stmt::AssignTuple(_, t) => match t {
                TupInit::Parts(es) => es.iter().for_each(|e| self.e(e)),
                TupInit::Whole(e) => self.e(e),
            },
            // a collected local array: its tangent is built with `vec!`, which the second pass
            // does not read yet (FINDINGS H6)
            Stmt::Collect(..) => self.ok = false,
            Stmt::ForChain { chain, body, .. } => {
                self.chain(chain);
                self.block(body);
            }
        }
    }
    fn els(&mut self, e: &Else) {
        match e {
            Else::Block(b) => self.block(b),
            Else::If(c, t, e) => {
                self.e(c);
                self.block(t);
                self.els(e);
            }
        }
    }
    fn src(&mut self, s: &Src) {
        if let Src::Range(a, b, _) = s {
            self.e(a);
            self.e(b);
        }
    }
    fn chain(&mut self, c: &Chain) {
        self.src(&c.src);
        self.ads(&c.ads);
        match &c.cons {
            Cons::Fold(init, _, clo) => {
                self.e(init);
                self.e(&clo.body);
            }
            Cons::Any(clo) | Cons::All(clo) => self.e(&clo.body),
            _ => {}
        }
    }
    fn ads(&mut self, ads: &[Ad]) {
        for a in ads {
            match a {
                Ad::Zip(s, more) => {
                    self.src(s);
                    self.ads(more);
                }
                Ad::Filter(clo) | Ad::Map(clo) => self.e(&clo.body),
                _ => {}
            }
        }
    }
    fn e(&mut self, e: &E) {
        match e {
            E::Neg(a) | E::Not(a) | E::CastF(a) | E::CastI(a, ..) => self.e(a),
            E::Bin(_, a, b) => {
                self.e(a);
                self.e(b);
            }
            E::Method(_, r, args) => {
                self.e(r);
                args.iter().for_each(|a| self.e(a));
            }
            E::PathCall(_, args) | E::CallClo(_, args) | E::Tuple(args) => {
                args.iter().for_each(|a| self.e(a))
            }
            E::If(c, t, el) => {
                self.e(c);
                self.block(t);
                self.els(el);
            }
            E::Block(b) => self.block(b),
            E::Call(name, args) => {
                self.calls.push(name.clone());
                for a in args {
                    if let CallArg::Val(e) | CallArg::Ref(e) = a {
                        self.e(e);
                    }
                }
            }
            E::Index(_, i) => self.e(i),
            E::Index2(_, i, j) => {
                self.e(i);
                self.e(j);
            }
            // whole-array operations: no forward rule
            E::Reduce(..) => self.ok = false,
            E::Chain(c) => self.chain(c),
            E::MatchI(s, arms, d) => {
                self.e(s);
                for a in arms {
                    if let IPat::Bind(_, g) = &a.pat {
                        self.e(g);
                    }
                    self.e(&a.body);
                }
                self.e(d);
            }
            E::MatchF(s, _, g, a, b) => {
                self.e(s);
                self.e(g);
                self.e(a);
                self.e(b);
            }
            E::IfLet(_, _, a, b) => {
                self.e(a);
                self.e(b);
            }
            E::Matches(s, p) => {
                self.e(s);
                if let IPat::Bind(_, g) = p {
                    self.e(g);
                }
            }
            E::FLit(..)
            | E::ILit(..)
            | E::BLit(_)
            | E::Var(_)
            | E::Deref(_)
            | E::ElemDeref(_)
            | E::FPath(_)
            | E::Len(_)
            | E::NRows(_)
            | E::NCols(_)
            | E::Shape(..) => {}
        }
    }
}
