//! The intermediate form between lowering and code generation.
//!
//! Every value is defined exactly once (SSA). A function body is a [`Block`] of statements, each
//! either one primitive operation (`Let`), a structured `If`, or a structured `Loop`; `break`,
//! `continue` and `return` have already been lowered to boolean flags and guards, so later stages
//! see only structured code. Where a variable is assigned in a branch or a loop, the places where
//! its versions meet are explicit: [`Merge`] after an `If`, [`Carried`] around a `Loop`.

mod dump;
// Checked in debug builds of the macro only (the project's tests, the random-program tester).
#[cfg(any(debug_assertions, test))]
mod verify;
pub use dump::dump;
#[cfg(any(debug_assertions, test))]
pub use verify::verify;

use proc_macro2::{Ident, Span, TokenStream};

/// Index of a value in [`Func::values`].
pub type ValId = usize;

pub struct ValueInfo {
    /// The Rust local that holds the value in generated code (a parameter keeps its name).
    pub ident: Ident,
    /// What names derived from the value start with (`{stem}_bar`): unique, unlike a
    /// parameter's name (see `names.rs`).
    pub stem: String,
    /// The user's name for it, if it is a version of a user variable (used in docs of the tape).
    pub user_name: Option<String>,
    pub kind: Kind,
    /// A local array that is written element by element (`let mut y = Array1::zeros(n)`).
    pub mutable: bool,
    /// A written local array that is also read before its last write: each write records the
    /// element it overwrites, and the reverse sweep restores it, so that the array holds, at
    /// every point of the reverse sweep, what it held at that point of the forward sweep.
    pub restore: bool,
    /// An element read of a restored array that is recomputed where the array already holds
    /// what later writes put there (it is followed, in the same iteration, by a write that may
    /// overwrite it): the value is recorded when read and taken back when recomputed
    /// (see `lower/array_plan.rs`).
    pub tape_read: bool,
    /// Known to be an `f64` (not an integer): decides whether a math function that integers
    /// also have (`abs`, `max`, ...) may be written in path form `f64::max(a, b)`.
    pub float: bool,
}

/// What the macro knows of a value's shape, from the parameters' written types and the
/// operations (the contract's array operations each say what they produce). Decides whether an
/// adjoint is a plain `0.0` or `zero_adj(&value)`, and how operands are passed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// `f64`, integers, `bool`.
    Scalar,
    /// `&f64` (a `for v in x.iter()` element).
    ScalarRef,
    /// A slice, `Vec`, fixed array or ndarray of `f64`; `is_ref` when the value is a reference
    /// (`&x`, a `&[f64]` parameter).
    Array { dims: u8, is_ref: bool },
    /// The `(f64, ..)` result of a call to a #[differentiable] function with several outputs;
    /// only its parts (`Op::Field`) are used. Its adjoint is a tuple of `f64`s.
    Tuple(u8),
}

impl Kind {
    pub fn is_array(self) -> bool {
        matches!(self, Kind::Array { .. })
    }
    pub fn dims(self) -> u8 {
        match self {
            Kind::Array { dims, .. } => dims,
            _ => 0,
        }
    }
}

/// An argument of an operation: a value, or a constant written by the user (literal or path).
#[derive(Clone)]
pub enum Operand {
    Val(ValId),
    Const(TokenStream),
}

impl Operand {
    pub fn val(&self) -> Option<ValId> {
        match self {
            Operand::Val(v) => Some(*v),
            Operand::Const(_) => None,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    /// `%`: differentiated on floats (∂a = 1, ∂b = −trunc(a / b)); on integers it is never
    /// active, so it generates no reverse code.
    Rem,
}

/// The `f64` math functions of the contract. The receiver is operand 0.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MathFn {
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Atan2,
    Sinh,
    Cosh,
    Tanh,
    Asinh,
    Acosh,
    Atanh,
    Exp,
    Exp2,
    ExpM1,
    Ln,
    Ln1p,
    Log,
    Log2,
    Log10,
    Sqrt,
    Cbrt,
    Powi,
    Powf,
    Abs,
    Signum,
    Max,
    Min,
    Clamp,
    Hypot,
    MulAdd,
    Recip,
    ToDegrees,
    ToRadians,
}

impl MathFn {
    /// (method name, number of arguments besides the receiver)
    pub const ALL: &'static [(&'static str, MathFn, usize)] = &[
        ("sin", MathFn::Sin, 0),
        ("cos", MathFn::Cos, 0),
        ("tan", MathFn::Tan, 0),
        ("asin", MathFn::Asin, 0),
        ("acos", MathFn::Acos, 0),
        ("atan", MathFn::Atan, 0),
        ("atan2", MathFn::Atan2, 1),
        ("sinh", MathFn::Sinh, 0),
        ("cosh", MathFn::Cosh, 0),
        ("tanh", MathFn::Tanh, 0),
        ("asinh", MathFn::Asinh, 0),
        ("acosh", MathFn::Acosh, 0),
        ("atanh", MathFn::Atanh, 0),
        ("exp", MathFn::Exp, 0),
        ("exp2", MathFn::Exp2, 0),
        ("exp_m1", MathFn::ExpM1, 0),
        ("ln", MathFn::Ln, 0),
        ("ln_1p", MathFn::Ln1p, 0),
        ("log", MathFn::Log, 1),
        ("log2", MathFn::Log2, 0),
        ("log10", MathFn::Log10, 0),
        ("sqrt", MathFn::Sqrt, 0),
        ("cbrt", MathFn::Cbrt, 0),
        ("powi", MathFn::Powi, 1),
        ("powf", MathFn::Powf, 1),
        ("abs", MathFn::Abs, 0),
        ("signum", MathFn::Signum, 0),
        ("max", MathFn::Max, 1),
        ("min", MathFn::Min, 1),
        ("clamp", MathFn::Clamp, 2),
        ("hypot", MathFn::Hypot, 1),
        ("mul_add", MathFn::MulAdd, 2),
        ("recip", MathFn::Recip, 0),
        ("to_degrees", MathFn::ToDegrees, 0),
        ("to_radians", MathFn::ToRadians, 0),
    ];

    pub fn lookup(name: &str) -> Option<(MathFn, usize)> {
        Self::ALL
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, f, arity)| (*f, *arity))
    }

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, f, _)| *f == self)
            .map(|(n, _, _)| *n)
            .unwrap_or("?")
    }

    /// Integers have a method of the same name: method form unless the receiver is an f64.
    pub fn also_on_integers(self) -> bool {
        matches!(
            self,
            MathFn::Abs | MathFn::Signum | MathFn::Max | MathFn::Min | MathFn::Clamp
        )
    }

    pub fn names() -> String {
        Self::ALL
            .iter()
            .map(|(n, _, _)| *n)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

pub enum Op {
    /// `a` (also `*a` when `deref`), optionally with the user's type annotation.
    Copy {
        src: Operand,
        ty: Option<Box<syn::Type>>,
        deref: bool,
    },
    Neg(Operand),
    Arith(Arith, Operand, Operand),
    Math(MathFn, Vec<Operand>),
    /// `a as f64`: the identity for derivatives.
    CastFloat(Operand),
    /// An operation that never carries a derivative: integer arithmetic, `%`, comparisons,
    /// `!`, bit operations, casts to integer types. Emitted exactly as the user wrote it, with
    /// operands substituted.
    Inactive(InactiveOp),
    /// A call to another `#[differentiable]` function.
    Call {
        path: syn::Path,
        args: Vec<Operand>,
    },
    /// `&a`.
    Ref(Operand),
    /// `t.i`: a part of a call's tuple result.
    Field(Operand, usize),
    /// `a[i]`, `a[[i, j]]` (`multi`) or `a[(i, j)]` (several indices, not `multi`: nalgebra's
    /// form, which ndarray accepts too); `by_ref` gives `&a[i]`. See [`index_brackets`].
    Index {
        arr: Operand,
        idx: Vec<Operand>,
        multi: bool,
        by_ref: bool,
    },
    /// A method of the contract's array subset; the receiver is `args[0]`.
    Array(ArrayMethod, Vec<Operand>),
    /// A new local array of zeros (or of one value): `Array1::zeros(n)`, `Array2::zeros((r, c))`,
    /// `vec![v; n]`. A constant until it is written.
    NewArray(NewArray),
    /// `a.slice(s![...])`: a view of part of an ndarray array; the operands are `a`, then the
    /// operands of `elems` in order. With `std`, `&a[lo..hi]` of a slice, `Vec` or fixed array
    /// (one range, no step).
    Slice {
        arr: Operand,
        elems: Vec<SliceElem>,
        std: bool,
    },
    /// `a.mapv(|e| body)` with a closure: the body is a function of its own.
    MapClosure(Box<MapClosure>),
}

/// One element of `s![...]`.
pub enum SliceElem {
    /// `i`: that index (the axis disappears).
    Index(Operand),
    /// `lo..hi`, `lo..=hi`, `lo..`, `..hi`, `..`, each with an optional `;step`.
    Range {
        lo: Option<Operand>,
        hi: Option<Operand>,
        inclusive: bool,
        step: Option<Operand>,
    },
}

impl SliceElem {
    pub fn operands(&self) -> Vec<&Operand> {
        match self {
            SliceElem::Index(i) => vec![i],
            SliceElem::Range { lo, hi, step, .. } => {
                lo.iter().chain(hi.iter()).chain(step.iter()).collect()
            }
        }
    }
}

/// `a.mapv(|e| body)`: the closure body lowered as a scalar function of the element and of
/// the values it captures (`func`'s parameters: the element, then the captures). The forward
/// sweep maps it over the elements; the reverse sweep runs its pullback per element, which
/// gives the element's adjoint and adds to the captures' adjoints.
pub struct MapClosure {
    pub arr: Operand,
    /// The enclosing function's values that the body reads, in `func.params[1..]` order.
    pub captures: Vec<Operand>,
    /// `map(|e| ..)`: the body's element is a `&f64` (`func.params[0]` is a `ScalarRef`).
    pub by_ref: bool,
    pub func: Func,
}

pub enum NewArray {
    Zeros1(Operand),
    Zeros2(Operand, Operand),
    Vec(Operand, Operand),
    /// `Array1::from_elem(n, v)`: the value first.
    FromElem1(Operand, Operand),
    /// `Array2::from_elem((r, c), v)`: the value first.
    FromElem2(Operand, Operand, Operand),
    /// `Array1::from_vec(vec![a, b, ...])`, `vec![a, b, ...]`, `[a, b, ...]`: one element per
    /// operand, in the container `form` says.
    FromElems(Vec<Operand>, ElemsForm),
    /// `[v; N]`: a fixed-size array; `N` is a constant expression, kept as written.
    Repeat(Operand, TokenStream),
    /// Zeros of the same type and shape as an array (`zero_adj(&x)`): the new array that
    /// `let mut y = x.clone();` fills (see `lower/stmts.rs`). Only the shape of `x` is read.
    ZerosLike(Operand),
}

/// `arr[idx] = val` (or `+=` when `add`) on a local array.
pub struct Write {
    /// Numbers the writes of a function (names its tape).
    pub id: usize,
    pub arr: ValId,
    pub idx: Vec<Operand>,
    pub multi: bool,
    pub val: Operand,
    pub add: bool,
    pub span: Span,
}

/// The array methods of the contract.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ArrayMethod {
    Column,
    Row,
    Sum,
    /// `mean().unwrap()`
    Mean,
    Var,
    Std,
    Dot,
    Mapv(MathFn),
    /// `a.t()`: the transposed view.
    T,
    /// `a.view()`: the same elements, as a view.
    View,
    /// `a.to_owned()`: the same elements, owned.
    ToOwned,
    /// `a.sum_axis(Axis(k))`
    SumAxis,
    /// `a.mean_axis(Axis(k)).unwrap()`
    MeanAxis,
    /// `a.var_axis(Axis(k), ddof)`
    VarAxis,
    /// `a.std_axis(Axis(k), ddof)`
    StdAxis,
    /// `a.insert_axis(Axis(k))` (emitted as `a.view().insert_axis(..)`, which does not move `a`)
    InsertAxis,
    /// `Array1::from_vec(v)` (emitted on a copy, `v.to_vec()`)
    FromVec,
    /// `a.broadcast(shape).unwrap()`: a view of `a` repeated to `shape` (the operands after `a`:
    /// one length, or rows and columns).
    Broadcast,
    /// `a.len_of(Axis(k))`: a constant, like `len`.
    LenOf,
    Len,
    Nrows,
    Ncols,
    Shape,
}

impl ArrayMethod {
    /// A method of the array's shape (a constant, whatever the elements).
    pub fn is_shape(self) -> bool {
        matches!(
            self,
            ArrayMethod::Len
                | ArrayMethod::LenOf
                | ArrayMethod::Nrows
                | ArrayMethod::Ncols
                | ArrayMethod::Shape
        )
    }
}

/// The container of [`NewArray::FromElems`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ElemsForm {
    Array1,
    Vec,
    Fixed,
}

pub enum InactiveOp {
    Not(Operand),
    /// A binary operator that is never differentiated (`%`, `==`, `<`, `&`, `|`, `^`, `<<`, ...).
    Binary(syn::BinOp, Operand, Operand),
    Cast(Operand, Box<syn::Type>),
    /// `a.method(b, ...)` for a method whose result is constant (see `CONSTANT_METHODS` in
    /// lowering): integer methods, float predicates and roundings.
    Method(Ident, Vec<Operand>),
    /// `matches!(a, pattern)` (what `match` arms and `if let` lower to): a pattern without
    /// bindings, on a value that is never differentiated through it.
    Matches(Operand, Box<syn::Pat>),
    /// The part of `a` that `pattern` binds to `name` (`match &a { pattern => name.clone(),
    /// _ => unreachable!() }`), where the pattern is known to match.
    Extract(Operand, Box<syn::Pat>, Ident),
    /// `stop_gradient(a)`: the value of `a`, through which no derivative flows.
    StopGradient(Operand),
    /// A debugging macro (`println!`, `assert!`, ...), its variables already renamed to their
    /// current versions (see `lower/debug_macros.rs`). Its value is `()`. It lists no operands:
    /// it runs once, in the forward sweep that records, and is never recomputed (the reverse
    /// sweep recomputes only values it needs, and nothing needs this one), so what it reads
    /// needs no tape and no adjoint.
    Debug(TokenStream),
}

pub struct Let {
    pub dst: ValId,
    pub op: Op,
    pub span: Span,
}

/// After an `If`, `dst` is `then_val` if the condition held, else `else_val`.
pub struct Merge {
    pub dst: ValId,
    pub then_val: Operand,
    pub else_val: Operand,
}

pub struct If {
    pub cond: Operand,
    pub then_block: Block,
    pub else_block: Block,
    pub merges: Vec<Merge>,
    /// Restored local arrays that the forward sweep copies before the `if` and the reverse
    /// sweep puts back before recomputing the branch (see `lower/array_plan.rs`).
    pub snapshots: Vec<ValId>,
}

/// A variable assigned in a loop body: `entry` is its value at the start of an iteration
/// (`init` for the first), `next` its value at the end, `out` its value after the loop.
pub struct Carried {
    pub entry: ValId,
    pub init: Operand,
    pub next: Operand,
    pub out: ValId,
}

/// `lo..hi`, `lo..=hi`, then `.rev()` / `.step_by(k)` in the order written.
pub struct RangeSpec {
    pub lo: Operand,
    pub hi: Operand,
    pub inclusive: bool,
    pub adaptors: Vec<Adaptor>,
}

pub enum Adaptor {
    Rev,
    StepBy(Operand),
}

pub enum LoopHead {
    /// `for index in range`
    Range { index: ValId, range: RangeSpec },
    /// `loop` and `while` (whose condition is lowered into the body as a break flag).
    Forever,
}

pub struct Loop {
    pub id: usize,
    pub head: LoopHead,
    pub carried: Vec<Carried>,
    pub body: Block,
    /// Evaluated at the end of every iteration: leave the loop when true (`break`, `return`, or a
    /// `while` condition that failed). `None` when the loop can only end by exhausting its range.
    pub exit: Option<Operand>,
    /// `#[checkpoint(every = k)]`: the forward sweep keeps the carried values every `k`
    /// iterations only; the reverse sweep recomputes each segment from its checkpoint.
    pub checkpoint: Option<Operand>,
    /// Restored local arrays that the forward sweep copies at the start of every iteration and
    /// the reverse sweep puts back before recomputing it (see `lower/array_plan.rs`).
    pub snapshots: Vec<ValId>,
    pub span: Span,
}

pub enum Stmt {
    Let(Let),
    If(If),
    Loop(Loop),
    Write(Write),
}

#[derive(Default)]
pub struct Block {
    pub stmts: Vec<Stmt>,
}

/// What the parameter's type makes of it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ParamKind {
    /// `f64`: active by default, gradient `f64`.
    Scalar,
    /// `&f64`: read with `*r`; gradient `f64`. Not active by default (the contract's default
    /// set is the listed float types), but named by `wrt` and differentiated through calls.
    ScalarRef,
    /// `&[f64]`, `Vec<f64>`, `&Vec<f64>`: gradient `Vec<f64>`.
    Slice { is_ref: bool },
    /// `[f64; N]`, `&[f64; N]`: gradient `[f64; N]`.
    Fixed { len: Box<syn::Expr>, is_ref: bool },
    /// ndarray arrays of f64 (`ArrayView1/2`, `Array1/2`, `&Array1/2`): gradient `Array1/2`.
    Nd { dims: u8, is_ref: bool },
    /// nalgebra vectors of f64 (`DVector<f64>`, `SVector<f64, N>`, `Vector3<f64>`, and
    /// references to them): gradient `owned`, the vector type as written. Read element by
    /// element only (see `lower/nalgebra_values.rs`).
    Na { owned: Box<syn::Type>, is_ref: bool },
    /// Anything else: a constant.
    Other,
}

impl ParamKind {
    pub fn is_float(&self) -> bool {
        !matches!(self, ParamKind::Other)
    }
    /// Active when `wrt` is not given.
    pub fn active_by_default(&self) -> bool {
        !matches!(self, ParamKind::Other | ParamKind::ScalarRef)
    }
    pub fn value_kind(&self) -> Kind {
        match self {
            ParamKind::ScalarRef => Kind::ScalarRef,
            ParamKind::Scalar | ParamKind::Other => Kind::Scalar,
            ParamKind::Slice { is_ref }
            | ParamKind::Fixed { is_ref, .. }
            | ParamKind::Na { is_ref, .. } => Kind::Array {
                dims: 1,
                is_ref: *is_ref,
            },
            ParamKind::Nd { dims, is_ref } => Kind::Array {
                dims: *dims,
                is_ref: *is_ref,
            },
        }
    }
}

pub struct Param {
    pub ident: Ident,
    pub ty: Box<syn::Type>,
    pub kind: ParamKind,
    pub val: ValId,
}

pub struct Func {
    pub namer: crate::names::Namer,
    pub params: Vec<Param>,
    pub body: Block,
    /// The value returned; several for a function that returns a tuple of `f64`s.
    pub results: Vec<Operand>,
    pub tuple_output: bool,
    /// `Some(type)` for a function that returns an array (`Vec<f64>`, `[f64; N]`, `Array1<f64>`).
    pub array_output: Option<Box<syn::Type>>,
    pub values: Vec<ValueInfo>,
}

/// The brackets of an element access: `[i]`, `[[i, j]]` when `multi`, `[(i, j)]` for several
/// indices written as a tuple.
pub fn index_brackets(multi: bool, idx: &[proc_macro2::TokenStream]) -> proc_macro2::TokenStream {
    if multi {
        quote::quote!([[#(#idx),*]])
    } else if idx.len() > 1 {
        quote::quote!([(#(#idx),*)])
    } else {
        quote::quote!([#(#idx),*])
    }
}
