//! The derivative rules: one table from primitive to its partial derivatives.
//!
//! `rule(op, i, e)` gives the contribution of `v = op(a0, a1, ...)` to the adjoint of operand
//! `i`, in terms of `g` (the adjoint of `v`), the operands `a(k)` and the result `v`; `None`
//! is a zero contribution and generates no code. The same function, run with recording
//! accessors, tells the analysis which primal values the reverse sweep needs (`needs`), so the
//! two cannot disagree. Behaviour at non-differentiable points follows JAX and is stated on
//! the rule.

use crate::ir::{Arith, ArrayMethod, MathFn, Op};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::cell::Cell;

mod arrays;
mod math;

use arrays::{array_arith_rule, array_rule};
pub use arrays::{slice_elems, slice_macro};
use math::math_rule;

pub struct Env<'a> {
    pub args: &'a [TokenStream],
    pub result: &'a TokenStream,
    pub g: &'a TokenStream,
    /// The adjoints of the operands, for rules that write into part of one (`x̄[i] += g`).
    pub targets: &'a [TokenStream],
    /// Some operand or the result is an array: partials go through the runtime's generic
    /// (broadcasting) operations.
    pub array: bool,
    /// Which operands are scalars: a scalar's contribution from an array is reduced as it is
    /// formed (`Σ ḡ ⊙ b`), without an intermediate array.
    pub scalar: &'a [bool],
    /// A scalar to add to every element of an array contribution that can absorb it in the
    /// same pass (`var`, `std`): the broadcast contributions of `mean` and `sum` to the same
    /// adjoint, gathered by the generator.
    pub shift: Option<TokenStream>,
    /// The mean of the operand of a `var`/`std`, when the function computes it at its top level
    /// (`x.mean()`, the same value the pullback would otherwise compute again).
    pub mean: Option<TokenStream>,
    used: Cell<u32>,
}

/// A rule's contribution to an operand's adjoint.
pub enum Contrib {
    /// `ā += expr` (summed back to ā's shape by the runtime when shapes differ).
    Add(TokenStream),
    /// A statement that updates part of the adjoint itself.
    Stmt(TokenStream),
}

const RESULT_BIT: u32 = 1 << 31;

impl<'a> Env<'a> {
    pub fn new(
        args: &'a [TokenStream],
        result: &'a TokenStream,
        g: &'a TokenStream,
        targets: &'a [TokenStream],
        array: bool,
        scalar: &'a [bool],
    ) -> Self {
        Env {
            args,
            result,
            g,
            targets,
            array,
            scalar,
            shift: None,
            mean: None,
            used: Cell::new(0),
        }
    }
    /// The same environment with a shift for the contribution (see [`Env::shift`]).
    pub fn with_shift(mut self, shift: TokenStream) -> Self {
        self.shift = Some(shift);
        self
    }
    /// The same environment with the operand's mean (see [`Env::mean`]).
    pub fn with_mean(mut self, mean: Option<TokenStream>) -> Self {
        self.mean = mean;
        self
    }
    fn a(&self, i: usize) -> TokenStream {
        self.used.set(self.used.get() | (1 << i));
        self.args[i].clone()
    }
    fn v(&self) -> TokenStream {
        self.used.set(self.used.get() | RESULT_BIT);
        self.result.clone()
    }
    fn g(&self) -> TokenStream {
        self.g.clone()
    }
}

pub enum Need {
    Operand(usize),
    Result,
}

/// The primal values the reverse sweep of `op` reads, given which operands are active.
pub fn needs(op: &Op, active: &[bool]) -> Vec<Need> {
    let args: Vec<TokenStream> = active.iter().map(|_| TokenStream::new()).collect();
    let (r, g) = (TokenStream::new(), TokenStream::new());
    let scalar = vec![true; active.len()];
    let e = Env::new(&args, &r, &g, &args, false, &scalar);
    for (i, act) in active.iter().enumerate() {
        if *act {
            rule(op, i, &e);
        }
    }
    let used = e.used.get();
    let mut out: Vec<Need> = (0..active.len())
        .filter(|i| used & (1 << i) != 0)
        .map(Need::Operand)
        .collect();
    if used & RESULT_BIT != 0 {
        out.push(Need::Result);
    }
    out
}

/// Contribution of `v = op(...)` to the adjoint of operand `i`.
pub fn rule(op: &Op, i: usize, e: &Env) -> Option<Contrib> {
    let rt = quote!(::autodiff_runtime::__rt);
    match op {
        Op::Index { multi, .. } => {
            if i != 0 {
                return None;
            }
            // v = a[i]: ā[i] += g
            let (t, g) = (&e.targets[0], e.g());
            let idx: Vec<TokenStream> = (1..e.args.len()).map(|k| e.a(k)).collect();
            let b = crate::ir::index_brackets(*multi, &idx);
            return Some(Contrib::Stmt(quote!(#t #b += #g;)));
        }
        Op::Array(m, _) => return array_rule(*m, i, e, &rt),
        Op::Slice { elems, std, .. } => {
            if i != 0 {
                return None;
            }
            let (t, g) = (&e.targets[0], e.g());
            return Some(Contrib::Stmt(if *std {
                // v = &a[lo..hi]: ā[lo..hi] += g
                let r = slice_elems(elems, e);
                quote!(#rt::acc(&mut #t[#(#r)*], &#g);)
            } else {
                // v = a.slice(s![..]): ā.slice_mut(s![..]) += g
                let s = slice_macro(elems, e);
                quote!(#rt::acc(&mut #t.slice_mut(#s), &#g);)
            }));
        }
        // The reverse of the closure body, per element, gives the array's and the captures'
        // contributions together: generated by `reverse` itself. It reads every operand.
        Op::MapClosure(_) => {
            for k in 0..e.args.len() {
                e.a(k);
            }
            return None;
        }
        _ => {}
    }
    if e.array {
        return array_arith_rule(op, i, e, &rt).map(Contrib::Add);
    }
    scalar_rule(op, i, e, &rt).map(Contrib::Add)
}

/// The scalar rules: plain f64 expressions.
fn scalar_rule(op: &Op, i: usize, e: &Env, rt: &TokenStream) -> Option<TokenStream> {
    let g = e.g();
    Some(match op {
        // v = a: ā += g
        Op::Copy { .. } | Op::CastFloat(_) => g,
        // v = -a: ā += -g
        Op::Neg(_) => quote!(-#g),
        Op::Arith(a, _, _) => match (a, i) {
            // v = a + b: ā += g, b̄ += g
            (Arith::Add, _) => g,
            // v = a - b: ā += g, b̄ += -g
            (Arith::Sub, 0) => g,
            (Arith::Sub, _) => quote!(-#g),
            // v = a * b: ā += g b, b̄ += g a
            (Arith::Mul, 0) => {
                let b = e.a(1);
                quote!(#g * #b)
            }
            (Arith::Mul, _) => {
                let a = e.a(0);
                quote!(#g * #a)
            }
            // v = a / b: ā += g / b, b̄ += -g v / b
            (Arith::Div, 0) => {
                let b = e.a(1);
                quote!(#g / #b)
            }
            (Arith::Div, _) => {
                let (v, b) = (e.v(), e.a(1));
                quote!(-#g * #v / #b)
            }
            // v = a % b = a - b trunc(a / b): ā += g, b̄ += -g trunc(a / b) (as JAX)
            (Arith::Rem, 0) => g,
            (Arith::Rem, _) => {
                let (a, b) = (e.a(0), e.a(1));
                quote!(-#g * f64::trunc(#a / #b))
            }
        },
        Op::Math(f, _) => return math_rule(*f, i, e, &g, rt),
        Op::Ref(_) => g,
        Op::Inactive(_)
        | Op::Call { .. }
        | Op::Field(..)
        | Op::Index { .. }
        | Op::Array(..)
        | Op::NewArray(_)
        | Op::Slice { .. }
        | Op::MapClosure(_) => {
            return None;
        }
    })
}
