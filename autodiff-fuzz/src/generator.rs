//! The random program generator. Every program is valid Rust inside the contract; values stay
//! finite and away from domain boundaries because every expression carries an interval that
//! bounds its value, and the arguments of domain-restricted functions are squashed into range.

use crate::ast::*;
use crate::rng::Rng;
use std::collections::BTreeSet;

#[path = "gen_hessian.rs"]
mod hessian;
#[path = "gen_idioms.rs"]
mod idioms;

/// Every switchable feature: name and what it enables.
pub const FEATURES: &[(&str, &str)] = &[
    ("let", "let bindings"),
    ("let-mut", "let mut bindings"),
    ("type-ann", "type annotations on let"),
    ("shadow", "shadowing (also inside loops)"),
    ("assign", "plain assignment ="),
    ("compound", "+= -= *= /="),
    (
        "running-extrema",
        "s = s.max(e), s = s.min(e) and s = e.max(s) in loops (a replayed reverse)",
    ),
    ("block-expr", "block expressions as values"),
    ("if-expr", "if/else as a value"),
    ("return", "early return (outside loops)"),
    ("typed-lit", "typed float literals 1.5_f64, 2.0f64"),
    ("untyped-lit", "untyped float literals 0.5"),
    ("consts", "module-level consts"),
    ("std-paths", "std::f64::consts::PI, f64::EPSILON ..."),
    ("cast-f", "int as f64"),
    ("cast-i", "as casts to integers (from floats and ints)"),
    ("div", "float division"),
    ("float-rem", "float % and %="),
    ("int-arith", "integer arithmetic + * / % -"),
    ("logic", "&& || ! in conditions"),
    ("method-form", "x.sin() method form"),
    ("path-form", "f64::sin(x) path form"),
    ("unary-math", "one-argument math functions"),
    ("binary-math", "atan2 powf log hypot max min powi"),
    ("ternary-math", "mul_add clamp"),
    ("if", "if statements"),
    ("else-if", "else if chains"),
    ("for", "for over a..b"),
    ("for-incl", "for over a..=b"),
    ("rev", ".rev() ranges"),
    ("step-by", ".step_by(k) ranges"),
    ("while", "while loops"),
    ("loop", "loop with break"),
    ("break", "break"),
    ("continue", "continue"),
    ("return-in-loop", "return from inside loops"),
    ("nested-loops", "loops inside loops"),
    (
        "diverge-in-expr",
        "break/continue/return inside if/block expressions",
    ),
    ("calls", "calls between generated functions"),
    ("call-ref", "callees with a &f64 parameter"),
    ("ref-active", "pass active values to &f64 parameters"),
    ("call-int", "callees with integer parameters"),
    ("call-arrays", "array arguments to callees"),
    ("wrt", "#[differentiable(wrt(...))] subsets"),
    ("hostile-names", "locals/params named like generated code"),
    (
        "hostile-items",
        "module-level const/struct named like generated code",
    ),
    ("int-params", "integer parameters"),
    ("bool-params", "bool parameters"),
    ("ref-params", "&f64 parameters (*r)"),
    ("mut-params", "mut float parameters"),
    ("int-suffix", "integer literals with a suffix"),
    ("slice", "&[f64] parameters"),
    ("vec", "Vec<f64> parameters"),
    ("fixed", "[f64; N] parameters"),
    ("view1", "ArrayView1<f64> parameters"),
    ("ref1", "&Array1<f64> parameters"),
    ("own1", "Array1<f64> parameters"),
    ("view2", "ArrayView2<f64> parameters"),
    ("ref2", "&Array2<f64> parameters"),
    ("own2", "Array2<f64> parameters"),
    ("index", "element reads x[i], m[[i, j]]"),
    ("len", "len nrows ncols shape"),
    ("elem-loop", "for v in x.iter() / for &v in &x / &x[..]"),
    ("whole", "whole-array expressions"),
    ("broadcast", "2-D op 1-D broadcasting"),
    ("col-row", "column(j) row(i)"),
    ("reduce", "sum mean"),
    ("var-std", "var(ddof) std(ddof)"),
    ("dot", "dot"),
    ("mapv", "mapv(f64::f)"),
    (
        "mapv-forms",
        "the same as mapv(|e| e.f()), map(|&e| e.f()) and ndarray's x.f()",
    ),
    ("local-arrays", "local arrays and element writes"),
    (
        "array-reads-anywhere",
        "reads and whole uses of a local array while it is being filled, inside ifs and nested loops and after early exits",
    ),
    (
        "scoped-arrays",
        "local arrays declared inside loop bodies, branches and blocks, also after early exits; [v; N] arrays",
    ),
    (
        "labels",
        "labelled loops left from nested loops: break 'l; continue 'l;",
    ),
    (
        "array-copies",
        "writable copies of 1-D array parameters: let mut y = x.clone() / x.to_owned() / x.to_vec()",
    ),
    ("recurrence", "recurrences y[i] = y[i-1] * a + x[i]"),
    ("owned-ops", "owned temporaries moved into array operators"),
    (
        "iter-chain",
        "iterator chains: sources, adaptors, sum/product/fold/max-fold/count/any/all",
    ),
    (
        "iter-for",
        "for pat in chain { .. } (enumerate, zip, &x, x ..)",
    ),
    (
        "collect",
        "let y: Vec<f64> = chain.collect(); (in any scope with scoped-arrays)",
    ),
    ("windows", "x.windows(k) sources (read w[j] in closures)"),
    (
        "chain-method",
        "a method called on a chain's result: x.iter().sum::<f64>().sin()",
    ),
    ("closure", "let f = |t: f64| ..; called later, map(f)"),
    (
        "tuple",
        "let (a, mut b) = (..); (a, b) = (..); let [a, b] = fixed;",
    ),
    (
        "tuple-call",
        "helpers returning (f64, f64), called as let (p, q) = h(..) / (x, y) = h(..)",
    ),
    ("match", "match on integers and floats, matches!"),
    (
        "if-let",
        "Option<usize> parameters: if let Some(k) = o, let Some(k) = o else { return .. }",
    ),
    (
        "hessian",
        "#[differentiable(hessian)] on every function that can take it (checks hvp_*)",
    ),
    (
        "outparam",
        "helpers also written with a &mut f64 out-parameter, called into a local",
    ),
];

pub const UNARY: &[&str] = &[
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "sinh",
    "cosh",
    "tanh",
    "asinh",
    "acosh",
    "atanh",
    "exp",
    "exp2",
    "exp_m1",
    "ln",
    "ln_1p",
    "log2",
    "log10",
    "sqrt",
    "cbrt",
    "abs",
    "signum",
    "recip",
    "to_degrees",
    "to_radians",
];
pub const BINARY: &[&str] = &[
    "atan2", "powf", "log", "hypot", "max", "min", "powi", "mul_add", "clamp",
];

/// Features the generator leaves out unless enabled: constructs the README does not support yet.
pub const OFF_BY_DEFAULT: &[&str] = &["windows"];

#[derive(Clone, Debug)]
pub struct Grammar {
    pub off: BTreeSet<String>,
    /// Programs with array parameters (otherwise scalars only).
    pub arrays: bool,
    /// Functions per program (the last ones may call the first ones).
    pub funcs: usize,
    /// Statements per function body (roughly).
    pub size: usize,
}

impl Default for Grammar {
    fn default() -> Self {
        // Features beyond today's contract are off until asked for (`--feature`).
        let off = OFF_BY_DEFAULT.iter().map(|f| f.to_string()).collect();
        Grammar {
            off,
            arrays: false,
            funcs: 3,
            size: 7,
        }
    }
}

impl Grammar {
    pub fn on(&self, f: &str) -> bool {
        !self.off.contains(f)
    }
    /// Turns on a feature that is off by default.
    pub fn enable(&mut self, f: &str) -> Result<(), String> {
        if !FEATURES.iter().any(|(n, _)| *n == f) {
            return Err(format!("unknown feature `{f}` (see `list-features`)"));
        }
        self.off.remove(f);
        Ok(())
    }
    /// Turns a feature off; unknown names (not a feature, not `fn:<math function>`) are an error.
    pub fn disable(&mut self, f: &str) -> Result<(), String> {
        let known = FEATURES.iter().any(|(n, _)| *n == f)
            || f.strip_prefix("fn:")
                .is_some_and(|m| UNARY.contains(&m) || BINARY.contains(&m));
        if !known {
            return Err(format!("unknown feature `{f}` (see `list-features`)"));
        }
        self.off.insert(f.to_string());
        Ok(())
    }
    fn math_on(&self, f: &str) -> bool {
        !self.off.contains(&format!("fn:{f}"))
    }
}

// ----- intervals -----

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Iv {
    pub lo: f64,
    pub hi: f64,
}

const BIG: f64 = 1e6;

impl Iv {
    pub fn new(lo: f64, hi: f64) -> Iv {
        let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
        if !(lo.is_finite() && hi.is_finite()) || lo < -BIG || hi > BIG {
            Iv::inf()
        } else {
            Iv { lo, hi }
        }
    }
    pub fn pt(v: f64) -> Iv {
        Iv::new(v, v)
    }
    pub fn inf() -> Iv {
        Iv {
            lo: f64::NEG_INFINITY,
            hi: f64::INFINITY,
        }
    }
    pub fn is_inf(self) -> bool {
        !self.lo.is_finite() || !self.hi.is_finite()
    }
    pub fn m(self) -> f64 {
        self.lo.abs().max(self.hi.abs())
    }
    fn corners(a: Iv, b: Iv, f: impl Fn(f64, f64) -> f64) -> Iv {
        if a.is_inf() || b.is_inf() {
            return Iv::inf();
        }
        let c = [f(a.lo, b.lo), f(a.lo, b.hi), f(a.hi, b.lo), f(a.hi, b.hi)];
        if c.iter().any(|x| x.is_nan()) {
            return Iv::inf();
        }
        Iv::new(
            c.iter().cloned().fold(f64::INFINITY, f64::min),
            c.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
        )
    }
    pub fn add(a: Iv, b: Iv) -> Iv {
        Iv::corners(a, b, |x, y| x + y)
    }
    pub fn sub(a: Iv, b: Iv) -> Iv {
        Iv::corners(a, b, |x, y| x - y)
    }
    pub fn mul(a: Iv, b: Iv) -> Iv {
        Iv::corners(a, b, |x, y| x * y)
    }
    /// `b` must exclude 0
    pub fn div(a: Iv, b: Iv) -> Iv {
        if b.lo <= 0.0 && b.hi >= 0.0 {
            return Iv::inf();
        }
        Iv::corners(a, b, |x, y| x / y)
    }
    pub fn neg(a: Iv) -> Iv {
        Iv::new(-a.hi, -a.lo)
    }
    pub fn hull(a: Iv, b: Iv) -> Iv {
        if a.is_inf() || b.is_inf() {
            Iv::inf()
        } else {
            Iv::new(a.lo.min(b.lo), a.hi.max(b.hi))
        }
    }
    fn mono(a: Iv, f: impl Fn(f64) -> f64) -> Iv {
        if a.is_inf() {
            Iv::inf()
        } else {
            Iv::new(f(a.lo), f(a.hi))
        }
    }
    fn scale(a: Iv, k: f64) -> Iv {
        Iv::mul(a, Iv::pt(k))
    }
}

// ----- the variables in scope -----

#[derive(Clone, Debug)]
enum VK {
    F {
        iv: Iv,
        mutable: bool,
        ambiguous: bool,
    },
    I {
        ty: IntTy,
        lo: i64,
        hi: i64,
        #[allow(dead_code)]
        mutable: bool,
    },
    B,
    RefF {
        iv: Iv,
    },
    /// element of an array loop; `by_ref`: the pattern is `v` (read as `*v`)
    Elem {
        iv: Iv,
        by_ref: bool,
    },
    Arr {
        ty: ArrTy,
        iv: Iv,
        dims: (usize, usize),
        frozen: bool,
        amb: bool,
    },
    /// a local closure of `arity` f64 parameters (arguments in [-3, 3])
    Clo {
        arity: usize,
        iv: Iv,
    },
    /// a window `&[f64]` of `n` elements (read `w[j]`)
    Win {
        n: usize,
        iv: Iv,
    },
    /// an `Option<usize>` parameter
    Opt {
        lo: i64,
        hi: i64,
    },
}

#[derive(Clone, Debug)]
struct Var {
    name: String,
    k: VK,
}

#[derive(Clone, Debug)]
struct Callee {
    name: String,
    params: Vec<Param>,
}

const NORMAL: &[&str] = &[
    "x", "y", "z", "s", "t", "u", "w", "a", "b", "c", "p", "q", "r", "acc", "tmp", "h", "v", "e",
    "m", "k", "i", "j", "lo", "hi", "sum", "prod",
];
const HOSTILE: &[&str] = &[
    "a_1",
    "t_2",
    "value",
    "d_out",
    "x_bar",
    "tape_0",
    "n_3",
    "count_1",
    "pullback_g",
    "grad_f",
    "t_0",
    "t_1",
    "s_bar",
    "x_d0",
    "y_carry",
    "z_shift",
    "read_tape_0",
    "write_tape_1",
    "n_0",
    "acc_1",
    "v_bar",
    "seed",
    "out",
    "pullback_f",
    "value_and_grad_g",
    "first",
    "adj",
    "tape",
    "t_3",
    "n_1",
];
const HOSTILE_ITEMS: &[&str] = &[
    "value", "t_2", "d_out", "tape_0", "count_1", "n_0", "t_0", "x_bar", "t_1", "n_1",
];
const FN_NAMES: &[&str] = &["f", "g", "h", "phi", "f_1", "g_bar", "psi", "k2"];

const STD_PATHS: &[(&str, f64)] = &[
    ("std::f64::consts::PI", std::f64::consts::PI),
    ("std::f64::consts::E", std::f64::consts::E),
    ("std::f64::consts::FRAC_PI_4", std::f64::consts::FRAC_PI_4),
    ("std::f64::consts::LN_2", std::f64::consts::LN_2),
    ("std::f64::consts::SQRT_2", std::f64::consts::SQRT_2),
    (
        "core::f64::consts::FRAC_1_SQRT_2",
        std::f64::consts::FRAC_1_SQRT_2,
    ),
    ("f64::EPSILON", f64::EPSILON),
];

/// Bound of parameters (and arguments passed to callees).
const PARAM: f64 = 1.5;
/// Most iterations any loop body may run in total (product over the nesting).
const ITER_CAP: i64 = 64;

struct Ctx<'a> {
    g: &'a Grammar,
    rng: Rng,
    scopes: Vec<Vec<Var>>,
    /// nesting of loops: kind is `true` for loops that `break` may leave
    loops: usize,
    iters: i64,
    branch: usize,
    /// inside an `if`/block used as a value
    value: usize,
    callees: Vec<Callee>,
    reserved: BTreeSet<String>,
    len1: usize,
    rows: usize,
    cols: usize,
    budget: usize,
    has_arrays: bool,
    /// the array being written: its own shape may not appear in the index
    no_len: Option<String>,
    /// An early exit (`return`, `break`, `continue`, a `while`'s own test) has been generated
    /// in this function: the macro guards what follows, which is no longer its top level.
    jumped: bool,
    /// The local array an element write is going to: not usable whole in its right-hand side
    /// (that would be a whole use before its last write).
    writing: Option<String>,
    /// Elementwise maps generated so far: picks each one's user-code form in turn, without
    /// drawing from `rng` (so the programs of a seed do not change with the forms).
    maps: usize,
    /// inside a closure's body: no statements, no jumps, no nested chains
    in_clo: bool,
    /// The labels of the enclosing loops made by `loop_body`, innermost last (`None`: none).
    labels: Vec<Option<String>>,
    /// a helper with two outputs: no `return`
    no_return: bool,
    /// earlier helpers with two outputs
    pair_callees: Vec<Callee>,
}

fn b(e: E) -> Box<E> {
    Box::new(e)
}
fn flit(v: f64) -> E {
    E::FLit(r2(v), LitSty::Untyped)
}
/// Rounds to two decimals (readable literals).
fn r2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}
fn bin(op: BOp, a: E, c: E) -> E {
    E::Bin(op, b(a), b(c))
}
fn ilit(v: i64) -> E {
    E::ILit(v, None)
}

impl<'a> Ctx<'a> {
    fn on(&self, f: &str) -> bool {
        self.g.on(f)
    }
    fn chance(&mut self, p: f64) -> bool {
        self.rng.chance(p)
    }

    // ----- scopes -----

    fn visible(&self) -> Vec<Var> {
        let mut seen = BTreeSet::new();
        let mut out = vec![];
        for sc in self.scopes.iter().rev() {
            for v in sc.iter().rev() {
                if seen.insert(v.name.clone()) {
                    out.push(v.clone());
                }
            }
        }
        out
    }
    fn push(&mut self) {
        self.scopes.push(vec![]);
    }
    fn pop(&mut self) {
        self.scopes.pop();
    }
    fn bind(&mut self, name: &str, k: VK) {
        self.scopes.last_mut().unwrap().push(Var {
            name: name.to_string(),
            k,
        });
    }
    fn lookup_mut(&mut self, name: &str) -> Option<&mut Var> {
        for sc in self.scopes.iter_mut().rev() {
            if let Some(v) = sc.iter_mut().rev().find(|v| v.name == name) {
                return Some(v);
            }
        }
        None
    }
    fn fresh(&mut self) -> String {
        let vis: BTreeSet<String> = self.visible().into_iter().map(|v| v.name).collect();
        for _ in 0..50 {
            let hostile = self.on("hostile-names") && self.chance(0.35);
            let n = if hostile {
                *self.rng.pick(HOSTILE)
            } else {
                *self.rng.pick(NORMAL)
            };
            if !self.reserved.contains(n) && !vis.contains(n) {
                return n.to_string();
            }
        }
        let mut i = 0;
        loop {
            let n = format!("v{i}");
            if !vis.contains(&n) && !self.reserved.contains(&n) {
                return n;
            }
            i += 1;
        }
    }
    /// Everything a loop body may reassign is unbounded from its entry on.
    fn enter_loop(&mut self) {
        for sc in self.scopes.iter_mut() {
            for v in sc.iter_mut() {
                match &mut v.k {
                    VK::F {
                        iv, mutable: true, ..
                    } => *iv = Iv::inf(),
                    VK::Arr { ty, iv, .. } if ty.is_local() => *iv = Iv::inf(),
                    _ => {}
                }
            }
        }
    }

    // ----- literals -----

    fn lit_style(&mut self) -> LitSty {
        let t = self.on("typed-lit");
        let u = self.on("untyped-lit");
        match (t, u) {
            (true, true) => *self.rng.pick(&[
                LitSty::Untyped,
                LitSty::Untyped,
                LitSty::Suffix,
                LitSty::Underscore,
            ]),
            (true, false) => *self.rng.pick(&[LitSty::Suffix, LitSty::Underscore]),
            _ => LitSty::Untyped,
        }
    }
    fn float_lit(&mut self) -> (E, Iv) {
        let v = match self.rng.below(4) {
            0 => *self
                .rng
                .pick(&[0.5, 1.5, 2.0, 0.25, 3.0, -0.97, 0.1, 1.0, -2.0, 0.75]),
            _ => (self.rng.unif(-3.0, 3.0) * 100.0).round() / 100.0,
        };
        let sty = self.lit_style();
        (E::FLit(v, sty), Iv::pt(v))
    }
    /// A typed literal (safe as a method receiver, and as `let x = ...` without annotation).
    fn typed(&mut self, v: f64) -> E {
        if self.on("typed-lit") {
            E::FLit(v, *self.rng.pick(&[LitSty::Suffix, LitSty::Underscore]))
        } else {
            E::FLit(v, LitSty::Untyped)
        }
    }
    fn int_lit(&mut self, v: i64, ty: IntTy) -> E {
        if self.on("int-suffix") && self.chance(0.2) {
            E::ILit(v, Some(ty))
        } else {
            ilit(v)
        }
    }

    /// Whether `e` has no type of its own (`{float}`): untyped literals only.
    fn ambiguous(&self, e: &E) -> bool {
        match e {
            E::FLit(_, LitSty::Untyped) => true,
            E::Var(n) => self.visible().iter().any(|v| {
                v.name == *n
                    && matches!(
                        v.k,
                        VK::F {
                            ambiguous: true,
                            ..
                        }
                    )
            }),
            E::Neg(a) => self.ambiguous(a),
            E::Bin(op, a, c)
                if matches!(op, BOp::Add | BOp::Sub | BOp::Mul | BOp::Div | BOp::Rem) =>
            {
                self.ambiguous(a) && self.ambiguous(c)
            }
            E::If(_, t, els) => {
                t.tail.as_ref().is_none_or(|x| self.ambiguous(x))
                    && match &**els {
                        Else::Block(bb) => bb.tail.as_ref().is_none_or(|x| self.ambiguous(x)),
                        Else::If(..) => true,
                    }
            }
            E::Block(bb) => bb.tail.as_ref().is_none_or(|x| self.ambiguous(x)),
            E::Index(n, _) | E::Index2(n, _, _) => self
                .visible()
                .iter()
                .any(|v| v.name == *n && matches!(v.k, VK::Arr { amb: true, .. })),
            _ => false,
        }
    }
    fn pin(&mut self, e: E) -> E {
        if self.ambiguous(&e) {
            bin(BOp::Mul, e, self.typed_one())
        } else {
            e
        }
    }
    fn typed_one(&mut self) -> E {
        if self.on("typed-lit") {
            E::FLit(1.0, LitSty::Underscore)
        } else {
            E::CastF(b(ilit(1)))
        }
    }

    // ----- float expressions -----

    fn math_call(&mut self, name: &str, recv: E, args: Vec<E>) -> E {
        let method = self.on("method-form");
        let path = self.on("path-form");
        let use_path = match (method, path) {
            (true, true) => self.chance(0.3),
            (false, true) => true,
            _ => false,
        };
        // `x.iter().sum::<f64>().sin()`: a method on a consumer's result
        let chain_recv = matches!(&recv, E::Chain(_))
            || matches!(&recv, E::CastF(c) if matches!(**c, E::Chain(_)));
        if use_path || self.ambiguous(&recv) || (chain_recv && !self.on("chain-method")) {
            let mut a = vec![recv];
            a.extend(args);
            E::PathCall(name.to_string(), a)
        } else {
            E::Method(name.to_string(), b(recv), args)
        }
    }

    /// Squashes `e` into `[-k, k]`.
    fn fit(&mut self, e: E, iv: Iv, k: f64) -> (E, Iv) {
        if iv.m() <= k && !iv.is_inf() {
            return (e, iv);
        }
        let c = (k * 0.9 * 10.0).floor() / 10.0;
        let squash = *self.rng.pick(&["sin", "tanh", "cos", "atan", "sin"]);
        let squash = if self.g.math_on(squash) && self.on("unary-math") {
            squash
        } else {
            "tanh"
        };
        let s = self.math_call(squash, e, vec![]);
        let unit = if squash == "atan" { 1.58 } else { 1.0 };
        if c >= unit {
            (s, Iv::new(-unit, unit))
        } else {
            let f = r2(c / unit);
            (bin(BOp::Mul, s, flit(f)), Iv::new(-f * unit, f * unit))
        }
    }
    /// A value at least `lo` (> 0).
    fn pos(&mut self, e: E, iv: Iv, lo: f64) -> (E, Iv) {
        if iv.lo >= lo && !iv.is_inf() && self.chance(0.7) {
            return (e, iv);
        }
        let c = r2(lo + 0.01 + self.rng.unif(0.0, 1.0));
        match self.rng.below(5) {
            0 => {
                let (a, aiv) = self.fit(e, iv, 3.0);
                let ex = self.math_call("abs", a, vec![]);
                (bin(BOp::Add, ex, flit(c)), Iv::new(c, aiv.m() + c))
            }
            1 => {
                let (a, aiv) = self.fit(e, iv, 2.0);
                let a2 = a.clone();
                (
                    bin(BOp::Add, bin(BOp::Mul, a, a2), flit(c)),
                    Iv::new(c, aiv.m() * aiv.m() + c),
                )
            }
            2 => {
                let (a, _) = self.fit(e, iv, 1.0);
                let s = self.math_call("sin", a, vec![]);
                let c = c.max(1.01);
                (bin(BOp::Add, flit(c), s), Iv::new(c - 1.0, c + 1.0))
            }
            3 if self.g.math_on("exp") => {
                let (a, aiv) = self.fit(e, iv, 2.0);
                // (the honest bound: `fix_lo` below adds `lo` when it is not enough)
                (
                    self.math_call("exp", a, vec![]),
                    Iv::new((-aiv.m()).exp(), aiv.m().exp()),
                )
            }
            _ => {
                let (a, aiv) = self.fit(e, iv, 2.0);
                if self.g.math_on("hypot") {
                    let cc = self.typed(c);
                    (
                        self.math_call("hypot", a, vec![cc]),
                        Iv::new(c, aiv.m().hypot(c)),
                    )
                } else {
                    let ex = self.math_call("abs", a, vec![]);
                    (bin(BOp::Add, ex, flit(c)), Iv::new(c, aiv.m() + c))
                }
            }
        }
        .fix_lo(lo)
    }

    fn fatom(&mut self) -> (E, Iv) {
        let vis = self.visible();
        let floats: Vec<(E, Iv)> = vis
            .iter()
            .filter_map(|v| match &v.k {
                VK::F { iv, .. } => Some((E::Var(v.name.clone()), *iv)),
                VK::RefF { iv } => Some((E::Deref(v.name.clone()), *iv)),
                VK::Elem { iv, by_ref: true } => Some((E::ElemDeref(v.name.clone()), *iv)),
                VK::Elem { iv, by_ref: false } => Some((E::Var(v.name.clone()), *iv)),
                _ => None,
            })
            .collect();
        let consts: Vec<(E, Iv)> = vis.iter().filter_map(|_| None).collect::<Vec<_>>();
        let _ = consts;
        let w = [
            if floats.is_empty() { 0 } else { 16 },
            3,
            if self.on("consts") && !self.const_floats().is_empty() {
                1
            } else {
                0
            },
            if self.on("std-paths") { 1 } else { 0 },
            if self.on("cast-f") && self.has_ints() {
                2
            } else {
                0
            },
            if self.on("index") && self.has_arrays {
                6
            } else {
                0
            },
            if self.on("closure") && vis.iter().any(|v| matches!(v.k, VK::Clo { .. })) {
                5
            } else {
                0
            },
            if vis.iter().any(|v| matches!(v.k, VK::Win { .. })) {
                12
            } else {
                0
            },
        ];
        match self.rng.weighted(&w) {
            6 => {
                if let Some(r) = self.closure_call() {
                    return r;
                }
                self.float_lit()
            }
            7 => {
                let wins: Vec<(String, usize, Iv)> = vis
                    .iter()
                    .filter_map(|v| match v.k {
                        VK::Win { n, iv } => Some((v.name.clone(), n, iv)),
                        _ => None,
                    })
                    .collect();
                let (w, n, iv) = self.rng.pick(&wins).clone();
                let j = self.rng.below(n) as i64;
                (E::Index(w, b(ilit(j))), iv)
            }
            0 => self.rng.pick(&floats).clone(),
            1 => self.float_lit(),
            2 => {
                let c = self.const_floats();
                let (n, v) = self.rng.pick(&c).clone();
                (E::FPath(n), Iv::pt(v))
            }
            3 => {
                let (p, v) = *self.rng.pick(STD_PATHS);
                (E::FPath(p.to_string()), Iv::pt(v))
            }
            4 => {
                let ty = if self.chance(0.5) {
                    IntTy::Usize
                } else {
                    IntTy::I32
                };
                let (e, lo, hi) = self.iexpr(1, ty);
                (E::CastF(b(e)), Iv::new(lo as f64, hi as f64))
            }
            _ => self.index_read(),
        }
    }

    fn const_floats(&self) -> Vec<(String, f64)> {
        CONSTS.with(|c| c.borrow().clone())
    }
    fn has_ints(&self) -> bool {
        true
    }

    fn fexpr(&mut self, d: usize) -> (E, Iv) {
        if d == 0 || self.chance(0.25) {
            return self.fatom();
        }
        let arr_reduce = self.has_arrays
            && self.on("whole")
            && self.on("reduce")
            && !self.nd_arrays(false).is_empty();
        let w = [
            4,                                                // binary + - *
            if self.on("div") { 2 } else { 0 },               // /
            if self.on("float-rem") { 1 } else { 0 },         // %
            1,                                                // neg
            if self.on("unary-math") { 5 } else { 0 },        // unary
            if self.on("binary-math") { 2 } else { 0 },       // binary math
            if self.on("ternary-math") { 1 } else { 0 },      // mul_add clamp
            if self.on("if-expr") && d >= 2 { 1 } else { 0 }, // if expr
            if self.on("block-expr") && d >= 2 {
                1
            } else {
                0
            }, // block expr
            if self.on("calls") && !self.callees.is_empty() {
                2
            } else {
                0
            },
            if arr_reduce { 3 } else { 0 },
            if self.on("iter-chain") && !self.in_clo {
                3
            } else {
                0
            },
            if self.on("match") && d >= 2 { 1 } else { 0 },
            if self.on("if-let") && d >= 2 && !self.opts_empty() {
                2
            } else {
                0
            },
        ];
        let (e, iv) = match self.rng.weighted(&w) {
            11 => match self.chain_value(true) {
                Some(r) => r,
                None => self.fatom(),
            },
            12 => self.match_expr(d),
            13 => match self.if_let(d) {
                Some(r) => r,
                None => self.fatom(),
            },
            0 => {
                let op = *self.rng.pick(&[BOp::Add, BOp::Sub, BOp::Mul]);
                let (x, xi) = self.fexpr(d - 1);
                let (y, yi) = self.fexpr(d - 1);
                match op {
                    BOp::Add => (bin(op, x, y), Iv::add(xi, yi)),
                    BOp::Sub => (bin(op, x, y), Iv::sub(xi, yi)),
                    _ => {
                        // an unbounded factor only times a small one
                        let (x, xi, y, yi) = if xi.is_inf() || xi.m() > 1e3 {
                            let (y, yi) = self.fit(y, yi, 2.0);
                            (x, xi, y, yi)
                        } else if yi.is_inf() || yi.m() > 1e3 {
                            let (x, xi) = self.fit(x, xi, 2.0);
                            (x, xi, y, yi)
                        } else {
                            (x, xi, y, yi)
                        };
                        let iv = if xi.is_inf() || yi.is_inf() {
                            Iv::inf()
                        } else {
                            Iv::mul(xi, yi)
                        };
                        (bin(op, x, y), iv)
                    }
                }
            }
            1 => {
                let (x, xi) = self.fexpr(d - 1);
                let (y, yi) = self.fexpr(d - 1);
                let (y, yi) = self.pos(y, yi, 0.5);
                let (y, yi) = if self.chance(0.3) {
                    (E::Neg(b(y)), Iv::neg(yi))
                } else {
                    (y, yi)
                };
                (bin(BOp::Div, x, y), Iv::div(xi, yi))
            }
            2 => {
                let (x, xi) = self.fexpr(d - 1);
                let (y, yi) = self.fexpr(d - 1);
                let (y, yi) = self.pos(y, yi, 0.3);
                let m = yi.hi;
                let iv = if xi.is_inf() {
                    Iv::new(-m, m)
                } else {
                    Iv::new(xi.lo.min(0.0).max(-m), xi.hi.max(0.0).min(m))
                };
                (bin(BOp::Rem, x, y), iv)
            }
            3 => {
                let (x, xi) = self.fexpr(d - 1);
                (E::Neg(b(x)), Iv::neg(xi))
            }
            4 => self.unary(d),
            5 => self.binary_math(d),
            6 => self.ternary_math(d),
            7 => self.if_expr(d),
            8 => self.block_expr(d),
            9 => self.call(d),
            _ => self.reduce(d),
        };
        if iv.is_inf() || iv.m() > 1e4 {
            // keep everything that is not a loop recurrence within a modest range
            if self.chance(0.5) && !iv.is_inf() {
                return (e, iv);
            }
            if iv.is_inf() && self.chance(0.6) {
                return (e, iv);
            }
            return self.fit(e, iv, 3.0);
        }
        (e, iv)
    }

    fn unary(&mut self, d: usize) -> (E, Iv) {
        let fs: Vec<&str> = UNARY
            .iter()
            .cloned()
            .filter(|f| self.g.math_on(f))
            .collect();
        if fs.is_empty() {
            return self.fatom();
        }
        let f = *self.rng.pick(&fs);
        let (x, xi) = self.fexpr(d - 1);
        let pi = std::f64::consts::PI;
        let (arg, iv) = match f {
            "sin" | "cos" => (x, Iv::new(-1.0, 1.0)),
            "tanh" => (x, Iv::new(-1.0, 1.0)),
            "atan" => (x, Iv::new(-pi / 2.0, pi / 2.0)),
            "signum" => (x, Iv::new(-1.0, 1.0)),
            "abs" => {
                let lo = if xi.lo > 0.0 {
                    xi.lo
                } else if xi.hi < 0.0 {
                    -xi.hi
                } else {
                    0.0
                };
                (
                    x,
                    if xi.is_inf() {
                        Iv::inf()
                    } else {
                        Iv::new(lo, xi.m())
                    },
                )
            }
            "tan" => {
                let (a, _) = self.fit(x, xi, 1.2);
                (a, Iv::new(-2.6, 2.6))
            }
            "asin" | "acos" | "atanh" => {
                let (a, ai) = self.fit(x, xi, 0.9);
                let iv = match f {
                    "asin" => Iv::new(-pi / 2.0, pi / 2.0),
                    "acos" => Iv::new(0.0, pi),
                    _ => Iv::mono(ai, f64::atanh),
                };
                (a, iv)
            }
            "sinh" | "cosh" | "exp" | "exp2" | "exp_m1" => {
                let (a, ai) = self.fit(x, xi, 3.0);
                let iv = match f {
                    "sinh" => Iv::mono(ai, f64::sinh),
                    "cosh" => Iv::new(1.0, ai.m().cosh()),
                    "exp" => Iv::mono(ai, f64::exp),
                    "exp2" => Iv::mono(ai, f64::exp2),
                    _ => Iv::mono(ai, f64::exp_m1),
                };
                (a, iv)
            }
            "asinh" => (x, Iv::mono(xi, f64::asinh)),
            "acosh" => {
                let (a, ai) = self.pos(x, xi, 1.05);
                let (a, ai) = if ai.lo < 1.05 {
                    (bin(BOp::Add, a, flit(1.05)), Iv::add(ai, Iv::pt(1.05)))
                } else {
                    (a, ai)
                };
                (a, Iv::mono(ai, f64::acosh))
            }
            "ln" | "log2" | "log10" | "sqrt" | "cbrt" => {
                let (a, ai) = self.pos(x, xi, 0.05);
                let g: fn(f64) -> f64 = match f {
                    "ln" => f64::ln,
                    "log2" => f64::log2,
                    "log10" => f64::log10,
                    "sqrt" => f64::sqrt,
                    _ => f64::cbrt,
                };
                (a, Iv::mono(ai, g))
            }
            "ln_1p" => {
                let (a, ai) = self.pos(x, xi, 0.05);
                (a, Iv::mono(ai, f64::ln_1p))
            }
            "recip" => {
                let (a, ai) = self.pos(x, xi, 0.3);
                (a, Iv::new(1.0 / ai.hi, 1.0 / ai.lo))
            }
            "to_degrees" => (x, Iv::scale(xi, 180.0 / pi)),
            _ => (x, Iv::scale(xi, pi / 180.0)),
        };
        (self.math_call(f, arg, vec![]), iv)
    }

    fn binary_math(&mut self, d: usize) -> (E, Iv) {
        let fs: Vec<&str> = ["atan2", "powf", "log", "hypot", "max", "min", "powi"]
            .iter()
            .cloned()
            .filter(|f| self.g.math_on(f))
            .collect();
        if fs.is_empty() {
            return self.fatom();
        }
        let f = *self.rng.pick(&fs);
        let (x, xi) = self.fexpr(d - 1);
        let x = self.pin(x);
        match f {
            "powi" => {
                let n = self.rng.range(-2, 4);
                let (a, ai) = if n < 0 {
                    self.pos(x, xi, 0.5)
                } else {
                    self.fit(x, xi, 2.0)
                };
                let ne = if self.on("int-arith") && self.chance(0.2) {
                    // an i32 expression in range
                    let (e, lo, hi) = self.iexpr(1, IntTy::I32);
                    if lo >= -2 && hi <= 4 && (lo >= 0 || ai.lo > 0.0) {
                        E::Bin(BOp::Add, b(e), b(ilit(0)))
                    } else {
                        ilit(n)
                    }
                } else {
                    ilit(n)
                };
                let m = ai.m().max(1.0 / ai.lo.abs().max(0.5));
                (
                    self.math_call("powi", a, vec![ne]),
                    Iv::new(-m.powi(4), m.powi(4)),
                )
            }
            "powf" => {
                let (a, ai) = self.pos(x, xi, 0.2);
                let (y, yi) = self.fexpr(d - 1);
                let (y, yi) = self.fit(y, yi, 2.5);
                let iv = Iv::corners(ai, yi, f64::powf);
                (self.math_call("powf", a, vec![y]), iv)
            }
            "log" => {
                let (a, ai) = self.pos(x, xi, 0.05);
                let base = if self.chance(0.5) {
                    let v = *self.rng.pick(&[2.0, 10.0, 3.0, 0.5]);
                    (flit(v), Iv::pt(v))
                } else {
                    let (y, yi) = self.fexpr(d - 1);
                    let (y, yi) = self.pos(y, yi, 0.05);
                    (bin(BOp::Add, y, flit(1.2)), Iv::add(yi, Iv::pt(1.2)))
                };
                let iv = Iv::div(Iv::mono(ai, f64::ln), Iv::mono(base.1, f64::ln));
                (self.math_call("log", a, vec![base.0]), iv)
            }
            "atan2" => {
                let (y, yi) = self.fexpr(d - 1);
                let (y, _) = self.pos(y, yi, 0.2);
                let _ = xi;
                (self.math_call("atan2", x, vec![y]), Iv::new(-3.2, 3.2))
            }
            "hypot" => {
                let (y, yi) = self.fexpr(d - 1);
                let (y, yi) = self.pos(y, yi, 0.2);
                let m = if xi.is_inf() {
                    f64::INFINITY
                } else {
                    xi.m().hypot(yi.m())
                };
                (self.math_call("hypot", x, vec![y]), Iv::new(yi.lo, m))
            }
            _ => {
                let (y, yi) = self.fexpr(d - 1);
                let iv = if f == "max" {
                    Iv::new(xi.lo.max(yi.lo), xi.hi.max(yi.hi))
                } else {
                    Iv::new(xi.lo.min(yi.lo), xi.hi.min(yi.hi))
                };
                let x = self.pin(x);
                (self.math_call(f, x, vec![y]), iv)
            }
        }
    }

    fn ternary_math(&mut self, d: usize) -> (E, Iv) {
        let (x, xi) = self.fexpr(d - 1);
        let x = self.pin(x);
        if self.g.math_on("clamp") && (self.chance(0.5) || !self.g.math_on("mul_add")) {
            // lo < hi always
            let (l, li) = self.fexpr(d - 1);
            let (l, li) = self.fit(l, li, 1.0);
            let (h, hi) = self.fexpr(d - 1);
            let (h, hi) = self.fit(h, hi, 1.0);
            let lo = bin(BOp::Sub, l, flit(1.2));
            let hi_e = bin(BOp::Add, h, flit(1.2));
            let iv = Iv::new(li.lo - 1.2, hi.hi + 1.2);
            let x = self.pin(x);
            (self.math_call("clamp", x, vec![lo, hi_e]), iv)
        } else if self.g.math_on("mul_add") {
            let (y, yi) = self.fexpr(d - 1);
            let (z, zi) = self.fexpr(d - 1);
            let (x, xi, y, yi) = if xi.is_inf() || yi.is_inf() {
                let (x, xi) = self.fit(x, xi, 2.0);
                let (y, yi) = self.fit(y, yi, 2.0);
                (x, xi, y, yi)
            } else {
                (x, xi, y, yi)
            };
            let x = self.pin(x);
            (
                self.math_call("mul_add", x, vec![y, z]),
                Iv::add(Iv::mul(xi, yi), zi),
            )
        } else {
            (x, xi)
        }
    }

    fn cond(&mut self, d: usize) -> E {
        let vis = self.visible();
        let bools: Vec<String> = vis
            .iter()
            .filter(|v| matches!(v.k, VK::B))
            .map(|v| v.name.clone())
            .collect();
        let logic = self.on("logic") && d > 0;
        let w = [
            6,
            2,
            if bools.is_empty() { 0 } else { 1 },
            if logic { 2 } else { 0 },
            if logic { 1 } else { 0 },
            if self.on("match") { 1 } else { 0 },
            if self.on("iter-chain") && !self.in_clo && d > 0 {
                1
            } else {
                0
            },
        ];
        match self.rng.weighted(&w) {
            5 => self.matches_cond(),
            6 => match self.chain_cond() {
                Some(c) => c,
                None => self.matches_cond(),
            },
            0 => {
                let (x, _) = self.fexpr(d.min(2));
                let (y, _) = if self.chance(0.5) {
                    self.float_lit()
                } else {
                    self.fexpr(d.min(1))
                };
                let op = *self.rng.pick(&[BOp::Lt, BOp::Gt, BOp::Le, BOp::Ge]);
                bin(op, x, y)
            }
            1 => {
                let ty = if self.chance(0.7) {
                    IntTy::Usize
                } else {
                    IntTy::I32
                };
                let (x, lo, hi) = self.iexpr(1, ty);
                if self.chance(0.4) && lo >= 0 {
                    let k = self.rng.range(2, 3);
                    bin(
                        *self.rng.pick(&[BOp::Eq, BOp::Ne]),
                        bin(BOp::Rem, x, ilit(k)),
                        ilit(0),
                    )
                } else {
                    let v = self.rng.range(lo, hi.max(lo));
                    bin(
                        *self
                            .rng
                            .pick(&[BOp::Lt, BOp::Gt, BOp::Le, BOp::Ge, BOp::Eq, BOp::Ne]),
                        x,
                        self.int_lit(v, ty),
                    )
                }
            }
            2 => E::Var(self.rng.pick(&bools).clone()),
            3 => {
                let a = self.cond(d - 1);
                // the right operand of `&&`/`||` runs conditionally, as in a branch
                self.branch += 1;
                let c = self.cond(d - 1);
                self.branch -= 1;
                bin(*self.rng.pick(&[BOp::And, BOp::Or]), a, c)
            }
            _ => {
                let a = self.cond(d - 1);
                E::Not(b(a))
            }
        }
    }

    fn if_expr(&mut self, d: usize) -> (E, Iv) {
        let c = self.cond(1);
        self.value += 1;
        self.branch += 1;
        let (t, ti) = self.value_block(d - 1, true);
        let (els, ei) = if self.on("else-if") && self.chance(0.3) {
            let c2 = self.cond(1);
            let (t2, t2i) = self.value_block(d - 1, false);
            let (e2, e2i) = self.value_block(d - 1, false);
            (
                Else::If(b(c2), t2, Box::new(Else::Block(e2))),
                Iv::hull(t2i, e2i),
            )
        } else {
            let (e, ei) = self.value_block(d - 1, false);
            (Else::Block(e), ei)
        };
        self.value -= 1;
        self.branch -= 1;
        (E::If(b(c), t, Box::new(els)), Iv::hull(ti, ei))
    }

    fn block_expr(&mut self, d: usize) -> (E, Iv) {
        self.value += 1;
        let (bl, iv) = self.value_block(d - 1, false);
        self.value -= 1;
        (E::Block(bl), iv)
    }

    /// A block with a few statements and a float tail.
    fn value_block(&mut self, d: usize, diverge: bool) -> (Block, Iv) {
        self.push();
        let n = if self.budget > 0 {
            self.rng.below(3)
        } else {
            0
        };
        let mut stmts = vec![];
        for _ in 0..n {
            if self.budget == 0 {
                break;
            }
            self.budget -= 1;
            if let Some(s) = self.stmt(1) {
                self.push_stmt(&mut stmts, s);
            }
        }
        // a diverging branch inside an expression
        if diverge && self.on("diverge-in-expr") && !self.in_clo && self.chance(0.12) {
            self.jumped = true;
            if self.loops > 0 && self.chance(0.5) && (self.on("break") || self.on("continue")) {
                let plain = if self.on("break") && self.chance(0.5) {
                    Stmt::Break
                } else if self.on("continue") {
                    Stmt::Continue
                } else {
                    Stmt::Break
                };
                let s = self.maybe_labelled(plain);
                stmts.push(s);
                self.pop();
                return (Block { stmts, tail: None }, Iv::pt(0.0));
            } else if self.on("return") && !self.no_return {
                let (e, _) = self.fexpr(1);
                stmts.push(Stmt::Return(e));
                self.pop();
                return (Block { stmts, tail: None }, Iv::pt(0.0));
            }
        }
        let (t, iv) = self.fexpr(d.max(1));
        self.pop();
        (
            Block {
                stmts,
                tail: Some(Box::new(t)),
            },
            iv,
        )
    }

    fn call(&mut self, _d: usize) -> (E, Iv) {
        let c = self.rng.pick(&self.callees.clone()).clone();
        match self.call_to(&c) {
            Some(e) => (e, Iv::inf()),
            None => self.fatom(),
        }
    }

    /// A call of `c` with generated arguments (`None`: no array fits a parameter).
    fn call_to(&mut self, c: &Callee) -> Option<E> {
        let mut args = vec![];
        for p in &c.params {
            let a = match p.ty {
                PTy::F64 => {
                    let (e, iv) = self.fexpr(1);
                    CallArg::Val(self.fit(e, iv, PARAM).0)
                }
                PTy::RefF64 => {
                    if self.on("ref-active") {
                        let (e, iv) = self.fexpr(1);
                        CallArg::Ref(self.fit(e, iv, PARAM).0)
                    } else {
                        let v = (self.rng.unif(-PARAM, PARAM) * 100.0).round() / 100.0;
                        CallArg::Ref(self.typed(v))
                    }
                }
                PTy::Int(t) => {
                    let (lo, hi) = p.int_range;
                    let (e, elo, ehi) = self.iexpr(1, t);
                    if elo >= lo && ehi <= hi {
                        CallArg::Val(e)
                    } else if elo >= 0 && lo >= 0 {
                        // (e % span) + lo
                        let span = hi - lo + 1;
                        CallArg::Val(bin(BOp::Add, bin(BOp::Rem, e, ilit(span)), ilit(lo)))
                    } else {
                        let v = self.rng.range(lo, hi);
                        CallArg::Val(self.int_lit(v, t))
                    }
                }
                PTy::Bool => CallArg::Val(self.cond(1)),
                PTy::OptUsize => {
                    let (lo, hi) = p.int_range;
                    if self.chance(0.3) {
                        CallArg::Val(E::Var("None".into()))
                    } else {
                        let v = self.rng.range(lo, hi);
                        CallArg::Val(E::Var(format!("Some({v})")))
                    }
                }
                PTy::Arr(want) => {
                    let cands: Vec<(String, ArrTy)> = self
                        .visible()
                        .iter()
                        .filter_map(|v| match &v.k {
                            VK::Arr { ty, .. } if !ty.is_local() && compatible(*ty, want) => {
                                Some((v.name.clone(), *ty))
                            }
                            _ => None,
                        })
                        .collect();
                    if cands.is_empty() {
                        return None;
                    }
                    let (name, have) = self.rng.pick(&cands).clone();
                    CallArg::Arr(ArrArg { name, have, want })
                }
            };
            args.push(a);
        }
        Some(E::Call(c.name.clone(), args))
    }

    fn opts_empty(&self) -> bool {
        !self.visible().iter().any(|v| matches!(v.k, VK::Opt { .. }))
    }

    // ----- integer expressions: (expr, min, max) -----

    fn iatom(&mut self, ty: IntTy) -> (E, i64, i64) {
        let vis = self.visible();
        let vars: Vec<(String, i64, i64)> = vis
            .iter()
            .filter_map(|v| match &v.k {
                VK::I { ty: t, lo, hi, .. } if *t == ty => Some((v.name.clone(), *lo, *hi)),
                _ => None,
            })
            .collect();
        let mut arrs = if ty == IntTy::Usize && self.on("len") {
            self.arrays_any()
        } else {
            vec![]
        };
        if let Some(n) = &self.no_len {
            arrs.retain(|a| a.0 != *n);
        }
        let iconsts: Vec<(String, i64)> = if ty == IntTy::Usize && self.on("consts") {
            ICONSTS.with(|c| c.borrow().clone())
        } else {
            vec![]
        };
        let w = [
            if vars.is_empty() { 0 } else { 6 },
            3,
            if arrs.is_empty() { 0 } else { 2 },
            if iconsts.is_empty() { 0 } else { 1 },
            if self.on("cast-i") { 1 } else { 0 },
        ];
        match self.rng.weighted(&w) {
            0 => {
                let (n, lo, hi) = self.rng.pick(&vars).clone();
                (E::Var(n), lo, hi)
            }
            1 => {
                let v = self.rng.range(if ty == IntTy::I32 { -2 } else { 0 }, 5);
                (self.int_lit(v, ty), v, v)
            }
            2 => {
                let (n, t, dims) = self.rng.pick(&arrs).clone();
                if t.is2() {
                    match self.rng.below(if self.on("len") { 4 } else { 2 }) {
                        0 => (E::NRows(n), dims.0 as i64, dims.0 as i64),
                        1 => (E::NCols(n), dims.1 as i64, dims.1 as i64),
                        2 => (E::Shape(n, 0), dims.0 as i64, dims.0 as i64),
                        _ => (E::Shape(n, 1), dims.1 as i64, dims.1 as i64),
                    }
                } else {
                    (E::Len(n), dims.0 as i64, dims.0 as i64)
                }
            }
            3 => {
                let (n, v) = self.rng.pick(&iconsts).clone();
                (E::Var(n), v, v)
            }
            _ => {
                if self.chance(0.5) {
                    // from a float
                    let (f, fi) = self.fexpr(1);
                    let (f, _) = self.fit(f, fi, 2.0);
                    let f = self.pin(f);
                    if ty == IntTy::Usize {
                        let a = self.math_call("abs", f, vec![]);
                        (E::CastI(b(bin(BOp::Mul, a, flit(2.0))), ty, true), 0, 4)
                    } else {
                        (E::CastI(b(bin(BOp::Mul, f, flit(2.0))), ty, true), -4, 4)
                    }
                } else {
                    // from the other integer type
                    let other = if ty == IntTy::Usize {
                        IntTy::I32
                    } else {
                        IntTy::Usize
                    };
                    let (e, lo, hi) = self.iatom_nocast(other);
                    if ty == IntTy::Usize && lo < 0 {
                        let v = self.rng.range(0, 4);
                        (self.int_lit(v, ty), v, v)
                    } else {
                        (E::CastI(b(e), ty, false), lo, hi)
                    }
                }
            }
        }
    }
    fn iatom_nocast(&mut self, ty: IntTy) -> (E, i64, i64) {
        let vars: Vec<(String, i64, i64)> = self
            .visible()
            .iter()
            .filter_map(|v| match &v.k {
                VK::I { ty: t, lo, hi, .. } if *t == ty => Some((v.name.clone(), *lo, *hi)),
                _ => None,
            })
            .collect();
        if vars.is_empty() {
            let v = self.rng.range(0, 4);
            (self.int_lit(v, ty), v, v)
        } else {
            let (n, lo, hi) = self.rng.pick(&vars).clone();
            (E::Var(n), lo, hi)
        }
    }

    fn iexpr(&mut self, d: usize, ty: IntTy) -> (E, i64, i64) {
        if d == 0 || !self.on("int-arith") || self.chance(0.5) {
            return self.iatom(ty);
        }
        let (x, xl, xh) = self.iexpr(d - 1, ty);
        match self.rng.below(5) {
            0 => {
                let (y, yl, yh) = self.iexpr(d - 1, ty);
                (bin(BOp::Add, x, y), xl + yl, xh + yh)
            }
            1 if xh.abs() <= 10 && xl.abs() <= 10 => {
                let k = self.rng.range(2, 3);
                let lit = self.int_lit(k, ty);
                (
                    bin(BOp::Mul, x, lit),
                    (xl * k).min(xh * k),
                    (xl * k).max(xh * k),
                )
            }
            2 => {
                let k = self.rng.range(2, 4);
                if xl >= 0 {
                    (bin(BOp::Rem, x, ilit(k)), 0, (k - 1).min(xh))
                } else {
                    (bin(BOp::Rem, x, ilit(k)), -(k - 1), k - 1)
                }
            }
            3 => {
                let k = self.rng.range(2, 3);
                if xl >= 0 {
                    (bin(BOp::Div, x, ilit(k)), xl / k, xh / k)
                } else {
                    (x, xl, xh)
                }
            }
            _ => {
                // subtraction that cannot underflow
                let (y, yl, yh) = self.iatom(ty);
                if ty == IntTy::I32 || xl >= yh {
                    (bin(BOp::Sub, x, y), xl - yh, xh - yl)
                } else {
                    (x, xl, xh)
                }
            }
        }
    }

    // ----- arrays -----

    /// (name, type, dims) of every array in scope.
    fn arrays_any(&self) -> Vec<(String, ArrTy, (usize, usize))> {
        self.visible()
            .into_iter()
            .filter_map(|v| match v.k {
                VK::Arr { ty, dims, .. } => Some((v.name, ty, dims)),
                _ => None,
            })
            .collect()
    }
    /// ndarray arrays usable in whole-array expressions (local ones only outside loops).
    fn nd_arrays(&self, two: bool) -> Vec<(String, ArrTy, (usize, usize), Iv)> {
        self.visible()
            .into_iter()
            .filter_map(|v| match v.k {
                VK::Arr {
                    ty,
                    dims,
                    iv,
                    amb: false,
                    frozen,
                } if ty.is_nd()
                    && ty.is2() == two
                    && (!ty.is_local()
                        || ((self.loops == 0 || self.on("array-reads-anywhere"))
                            && self.writing.as_deref() != Some(v.name.as_str())
                            && (frozen || self.filling_whole_ok()))) =>
                {
                    Some((v.name, ty, dims, iv))
                }
                _ => None,
            })
            .collect()
    }
    /// Whether a local array that may still be written can be read here: anywhere (without
    /// `array-reads-anywhere`, only where the README supported it before: at the top level of
    /// the body and directly in a top-level loop's body).
    fn filling_read_ok(&self) -> bool {
        self.on("array-reads-anywhere")
            || (!self.jumped && self.branch == 0 && self.value == 0 && self.loops <= 1)
    }
    /// Whether a local array that may still be written can be used whole here (after which it is
    /// frozen, so that no write follows a view of it): anywhere (without `array-reads-anywhere`,
    /// only at the top level).
    fn filling_whole_ok(&self) -> bool {
        self.on("array-reads-anywhere")
            || (!self.jumped && self.branch == 0 && self.value == 0 && self.loops == 0)
    }
    fn freeze(&mut self, name: &str) {
        if let Some(v) = self.lookup_mut(name) {
            if let VK::Arr { frozen, .. } = &mut v.k {
                *frozen = true;
            }
        }
    }

    /// An index expression in `0..n`.
    fn index(&mut self, n: usize) -> E {
        let (e, lo, hi) = self.iexpr(1, IntTy::Usize);
        if lo >= 0 && hi < n as i64 {
            e
        } else if lo >= 0 {
            bin(BOp::Rem, e, ilit(n as i64))
        } else {
            let v = self.rng.range(0, n as i64 - 1);
            ilit(v)
        }
    }

    fn index_read(&mut self) -> (E, Iv) {
        let arrs: Vec<(String, ArrTy, (usize, usize), Iv)> = self
            .visible()
            .into_iter()
            .filter_map(|v| match v.k {
                // an array whose element type is not known yet cannot be read at all
                VK::Arr {
                    ty,
                    dims,
                    iv,
                    amb: false,
                    frozen,
                } if self.no_len.as_ref() != Some(&v.name)
                    && (frozen || !ty.is_local() || self.filling_read_ok()) =>
                {
                    Some((v.name, ty, dims, iv))
                }
                _ => None,
            })
            .collect();
        if arrs.is_empty() {
            return self.float_lit();
        }
        let (n, t, dims, iv) = self.rng.pick(&arrs).clone();
        if t.is2() {
            let i = self.index(dims.0);
            let j = self.index(dims.1);
            (E::Index2(n, b(i), b(j)), iv)
        } else {
            let i = self.index(dims.0);
            (E::Index(n, b(i)), iv)
        }
    }

    fn reduce(&mut self, d: usize) -> (E, Iv) {
        let two = !self.nd_arrays(true).is_empty() && self.chance(0.4);
        let shape = if two {
            (self.rows, self.cols)
        } else {
            (self.pick_len1(), 0)
        };
        let (a, ai) = self.aexpr(d.min(2), two, shape);
        let n = if two {
            (shape.0 * shape.1) as f64
        } else {
            shape.0 as f64
        };
        let mut w = vec![3, 2, 0, 0, 0];
        if self.on("var-std") {
            w[2] = 1;
            w[3] = 1;
        }
        if self.on("dot") && !two {
            w[4] = 2;
        }
        match self.rng.weighted(&w) {
            0 => (E::Reduce(Red::Sum, Box::new(a)), Iv::scale(ai, n)),
            1 => (E::Reduce(Red::Mean, Box::new(a)), ai),
            2 | 3 => {
                let ddof = *self.rng.pick(&[0.0, 1.0]);
                let m = ai.m();
                let v = if ai.is_inf() {
                    Iv::inf()
                } else {
                    Iv::new(0.0, 4.0 * m * m * n / (n - ddof))
                };
                if w[2] > 0 && self.chance(0.5) {
                    (E::Reduce(Red::Var(ddof), Box::new(a)), v)
                } else {
                    (
                        E::Reduce(Red::Std(ddof), Box::new(a)),
                        Iv::mono(v, f64::sqrt),
                    )
                }
            }
            _ => {
                let (c, ci) = self.aexpr(d.min(2).saturating_sub(1), false, shape);
                (
                    E::Reduce(Red::Dot(Box::new(c)), Box::new(a)),
                    Iv::scale(Iv::mul(ai, ci), n),
                )
            }
        }
    }

    fn pick_len1(&mut self) -> usize {
        // a length for which a 1-D array exists (or a column/row can be taken)
        let mut lens = vec![];
        for (_, t, dims, _) in self.nd_arrays(false) {
            let _ = t;
            lens.push(dims.0);
        }
        if self.on("col-row") && !self.nd_arrays(true).is_empty() {
            lens.push(self.rows);
            lens.push(self.cols);
        }
        if lens.is_empty() {
            self.len1
        } else {
            *self.rng.pick(&lens)
        }
    }

    /// A whole-array expression of the given shape ((n, 0) for 1-D).
    fn aexpr(&mut self, d: usize, two: bool, shape: (usize, usize)) -> (AE, Iv) {
        let atoms: Vec<(String, ArrTy, Iv)> = self
            .nd_arrays(two)
            .into_iter()
            .filter(|(_, _, dims, _)| {
                if two {
                    *dims == shape
                } else {
                    dims.0 == shape.0
                }
            })
            .map(|(n, t, _, iv)| (n, t, iv))
            .collect();
        let m2: Vec<(String, ArrTy, Iv)> = self
            .nd_arrays(true)
            .into_iter()
            .map(|(n, t, _, iv)| (n, t, iv))
            .collect();
        let colrow = !two
            && self.on("col-row")
            && !m2.is_empty()
            && (shape.0 == self.rows || shape.0 == self.cols);
        let mut w = vec![
            if atoms.is_empty() { 0 } else { 6 },
            if colrow { 2 } else { 0 },
            if d > 0 { 4 } else { 0 },                    // array op array
            if d > 0 { 3 } else { 0 },                    // array op scalar
            if d > 0 { 1 } else { 0 },                    // neg
            if d > 0 && self.on("mapv") { 2 } else { 0 }, // mapv
            if d > 0 && self.on("dot") && !m2.is_empty() {
                1
            } else {
                0
            }, // mat . vec
        ];
        if w.iter().sum::<u32>() == 0 {
            // nothing of this shape: fall back to a parameter-free construction via a scalar
            w[0] = 0;
        }
        if w.iter().sum::<u32>() == 0 {
            panic!("aexpr: no array of shape {shape:?}");
        }
        match self.rng.weighted(&w) {
            0 => {
                let (n, t, iv) = self.rng.pick(&atoms).clone();
                if t.is_local() {
                    self.freeze(&n);
                }
                (AE::Atom(n, t), iv)
            }
            1 => {
                let cands: Vec<bool> = [shape.0 == self.rows, shape.0 == self.cols].to_vec();
                let col = if cands[0] && cands[1] {
                    self.chance(0.5)
                } else {
                    cands[0]
                };
                let (m, t, iv) = self.rng.pick(&m2).clone();
                if t.is_local() {
                    self.freeze(&m);
                }
                if col {
                    let j = self.index(self.cols);
                    (AE::Col(m, t, b(j)), iv)
                } else {
                    let i = self.index(self.rows);
                    (AE::Row(m, t, b(i)), iv)
                }
            }
            2 => {
                let op = *self.rng.pick(&[AOp::Add, AOp::Sub, AOp::Mul, AOp::Div]);
                let (l, li) = self.aexpr(d - 1, two, shape);
                // broadcasting: a 2-D array with a row-length 1-D operand
                let bc = two && self.on("broadcast") && self.chance(0.3) && self.can_1d(self.cols);
                let (r, ri) = if bc {
                    self.aexpr(d - 1, false, (self.cols, 0))
                } else {
                    self.aexpr(d - 1, two, shape)
                };
                let (r, ri) = if op == AOp::Div {
                    self.apos(r, ri)
                } else {
                    (r, ri)
                };
                let (l, li, r, ri) = if op == AOp::Mul && (li.m() > 100.0 || ri.m() > 100.0) {
                    let (l, li) = self.afit(l, li);
                    let (r, ri) = self.afit(r, ri);
                    (l, li, r, ri)
                } else {
                    (l, li, r, ri)
                };
                let iv = match op {
                    AOp::Add => Iv::add(li, ri),
                    AOp::Sub => Iv::sub(li, ri),
                    AOp::Mul => Iv::mul(li, ri),
                    AOp::Div => Iv::div(li, ri),
                };
                let owned = self.on("owned-ops");
                let bv = [owned && self.chance(0.4), owned && self.chance(0.4)];
                (AE::Bin(op, Box::new(l), Box::new(r), bv), iv)
            }
            3 => {
                let op = *self.rng.pick(&[AOp::Add, AOp::Sub, AOp::Mul, AOp::Div]);
                let (l, li) = self.aexpr(d - 1, two, shape);
                let (s, si) = self.fexpr(1);
                let (s, si) = self.fit(s, si, 3.0);
                let scalar_left = self.chance(0.35);
                let (l, li, s, si) = if op == AOp::Div {
                    if scalar_left {
                        let (l, li) = self.apos(l, li);
                        (l, li, s, si)
                    } else {
                        let (s, si) = self.pos(s, si, 0.5);
                        (l, li, s, si)
                    }
                } else {
                    (l, li, s, si)
                };
                let s = self.pin(s);
                let iv = match (op, scalar_left) {
                    (AOp::Add, _) => Iv::add(li, si),
                    (AOp::Sub, false) => Iv::sub(li, si),
                    (AOp::Sub, true) => Iv::sub(si, li),
                    (AOp::Mul, _) => Iv::mul(li, si),
                    (AOp::Div, false) => Iv::div(li, si),
                    (AOp::Div, true) => Iv::div(si, li),
                };
                let bv = self.on("owned-ops") && self.chance(0.4);
                (AE::BinS(op, Box::new(l), b(s), scalar_left, bv), iv)
            }
            4 => {
                let (l, li) = self.aexpr(d - 1, two, shape);
                (AE::Neg(Box::new(l)), Iv::neg(li))
            }
            5 => {
                let (l, li) = self.aexpr(d - 1, two, shape);
                let mut fs = vec![
                    "sin",
                    "cos",
                    "tanh",
                    "atan",
                    "asinh",
                    "abs",
                    "signum",
                    "to_radians",
                ];
                if li.m() <= 3.0 {
                    fs.extend(["exp", "sinh", "cosh", "exp_m1", "exp2"]);
                }
                if li.m() <= 0.9 {
                    fs.extend(["asin", "acos", "atanh"]);
                }
                if li.lo >= 0.05 && !li.is_inf() {
                    fs.extend(["ln", "sqrt", "log2", "log10", "ln_1p", "cbrt", "recip"]);
                }
                fs.retain(|f| self.g.math_on(f));
                if fs.is_empty() {
                    return (l, li);
                }
                let f = *self.rng.pick(&fs);
                let pi = std::f64::consts::PI;
                let iv = match f {
                    "sin" | "cos" | "tanh" | "signum" => Iv::new(-1.0, 1.0),
                    "atan" | "asin" => Iv::new(-pi / 2.0, pi / 2.0),
                    "acos" => Iv::new(0.0, pi),
                    "asinh" => Iv::mono(li, f64::asinh),
                    "abs" => Iv::new(0.0, li.m()),
                    "to_radians" => Iv::scale(li, pi / 180.0),
                    "exp" => Iv::mono(li, f64::exp),
                    "sinh" => Iv::mono(li, f64::sinh),
                    "cosh" => Iv::new(1.0, li.m().cosh()),
                    "exp_m1" => Iv::mono(li, f64::exp_m1),
                    "exp2" => Iv::mono(li, f64::exp2),
                    "atanh" => Iv::mono(li, f64::atanh),
                    "recip" => Iv::new(1.0 / li.hi, 1.0 / li.lo),
                    "ln" => Iv::mono(li, f64::ln),
                    "sqrt" => Iv::mono(li, f64::sqrt),
                    "log2" => Iv::mono(li, f64::log2),
                    "log10" => Iv::mono(li, f64::log10),
                    "ln_1p" => Iv::mono(li, f64::ln_1p),
                    _ => Iv::mono(li, f64::cbrt),
                };
                let style = if self.on("mapv-forms") {
                    self.maps += 1;
                    [
                        MapStyle::Closure,
                        MapStyle::Method,
                        MapStyle::Path,
                        MapStyle::MapRef,
                    ][(self.maps - 1) % 4]
                } else {
                    MapStyle::Path
                };
                (AE::Mapv(f.to_string(), Box::new(l), style), iv)
            }
            _ => {
                // m (r x c) . v (c) -> r ; v (r) . m (r x c) -> c ; m . m (square) -> m
                if two {
                    if self.rows == self.cols && shape == (self.rows, self.cols) {
                        let (l, li) = self.aexpr(d - 1, true, shape);
                        let (r, ri) = self.aexpr(d - 1, true, shape);
                        let (l, li) = self.afit(l, li);
                        let (r, ri) = self.afit(r, ri);
                        return (
                            AE::Dot(Box::new(l), Box::new(r)),
                            Iv::scale(Iv::mul(li, ri), self.rows as f64),
                        );
                    }
                    return self.aexpr(0, two, shape);
                }
                let mv = shape.0 == self.rows && self.can_1d(self.cols);
                let vm = shape.0 == self.cols && self.can_1d(self.rows);
                if !mv && !vm {
                    return self.aexpr(0, two, shape);
                }
                let use_mv = if mv && vm { self.chance(0.5) } else { mv };
                let (m, mi) = self.aexpr(d - 1, true, (self.rows, self.cols));
                let (m, mi) = self.afit(m, mi);
                if use_mv {
                    let (v, vi) = self.aexpr(d - 1, false, (self.cols, 0));
                    let (v, vi) = self.afit(v, vi);
                    (
                        AE::Dot(Box::new(m), Box::new(v)),
                        Iv::scale(Iv::mul(mi, vi), self.cols as f64),
                    )
                } else {
                    let (v, vi) = self.aexpr(d - 1, false, (self.rows, 0));
                    let (v, vi) = self.afit(v, vi);
                    (
                        AE::Dot(Box::new(v), Box::new(m)),
                        Iv::scale(Iv::mul(mi, vi), self.rows as f64),
                    )
                }
            }
        }
    }

    /// Whether some 1-D array expression of length n can be formed.
    fn can_1d(&self, n: usize) -> bool {
        self.nd_arrays(false)
            .iter()
            .any(|(_, _, dims, _)| dims.0 == n)
            || (self.on("col-row")
                && !self.nd_arrays(true).is_empty()
                && (n == self.rows || n == self.cols))
    }

    fn afit(&mut self, a: AE, iv: Iv) -> (AE, Iv) {
        if iv.m() <= 3.0 && !iv.is_inf() {
            return (a, iv);
        }
        let f = if self.g.math_on("tanh") {
            "tanh"
        } else {
            "sin"
        };
        (
            AE::Mapv(f.to_string(), Box::new(a), MapStyle::Path),
            Iv::new(-1.0, 1.0),
        )
    }
    fn apos(&mut self, a: AE, iv: Iv) -> (AE, Iv) {
        if iv.lo >= 0.3 && !iv.is_inf() {
            return (a, iv);
        }
        let (a, iv) = self.afit(a, iv);
        let c = 0.5 + iv.m();
        let c = (c * 100.0).ceil() / 100.0;
        if self.on("mapv") && self.g.math_on("exp") && self.chance(0.4) {
            (
                AE::Mapv("exp".into(), Box::new(a), MapStyle::Path),
                Iv::new((-iv.m()).exp(), iv.m().exp()),
            )
        } else {
            let cc = self.typed(c);
            (
                AE::BinS(AOp::Add, Box::new(a), b(cc), false, false),
                Iv::new(c - iv.m(), c + iv.m()),
            )
        }
    }

    // ----- statements -----

    fn float_vars_mut(&self) -> Vec<(String, Iv)> {
        self.visible()
            .into_iter()
            .filter_map(|v| match v.k {
                VK::F {
                    iv, mutable: true, ..
                } => Some((v.name, iv)),
                _ => None,
            })
            .collect()
    }
    fn local_arrays_writable(&self) -> Vec<(String, ArrTy, (usize, usize))> {
        self.visible()
            .into_iter()
            .filter_map(|v| match v.k {
                VK::Arr {
                    ty,
                    dims,
                    frozen: false,
                    ..
                } if ty.is_local() => Some((v.name, ty, dims)),
                _ => None,
            })
            .collect()
    }

    /// Assignment right-hand sides: inside loops they may not grow without bound.
    fn assign_rhs(&mut self, d: usize) -> (E, Iv) {
        let (e, iv) = self.fexpr(d);
        if self.loops > 0 {
            self.fit(e, iv, 100.0)
        } else {
            (e, iv)
        }
    }

    fn set_iv(&mut self, name: &str, iv: Iv) {
        let hull = self.branch > 0 || self.value > 0;
        let looping = self.loops > 0;
        if let Some(v) = self.lookup_mut(name) {
            // (an ambiguous `{float}` stays ambiguous for the generator: an earlier use in the
            // same expression may still be waiting for its check)
            if let VK::F { iv: old, .. } = &mut v.k {
                *old = if looping {
                    Iv::inf()
                } else if hull {
                    Iv::hull(*old, iv)
                } else {
                    iv
                };
            }
        }
    }

    fn stmt(&mut self, depth: usize) -> Option<Stmt> {
        let mvars = self.float_vars_mut();
        // after an early exit the macro guards the rest, which its local-array rules do not count
        // as the top level: no more writes there (unless asked for)
        let warrs = if self.on("local-arrays") && (!self.jumped || self.on("array-reads-anywhere"))
        {
            self.local_arrays_writable()
        } else {
            vec![]
        };
        let can_loop =
            depth < 3 && (self.loops == 0 || self.on("nested-loops")) && self.iters < ITER_CAP;
        let elem_arrs: Vec<(String, ArrTy, Iv)> = if self.on("elem-loop") {
            self.visible()
                .into_iter()
                .filter_map(|v| match v.k {
                    VK::Arr {
                        ty,
                        iv,
                        amb: false,
                        frozen,
                        ..
                    } if !ty.is2()
                        && (!ty.is_local()
                            || ((self.loops == 0 || self.on("array-reads-anywhere"))
                                && self.writing.as_deref() != Some(v.name.as_str())
                                && (frozen || self.filling_whole_ok()))) =>
                    {
                        Some((v.name, ty, iv))
                    }
                    _ => None,
                })
                .collect()
        } else {
            vec![]
        };
        let inner = depth > 0;
        let w = [
            if self.on("let") {
                if inner { 2 } else { 6 }
            } else {
                0
            },
            if self.on("let-mut") { 3 } else { 0 },
            if self.on("shadow") { 2 } else { 0 },
            if !mvars.is_empty() && self.on("assign") {
                if inner { 7 } else { 4 }
            } else {
                0
            },
            if !mvars.is_empty() && self.on("compound") {
                if inner { 7 } else { 4 }
            } else {
                0
            },
            if self.on("if") && depth < 4 { 3 } else { 0 },
            if self.on("for") && can_loop { 3 } else { 0 },
            if self.on("while") && can_loop { 1 } else { 0 },
            if self.on("loop") && can_loop { 1 } else { 0 },
            if self.loops > 0
                && (self.on("break") || self.on("continue") || self.on("return-in-loop"))
            {
                2
            } else {
                0
            },
            if self.loops == 0 && self.on("return") && self.value == 0 && !self.no_return {
                1
            } else {
                0
            },
            if self.on("block-expr") && depth < 4 {
                1
            } else {
                0
            },
            if !warrs.is_empty() { 4 } else { 0 },
            if !elem_arrs.is_empty() && can_loop {
                2
            } else {
                0
            },
            if !warrs.is_empty()
                && self.on("recurrence")
                && can_loop
                && (self.on("array-reads-anywhere")
                    || (!self.jumped && self.loops == 0 && self.branch == 0 && self.value == 0))
            {
                1
            } else {
                0
            },
            // 15: closure
            if self.on("closure") { 2 } else { 0 },
            // 16: let (a, b) = (..)
            if self.on("tuple") { 1 } else { 0 },
            // 17: (a, b) = (..)
            if self.on("tuple") && mvars.len() >= 2 {
                if inner { 3 } else { 2 }
            } else {
                0
            },
            // 18: let [a, b] = fixed
            if self.on("tuple") && self.has_arrays {
                1
            } else {
                0
            },
            // 19: tuple call
            if self.on("tuple-call") && !self.pair_callees.is_empty() {
                3
            } else {
                0
            },
            // 20: collect
            if self.on("collect")
                && self.on("iter-chain")
                && (self.on("scoped-arrays")
                    || (depth == 0
                        && self.loops == 0
                        && self.branch == 0
                        && self.value == 0
                        && !self.jumped))
            {
                2
            } else {
                0
            },
            // 21: for pat in chain
            if self.on("iter-for") && can_loop {
                2
            } else {
                0
            },
            // 22: let else
            if self.on("if-let")
                && self.on("return")
                && !self.no_return
                && self.loops == 0
                && self.value == 0
                && !self.opts_empty()
            {
                1
            } else {
                0
            },
            // 23: a local array declared in a nested scope (the top of the body has its own)
            if self.g.arrays
                && self.on("local-arrays")
                && self.on("scoped-arrays")
                && (inner || self.jumped)
            {
                2
            } else {
                0
            },
        ];
        if w.iter().sum::<u32>() == 0 {
            return None;
        }
        Some(match self.rng.weighted(&w) {
            0 | 1 | 2 => {
                let kind = self.rng.weighted(&[6, 3, 2]);
                let mutable = kind == 1 || (self.on("let-mut") && self.chance(0.1));
                let name = if kind == 2 {
                    // shadow a visible float (also one declared outside the current loop)
                    let fl: Vec<String> = self
                        .visible()
                        .into_iter()
                        .filter(|v| matches!(v.k, VK::F { .. }))
                        .map(|v| v.name)
                        .collect();
                    if fl.is_empty() {
                        self.fresh()
                    } else {
                        self.rng.pick(&fl).clone()
                    }
                } else {
                    self.fresh()
                };
                // an integer local now and then
                if self.chance(0.15) {
                    let ty = if self.chance(0.6) {
                        IntTy::Usize
                    } else {
                        IntTy::I32
                    };
                    let (e, lo, hi) = self.iexpr(2, ty);
                    let ann = if self.on("type-ann") && self.chance(0.5) {
                        Some(Ann::Int(ty))
                    } else {
                        None
                    };
                    let e = if ann.is_none() && matches!(e, E::ILit(_, None)) {
                        E::ILit(lo, Some(ty))
                    } else {
                        e
                    };
                    self.bind(
                        &name,
                        VK::I {
                            ty,
                            lo,
                            hi,
                            mutable: false,
                        },
                    );
                    return Some(Stmt::Let {
                        name,
                        mutable: false,
                        ann,
                        init: e,
                    });
                }
                let (e, iv) = self.fexpr(3);
                let (e, iv) = if self.loops > 0 && mutable {
                    self.fit(e, iv, 100.0)
                } else {
                    (e, iv)
                };
                let ann = if self.on("type-ann") && self.chance(0.3) {
                    Some(Ann::F64)
                } else {
                    None
                };
                let ambiguous = ann.is_none() && self.ambiguous(&e);
                // `let x = 0.5;` stays ambiguous only when it is mutable and then assigned
                let (e, ambiguous) = if ambiguous && !mutable {
                    (self.pin(e), false)
                } else {
                    (e, ambiguous)
                };
                let iv = if self.loops > 0 && mutable {
                    Iv::inf()
                } else {
                    iv
                };
                self.bind(
                    &name,
                    VK::F {
                        iv,
                        mutable,
                        ambiguous,
                    },
                );
                Stmt::Let {
                    name,
                    mutable,
                    ann,
                    init: e,
                }
            }
            3 | 4 => {
                let (name, viv) = self.rng.pick(&mvars).clone();
                let compound = self.rng.weighted(&[
                    if self.on("assign") { 2 } else { 0 },
                    if self.on("compound") { 3 } else { 0 },
                ]) == 1;
                if !compound {
                    // s = s.max(e) in a loop: a running extremum, whose reverse runs forward
                    // and finds the last winner without a tape; e.max(s) switches on ties.
                    if self.loops > 0 && self.on("running-extrema") && self.chance(0.2) {
                        let (e, ei) = self.assign_rhs(2);
                        let f = *self.rng.pick(&["max", "min"]);
                        let v = E::Var(name.clone());
                        let e2 = if self.chance(0.75) {
                            self.math_call(f, v, vec![e])
                        } else {
                            self.math_call(f, e, vec![v])
                        };
                        self.set_iv(&name, Iv::hull(viv, ei));
                        return Some(Stmt::Assign(LV::Var(name), AsgOp::Set, e2));
                    }
                    // s = s * a + e (a recurrence) or s = e
                    if self.chance(0.3) {
                        let (a, ai) = self.fexpr(1);
                        let (a, ai) = self.fit(a, ai, 1.2);
                        let (e, ei) = self.assign_rhs(2);
                        let e2 = bin(BOp::Add, bin(BOp::Mul, E::Var(name.clone()), a), e);
                        self.set_iv(&name, Iv::add(Iv::mul(viv, ai), ei));
                        return Some(Stmt::Assign(LV::Var(name), AsgOp::Set, e2));
                    }
                    let (e, ei) = self.assign_rhs(3);
                    self.set_iv(&name, ei);
                    return Some(Stmt::Assign(LV::Var(name), AsgOp::Set, e));
                }
                let ops: Vec<AsgOp> = [AsgOp::Add, AsgOp::Sub, AsgOp::Mul, AsgOp::Div, AsgOp::Rem]
                    .into_iter()
                    .filter(|o| *o != AsgOp::Rem || self.on("float-rem"))
                    .filter(|o| *o != AsgOp::Div || self.on("div"))
                    .collect();
                let op = *self.rng.pick(&ops);
                let (e, ei) = self.fexpr(2);
                let (e, niv) = match op {
                    AsgOp::Add | AsgOp::Sub => {
                        let (e, ei) = if self.loops > 0 {
                            self.fit(e, ei, 100.0)
                        } else {
                            (e, ei)
                        };
                        (
                            e,
                            if op == AsgOp::Add {
                                Iv::add(viv, ei)
                            } else {
                                Iv::sub(viv, ei)
                            },
                        )
                    }
                    AsgOp::Mul => {
                        let (e, ei) = if self.loops > 0 || viv.is_inf() {
                            self.fit(e, ei, 1.5)
                        } else {
                            (e, ei)
                        };
                        (e, Iv::mul(viv, ei))
                    }
                    AsgOp::Div => {
                        let (e, ei) = self.pos(e, ei, 0.7);
                        (e, Iv::div(viv, ei))
                    }
                    _ => {
                        let (e, ei) = self.pos(e, ei, 0.3);
                        (e, Iv::new(-ei.hi, ei.hi))
                    }
                };
                self.set_iv(&name, niv);
                Stmt::Assign(LV::Var(name), op, e)
            }
            5 => self.if_stmt(depth),
            6 => self.for_stmt(depth),
            7 => self.while_stmt(depth),
            8 => self.loop_stmt(depth),
            9 => self.loop_exit(depth),
            10 => {
                self.jumped = true;
                let c = self.cond(2);
                self.branch += 1;
                self.push();
                let mut body = self.stmts(depth + 1, 2);
                let (e, _) = self.fexpr(2);
                body.stmts.push(Stmt::Return(e));
                self.pop();
                self.branch -= 1;
                Stmt::If(c, body, None)
            }
            11 => {
                self.push();
                let bl = self.stmts(depth + 1, 3);
                self.pop();
                Stmt::Block(bl)
            }
            12 => self.array_write(&warrs),
            13 => self.elem_loop(depth, &elem_arrs),
            14 => self.recurrence(&warrs),
            15 => self.let_closure(),
            16 => self.let_tuple(),
            17 => self.assign_tuple(&mvars)?,
            18 => self.let_arr_pat()?,
            19 => self.tuple_call(&mvars)?,
            20 => self.collect_stmt()?,
            21 => self.for_chain(depth),
            22 => self.let_else()?,
            _ => self.scoped_array(),
        })
    }

    fn stmts(&mut self, depth: usize, max: usize) -> Block {
        let n = 1 + self.rng.below(max.max(1));
        let mut stmts = vec![];
        for _ in 0..n {
            if self.budget == 0 {
                break;
            }
            self.budget -= 1;
            if let Some(s) = self.stmt(depth) {
                self.push_stmt(&mut stmts, s);
            }
        }
        Block { stmts, tail: None }
    }

    /// Appends `s`; a loop counter's own block is usually dissolved into the enclosing one
    /// (`let mut c = 0; while c < K { .. }`), sometimes kept (`{ let mut c = 0; loop { .. } }`).
    fn push_stmt(&mut self, out: &mut Vec<Stmt>, s: Stmt) {
        if let Stmt::Block(b) = &s {
            let counter = matches!(
                b.stmts.as_slice(),
                [
                    Stmt::Let {
                        init: E::ILit(0, Some(IntTy::Usize)),
                        ..
                    },
                    Stmt::While(..) | Stmt::Loop(..)
                ]
            );
            if counter && self.chance(0.8) {
                out.extend(b.stmts.iter().cloned());
                return;
            }
        }
        out.push(s);
    }

    fn if_stmt(&mut self, depth: usize) -> Stmt {
        let c = self.cond(2);
        self.branch += 1;
        self.push();
        let t = self.stmts(depth + 1, 3);
        self.pop();
        let els = match self.rng.below(3) {
            0 => None,
            1 if self.on("else-if") => {
                let c2 = self.cond(2);
                self.push();
                let t2 = self.stmts(depth + 1, 2);
                self.pop();
                let last = if self.chance(0.5) {
                    self.push();
                    let e = self.stmts(depth + 1, 2);
                    self.pop();
                    Else::Block(e)
                } else {
                    Else::Block(Block::default())
                };
                Some(Else::If(b(c2), t2, Box::new(last)))
            }
            _ => {
                self.push();
                let e = self.stmts(depth + 1, 3);
                self.pop();
                Some(Else::Block(e))
            }
        };
        self.branch -= 1;
        Stmt::If(c, t, els)
    }

    fn loop_exit(&mut self, depth: usize) -> Stmt {
        let c = self.cond(2);
        let mut opts = vec![];
        if self.on("break") {
            opts.push(0);
        }
        if self.on("continue") {
            opts.push(1);
        }
        if self.on("return-in-loop") && !self.no_return {
            opts.push(2);
        }
        if opts.is_empty() {
            opts.push(0);
        }
        let k = *self.rng.pick(&opts);
        self.jumped = true;
        self.branch += 1;
        self.push();
        let mut body = if self.chance(0.4) {
            self.stmts(depth + 1, 2)
        } else {
            Block::default()
        };
        match k {
            0 => {
                let s = self.maybe_labelled(Stmt::Break);
                body.stmts.push(s);
            }
            1 => {
                let s = self.maybe_labelled(Stmt::Continue);
                body.stmts.push(s);
            }
            _ => {
                let (e, _) = self.fexpr(2);
                body.stmts.push(Stmt::Return(e));
            }
        }
        self.pop();
        self.branch -= 1;
        Stmt::If(c, body, None)
    }

    fn for_stmt(&mut self, depth: usize) -> Stmt {
        let room = (ITER_CAP / self.iters.max(1)).clamp(1, 8);
        // bounds: literals, int params / lens, or expressions, all small
        let (lo, llo, _lhi) = if self.chance(0.6) {
            let v = self.rng.range(0, 2);
            (self.int_lit(v, IntTy::Usize), v, v)
        } else {
            let (e, l, h) = self.iexpr(1, IntTy::Usize);
            if h > room { (ilit(1), 1, 1) } else { (e, l, h) }
        };
        let (hi, _hlo, hhi) = if self.chance(0.5) {
            let v = self.rng.range(llo + 1, llo + room);
            (self.int_lit(v, IntTy::Usize), v, v)
        } else {
            let (e, l, h) = self.iexpr(1, IntTy::Usize);
            if h - llo > room || l < llo + 1 {
                let v = self.rng.range(llo, llo + room);
                (self.int_lit(v, IntTy::Usize), v, v)
            } else {
                (e, l, h)
            }
        };
        let incl = self.on("for-incl") && self.chance(0.3);
        let rev = self.on("rev") && self.chance(0.3);
        let step = if self.on("step-by") && self.chance(0.25) {
            let k = self.rng.range(1, 3);
            Some(self.int_lit(k, IntTy::Usize))
        } else {
            None
        };
        // `.step_by(k).rev()` needs an exact-size iterator: not `a..=b` over usize
        let step_first = !incl && self.chance(0.5);
        let trips = (hhi - llo + if incl { 1 } else { 0 }).max(1);
        let var_hi = (hhi - if incl { 0 } else { 1 }).max(llo);
        let var = if self.chance(0.15) {
            "_".to_string()
        } else {
            self.fresh()
        };
        let range = Range {
            lo,
            hi,
            incl,
            rev,
            step,
            step_first,
        };
        self.loop_body(
            depth,
            trips,
            |ctx| {
                if var != "_" {
                    ctx.bind(
                        &var,
                        VK::I {
                            ty: IntTy::Usize,
                            lo: llo,
                            hi: var_hi,
                            mutable: false,
                        },
                    );
                }
            },
            |body| Stmt::For {
                var: var.clone(),
                range,
                body,
            },
        )
    }

    fn loop_body(
        &mut self,
        depth: usize,
        trips: i64,
        bind: impl FnOnce(&mut Self),
        make: impl FnOnce(Block) -> Stmt,
    ) -> Stmt {
        self.enter_loop();
        let saved = self.iters;
        self.iters *= trips.max(1);
        self.loops += 1;
        let label = if self.on("labels") && self.chance(0.5) {
            Some(format!("l{}", self.labels.len()))
        } else {
            None
        };
        self.labels.push(label.clone());
        self.push();
        bind(self);
        let body = self.stmts(depth + 1, 4);
        self.pop();
        self.labels.pop();
        self.loops -= 1;
        self.iters = saved;
        match label {
            Some(l) => Stmt::Labelled(l, Box::new(make(body))),
            None => make(body),
        }
    }

    /// `break 'l` or `continue 'l` to an enclosing labelled loop (not from inside a closure),
    /// sometimes, instead of the plain jump `plain`.
    fn maybe_labelled(&mut self, plain: Stmt) -> Stmt {
        if self.in_clo || !self.on("labels") {
            return plain;
        }
        let labels: Vec<String> = self.labels.iter().flatten().cloned().collect();
        if labels.is_empty() || !self.chance(0.6) {
            return plain;
        }
        let l = self.rng.pick(&labels).clone();
        match plain {
            Stmt::Continue => Stmt::ContinueTo(l),
            _ => Stmt::BreakTo(l),
        }
    }

    fn counter(&mut self) -> (String, i64) {
        let c = self.fresh();
        let k = self
            .rng
            .range(1, (ITER_CAP / self.iters.max(1)).clamp(1, 6));
        (c, k)
    }

    fn while_stmt(&mut self, depth: usize) -> Stmt {
        self.jumped = true;
        let (c, k) = self.counter();
        let limit = self.int_lit(k, IntTy::Usize);
        let mut cond = bin(BOp::Lt, E::Var(c.clone()), limit);
        if self.on("logic") && self.chance(0.4) {
            self.branch += 1;
            let extra = self.cond(1);
            self.branch -= 1;
            cond = bin(BOp::And, cond, extra);
        }
        self.push();
        self.bind(
            &c,
            VK::I {
                ty: IntTy::Usize,
                lo: 0,
                hi: k,
                mutable: true,
            },
        );
        let init = Stmt::Let {
            name: c.clone(),
            mutable: true,
            ann: None,
            init: E::ILit(0, Some(IntTy::Usize)),
        };
        let c2 = c.clone();
        let st = self.loop_body(
            depth,
            k,
            |_| {},
            move |mut body| {
                body.stmts
                    .insert(0, Stmt::Assign(LV::Var(c2), AsgOp::Add, ilit(1)));
                Stmt::While(cond, body)
            },
        );
        self.pop();
        Stmt::Block(Block {
            stmts: vec![init, st],
            tail: None,
        })
        .flatten_into()
    }

    fn loop_stmt(&mut self, depth: usize) -> Stmt {
        self.jumped = true;
        let (c, k) = self.counter();
        self.push();
        self.bind(
            &c,
            VK::I {
                ty: IntTy::Usize,
                lo: 0,
                hi: k + 1,
                mutable: true,
            },
        );
        let init = Stmt::Let {
            name: c.clone(),
            mutable: true,
            ann: None,
            init: E::ILit(0, Some(IntTy::Usize)),
        };
        let limit = self.int_lit(k, IntTy::Usize);
        let c2 = c.clone();
        let extra = if self.chance(0.4) {
            Some(self.cond(1))
        } else {
            None
        };
        let st = self.loop_body(
            depth,
            k,
            |_| {},
            move |mut body| {
                body.stmts
                    .insert(0, Stmt::Assign(LV::Var(c2.clone()), AsgOp::Add, ilit(1)));
                body.stmts.insert(
                    1,
                    Stmt::If(
                        bin(BOp::Gt, E::Var(c2), limit),
                        Block {
                            stmts: vec![Stmt::Break],
                            tail: None,
                        },
                        None,
                    ),
                );
                // (generated before the body: at its end a shadowing `let` could have changed a name)
                if let Some(x) = extra {
                    body.stmts.insert(
                        2,
                        Stmt::If(
                            x,
                            Block {
                                stmts: vec![Stmt::Break],
                                tail: None,
                            },
                            None,
                        ),
                    );
                }
                Stmt::Loop(body)
            },
        );
        self.pop();
        Stmt::Block(Block {
            stmts: vec![init, st],
            tail: None,
        })
        .flatten_into()
    }

    fn elem_loop(&mut self, depth: usize, arrs: &[(String, ArrTy, Iv)]) -> Stmt {
        let (arr, ty, iv) = self.rng.pick(arrs).clone();
        if ty.is_local() {
            self.freeze(&arr);
        }
        let by_ref = self.chance(0.5);
        // `&x` iterates only for owned/view types, `&x[..]` only for slices/Vec/arrays
        let mut srcs = vec![ElemSrc::Iter];
        if matches!(
            ty,
            ArrTy::Vec
                | ArrTy::Fixed(_)
                | ArrTy::View1
                | ArrTy::Own1
                | ArrTy::LocalVec
                | ArrTy::Local1
        ) {
            srcs.push(ElemSrc::Ref);
        }
        if matches!(
            ty,
            ArrTy::Slice | ArrTy::Vec | ArrTy::Fixed(_) | ArrTy::LocalVec
        ) {
            srcs.push(ElemSrc::Full);
        }
        let src = *self.rng.pick(&srcs);
        let var = self.fresh();
        let n = self.len1 as i64;
        let v2 = var.clone();
        self.loop_body(
            depth,
            n,
            move |ctx| {
                ctx.bind(
                    &v2,
                    VK::Elem {
                        iv,
                        by_ref: !by_ref,
                    },
                )
            },
            |body| Stmt::ForElem {
                var,
                by_ref,
                arr,
                arr_ty: ty,
                src,
                body,
            },
        )
    }

    fn array_write(&mut self, warrs: &[(String, ArrTy, (usize, usize))]) -> Stmt {
        let (name, ty, dims) = self.rng.pick(warrs).clone();
        let ops: Vec<AsgOp> = [
            AsgOp::Set,
            AsgOp::Set,
            AsgOp::Add,
            AsgOp::Sub,
            AsgOp::Mul,
            AsgOp::Div,
        ]
        .into_iter()
        .filter(|o| {
            (*o == AsgOp::Set && self.on("assign")) || (*o != AsgOp::Set && self.on("compound"))
        })
        .filter(|o| *o != AsgOp::Div || self.on("div"))
        // `*=` and `/=` read the element
        .filter(|o| !matches!(o, AsgOp::Mul | AsgOp::Div) || self.filling_read_ok())
        .collect();
        let op = if ops.is_empty() {
            AsgOp::Set
        } else {
            *self.rng.pick(&ops)
        };
        self.writing = Some(name.clone());
        let (e, ei) = self.fexpr(2);
        self.writing = None;
        let (e, ei) = match op {
            AsgOp::Mul => self.fit(e, ei, 1.5),
            AsgOp::Div => self.pos(e, ei, 0.7),
            _ if self.loops > 0 => self.fit(e, ei, 100.0),
            _ => (e, ei),
        };
        let looping = self.loops > 0;
        let hull = self.branch > 0 || self.value > 0;
        if let Some(v) = self.lookup_mut(&name) {
            if let VK::Arr { iv, .. } = &mut v.k {
                *iv = if looping || op != AsgOp::Set {
                    if op == AsgOp::Set && !looping {
                        Iv::hull(*iv, ei)
                    } else {
                        Iv::inf()
                    }
                } else if hull {
                    Iv::hull(*iv, ei)
                } else {
                    Iv::hull(*iv, ei)
                };
            }
        }
        self.no_len = Some(name.clone());
        // (the index may not use the array whole either: it is borrowed for the write)
        self.writing = Some(name.clone());
        let lv = if ty.is2() {
            let i = self.index(dims.0);
            let j = self.index(dims.1);
            LV::Idx2(name, i, j)
        } else {
            let i = self.index(dims.0);
            LV::Idx(name, i)
        };
        self.no_len = None;
        self.writing = None;
        Stmt::Assign(lv, op, e)
    }

    /// `let mut y = ..;` in a nested scope (a loop body, a branch, a block, after an early
    /// exit), typed by its annotation or its element (no first fill follows it here, as at the
    /// top of the body); a `Vec` may be written `[init; N]`. It lives until the scope ends.
    fn scoped_array(&mut self) -> Stmt {
        if self.on("array-copies")
            && self.chance(0.5)
            && let Some(s) = self.array_copy()
        {
            return s;
        }
        let kinds = [
            ArrTy::LocalVec,
            ArrTy::LocalVec,
            ArrTy::Local1,
            ArrTy::Local2,
        ];
        let kind = *self.rng.pick(&kinds);
        let fixed = kind == ArrTy::LocalVec && self.chance(0.4);
        let name = self.fresh();
        let (dims, dexprs) = if kind.is2() {
            let (rows, cols) = (self.rows, self.cols);
            let r = dim_expr(self, rows);
            let c = dim_expr(self, cols);
            ((rows, cols), vec![r, c])
        } else {
            let n = if self.chance(0.7) {
                self.len1
            } else if self.chance(0.5) {
                self.rows
            } else {
                self.cols
            };
            let d = if fixed {
                ilit(n as i64)
            } else {
                dim_expr(self, n)
            };
            ((n, 0), vec![d])
        };
        let (init, iv) = if kind == ArrTy::LocalVec && self.chance(0.4) {
            let (e, iv) = self.fexpr(1);
            self.fit(e, iv, 3.0)
        } else {
            (flit(0.0), Iv::pt(0.0))
        };
        let ann = kind != ArrTy::LocalVec || self.ambiguous(&init) || self.chance(0.3);
        self.bind_local_array(&name, kind, iv, dims);
        Stmt::LetArr {
            name,
            kind,
            init,
            dims: dexprs,
            ann,
            fixed,
        }
    }

    /// Binds a new local array (written from here on, not frozen).
    fn bind_local_array(&mut self, name: &str, kind: ArrTy, iv: Iv, dims: (usize, usize)) {
        self.bind(
            name,
            VK::Arr {
                ty: kind,
                iv,
                dims,
                frozen: false,
                amb: false,
            },
        );
    }

    /// `let mut y = x.clone();` (of a parameter that owns its array, or a reference to one),
    /// `x.to_owned()` or `x.to_vec()` of a 1-D array parameter: a writable local array holding
    /// the parameter's values (`None` without such a parameter in scope).
    fn array_copy(&mut self) -> Option<Stmt> {
        let params: Vec<(String, ArrTy, (usize, usize), Iv)> = self
            .visible()
            .into_iter()
            .filter_map(|v| match v.k {
                VK::Arr { ty, dims, iv, .. } if !ty.is_local() && !ty.is2() => {
                    Some((v.name, ty, dims, iv))
                }
                _ => None,
            })
            .collect();
        if params.is_empty() {
            return None;
        }
        let (src, ty, dims, iv) = self.rng.pick(&params).clone();
        let owning = matches!(ty, ArrTy::Vec | ArrTy::Fixed(_) | ArrTy::Ref1 | ArrTy::Own1);
        let forms: &[CopyForm] = if owning {
            &[CopyForm::Clone, CopyForm::ToOwned, CopyForm::ToVec]
        } else {
            &[CopyForm::ToOwned, CopyForm::ToVec]
        };
        let form = *self.rng.pick(forms);
        let kind = match (ty, form) {
            (ArrTy::View1 | ArrTy::Ref1 | ArrTy::Own1, CopyForm::Clone | CopyForm::ToOwned) => {
                ArrTy::Local1
            }
            _ => ArrTy::LocalVec,
        };
        let name = self.fresh();
        self.bind_local_array(&name, kind, iv, dims);
        Some(Stmt::LetCopy { name, src, form })
    }

    /// `for i in 1..n { y[i] = y[i - 1] * a + e; }`
    fn recurrence(&mut self, warrs: &[(String, ArrTy, (usize, usize))]) -> Stmt {
        let ones: Vec<(String, ArrTy, (usize, usize))> =
            warrs.iter().filter(|w| !w.1.is2()).cloned().collect();
        if ones.is_empty() {
            return self.array_write(warrs);
        }
        let (name, _, dims) = self.rng.pick(&ones).clone();
        let n = dims.0 as i64;
        let i = self.fresh();
        let i2 = i.clone();
        let name2 = name.clone();
        let hi = self.int_lit(n, IntTy::Usize);
        self.enter_loop();
        let saved = self.iters;
        self.iters *= n;
        self.loops += 1;
        self.push();
        self.bind(
            &i2,
            VK::I {
                ty: IntTy::Usize,
                lo: 1,
                hi: n - 1,
                mutable: false,
            },
        );
        let (a, ai) = self.fexpr(1);
        let (a, _) = self.fit(a, ai, 1.2);
        let (e, ei) = self.fexpr(2);
        let (e, _) = self.fit(e, ei, 100.0);
        self.pop();
        self.loops -= 1;
        self.iters = saved;
        let prev = E::Index(name2.clone(), b(bin(BOp::Sub, E::Var(i2.clone()), ilit(1))));
        let rhs = bin(BOp::Add, bin(BOp::Mul, prev, a), e);
        let body = Block {
            stmts: vec![Stmt::Assign(LV::Idx(name2, E::Var(i2)), AsgOp::Set, rhs)],
            tail: None,
        };
        Stmt::For {
            var: i,
            range: Range {
                lo: ilit(1),
                hi,
                incl: false,
                rev: false,
                step: None,
                step_first: false,
            },
            body,
        }
    }
}

trait FixLo {
    fn fix_lo(self, lo: f64) -> Self;
}
impl FixLo for (E, Iv) {
    fn fix_lo(self, lo: f64) -> Self {
        let (e, iv) = self;
        if iv.lo >= lo {
            (e, iv)
        } else {
            (bin(BOp::Add, e, flit(lo)), Iv::add(iv, Iv::pt(lo)))
        }
    }
}

trait Flatten {
    fn flatten_into(self) -> Stmt;
}
impl Flatten for Stmt {
    /// A counter and its loop stay together in a block of their own (the counter is scoped).
    fn flatten_into(self) -> Stmt {
        self
    }
}

fn compatible(have: ArrTy, want: ArrTy) -> bool {
    match want {
        ArrTy::Slice => matches!(have, ArrTy::Slice | ArrTy::Vec | ArrTy::Fixed(_)),
        ArrTy::View1 => have == ArrTy::View1,
        ArrTy::Ref1 => matches!(have, ArrTy::Ref1 | ArrTy::Own1),
        ArrTy::View2 => have == ArrTy::View2,
        ArrTy::Ref2 => matches!(have, ArrTy::Ref2 | ArrTy::Own2),
        _ => false,
    }
}

thread_local! {
    static CONSTS: std::cell::RefCell<Vec<(String, f64)>> = const { std::cell::RefCell::new(Vec::new()) };
    static ICONSTS: std::cell::RefCell<Vec<(String, i64)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Generates one program (a module of functions) from `seed`.
pub fn program(g: &Grammar, seed: u64) -> Program {
    let mut rng = Rng::new(seed);
    let len1 = rng.range(2, 5) as usize;
    let rows = rng.range(2, 4) as usize;
    let cols = if rng.chance(0.5) {
        len1
    } else {
        rng.range(2, 4) as usize
    };
    let mut items = vec![];
    let mut reserved: BTreeSet<String> = BTreeSet::new();
    if g.on("hostile-items") && rng.chance(0.5) {
        for _ in 0..rng.range(1, 2) {
            let n = rng.pick(HOSTILE_ITEMS).to_string();
            if reserved.insert(n.clone()) {
                if rng.chance(0.5) {
                    let v = (rng.unif(-2.0, 2.0) * 100.0).round() / 100.0;
                    items.push(Item::ConstF(n, v));
                } else {
                    items.push(Item::Struct(n));
                }
            }
        }
    }
    let mut fconsts = vec![];
    let mut iconsts = vec![];
    if g.on("consts") && rng.chance(0.6) {
        let n = *rng.pick(&["C", "SCALE", "K0", "HALF"]);
        if reserved.insert(n.to_string()) {
            let v = (rng.unif(-2.0, 2.0) * 100.0).round() / 100.0;
            items.push(Item::ConstF(n.to_string(), v));
            fconsts.push((n.to_string(), v));
        }
        if rng.chance(0.4) {
            let v = rng.range(1, 4);
            reserved.insert("STEPS".into());
            items.push(Item::ConstI("STEPS".into(), v));
            iconsts.push(("STEPS".to_string(), v));
        }
    }
    for it in &items {
        if let Item::ConstF(n, v) = it {
            if !fconsts.iter().any(|(m, _)| m == n) && g.on("hostile-items") {
                fconsts.push((n.clone(), *v));
            }
        }
    }
    CONSTS.with(|c| *c.borrow_mut() = fconsts);
    ICONSTS.with(|c| *c.borrow_mut() = iconsts);
    let nf = 1 + rng.below(g.funcs.max(1));
    let mut names: Vec<String> = vec![];
    while names.len() < nf {
        let n = rng.pick(FN_NAMES).to_string();
        if !names.contains(&n) && !reserved.contains(&n) {
            names.push(n);
        }
    }
    for n in &names {
        reserved.insert(n.clone());
    }
    let mut funcs: Vec<Func> = vec![];
    for (k, name) in names.into_iter().enumerate() {
        // a helper with two outputs first, now and then (when something can call it)
        let pair = k == 0 && nf > 1 && g.on("tuple-call") && g.on("calls") && rng.chance(0.4);
        let f = func(
            g, &mut rng, &name, &funcs, &reserved, len1, rows, cols, pair,
        );
        funcs.push(f);
    }
    let mut p = Program {
        items,
        funcs,
        len1,
        rows,
        cols,
    };
    if g.on("hessian") {
        hessian::mark(&mut p);
    }
    if g.on("outparam") {
        crate::ast::mark_outparam(&mut p);
    }
    p
}

/// The earlier functions a function may call: those with one output, or (`pair`) two.
fn callees(g: &Grammar, earlier: &[Func], pair: bool) -> Vec<Callee> {
    if !g.on("calls") {
        return vec![];
    }
    earlier
        .iter()
        .filter(|f| f.pair == pair)
        .map(|f| Callee {
            name: f.name.clone(),
            params: f.params.clone(),
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn func(
    g: &Grammar,
    rng: &mut Rng,
    name: &str,
    earlier: &[Func],
    reserved: &BTreeSet<String>,
    len1: usize,
    rows: usize,
    cols: usize,
    pair: bool,
) -> Func {
    let mut ctx = Ctx {
        g,
        rng: rng.fork(),
        scopes: vec![vec![]],
        loops: 0,
        iters: 1,
        branch: 0,
        value: 0,
        callees: callees(g, earlier, false),
        reserved: reserved.clone(),
        len1,
        rows,
        cols,
        budget: g.size,
        has_arrays: g.arrays,
        no_len: None,
        jumped: false,
        labels: Vec::new(),
        writing: None,
        maps: 0,
        in_clo: false,
        no_return: pair,
        pair_callees: callees(g, earlier, true),
    };
    // parameters
    let mut params: Vec<Param> = vec![];
    let nscalar = if g.arrays {
        ctx.rng.range(0, 2)
    } else {
        ctx.rng.range(1, 3)
    };
    let mut kinds: Vec<PTy> = vec![];
    for _ in 0..nscalar {
        kinds.push(PTy::F64);
    }
    if g.arrays {
        let mut arr: Vec<ArrTy> = vec![];
        for (f, t) in [
            ("slice", ArrTy::Slice),
            ("vec", ArrTy::Vec),
            ("fixed", ArrTy::Fixed(len1)),
            ("view1", ArrTy::View1),
            ("ref1", ArrTy::Ref1),
            ("own1", ArrTy::Own1),
            ("view2", ArrTy::View2),
            ("ref2", ArrTy::Ref2),
            ("own2", ArrTy::Own2),
        ] {
            if g.on(f) {
                arr.push(t);
            }
        }
        if !arr.is_empty() {
            for _ in 0..ctx.rng.range(1, 3) {
                kinds.push(PTy::Arr(*ctx.rng.pick(&arr)));
            }
        }
        if kinds.is_empty() {
            kinds.push(PTy::F64);
        }
    }
    if g.on("int-params") && ctx.rng.chance(0.4) {
        kinds.push(PTy::Int(if ctx.rng.chance(0.7) {
            IntTy::Usize
        } else {
            IntTy::I32
        }));
    }
    if g.on("bool-params") && ctx.rng.chance(0.15) {
        kinds.push(PTy::Bool);
    }
    if g.on("ref-params") && !pair && ctx.rng.chance(0.2) {
        kinds.push(PTy::RefF64);
    }
    if g.on("if-let") && ctx.rng.chance(0.25) {
        kinds.push(PTy::OptUsize);
    }
    // declaration order shuffled
    for i in (1..kinds.len()).rev() {
        let j = ctx.rng.below(i + 1);
        kinds.swap(i, j);
    }
    for ty in kinds {
        let pname = ctx.fresh();
        let mutable = ty == PTy::F64 && g.on("mut-params") && ctx.rng.chance(0.15);
        let int_range = match ty {
            PTy::Int(IntTy::Usize) => (ctx.rng.range(0, 1), ctx.rng.range(2, 5)),
            PTy::Int(IntTy::I32) => (ctx.rng.range(-2, 0), ctx.rng.range(1, 4)),
            PTy::OptUsize => (ctx.rng.range(0, 1), ctx.rng.range(2, 4)),
            _ => (0, 0),
        };
        let k = match ty {
            PTy::F64 => VK::F {
                iv: Iv::new(-PARAM, PARAM),
                mutable,
                ambiguous: false,
            },
            PTy::RefF64 => VK::RefF {
                iv: Iv::new(-PARAM, PARAM),
            },
            PTy::Int(t) => VK::I {
                ty: t,
                lo: int_range.0,
                hi: int_range.1,
                mutable: false,
            },
            PTy::Bool => VK::B,
            PTy::OptUsize => VK::Opt {
                lo: int_range.0,
                hi: int_range.1,
            },
            PTy::Arr(t) => VK::Arr {
                ty: t,
                iv: Iv::new(-PARAM, PARAM),
                dims: if t.is2() { (rows, cols) } else { (len1, 0) },
                frozen: true,
                amb: false,
            },
        };
        ctx.bind(&pname, k);
        params.push(Param {
            name: pname,
            ty,
            mutable,
            int_range,
        });
    }
    // local arrays at the top of the body
    let mut stmts = vec![];
    if g.arrays && g.on("local-arrays") && ctx.rng.chance(0.6) {
        for _ in 0..ctx.rng.range(1, 2) {
            // a fill that may return makes what follows guarded: not the top level any more
            if ctx.jumped && !g.on("array-reads-anywhere") {
                break;
            }
            let kinds = [ArrTy::LocalVec, ArrTy::Local1, ArrTy::Local2];
            let kind = *ctx.rng.pick(&kinds);
            let name = ctx.fresh();
            let (dims, dexprs) = if kind.is2() {
                let r = dim_expr(&mut ctx, rows);
                let c = dim_expr(&mut ctx, cols);
                ((rows, cols), vec![r, c])
            } else {
                let n = if ctx.rng.chance(0.7) {
                    len1
                } else if ctx.rng.chance(0.5) {
                    rows
                } else {
                    cols
                };
                ((n, 0), vec![dim_expr(&mut ctx, n)])
            };
            let (init, iv) = if kind == ArrTy::LocalVec && ctx.rng.chance(0.3) {
                let (e, iv) = ctx.fexpr(1);
                ctx.fit(e, iv, 3.0)
            } else {
                (flit(0.0), Iv::pt(0.0))
            };
            // `[init; N]`, N a literal
            let fixed = kind == ArrTy::LocalVec && g.on("scoped-arrays") && ctx.rng.chance(0.3);
            let dexprs = if fixed {
                vec![ilit(dims.0 as i64)]
            } else {
                dexprs
            };
            let ann = g.on("type-ann") && ctx.rng.chance(0.3);
            let amb = !ann && (kind != ArrTy::LocalVec || ctx.ambiguous(&init));
            ctx.bind(
                &name,
                VK::Arr {
                    ty: kind,
                    iv,
                    dims,
                    frozen: false,
                    amb,
                },
            );
            stmts.push(Stmt::LetArr {
                name: name.clone(),
                kind,
                init,
                dims: dexprs.clone(),
                ann,
                fixed,
            });
            if amb {
                // without a type, the element type comes from a first fill (as users write it)
                stmts.push(fill_loop(&mut ctx, &name, kind, dims));
                if let Some(v) = ctx.lookup_mut(&name) {
                    if let VK::Arr { amb, .. } = &mut v.k {
                        *amb = false;
                    }
                }
            }
        }
    }
    if g.on("let-mut") {
        for _ in 0..ctx.rng.range(1, 2) {
            let name = ctx.fresh();
            let (e, iv) = if ctx.rng.chance(0.4) {
                (flit(0.0), Iv::pt(0.0))
            } else {
                ctx.fexpr(2)
            };
            let ann = if g.on("type-ann") && ctx.rng.chance(0.3) {
                Some(Ann::F64)
            } else {
                None
            };
            let ambiguous = ann.is_none() && ctx.ambiguous(&e);
            ctx.bind(
                &name,
                VK::F {
                    iv,
                    mutable: true,
                    ambiguous,
                },
            );
            stmts.push(Stmt::Let {
                name,
                mutable: true,
                ann,
                init: e,
            });
        }
    }
    while ctx.budget > 0 {
        ctx.budget -= 1;
        if let Some(s) = ctx.stmt(0) {
            ctx.push_stmt(&mut stmts, s);
        }
    }
    // the tail: combine a few float values so that most of the body matters
    let vis = ctx.visible();
    let mut fl: Vec<E> = vis
        .iter()
        .filter_map(|v| match &v.k {
            VK::F { .. } => Some(E::Var(v.name.clone())),
            _ => None,
        })
        .collect();
    let mut tails = vec![];
    for _ in 0..if pair { 2 } else { 1 } {
        let mut tail = ctx.fexpr(2).0;
        for _ in 0..if pair { 2 } else { 3 } {
            if fl.is_empty() {
                break;
            }
            let i = ctx.rng.below(fl.len());
            let v = fl.remove(i);
            tail = bin(BOp::Add, tail, v);
        }
        tails.push(tail);
    }
    let tail = if pair {
        // each output typed (an untyped literal would make the tuple `({float}, ..)`)
        let ts: Vec<E> = tails.into_iter().map(|t| ctx.pin(t)).collect();
        E::Tuple(ts)
    } else {
        tails.pop().unwrap()
    };
    // `wrt` subset
    let floats: Vec<usize> = (0..params.len())
        .filter(|&i| params[i].ty.is_float())
        .collect();
    let wrt = if g.on("wrt") && !pair && !floats.is_empty() && ctx.rng.chance(0.25) {
        let mut w: Vec<usize> = floats
            .iter()
            .cloned()
            .filter(|_| ctx.rng.chance(0.6))
            .collect();
        if w.is_empty() {
            w.push(floats[0]);
        }
        // Some functions list `wrt` out of declaration order (the gradient comes in the order
        // written); decided without drawing from the generator, so a seed keeps its programs.
        if name.len() % 2 == 1 {
            w.reverse();
        }
        Some(w)
    } else {
        None
    };
    *rng = ctx.rng.fork();
    Func {
        name: name.to_string(),
        params,
        wrt,
        body: Block {
            stmts,
            tail: Some(Box::new(tail)),
        },
        pair,
        hessian: false,
        outparam: false,
    }
}

/// `for i in 0..n { y[i] = e; }` (2-D: nested), with a typed right-hand side.
fn fill_loop(ctx: &mut Ctx, name: &str, kind: ArrTy, dims: (usize, usize)) -> Stmt {
    let i = ctx.fresh();
    ctx.push();
    ctx.bind(
        &i,
        VK::I {
            ty: IntTy::Usize,
            lo: 0,
            hi: dims.0 as i64 - 1,
            mutable: false,
        },
    );
    let j = if kind.is2() {
        let j = ctx.fresh();
        ctx.bind(
            &j,
            VK::I {
                ty: IntTy::Usize,
                lo: 0,
                hi: dims.1 as i64 - 1,
                mutable: false,
            },
        );
        Some(j)
    } else {
        None
    };
    // (a 2-D fill is two nested loops: reads of arrays still being filled are not allowed there)
    let depth = if kind.is2() { 2 } else { 1 };
    ctx.loops += depth;
    let (e, iv) = ctx.fexpr(2);
    let (e, iv) = ctx.fit(e, iv, 3.0);
    ctx.loops -= depth;
    let e = ctx.pin(e);
    ctx.pop();
    if let Some(v) = ctx.lookup_mut(name) {
        if let VK::Arr { iv: a, .. } = &mut v.k {
            *a = Iv::hull(Iv::pt(0.0), iv);
        }
    }
    // a usize bound: an `{integer}` index would leave the element type unknown
    let rng = |n: usize| Range {
        lo: ilit(0),
        hi: E::ILit(n as i64, Some(IntTy::Usize)),
        incl: false,
        rev: false,
        step: None,
        step_first: false,
    };
    match j {
        None => Stmt::For {
            var: i.clone(),
            range: rng(dims.0),
            body: Block {
                stmts: vec![Stmt::Assign(
                    LV::Idx(name.to_string(), E::Var(i)),
                    AsgOp::Set,
                    e,
                )],
                tail: None,
            },
        },
        Some(j) => {
            let inner = Stmt::For {
                var: j.clone(),
                range: rng(dims.1),
                body: Block {
                    stmts: vec![Stmt::Assign(
                        LV::Idx2(name.to_string(), E::Var(i.clone()), E::Var(j)),
                        AsgOp::Set,
                        e,
                    )],
                    tail: None,
                },
            };
            Stmt::For {
                var: i,
                range: rng(dims.0),
                body: Block {
                    stmts: vec![inner],
                    tail: None,
                },
            }
        }
    }
}

fn dim_expr(ctx: &mut Ctx, n: usize) -> E {
    // a length written as a literal or through a parameter's shape
    let arrs = ctx.arrays_any();
    let mut opts: Vec<E> = vec![ilit(n as i64)];
    for (name, t, dims) in arrs {
        if t.is_local() {
            continue;
        }
        if t.is2() {
            if dims.0 == n {
                opts.push(E::NRows(name.clone()));
            }
            if dims.1 == n {
                opts.push(E::NCols(name));
            }
        } else if dims.0 == n {
            opts.push(E::Len(name));
        }
    }
    ctx.rng.pick(&opts).clone()
}
