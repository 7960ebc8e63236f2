//! The generated programs: a small typed AST and its three renderings (the user's f64 code with
//! and without the attribute, and the same control flow over dual numbers).

use std::fmt::Write;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum IntTy {
    Usize,
    I32,
}

impl IntTy {
    pub fn name(self) -> &'static str {
        match self {
            IntTy::Usize => "usize",
            IntTy::I32 => "i32",
        }
    }
}

/// Array kinds: parameters and local arrays.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ArrTy {
    Slice,
    Vec,
    Fixed(usize),
    View1,
    Ref1,
    Own1,
    View2,
    Ref2,
    Own2,
    /// `let mut y = vec![0.0; n]`
    LocalVec,
    /// `let mut y = Array1::zeros(n)`
    Local1,
    /// `let mut m = Array2::zeros((r, c))`
    Local2,
}

impl ArrTy {
    pub fn is2(self) -> bool {
        matches!(
            self,
            ArrTy::View2 | ArrTy::Ref2 | ArrTy::Own2 | ArrTy::Local2
        )
    }
    /// An ndarray array (whole-array expressions apply).
    pub fn is_nd(self) -> bool {
        !matches!(
            self,
            ArrTy::Slice | ArrTy::Vec | ArrTy::Fixed(_) | ArrTy::LocalVec
        )
    }
    pub fn is_local(self) -> bool {
        matches!(self, ArrTy::LocalVec | ArrTy::Local1 | ArrTy::Local2)
    }
    pub fn rust(self) -> String {
        match self {
            ArrTy::Slice => "&[f64]".into(),
            ArrTy::Vec => "Vec<f64>".into(),
            ArrTy::Fixed(n) => format!("[f64; {n}]"),
            ArrTy::View1 => "ArrayView1<f64>".into(),
            ArrTy::Ref1 => "&Array1<f64>".into(),
            ArrTy::Own1 => "Array1<f64>".into(),
            ArrTy::View2 => "ArrayView2<f64>".into(),
            ArrTy::Ref2 => "&Array2<f64>".into(),
            ArrTy::Own2 => "Array2<f64>".into(),
            ArrTy::LocalVec => "Vec<f64>".into(),
            ArrTy::Local1 => "Array1<f64>".into(),
            ArrTy::Local2 => "Array2<f64>".into(),
        }
    }
    pub fn grad_ty(self) -> String {
        match self {
            ArrTy::Slice | ArrTy::Vec => "Vec<f64>".into(),
            ArrTy::Fixed(n) => format!("[f64; {n}]"),
            ArrTy::View1 | ArrTy::Ref1 | ArrTy::Own1 => "Array1<f64>".into(),
            _ => "Array2<f64>".into(),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PTy {
    F64,
    RefF64,
    Int(IntTy),
    Bool,
    Arr(ArrTy),
    /// `Option<usize>` (for `if let Some(k) = o` / `let Some(k) = o else { .. }`)
    OptUsize,
}

impl PTy {
    pub fn is_float(self) -> bool {
        matches!(self, PTy::F64 | PTy::Arr(_))
    }
    pub fn rust(self) -> String {
        match self {
            PTy::F64 => "f64".into(),
            PTy::RefF64 => "&f64".into(),
            PTy::Int(t) => t.name().into(),
            PTy::Bool => "bool".into(),
            PTy::OptUsize => "Option<usize>".into(),
            PTy::Arr(a) => a.rust(),
        }
    }
    pub fn dual(self) -> String {
        match self {
            PTy::F64 => "D".into(),
            PTy::RefF64 => "&D".into(),
            PTy::Int(t) => t.name().into(),
            PTy::Bool => "bool".into(),
            PTy::OptUsize => "Option<usize>".into(),
            PTy::Arr(a) if a.is2() => "&A".into(),
            PTy::Arr(_) => "&[D]".into(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: String,
    pub ty: PTy,
    pub mutable: bool,
    /// For integer parameters: the values the function is evaluated at (inclusive).
    pub int_range: (i64, i64),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LitSty {
    Untyped,
    Suffix,
    Underscore,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
}

impl BOp {
    pub fn sym(self) -> &'static str {
        match self {
            BOp::Add => "+",
            BOp::Sub => "-",
            BOp::Mul => "*",
            BOp::Div => "/",
            BOp::Rem => "%",
            BOp::Lt => "<",
            BOp::Le => "<=",
            BOp::Gt => ">",
            BOp::Ge => ">=",
            BOp::Eq => "==",
            BOp::Ne => "!=",
            BOp::And => "&&",
            BOp::Or => "||",
        }
    }
    fn prec(self) -> u8 {
        match self {
            BOp::Mul | BOp::Div | BOp::Rem => P_MUL,
            BOp::Add | BOp::Sub => P_ADD,
            BOp::Lt | BOp::Le | BOp::Gt | BOp::Ge | BOp::Eq | BOp::Ne => P_CMP,
            BOp::And => P_AND,
            BOp::Or => P_OR,
        }
    }
    fn is_cmp(self) -> bool {
        matches!(
            self,
            BOp::Lt | BOp::Le | BOp::Gt | BOp::Ge | BOp::Eq | BOp::Ne
        )
    }
}

const P_PRIM: u8 = 20;
const P_UN: u8 = 15;
const P_AS: u8 = 14;
const P_MUL: u8 = 13;
const P_ADD: u8 = 12;
const P_CMP: u8 = 9;
const P_AND: u8 = 8;
const P_OR: u8 = 7;
/// `if`/block expressions: fine as a `let` initialiser, a tail or the right operand.
const P_IF: u8 = 3;
const P_ANY: u8 = 0;

#[derive(Clone, Debug)]
pub enum Red {
    Sum,
    Mean,
    Var(f64),
    Std(f64),
    Dot(Box<AE>),
}

#[derive(Clone, Debug)]
pub enum CallArg {
    Val(E),
    /// `&e` to a `&f64` parameter
    Ref(E),
    Arr(ArrArg),
}

/// An array argument to a call; the callee parameter type decides its rendering.
#[derive(Clone, Debug)]
pub struct ArrArg {
    pub name: String,
    pub have: ArrTy,
    pub want: ArrTy,
}

#[derive(Clone, Debug)]
pub enum E {
    FLit(f64, LitSty),
    ILit(i64, Option<IntTy>),
    BLit(bool),
    Var(String),
    /// `*r`, `r: &f64`
    Deref(String),
    /// `*v`, `v` bound by `for v in x.iter()`; in the dual copy the pattern is `&v`
    ElemDeref(String),
    /// a float constant path: `PI`, `std::f64::consts::PI`, `f64::EPSILON`, a module const
    FPath(String),
    Neg(Box<E>),
    Not(Box<E>),
    Bin(BOp, Box<E>, Box<E>),
    Method(String, Box<E>, Vec<E>),
    PathCall(String, Vec<E>),
    /// int as f64
    CastF(Box<E>),
    /// (int or float) as int
    CastI(Box<E>, IntTy, bool),
    If(Box<E>, Block, Box<Else>),
    Block(Block),
    Call(String, Vec<CallArg>),
    Index(String, Box<E>),
    Index2(String, Box<E>, Box<E>),
    Len(String),
    NRows(String),
    NCols(String),
    Shape(String, usize),
    Reduce(Red, Box<AE>),
    /// an iterator chain with its consumer (a float, a `usize` for `count`, a bool for `any`/`all`)
    Chain(Box<Chain>),
    /// a call of a local closure `f(a, b)`
    CallClo(String, Vec<E>),
    /// `match s { 1 => a, 2 | 3 => b, 4..=5 => c, n if n > 2 => d, _ => e }` on an integer
    MatchI(Box<E>, Vec<IArm>, Box<E>),
    /// `match s { v if guard => a, v => b }` on a float, `v` bound to the whole value
    MatchF(Box<E>, String, Box<E>, Box<E>, Box<E>),
    /// `if let Some(k) = o { a } else { b }`
    IfLet(String, String, Box<E>, Box<E>),
    /// `matches!(s, pattern)`
    Matches(Box<E>, IPat),
    /// `(a, b)` (the tail of a helper with two outputs)
    Tuple(Vec<E>),
}

/// An integer pattern of a `match` arm.
#[derive(Clone, Debug)]
pub enum IPat {
    Lit(i64),
    Or(Vec<i64>),
    Range(i64, i64),
    /// `n if guard` (the name bound to the whole value)
    Bind(String, Box<E>),
}

#[derive(Clone, Debug)]
pub struct IArm {
    pub pat: IPat,
    pub body: E,
}

/// A closure given to an adaptor: its parameter pattern as written in the user's code and in
/// the dual copy (whose elements are always `D` values), and its body.
#[derive(Clone, Debug)]
pub struct Clo {
    pub plain: String,
    pub dual: String,
    pub body: E,
}

/// Where an iterator chain starts (or what `zip` takes).
#[derive(Clone, Debug)]
pub enum Src {
    /// a 1-D array by name, in one of the forms
    Arr(String, SrcForm),
    Range(E, E, bool),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SrcForm {
    Iter,
    IntoIter,
    /// `&x` (for loops and `zip` arguments only)
    Ref,
    /// `x` (for loops and `zip` arguments only; Copy types)
    Bare,
    /// `x[a..b].iter()`
    Part(usize, usize),
    Windows(usize),
}

#[derive(Clone, Debug)]
pub enum Ad {
    Rev,
    Skip(usize),
    Take(usize),
    StepBy(usize),
    /// `copied()` / `cloned()` (nothing in the dual copy, whose elements are values already)
    Copied(bool),
    Enumerate,
    /// `zip(source adaptors..)`
    Zip(Src, Vec<Ad>),
    Filter(Clo),
    Map(Clo),
    /// `.map(f)` with a local closure `f`
    MapNamed(String),
}

#[derive(Clone, Debug)]
pub enum Cons {
    /// `sum::<f64>()` (`false`: `sum()`, typed by the `let`)
    Sum(bool),
    Product(bool),
    /// `fold(init, |acc, pat| body)`
    Fold(E, String, Clo),
    /// `fold(f64::NEG_INFINITY, f64::max)`
    MaxFold,
    Count,
    Any(Clo),
    All(Clo),
    /// `collect()` (in `let y: Vec<f64> = ..`) / the iterable of a `for`
    None,
}

#[derive(Clone, Debug)]
pub struct Chain {
    pub src: Src,
    pub ads: Vec<Ad>,
    pub cons: Cons,
}

/// The right-hand side of a tuple `let`/assignment.
#[derive(Clone, Debug)]
pub enum TupInit {
    /// `(e1, e2)`
    Parts(Vec<E>),
    /// `helper(..)`, a function with two outputs
    Whole(E),
}

#[derive(Clone, Debug)]
pub enum Else {
    Block(Block),
    If(Box<E>, Block, Box<Else>),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl AOp {
    fn sym(self) -> &'static str {
        match self {
            AOp::Add => "+",
            AOp::Sub => "-",
            AOp::Mul => "*",
            AOp::Div => "/",
        }
    }
    fn bop(self) -> BOp {
        match self {
            AOp::Add => BOp::Add,
            AOp::Sub => BOp::Sub,
            AOp::Mul => BOp::Mul,
            AOp::Div => BOp::Div,
        }
    }
    fn dual(self) -> &'static str {
        match self {
            AOp::Add => "Op::Add",
            AOp::Sub => "Op::Sub",
            AOp::Mul => "Op::Mul",
            AOp::Div => "Op::Div",
        }
    }
}

/// How an elementwise math function of an array is written in user code (the dual copy always
/// maps `D::f`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MapStyle {
    /// `x.mapv(f64::f)`
    Path,
    /// `x.mapv(|e| e.f())`
    Closure,
    /// `x.map(|&e| e.f())`
    MapRef,
    /// `x.f()` (ndarray's elementwise methods)
    Method,
}

/// Whole-array expressions (ndarray only).
#[derive(Clone, Debug)]
pub enum AE {
    Atom(String, ArrTy),
    Col(String, ArrTy, Box<E>),
    Row(String, ArrTy, Box<E>),
    /// `by_value`: owned temporaries on that side are moved rather than borrowed
    Bin(AOp, Box<AE>, Box<AE>, [bool; 2]),
    BinS(AOp, Box<AE>, Box<E>, bool, bool),
    Neg(Box<AE>),
    Mapv(String, Box<AE>, MapStyle),
    Dot(Box<AE>, Box<AE>),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AsgOp {
    Set,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl AsgOp {
    fn sym(self) -> &'static str {
        match self {
            AsgOp::Set => "=",
            AsgOp::Add => "+=",
            AsgOp::Sub => "-=",
            AsgOp::Mul => "*=",
            AsgOp::Div => "/=",
            AsgOp::Rem => "%=",
        }
    }
}

#[derive(Clone, Debug)]
pub enum LV {
    Var(String),
    Idx(String, E),
    Idx2(String, E, E),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Ann {
    F64,
    Int(IntTy),
    Arr(ArrTy),
}

#[derive(Clone, Debug)]
pub struct Range {
    pub lo: E,
    pub hi: E,
    pub incl: bool,
    pub rev: bool,
    pub step: Option<E>,
    /// `.step_by(k).rev()` rather than `.rev().step_by(k)`
    pub step_first: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ElemSrc {
    /// `x.iter()`
    Iter,
    /// `&x`
    Ref,
    /// `&x[..]`
    Full,
}

/// How `Stmt::LetCopy` copies its array.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CopyForm {
    Clone,
    ToOwned,
    ToVec,
}

#[derive(Clone, Debug)]
pub enum Stmt {
    Let {
        name: String,
        mutable: bool,
        ann: Option<Ann>,
        init: E,
    },
    /// `let mut y = vec![init; n]` / `Array1::zeros(n)` / `Array2::zeros((r, c))`; with
    /// `fixed`, a `LocalVec` written `[init; n]` (`n` a literal; a `Vec<D>` in the dual copy)
    LetArr {
        name: String,
        kind: ArrTy,
        init: E,
        dims: Vec<E>,
        ann: bool,
        fixed: bool,
    },
    /// `let mut y = x.clone();` / `x.to_owned()` / `x.to_vec()` of a 1-D array parameter: a
    /// writable copy (`x.to_vec()` in the dual copy)
    LetCopy {
        name: String,
        src: String,
        form: CopyForm,
    },
    Assign(LV, AsgOp, E),
    /// `'l: <loop>`: a `for`, `while` or `loop` with a label
    Labelled(String, Box<Stmt>),
    /// `break 'l;` / `continue 'l;` to an enclosing labelled loop
    BreakTo(String),
    ContinueTo(String),
    If(E, Block, Option<Else>),
    For {
        var: String,
        range: Range,
        body: Block,
    },
    ForElem {
        var: String,
        by_ref: bool,
        arr: String,
        arr_ty: ArrTy,
        src: ElemSrc,
        body: Block,
    },
    While(E, Block),
    Loop(Block),
    Break,
    Continue,
    Return(E),
    Block(Block),
    /// `let f = |t: f64, u: f64| body;`
    LetClo {
        name: String,
        params: Vec<String>,
        body: E,
    },
    /// `let (a, mut b) = ..;`
    LetTuple(Vec<(String, bool)>, TupInit),
    /// `(a, b) = ..;`
    AssignTuple(Vec<String>, TupInit),
    /// `let [a, _, c] = x;` on a `[f64; N]` parameter
    LetArrPat(Vec<String>, String),
    /// `let y: Vec<f64> = chain.collect();`
    Collect(String, Chain),
    /// `for pat in chain { body }` (pattern as in the user's code, and in the dual copy)
    ForChain {
        plain: String,
        dual: String,
        chain: Chain,
        body: Block,
    },
    /// `let Some(k) = o else { return e; };`
    LetElse(String, String, E),
}

#[derive(Clone, Debug, Default)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub tail: Option<Box<E>>,
}

#[derive(Clone, Debug)]
pub struct Func {
    pub name: String,
    pub params: Vec<Param>,
    /// `wrt(...)` by parameter index; `None`: every float parameter
    pub wrt: Option<Vec<usize>>,
    pub body: Block,
    /// Returns `(f64, f64)` (its tail is an `E::Tuple`): only a pullback, no grad.
    pub pair: bool,
    /// `#[differentiable(hessian)]`: also `hvp_*` and `hessian_*` (feature `hessian`)
    pub hessian: bool,
    /// Also rendered as `{name}_into(.., __out: &mut f64)`, which the other functions call
    /// through a local (feature `outparam`; the attribute-free copy and the reference call
    /// `{name}` as before)
    pub outparam: bool,
}

impl Func {
    /// Indices of the parameters whose gradient `grad_*` returns.
    pub fn active(&self) -> Vec<usize> {
        match &self.wrt {
            Some(w) => w.clone(),
            None => (0..self.params.len())
                .filter(|&i| self.params[i].ty.is_float())
                .collect(),
        }
    }
}

#[derive(Clone, Debug)]
pub enum Item {
    ConstF(String, f64),
    ConstI(String, i64),
    Struct(String),
}

/// One generated program: a module of functions (later ones may call earlier ones).
#[derive(Clone, Debug)]
pub struct Program {
    pub items: Vec<Item>,
    pub funcs: Vec<Func>,
    /// 1-D length, 2-D rows and columns of every array parameter
    pub len1: usize,
    pub rows: usize,
    pub cols: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// The user's code (with or without the attribute: the caller adds it)
    Plain,
    /// Over dual numbers
    Dual,
}

pub fn fmt_f(v: f64) -> String {
    let s = format!("{v:?}");
    if s.contains('.') || s.contains('e') || s.contains("inf") || s.contains("NaN") {
        s
    } else {
        format!("{s}.0")
    }
}

struct R {
    mode: Mode,
    /// The functions called through their `_into` form (`outparam`), in the code under test.
    outparam: Vec<String>,
}

impl R {
    fn wrap(&self, (s, p): (String, u8), need: u8) -> String {
        if p >= need { s } else { format!("({s})") }
    }
    fn e(&self, e: &E, need: u8) -> String {
        let r = self.e_p(e);
        self.wrap(r, need)
    }
    fn e_p(&self, e: &E) -> (String, u8) {
        let dual = self.mode == Mode::Dual;
        match e {
            E::FLit(v, sty) => {
                let mut s = fmt_f(v.abs());
                match sty {
                    LitSty::Untyped => {}
                    LitSty::Suffix => s.push_str("f64"),
                    LitSty::Underscore => s.push_str("_f64"),
                }
                if dual {
                    (
                        format!("D::c({}{s})", if *v < 0.0 { "-" } else { "" }),
                        P_PRIM,
                    )
                } else if *v < 0.0 || (*v == 0.0 && v.is_sign_negative()) {
                    (format!("-{s}"), P_UN)
                } else {
                    (s, P_PRIM)
                }
            }
            E::ILit(v, t) => {
                let s = match t {
                    Some(t) => format!("{}{}", v.abs(), t.name()),
                    None => format!("{}", v.abs()),
                };
                if *v < 0 {
                    (format!("-{s}"), P_UN)
                } else {
                    (s, P_PRIM)
                }
            }
            E::BLit(b) => (b.to_string(), P_PRIM),
            E::Var(n) => (n.clone(), P_PRIM),
            E::Deref(n) => (format!("*{n}"), P_UN),
            E::ElemDeref(n) => {
                if dual {
                    (n.clone(), P_PRIM)
                } else {
                    (format!("*{n}"), P_UN)
                }
            }
            E::FPath(p) => {
                if dual {
                    (format!("D::c({p})"), P_PRIM)
                } else {
                    (p.clone(), P_PRIM)
                }
            }
            E::Neg(a) => (format!("-{}", self.e(a, P_UN)), P_UN),
            E::Not(a) => (format!("!{}", self.e(a, P_UN)), P_UN),
            E::Bin(op, a, b) => {
                let p = op.prec();
                let (la, lb) = if op.is_cmp() {
                    (p + 1, p + 1)
                } else {
                    (p, p + 1)
                };
                let mut ls = self.e(a, la);
                // `a as usize < b` would start generic arguments
                if matches!(op, BOp::Lt | BOp::Le) && trailing_cast(a) {
                    ls = format!("({ls})");
                }
                // an `if`/block on the right is fine in Rust, on the left it is not
                let rs = if matches!(**b, E::If(..) | E::Block(..)) && !dual && !op.is_cmp() {
                    self.e(b, P_IF)
                } else {
                    self.e(b, lb)
                };
                (format!("{ls} {} {rs}", op.sym()), p)
            }
            E::Method(m, recv, args) => {
                let a: Vec<String> = args.iter().map(|x| self.e(x, P_ANY)).collect();
                (
                    format!("{}.{m}({})", self.e(recv, P_PRIM), a.join(", ")),
                    P_PRIM,
                )
            }
            E::PathCall(m, args) => {
                let a: Vec<String> = args.iter().map(|x| self.e(x, P_ANY)).collect();
                let ty = if dual { "D" } else { "f64" };
                (format!("{ty}::{m}({})", a.join(", ")), P_PRIM)
            }
            E::CastF(a) => {
                if dual {
                    (format!("D::c({} as f64)", self.e(a, P_AS)), P_PRIM)
                } else {
                    (format!("{} as f64", self.e(a, P_AS)), P_AS)
                }
            }
            E::CastI(a, t, from_float) => {
                if dual && *from_float {
                    (format!("{}.v as {}", self.e(a, P_PRIM), t.name()), P_AS)
                } else {
                    (format!("{} as {}", self.e(a, P_AS), t.name()), P_AS)
                }
            }
            E::If(c, t, els) => {
                let mut s = format!("if {} {}", self.e(c, P_OR), self.block(t, 0));
                self.else_(&mut s, els, 0);
                (s, P_IF)
            }
            E::Block(b) => (self.block(b, 0), P_IF),
            E::Call(f, args) => {
                let a: Vec<String> = args.iter().map(|x| self.call_arg(x)).collect();
                if self.outparam.contains(f) {
                    // `h(a, &mut o)` into a local, as C++-style code calls an out-parameter helper
                    let s = format!(
                        "({{ let mut __o = 0.0; {f}_into({}, &mut __o); __o }})",
                        a.join(", ")
                    );
                    return (s, P_PRIM);
                }
                (format!("{f}({})", a.join(", ")), P_PRIM)
            }
            E::Index(x, i) => (format!("{x}[{}]", self.e(i, P_ANY)), P_PRIM),
            E::Index2(x, i, j) => (
                format!("{x}[[{}, {}]]", self.e(i, P_ANY), self.e(j, P_ANY)),
                P_PRIM,
            ),
            E::Len(x) => (format!("{x}.len()"), P_PRIM),
            E::NRows(x) => (format!("{x}.nrows()"), P_PRIM),
            E::NCols(x) => (format!("{x}.ncols()"), P_PRIM),
            E::Shape(x, k) => (format!("{x}.shape()[{k}]"), P_PRIM),
            E::Chain(c) => (self.chain(c), P_PRIM),
            E::CallClo(f, args) => {
                let a: Vec<String> = args.iter().map(|x| self.e(x, P_ANY)).collect();
                (format!("{f}({})", a.join(", ")), P_PRIM)
            }
            E::MatchI(sc, arms, default) => {
                let mut s = format!("match {} {{ ", self.e(sc, P_OR));
                for a in arms {
                    let _ = write!(s, "{} => {}, ", self.ipat(&a.pat), self.e(&a.body, P_ANY));
                }
                let _ = write!(s, "_ => {} }}", self.e(default, P_ANY));
                (s, P_IF)
            }
            E::MatchF(sc, v, g, a, bb) => (
                format!(
                    "match {} {{ {v} if {} => {}, {v} => {} }}",
                    self.e(sc, P_OR),
                    self.e(g, P_ANY),
                    self.e(a, P_ANY),
                    self.e(bb, P_ANY)
                ),
                P_IF,
            ),
            E::IfLet(o, k, a, bb) => (
                format!(
                    "if let Some({k}) = {o} {{ {} }} else {{ {} }}",
                    self.e(a, P_ANY),
                    self.e(bb, P_ANY)
                ),
                P_IF,
            ),
            E::Matches(sc, p) => (
                format!("matches!({}, {})", self.e(sc, P_ANY), self.ipat(p)),
                P_PRIM,
            ),
            E::Tuple(es) => {
                let a: Vec<String> = es.iter().map(|x| self.e(x, P_ANY)).collect();
                (format!("({})", a.join(", ")), P_PRIM)
            }
            E::Reduce(r, a) => {
                if dual {
                    let recv = self.ad(a);
                    let s = match r {
                        Red::Sum => format!("{recv}.sum()"),
                        Red::Mean => format!("{recv}.mean()"),
                        Red::Var(d) => format!("{recv}.var({})", fmt_f(*d)),
                        Red::Std(d) => format!("{recv}.std({})", fmt_f(*d)),
                        Red::Dot(b) => format!("A::dot_s(&{recv}, &{})", self.ad(b)),
                    };
                    (s, P_PRIM)
                } else {
                    let recv = self.a_recv(a);
                    let s = match r {
                        Red::Sum => format!("{recv}.sum()"),
                        Red::Mean => format!("{recv}.mean().unwrap()"),
                        Red::Var(d) => format!("{recv}.var({})", fmt_f(*d)),
                        Red::Std(d) => format!("{recv}.std({})", fmt_f(*d)),
                        Red::Dot(b) => format!("{recv}.dot({})", self.a_ref(b)),
                    };
                    (s, P_PRIM)
                }
            }
        }
    }

    fn ipat(&self, p: &IPat) -> String {
        match p {
            IPat::Lit(v) => v.to_string(),
            IPat::Or(vs) => vs
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(" | "),
            IPat::Range(a, b) => format!("{a}..={b}"),
            IPat::Bind(n, g) => format!("{n} if {}", self.e(g, P_ANY)),
        }
    }

    fn src(&self, s: &Src) -> String {
        let dual = self.mode == Mode::Dual;
        match s {
            Src::Range(lo, hi, incl) => format!(
                "({}{}{})",
                self.e(lo, P_ADD),
                if *incl { "..=" } else { ".." },
                self.e(hi, P_ADD)
            ),
            Src::Arr(x, f) => match (f, dual) {
                (SrcForm::Windows(k), _) => format!("{x}.windows({k})"),
                (SrcForm::Part(a, b), false) => format!("{x}[{a}..{b}].iter()"),
                (SrcForm::Part(a, b), true) => format!("{x}[{a}..{b}].iter().copied()"),
                (_, true) => format!("{x}.iter().copied()"),
                (SrcForm::Iter, _) => format!("{x}.iter()"),
                (SrcForm::IntoIter, _) => format!("{x}.into_iter()"),
                (SrcForm::Ref, _) => format!("&{x}"),
                (SrcForm::Bare, _) => x.clone(),
            },
        }
    }

    fn clo(&self, c: &Clo) -> String {
        let p = if self.mode == Mode::Dual {
            &c.dual
        } else {
            &c.plain
        };
        format!("|{p}| {}", self.e(&c.body, P_ANY))
    }

    fn ads(&self, s: &mut String, ads: &[Ad]) {
        let dual = self.mode == Mode::Dual;
        for a in ads {
            match a {
                Ad::Rev => s.push_str(".rev()"),
                Ad::Skip(n) => {
                    let _ = write!(s, ".skip({n})");
                }
                Ad::Take(n) => {
                    let _ = write!(s, ".take({n})");
                }
                Ad::StepBy(n) => {
                    let _ = write!(s, ".step_by({n})");
                }
                Ad::Copied(c) => {
                    if !dual {
                        s.push_str(if *c { ".copied()" } else { ".cloned()" });
                    }
                }
                Ad::Enumerate => s.push_str(".enumerate()"),
                Ad::Zip(src, zads) => {
                    let mut z = self.src(src);
                    self.ads(&mut z, zads);
                    let _ = write!(s, ".zip({z})");
                }
                Ad::Filter(c) => {
                    let _ = write!(s, ".filter({})", self.clo(c));
                }
                Ad::Map(c) => {
                    let _ = write!(s, ".map({})", self.clo(c));
                }
                Ad::MapNamed(f) => {
                    let _ = write!(s, ".map({f})");
                }
            }
        }
    }

    fn chain(&self, c: &Chain) -> String {
        let dual = self.mode == Mode::Dual;
        let mut s = self.src(&c.src);
        self.ads(&mut s, &c.ads);
        let ty = if dual { "D" } else { "f64" };
        match &c.cons {
            Cons::Sum(t) => {
                s.push_str(if *t { ".sum::<T>()" } else { ".sum()" });
            }
            Cons::Product(t) => {
                s.push_str(if *t { ".product::<T>()" } else { ".product()" });
            }
            Cons::Fold(init, acc, cl) => {
                let _ = write!(
                    s,
                    ".fold({}, |{acc}, {}| {})",
                    self.e(init, P_ANY),
                    if dual { &cl.dual } else { &cl.plain },
                    self.e(&cl.body, P_ANY)
                );
            }
            Cons::MaxFold => {
                if dual {
                    s.push_str(".fold(D::c(f64::NEG_INFINITY), D::max)");
                } else {
                    s.push_str(".fold(f64::NEG_INFINITY, f64::max)");
                }
            }
            Cons::Count => s.push_str(".count()"),
            Cons::Any(cl) => {
                let _ = write!(s, ".any({})", self.clo(cl));
            }
            Cons::All(cl) => {
                let _ = write!(s, ".all({})", self.clo(cl));
            }
            Cons::None => {}
        }
        s.replace("::<T>", &format!("::<{ty}>"))
    }

    fn call_arg(&self, a: &CallArg) -> String {
        let dual = self.mode == Mode::Dual;
        match a {
            CallArg::Val(e) => self.e(e, P_ANY),
            CallArg::Ref(e) => format!("&{}", self.e(e, P_UN)),
            CallArg::Arr(ArrArg { name, have, want }) => {
                if dual {
                    match (have, want.is2()) {
                        (
                            ArrTy::Slice
                            | ArrTy::Vec
                            | ArrTy::Fixed(_)
                            | ArrTy::View1
                            | ArrTy::Ref1
                            | ArrTy::Own1,
                            false,
                        ) => name.clone(),
                        (ArrTy::View2 | ArrTy::Ref2 | ArrTy::Own2, true) => name.clone(),
                        _ => format!("&{name}"),
                    }
                } else {
                    match (have, want) {
                        (ArrTy::Slice, ArrTy::Slice) => name.clone(),
                        (_, ArrTy::Slice) => format!("&{name}[..]"),
                        (ArrTy::View1, ArrTy::View1) | (ArrTy::View2, ArrTy::View2) => name.clone(),
                        (ArrTy::Ref1, ArrTy::Ref1) | (ArrTy::Ref2, ArrTy::Ref2) => name.clone(),
                        _ => format!("&{name}"),
                    }
                }
            }
        }
    }

    /// An array expression as a method receiver (user code).
    fn a_recv(&self, a: &AE) -> String {
        match a {
            AE::Atom(n, _) => n.clone(),
            AE::Col(m, _, j) => format!("{m}.column({})", self.e(j, P_ANY)),
            AE::Row(m, _, i) => format!("{m}.row({})", self.e(i, P_ANY)),
            _ => format!("({})", self.a_own(a)),
        }
    }
    /// An array expression as a reference (user code).
    fn a_ref(&self, a: &AE) -> String {
        match a {
            AE::Atom(n, ArrTy::Ref1 | ArrTy::Ref2) => n.clone(),
            AE::Atom(n, _) => format!("&{n}"),
            AE::Col(..) | AE::Row(..) => format!("&{}", self.a_recv(a)),
            _ => format!("&({})", self.a_own(a)),
        }
    }
    /// An operand of an array operator: a reference, or an owned temporary moved.
    fn a_operand(&self, a: &AE, by_value: bool) -> String {
        match a {
            AE::Atom(..) | AE::Col(..) | AE::Row(..) => self.a_ref(a),
            _ if by_value => format!("({})", self.a_own(a)),
            _ => self.a_ref(a),
        }
    }
    /// The expression that makes an owned temporary (user code), unparenthesised.
    fn a_own(&self, a: &AE) -> String {
        match a {
            AE::Bin(op, l, r, bv) => format!(
                "{} {} {}",
                self.a_operand(l, bv[0]),
                op.sym(),
                self.a_operand(r, bv[1])
            ),
            AE::BinS(op, l, s, scalar_left, bv) => {
                if *scalar_left {
                    format!(
                        "{} {} {}",
                        self.e(s, op.bop().prec()),
                        op.sym(),
                        self.a_operand(l, *bv)
                    )
                } else {
                    format!(
                        "{} {} {}",
                        self.a_operand(l, *bv),
                        op.sym(),
                        self.e(s, op.bop().prec() + 1)
                    )
                }
            }
            AE::Neg(l) => format!("-{}", self.a_operand(l, false)),
            AE::Mapv(f, l, style) => {
                let recv = self.a_recv(l);
                match style {
                    MapStyle::Path => format!("{recv}.mapv(f64::{f})"),
                    MapStyle::Closure => format!("{recv}.mapv(|e| e.{f}())"),
                    MapStyle::MapRef => format!("{recv}.map(|&e| e.{f}())"),
                    MapStyle::Method => format!("{recv}.{f}()"),
                }
            }
            AE::Dot(l, r) => format!("{}.dot({})", self.a_recv(l), self.a_ref(r)),
            _ => self.a_recv(a),
        }
    }
    /// The dual rendering of an array expression: an owned `A`.
    fn ad(&self, a: &AE) -> String {
        match a {
            AE::Atom(n, t) if t.is2() => format!("{n}.clone()"),
            AE::Atom(n, _) => format!("A::v1(&{n})"),
            AE::Col(m, _, j) => format!("{m}.column({})", self.e(j, P_ANY)),
            AE::Row(m, _, i) => format!("{m}.row({})", self.e(i, P_ANY)),
            AE::Bin(op, l, r, _) => {
                format!("A::bin(&{}, &{}, {})", self.ad(l), self.ad(r), op.dual())
            }
            AE::BinS(op, l, s, left, _) => format!(
                "A::bins(&{}, {}, {}, {left})",
                self.ad(l),
                self.e(s, P_ANY),
                op.dual()
            ),
            AE::Neg(l) => format!("A::neg(&{})", self.ad(l)),
            AE::Mapv(f, l, _) => format!("{}.mapv(D::{f})", self.ad(l)),
            AE::Dot(l, r) => format!("A::dot(&{}, &{})", self.ad(l), self.ad(r)),
        }
    }

    fn else_(&self, s: &mut String, els: &Else, ind: usize) {
        match els {
            Else::Block(b) => {
                let _ = write!(s, " else {}", self.block(b, ind));
            }
            Else::If(c, t, e) => {
                let _ = write!(s, " else if {} {}", self.e(c, P_OR), self.block(t, ind));
                self.else_(s, e, ind);
            }
        }
    }

    fn block(&self, b: &Block, ind: usize) -> String {
        let mut s = String::from("{\n");
        for st in &b.stmts {
            self.stmt(&mut s, st, ind + 1);
        }
        if let Some(t) = &b.tail {
            let _ = writeln!(s, "{}{}", pad(ind + 1), self.e(t, P_ANY));
        }
        let _ = write!(s, "{}}}", pad(ind));
        s
    }

    fn ann(&self, a: Ann) -> String {
        let dual = self.mode == Mode::Dual;
        match a {
            Ann::F64 => {
                if dual {
                    "D".into()
                } else {
                    "f64".into()
                }
            }
            Ann::Int(t) => t.name().into(),
            Ann::Arr(t) => {
                if dual {
                    if t.is2() { "A".into() } else { "Vec<D>".into() }
                } else {
                    t.rust()
                }
            }
        }
    }

    fn range(&self, r: &Range) -> String {
        let base = format!(
            "{}{}{}",
            self.e(&r.lo, P_ADD),
            if r.incl { "..=" } else { ".." },
            self.e(&r.hi, P_ADD)
        );
        let step = r
            .step
            .as_ref()
            .map(|k| format!(".step_by({})", self.e(k, P_ANY)));
        match (r.rev, step) {
            (false, None) => base,
            (true, None) => format!("({base}).rev()"),
            (false, Some(st)) => format!("({base}){st}"),
            (true, Some(st)) => {
                if r.step_first {
                    format!("({base}){st}.rev()")
                } else {
                    format!("({base}).rev(){st}")
                }
            }
        }
    }

    fn tup_init(&self, t: &TupInit) -> String {
        match t {
            TupInit::Parts(es) => {
                let a: Vec<String> = es.iter().map(|x| self.e(x, P_ANY)).collect();
                format!("({})", a.join(", "))
            }
            TupInit::Whole(e) => self.e(e, P_ANY),
        }
    }

    fn stmt(&self, s: &mut String, st: &Stmt, ind: usize) {
        let dual = self.mode == Mode::Dual;
        let p = pad(ind);
        match st {
            Stmt::Let {
                name,
                mutable,
                ann,
                init,
            } => {
                let m = if *mutable { "mut " } else { "" };
                let a = ann
                    .map(|a| format!(": {}", self.ann(a)))
                    .unwrap_or_default();
                let _ = writeln!(s, "{p}let {m}{name}{a} = {};", self.e(init, P_ANY));
            }
            Stmt::LetArr {
                name,
                kind,
                init,
                dims,
                ann,
                fixed,
            } => {
                let d: Vec<String> = dims.iter().map(|x| self.e(x, P_ANY)).collect();
                let a = if !*ann {
                    String::new()
                } else if *fixed && !dual {
                    format!(": [f64; {}]", d[0])
                } else {
                    format!(": {}", self.ann(Ann::Arr(*kind)))
                };
                let rhs = match (kind, dual) {
                    (ArrTy::LocalVec, false) if *fixed => {
                        format!("[{}; {}]", self.e(init, P_ANY), d[0])
                    }
                    (ArrTy::LocalVec, _) => format!("vec![{}; {}]", self.e(init, P_ANY), d[0]),
                    (ArrTy::Local1, false) => format!("Array1::zeros({})", d[0]),
                    (ArrTy::Local1, true) => format!("vec![D::c(0.0); {}]", d[0]),
                    (_, false) => format!("Array2::zeros(({}, {}))", d[0], d[1]),
                    (_, true) => format!("A::zeros({}, {})", d[0], d[1]),
                };
                let _ = writeln!(s, "{p}let mut {name}{a} = {rhs};");
            }
            Stmt::LetCopy { name, src, form } => {
                let m = match (form, dual) {
                    (_, true) | (CopyForm::ToVec, _) => "to_vec",
                    (CopyForm::Clone, _) => "clone",
                    (CopyForm::ToOwned, _) => "to_owned",
                };
                let _ = writeln!(s, "{p}let mut {name} = {src}.{m}();");
            }
            Stmt::Assign(lv, op, e) => {
                let l = match lv {
                    LV::Var(n) => n.clone(),
                    LV::Idx(n, i) => format!("{n}[{}]", self.e(i, P_ANY)),
                    LV::Idx2(n, i, j) => {
                        format!("{n}[[{}, {}]]", self.e(i, P_ANY), self.e(j, P_ANY))
                    }
                };
                if dual && *op != AsgOp::Set {
                    // `a op= b` on f64 evaluates `b` first; a method call on `D` would borrow `a` first
                    let _ = writeln!(
                        s,
                        "{p}{{ let rhs__ = {}; {l} {} rhs__; }}",
                        self.e(e, P_ANY),
                        op.sym()
                    );
                } else {
                    let _ = writeln!(s, "{p}{l} {} {};", op.sym(), self.e(e, P_ANY));
                }
            }
            Stmt::If(c, t, els) => {
                let mut x = format!("{p}if {} {}", self.e(c, P_OR), self.block(t, ind));
                if let Some(e) = els {
                    self.else_(&mut x, e, ind);
                }
                let _ = writeln!(s, "{x}");
            }
            Stmt::For { var, range, body } => {
                let _ = writeln!(
                    s,
                    "{p}for {var} in {} {}",
                    self.range(range),
                    self.block(body, ind)
                );
            }
            Stmt::ForElem {
                var,
                by_ref,
                arr,
                arr_ty,
                src,
                body,
            } => {
                let head = if dual {
                    let _ = arr_ty;
                    format!("for &{var} in {arr}.iter()")
                } else {
                    let pat = if *by_ref {
                        format!("&{var}")
                    } else {
                        var.clone()
                    };
                    let it = match src {
                        ElemSrc::Iter => format!("{arr}.iter()"),
                        ElemSrc::Ref => format!("&{arr}"),
                        ElemSrc::Full => format!("&{arr}[..]"),
                    };
                    format!("for {pat} in {it}")
                };
                let _ = writeln!(s, "{p}{head} {}", self.block(body, ind));
            }
            Stmt::While(c, b) => {
                let _ = writeln!(s, "{p}while {} {}", self.e(c, P_OR), self.block(b, ind));
            }
            Stmt::Loop(b) => {
                let _ = writeln!(s, "{p}loop {}", self.block(b, ind));
            }
            Stmt::Break => {
                let _ = writeln!(s, "{p}break;");
            }
            Stmt::BreakTo(l) => {
                let _ = writeln!(s, "{p}break '{l};");
            }
            Stmt::ContinueTo(l) => {
                let _ = writeln!(s, "{p}continue '{l};");
            }
            Stmt::Labelled(l, inner) => {
                let mut one = String::new();
                self.stmt(&mut one, inner, ind);
                let body = one.trim_start();
                let _ = write!(s, "{p}'{l}: {body}");
            }
            Stmt::Continue => {
                let _ = writeln!(s, "{p}continue;");
            }
            Stmt::Return(e) => {
                let _ = writeln!(s, "{p}return {};", self.e(e, P_ANY));
            }
            Stmt::Block(b) => {
                let _ = writeln!(s, "{p}{}", self.block(b, ind));
            }
            Stmt::LetClo { name, params, body } => {
                let ty = if dual { "D" } else { "f64" };
                let ps: Vec<String> = params.iter().map(|t| format!("{t}: {ty}")).collect();
                let _ = writeln!(
                    s,
                    "{p}let {name} = |{}| {};",
                    ps.join(", "),
                    self.e(body, P_ANY)
                );
            }
            Stmt::LetTuple(pats, init) => {
                let ps: Vec<String> = pats
                    .iter()
                    .map(|(n, m)| format!("{}{n}", if *m { "mut " } else { "" }))
                    .collect();
                let _ = writeln!(s, "{p}let ({}) = {};", ps.join(", "), self.tup_init(init));
            }
            Stmt::AssignTuple(names, init) => {
                let _ = writeln!(s, "{p}({}) = {};", names.join(", "), self.tup_init(init));
            }
            Stmt::LetArrPat(names, x) => {
                let rhs = if dual {
                    let parts: Vec<String> =
                        (0..names.len()).map(|i| format!("{x}[{i}]")).collect();
                    format!("[{}]", parts.join(", "))
                } else {
                    x.clone()
                };
                let _ = writeln!(s, "{p}let [{}] = {rhs};", names.join(", "));
            }
            Stmt::Collect(y, c) => {
                let ty = if dual { "D" } else { "f64" };
                let _ = writeln!(s, "{p}let {y}: Vec<{ty}> = {}.collect();", self.chain(c));
            }
            Stmt::ForChain {
                plain,
                dual: dpat,
                chain,
                body,
            } => {
                let pat = if dual { dpat } else { plain };
                let _ = writeln!(
                    s,
                    "{p}for {pat} in {} {}",
                    self.chain(chain),
                    self.block(body, ind)
                );
            }
            Stmt::LetElse(k, o, e) => {
                let _ = writeln!(
                    s,
                    "{p}let Some({k}) = {o} else {{ return {}; }};",
                    self.e(e, P_ANY)
                );
            }
        }
    }
}

/// Whether the rendering of `e` ends with an `as` cast (then a following `<` would start generic
/// arguments).
fn trailing_cast(e: &E) -> bool {
    // (a `count()` chain is cast as a whole: `x.iter().count() as f64`)
    match e {
        E::CastF(_) | E::CastI(..) => true,
        E::Bin(_, _, r) => trailing_cast(r),
        E::Neg(x) | E::Not(x) => trailing_cast(x),
        _ => false,
    }
}

fn pad(n: usize) -> String {
    "    ".repeat(n)
}

pub fn render_expr(e: &E, mode: Mode) -> String {
    R {
        mode,
        outparam: vec![],
    }
    .e(e, P_ANY)
}

/// One function; `attr`: with `#[differentiable]` (and its `wrt`).
pub fn render_func(f: &Func, mode: Mode, attr: bool) -> String {
    render_func_calling(f, mode, attr, vec![])
}

/// `render_func`, with the functions named in `outparam` called through their `_into` form.
fn render_func_calling(f: &Func, mode: Mode, attr: bool, outparam: Vec<String>) -> String {
    let r = R { mode, outparam };
    let mut s = String::new();
    if attr {
        let mut args: Vec<String> = vec![];
        if f.hessian {
            args.push("hessian".into());
        }
        if let Some(w) = &f.wrt {
            let names: Vec<&str> = w.iter().map(|&i| f.params[i].name.as_str()).collect();
            args.push(format!("wrt({})", names.join(", ")));
        }
        if args.is_empty() {
            s.push_str("#[differentiable]\n");
        } else {
            let _ = writeln!(s, "#[differentiable({})]", args.join(", "));
        }
    }
    let ps: Vec<String> = f
        .params
        .iter()
        .map(|p| {
            let ty = if mode == Mode::Dual {
                p.ty.dual()
            } else {
                p.ty.rust()
            };
            format!("{}{}: {ty}", if p.mutable { "mut " } else { "" }, p.name)
        })
        .collect();
    let ret = match (mode == Mode::Dual, f.pair) {
        (true, false) => "D",
        (false, false) => "f64",
        (true, true) => "(D, D)",
        (false, true) => "(f64, f64)",
    };
    let _ = writeln!(
        s,
        "pub fn {}({}) -> {ret} {}",
        f.name,
        ps.join(", "),
        r.block(&f.body, 0)
    );
    s
}

pub fn render_items(p: &Program, mode: Mode) -> String {
    let mut s = String::new();
    for it in &p.items {
        match it {
            Item::ConstF(n, v) => {
                let _ = writeln!(s, "const {n}: f64 = {};", fmt_f(*v));
            }
            Item::ConstI(n, v) => {
                let _ = writeln!(s, "const {n}: usize = {v};");
            }
            Item::Struct(n) => {
                if mode == Mode::Plain {
                    let _ = writeln!(s, "struct {n};");
                } else {
                    let _ = writeln!(s, "struct {n};");
                }
            }
        }
    }
    s
}

/// The module text of a program: `Plain` with `attr` (the code under test), `Plain` without
/// (the attribute-free copy), or `Dual` (the reference).
pub fn render_module(p: &Program, mode: Mode, attr: bool) -> String {
    let mut s = String::new();
    s.push_str("#![allow(warnings, clippy::all)]\n");
    if mode == Mode::Dual {
        s.push_str("use crate::support::{A, D, Op};\n");
    } else {
        if attr {
            s.push_str("use autodiff_runtime::differentiable;\n");
        }
        s.push_str("use autodiff_runtime::ndarray::{Array1, Array2, ArrayView1, ArrayView2};\n");
    }
    s.push_str(&render_items(p, mode));
    let outparam: Vec<String> = if mode == Mode::Plain && attr {
        p.funcs
            .iter()
            .filter(|f| f.outparam)
            .map(|f| f.name.clone())
            .collect()
    } else {
        vec![]
    };
    for f in &p.funcs {
        s.push('\n');
        s.push_str(&render_func_calling(f, mode, attr, outparam.clone()));
        if outparam.contains(&f.name) {
            s.push_str(&render_into(f, outparam.clone()));
        }
    }
    s
}

/// `#[differentiable] pub fn h_into(params.., __out: &mut f64) { *__out = { body }; }`.
fn render_into(f: &Func, outparam: Vec<String>) -> String {
    let r = R {
        mode: Mode::Plain,
        outparam,
    };
    let ps: Vec<String> = f
        .params
        .iter()
        .map(|p| {
            format!(
                "{}{}: {}",
                if p.mutable { "mut " } else { "" },
                p.name,
                p.ty.rust()
            )
        })
        .collect();
    format!(
        "#[differentiable]\npub fn {}_into({}, __out: &mut f64) {{\n    *__out = {};\n}}\n",
        f.name,
        ps.join(", "),
        r.block(&f.body, 1)
    )
}

/// Feature `outparam`: marks the functions that can also be written with an out-parameter (one
/// `f64` output, no `return`, not `hessian`: the out-parameter form has no second order).
pub fn mark_outparam(p: &mut Program) {
    for k in 0..p.funcs.len() {
        let f = &p.funcs[k];
        let body = render_func(f, Mode::Plain, false);
        let returns = body
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .any(|w| w == "return");
        p.funcs[k].outparam = !f.pair && !f.hessian && !f.params.is_empty() && !returns;
    }
}

/// Pretty-prints Rust source through syn/prettyplease (falls back to the input if it does not parse).
pub fn pretty(src: &str) -> String {
    match syn::parse_file(src) {
        Ok(f) => prettyplease::unparse(&f),
        Err(_) => src.to_string(),
    }
}
