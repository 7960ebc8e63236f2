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
            return Some(Contrib::Stmt(if *multi {
                quote!(#t[[#(#idx),*]] += #g;)
            } else {
                quote!(#t[#(#idx),*] += #g;)
            }));
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

/// `s![...]` with the operands of `elems` (operands 1.. of the `Slice`).
pub fn slice_macro(elems: &[crate::ir::SliceElem], e: &Env) -> TokenStream {
    let parts = slice_elems(elems, e);
    quote!(::autodiff_runtime::ndarray::s![#(#parts),*])
}

/// The elements of a slice (`i`, `lo..hi`, `lo..=hi;step`, ...) with the operands of `elems`
/// (operands 1.. of the `Slice`).
pub fn slice_elems(elems: &[crate::ir::SliceElem], e: &Env) -> Vec<TokenStream> {
    use crate::ir::SliceElem as S;
    let mut k = 0;
    let mut next = || {
        k += 1;
        e.a(k)
    };
    let parts: Vec<TokenStream> = elems
        .iter()
        .map(|el| match el {
            S::Index(_) => {
                let i = next();
                quote!(#i)
            }
            S::Range {
                lo,
                hi,
                inclusive,
                step,
            } => {
                let lo = lo.as_ref().map(|_| next());
                let hi = hi.as_ref().map(|_| next());
                let step = step.as_ref().map(|_| next());
                let dots = if *inclusive { quote!(..=) } else { quote!(..) };
                let step = step.map(|s| quote!(;#s));
                quote!(#lo #dots #hi #step)
            }
        })
        .collect();
    parts
}

/// The rules of the array methods.
fn array_rule(m: ArrayMethod, i: usize, e: &Env, rt: &TokenStream) -> Option<Contrib> {
    use ArrayMethod as A;
    if i != 0 && !matches!(m, A::Dot) {
        return None;
    }
    let g = e.g();
    Some(match m {
        // v = a.column(j): ā[:, j] += g
        A::Column | A::Row => {
            let (t, j) = (&e.targets[0], e.a(1));
            let f = if m == A::Column {
                quote!(column_acc)
            } else {
                quote!(row_acc)
            };
            Contrib::Stmt(quote!(#rt::#f(&mut #t, #j, &#g);))
        }
        // v = Σ a: ā += g (every element)
        A::Sum => Contrib::Add(g),
        // v = mean(a): ā += g / n (a scalar, added to every element)
        A::Mean => {
            let a = e.a(0);
            Contrib::Add(quote!(#g / (#a.len() as f64)))
        }
        // v = var(a, ddof): ā += g 2 (a - mean a) / (n - ddof)
        // (plus the shift, if any, in the same pass)
        A::Var => {
            let (a, d) = (e.a(0), e.a(1));
            Contrib::Add(match (&e.shift, &e.mean) {
                (None, None) => quote!(#rt::var_da(&#a, #d, #g)),
                (Some(k), None) => quote!(#rt::var_da_shifted(&#a, #d, #g, #k)),
                (k, Some(m)) => {
                    let k = k.clone().unwrap_or(quote!(0.0));
                    quote!(#rt::var_da_centred(&#a, #m, #d, #g, #k))
                }
            })
        }
        // v = std(a, ddof): ā += g (a - mean a) / ((n - ddof) v)   (plus the shift, if any)
        A::Std => {
            let (a, d, v) = (e.a(0), e.a(1), e.v());
            Contrib::Add(match (&e.shift, &e.mean) {
                (None, None) => quote!(#rt::std_da(&#a, #d, #v, #g)),
                (Some(k), None) => quote!(#rt::std_da_shifted(&#a, #d, #v, #g, #k)),
                (k, Some(m)) => {
                    let k = k.clone().unwrap_or(quote!(0.0));
                    quote!(#rt::std_da_centred(&#a, #m, #d, #v, #g, #k))
                }
            })
        }
        // v = a.dot(b): ā += g bᵀ (shapes per case), b̄ += aᵀ g
        A::Dot => {
            if i == 0 {
                let b = e.a(1);
                Contrib::Add(quote!(#rt::dot_da(&#g, &#b)))
            } else {
                let a = e.a(0);
                Contrib::Add(quote!(#rt::dot_db(&#a, &#g)))
            }
        }
        // v = a.mapv(f): ā += g ⊙ f'(a)
        A::Mapv(f) => {
            let a = e.a(0);
            let d = format_ident!("{}", f.name());
            Contrib::Add(quote!(#rt::mapv_da(&#a, #rt::deriv::#d, &#g)))
        }
        // v = a.t(): ā += gᵀ
        A::T => Contrib::Add(quote!(#rt::t_da(&#g))),
        // v = a.view(), a.to_owned(), Array1::from_vec(a): ā += g
        A::View | A::ToOwned | A::FromVec => Contrib::Add(g),
        // v = a.sum_axis(Axis(k)): ā += g broadcast along axis k
        A::SumAxis => {
            let k = e.a(1);
            Contrib::Add(quote!(#rt::sum_axis_da(&#g, #k)))
        }
        // v = a.mean_axis(Axis(k)): ā += g / n_k broadcast along axis k
        A::MeanAxis => {
            let (a, k) = (e.a(0), e.a(1));
            Contrib::Add(quote!(#rt::mean_axis_da(&#a, #k, &#g)))
        }
        // v = a.var_axis(Axis(k), ddof): ā += g_j 2 (a - mean_j) / (n - ddof) along each lane j
        A::VarAxis => {
            let (a, k, d) = (e.a(0), e.a(1), e.a(2));
            Contrib::Add(quote!(#rt::var_axis_da(&#a, #k, #d, &#g)))
        }
        // v = a.std_axis(Axis(k), ddof): ā += g_j (a - mean_j) / ((n - ddof) v_j) (0 if v_j = 0)
        A::StdAxis => {
            let (a, k, d, v) = (e.a(0), e.a(1), e.a(2), e.v());
            Contrib::Add(quote!(#rt::std_axis_da(&#a, #k, #d, &#v, &#g)))
        }
        // v = a.insert_axis(Axis(k)): ā += g without axis k
        A::InsertAxis => {
            let k = e.a(1);
            Contrib::Add(quote!(#rt::insert_axis_da(&#g, #k)))
        }
        // v = a.broadcast(shape): ā += g, summed back to a's shape by the runtime
        A::Broadcast => Contrib::Add(g),
        A::Len | A::LenOf | A::Nrows | A::Ncols | A::Shape => return None,
    })
}

/// Arithmetic where an operand or the result is an array: the runtime's broadcasting
/// operations, with the same formulas as the scalar rules.
fn array_arith_rule(op: &Op, i: usize, e: &Env, rt: &TokenStream) -> Option<TokenStream> {
    let g = e.g();
    Some(match op {
        Op::Copy { .. } | Op::CastFloat(_) | Op::Ref(_) => g,
        // v = vec![a; n]: ā += Σ v̄ (summed back to ā's shape by the runtime)
        Op::NewArray(
            crate::ir::NewArray::Vec(..)
            | crate::ir::NewArray::FromElem1(..)
            | crate::ir::NewArray::FromElem2(..)
            | crate::ir::NewArray::Repeat(..),
        ) if i == 0 => g,
        // v = Array1::from_vec(vec![a0, a1, ...]): āᵢ += v̄[i]
        Op::NewArray(crate::ir::NewArray::FromElems(_)) => quote!(#g[#i]),
        Op::Neg(_) => quote!(#rt::neg(&#g)),
        // The scalar rules' formulas; a scalar operand's contribution is reduced as it is formed.
        Op::Arith(a, _, _) => match (a, i) {
            (Arith::Add, _) | (Arith::Sub, 0) => g,
            (Arith::Sub, _) if e.scalar[1] => quote!(-#rt::sum_prod(&#g, &1.0)),
            (Arith::Sub, _) => quote!(#rt::neg(&#g)),
            (Arith::Mul, _) => {
                let other = e.a(1 - i);
                if e.scalar[i] {
                    quote!(#rt::sum_prod(&#g, &#other))
                } else {
                    quote!(#rt::mul(&#g, &#other))
                }
            }
            (Arith::Div, 0) => {
                let b = e.a(1);
                if e.scalar[0] && e.scalar[1] {
                    quote!(#rt::sum_prod(&#g, &1.0) / #b)
                } else if e.scalar[1] {
                    // One division, then a multiplication per element (several times faster).
                    quote!(#rt::mul(&#g, &(1.0 / #b)))
                } else {
                    quote!(#rt::div(&#g, &#b))
                }
            }
            // Refused by lowering: `%` between arrays is not in the contract.
            (Arith::Rem, _) => return None,
            (Arith::Div, _) => {
                let (v, b) = (e.v(), e.a(1));
                if e.scalar[1] {
                    quote!(-#rt::sum_prod(&#g, &#v) / #b)
                } else {
                    quote!(#rt::neg(&#rt::div(&#rt::mul(&#g, &#v), &#b)))
                }
            }
        },
        _ => return None,
    })
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

fn math_rule(
    f: MathFn,
    i: usize,
    e: &Env,
    g: &TokenStream,
    rt: &TokenStream,
) -> Option<TokenStream> {
    use MathFn as M;
    Some(match f {
        // sin: ā += g cos a
        M::Sin => {
            let a = e.a(0);
            quote!(#g * f64::cos(#a))
        }
        // cos: ā += -g sin a
        M::Cos => {
            let a = e.a(0);
            quote!(-#g * f64::sin(#a))
        }
        // tan: ā += g (1 + v²)
        M::Tan => {
            let v = e.v();
            quote!(#g * (1.0 + #v * #v))
        }
        // asin: ā += g / √(1 - a²)
        M::Asin => {
            let a = e.a(0);
            quote!(#g / f64::sqrt(1.0 - #a * #a))
        }
        // acos: ā += -g / √(1 - a²)
        M::Acos => {
            let a = e.a(0);
            quote!(-#g / f64::sqrt(1.0 - #a * #a))
        }
        // atan: ā += g / (1 + a²)
        M::Atan => {
            let a = e.a(0);
            quote!(#g / (1.0 + #a * #a))
        }
        // v = y.atan2(x): ȳ += g x / (x² + y²), x̄ += -g y / (x² + y²)
        M::Atan2 => {
            let (y, x) = (e.a(0), e.a(1));
            if i == 0 {
                quote!(#g * #x / (#x * #x + #y * #y))
            } else {
                quote!(-#g * #y / (#x * #x + #y * #y))
            }
        }
        // sinh: ā += g cosh a
        M::Sinh => {
            let a = e.a(0);
            quote!(#g * f64::cosh(#a))
        }
        // cosh: ā += g sinh a
        M::Cosh => {
            let a = e.a(0);
            quote!(#g * f64::sinh(#a))
        }
        // tanh: ā += g (1 - v²)
        M::Tanh => {
            let v = e.v();
            quote!(#g * (1.0 - #v * #v))
        }
        // asinh: ā += g / √(a² + 1)
        M::Asinh => {
            let a = e.a(0);
            quote!(#g / f64::sqrt(#a * #a + 1.0))
        }
        // acosh: ā += g / (√(a - 1) √(a + 1))
        M::Acosh => {
            let a = e.a(0);
            quote!(#g / (f64::sqrt(#a - 1.0) * f64::sqrt(#a + 1.0)))
        }
        // atanh: ā += g / (1 - a²)
        M::Atanh => {
            let a = e.a(0);
            quote!(#g / (1.0 - #a * #a))
        }
        // exp: ā += g v
        M::Exp => {
            let v = e.v();
            quote!(#g * #v)
        }
        // exp2: ā += g v ln 2
        M::Exp2 => {
            let v = e.v();
            quote!(#g * #v * ::core::f64::consts::LN_2)
        }
        // exp_m1: ā += g (v + 1)
        M::ExpM1 => {
            let v = e.v();
            quote!(#g * (#v + 1.0))
        }
        // ln: ā += g / a
        M::Ln => {
            let a = e.a(0);
            quote!(#g / #a)
        }
        // ln_1p: ā += g / (1 + a)
        M::Ln1p => {
            let a = e.a(0);
            quote!(#g / (1.0 + #a))
        }
        // v = a.log(b) = ln a / ln b: ā += g / (a ln b), b̄ += -g v / (b ln b)
        M::Log => {
            if i == 0 {
                let (a, b) = (e.a(0), e.a(1));
                quote!(#g / (#a * f64::ln(#b)))
            } else {
                let (v, b) = (e.v(), e.a(1));
                quote!(-#g * #v / (#b * f64::ln(#b)))
            }
        }
        // log2: ā += g / (a ln 2)
        M::Log2 => {
            let a = e.a(0);
            quote!(#g / (#a * ::core::f64::consts::LN_2))
        }
        // log10: ā += g / (a ln 10)
        M::Log10 => {
            let a = e.a(0);
            quote!(#g / (#a * ::core::f64::consts::LN_10))
        }
        // sqrt: ā += g / (2 v)   (infinite at 0, as in JAX)
        M::Sqrt => {
            let v = e.v();
            quote!(#g / (2.0 * #v))
        }
        // cbrt: ā += g / (3 v²)
        M::Cbrt => {
            let v = e.v();
            quote!(#g / (3.0 * #v * #v))
        }
        // powi(a, n): ā += g n a^(n-1), and 0 when n = 0 (also at a = 0)
        M::Powi => {
            if i != 0 {
                return None;
            }
            let (a, n) = (e.a(0), e.a(1));
            quote!(#g * #rt::powi_da(#a, #n))
        }
        // powf(a, b): ā += g b a^(b-1) (0 when b = 0); b̄ += g v ln a (0 when a = 0), as JAX
        M::Powf => {
            if i == 0 {
                let (a, b) = (e.a(0), e.a(1));
                quote!(#g * #rt::powf_da(#a, #b))
            } else {
                let (a, v) = (e.a(0), e.v());
                quote!(#g * #rt::powf_db(#a, #v))
            }
        }
        // abs: ā += g sign(a), and 0 at a = 0 (as JAX)
        M::Abs => {
            let a = e.a(0);
            quote!(#g * #rt::abs_da(#a))
        }
        // signum: zero almost everywhere
        M::Signum => return None,
        // max(a, b): the gradient goes to the argument returned; on a tie to `a` (the receiver)
        M::Max => {
            let (a, b) = (e.a(0), e.a(1));
            if i == 0 {
                quote!(if #rt::max_picks_first(#a, #b) { #g } else { 0.0 })
            } else {
                quote!(if #rt::max_picks_first(#a, #b) { 0.0 } else { #g })
            }
        }
        // min(a, b): the gradient goes to the argument returned; on a tie to `a` (the receiver)
        M::Min => {
            let (a, b) = (e.a(0), e.a(1));
            if i == 0 {
                quote!(if #rt::min_picks_first(#a, #b) { #g } else { 0.0 })
            } else {
                quote!(if #rt::min_picks_first(#a, #b) { 0.0 } else { #g })
            }
        }
        // x.clamp(lo, hi): the gradient goes to whichever of x, lo, hi is returned (x on ties)
        M::Clamp => {
            let (x, lo, hi) = (e.a(0), e.a(1), e.a(2));
            let k = i as u8;
            quote!(if #rt::clamp_picks(#x, #lo, #hi) == #k { #g } else { 0.0 })
        }
        // hypot(a, b): ā += g a / v, b̄ += g b / v   (0 at the origin)
        M::Hypot => {
            let (ai, v) = (e.a(i), e.v());
            quote!(#g * #rt::div_or_zero(#ai, #v))
        }
        // mul_add(a, b, c) = a b + c: ā += g b, b̄ += g a, c̄ += g
        M::MulAdd => match i {
            0 => {
                let b = e.a(1);
                quote!(#g * #b)
            }
            1 => {
                let a = e.a(0);
                quote!(#g * #a)
            }
            _ => g.clone(),
        },
        // recip: ā += -g v²
        M::Recip => {
            let v = e.v();
            quote!(-#g * #v * #v)
        }
        // to_degrees: ā += g 180 / π
        M::ToDegrees => quote!(#g * (180.0_f64 / ::core::f64::consts::PI)),
        // to_radians: ā += g π / 180
        M::ToRadians => quote!(#g * (::core::f64::consts::PI / 180.0_f64)),
    })
}
