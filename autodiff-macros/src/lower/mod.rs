//! Lowering: the user's function body (syn) to the SSA IR of `ir.rs`.
//!
//! User variables are renamed to fresh values at every assignment; the scope stack maps each
//! name to its current value. Where control flow joins, the versions meet explicitly: an `If`
//! gets merges for the variables either branch changed, a `Loop` carries the variables its body
//! assigns. `break`, `continue` and `return` set boolean flags (ordinary variables named so that
//! no user name can clash, such as `#brk`) and the rest of the enclosing statements is guarded by
//! `if !flag`; a loop leaves at the end of an iteration whose flags are set. Everything outside the
//! contract is refused here with an error on its tokens, so code generation cannot fail.

use crate::error::Errors;
use crate::ir::*;
use crate::names::Namer;
use proc_macro2::Span;
use quote::{ToTokens, quote};
use syn::spanned::Spanned;
use syn::visit::Visit;

mod array_closures;
mod array_constructors;
mod array_copies;
mod array_methods;
mod array_plan;
mod array_slices;
mod branches;
mod calls;
mod closures;
mod debug_macros;
mod exprs;
mod f32_values;
mod fields;
mod iterator_stream;
mod iterator_windows;
mod iterators;
mod local_arrays;
mod loops;
mod matches;
mod mut_calls;
mod nalgebra_values;
mod places;
mod stmts;
mod syntax;
mod tuple_branches;
mod tuples;

pub(crate) use crate::params::type_name;
use local_arrays::classify_local_arrays;
use loops::*;
pub(crate) use syntax::const_is_float;
use syntax::*;

const BRK: &str = "#brk";
const CONT: &str = "#cont";
const RET: &str = "#ret";
const RETVAL: &str = "#retval";
const BRKVAL: &str = "#brkval";
/// Bound when every path through the statements lowered so far has jumped away (a guard whose
/// guarded part always jumps): nothing after it runs.
const DEAD: &str = "#dead";

/// Methods whose result carries no derivative, emitted as written: integer methods, the float
/// predicates (used in conditions), and the float roundings, which are piecewise constant (their
/// derivative is 0 wherever it exists, as in JAX).
const CONSTANT_METHODS: &[&str] = &[
    "pow",
    "rem_euclid",
    "div_euclid",
    "abs_diff",
    "isqrt",
    "ilog2",
    "ilog10",
    "count_ones",
    "leading_zeros",
    "trailing_zeros",
    "is_power_of_two",
    "next_power_of_two",
    "wrapping_add",
    "wrapping_sub",
    "wrapping_mul",
    "saturating_add",
    "saturating_sub",
    "saturating_mul",
    "is_nan",
    "is_finite",
    "is_infinite",
    "is_normal",
    "is_sign_positive",
    "is_sign_negative",
    "floor",
    "ceil",
    "round",
    "round_ties_even",
    "trunc",
];

/// The float predicates and roundings (the constant methods from `is_nan` on), which generated
/// code calls through the runtime's `FloatMethods`.
pub(crate) fn is_float_method(name: &str) -> bool {
    CONSTANT_METHODS
        .iter()
        .skip_while(|m| **m != "is_nan")
        .any(|m| *m == name)
}

#[derive(Clone)]
struct Binding {
    name: String,
    op: Operand,
    /// For control flags: the flag's value when it is known at this point.
    known: Option<bool>,
    /// A closure (index in `Lowerer::closures`), inlined where it is called; `op` is unused.
    closure: Option<usize>,
}

#[derive(Clone, Default)]
struct Scope {
    vars: Vec<Binding>,
    /// Where each name is bound in `vars`. A name bound again in the same scope (`let t = ..;`
    /// once per statement of a long body) replaces its binding in place: the old one can never
    /// be named again. So lookups cost the nesting depth, not the length of the body.
    index: std::collections::HashMap<String, usize>,
}

impl Scope {
    fn bind(&mut self, b: Binding) {
        match self.index.get(&b.name) {
            Some(&i) => self.vars[i] = b,
            None => {
                self.index.insert(b.name.clone(), self.vars.len());
                self.vars.push(b);
            }
        }
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }
}

type Env = Vec<Scope>;

pub struct Lowerer<'e> {
    namer: Namer,
    errors: &'e mut Errors,
    values: Vec<ValueInfo>,
    scopes: Env,
    /// Depth of enclosing loops; `#brk`/`#cont` live in the innermost loop body's scope.
    loop_depth: usize,
    loop_count: usize,
    write_count: usize,
    has_return: bool,
    closures: Vec<closures::ClosureDef>,
    /// Numbers the names of the lowering's own variables (iterator counters, accumulators).
    own_count: usize,
    /// `Some(n)` for a function that returns a tuple of `n` f64s.
    outputs: Option<usize>,
    /// The `#[checkpoint(every = k)]` of the `for` loop being lowered.
    checkpoint: Option<Operand>,
    /// The parameters are the first values.
    n_params: usize,
    /// The parameters that are owned `Vec<f64>` or `[f64; N]`.
    owned_vectors: Vec<ValId>,
    /// The array parameters whose `clone()` is an owned array (`Vec<f64>`, `[f64; N]`,
    /// `Array1/2<f64>` and references to them; not `&[f64]` or a view), with whether a move of
    /// the parameter itself is one (not a reference).
    owned_arrays: Vec<(ValId, bool)>,
    /// The parameters that are constants of other types (`&[Vec<f64>]` data, `&[usize]`
    /// indices, configuration), and the elements read from them that are not rows of f64s
    /// (`neighbours[i]` of a `&[Vec<usize>]`): iterated and indexed as written.
    data_params: Vec<ValId>,
    /// The data parameters whose elements are 1-D arrays of f64 (`&[Vec<f64>]`, `&[[f64; 3]]`).
    data_rows: Vec<ValId>,
    /// The data parameters whose elements are collections (`&[Vec<usize>]` too): read by
    /// reference, as Rust cannot move them out.
    data_by_ref: Vec<ValId>,
    /// Set while the branches of a tuple-valued `if`/block/`match` are lowered.
    tuple_tail: Option<tuple_branches::TupleTail>,
}

/// Whether `clone()` of a parameter of type `ty` is an owned array (`Some`), and whether the
/// parameter is one itself (`Some(true)`: not a reference). `&[f64]` clones to itself and views
/// to views: `None`.
fn clones_to_owned(ty: &syn::Type) -> Option<bool> {
    let (inner, is_ref) = match ty {
        syn::Type::Reference(r) => (&*r.elem, true),
        t => (t, false),
    };
    match inner {
        syn::Type::Slice(_) => None,
        syn::Type::Array(_) => Some(!is_ref),
        t => match type_name(t).as_deref() {
            Some("Vec" | "Array1" | "Array2" | "Array") => Some(!is_ref),
            _ => None,
        },
    }
}

/// Lowers a whole function. Returns `None` when an error was reported.
pub fn lower_fn(item: &syn::ItemFn, namer: &Namer, errors: &mut Errors) -> Option<Func> {
    let before = errors.is_empty();
    let params = crate::params::classify(&item.sig, errors);
    let mut lw = Lowerer {
        namer: namer.clone(),
        errors,
        values: Vec::new(),
        scopes: vec![Scope::default()],
        loop_depth: 0,
        loop_count: 0,
        write_count: 0,
        has_return: contains_return(&item.block),
        closures: Vec::new(),
        own_count: 0,
        outputs: crate::params::tuple_output(&item.sig),
        checkpoint: None,
        n_params: 0,
        owned_vectors: Vec::new(),
        owned_arrays: Vec::new(),
        data_params: Vec::new(),
        data_rows: Vec::new(),
        data_by_ref: Vec::new(),
        tuple_tail: None,
    };
    // A parameter named like a function the generated code calls (`value_and_grad_f` in `f`,
    // `pullback_g` in a caller of `g`) would shadow it there: the generated functions give it a
    // fresh name (the user's function keeps its own).
    let f = item.sig.ident.to_string();
    let shadows = |name: &str| {
        name == format!("grad_{f}")
            || name == format!("value_and_grad_{f}")
            || name == format!("pullback_{f}")
            || name
                .strip_prefix("pullback_")
                .is_some_and(|callee| namer.mentions(callee))
    };
    let mut ir_params = Vec::new();
    for mut p in params {
        let val = lw.values.len();
        let name = name_of(&p.ident);
        if shadows(&name) {
            p.ident = namer.value(&name, val);
        }
        lw.values.push(ValueInfo {
            ident: p.ident.clone(),
            stem: namer.stem(&name, val),
            user_name: Some(name.clone()),
            kind: p.kind.value_kind(),
            mutable: false,
            restore: false,
            tape_read: false,
            float: p.kind == ParamKind::Scalar,
        });
        lw.bind_new(&name, Operand::Val(val), None);
        if matches!(
            p.kind,
            ParamKind::Slice { is_ref: false } | ParamKind::Fixed { is_ref: false, .. }
        ) {
            lw.owned_vectors.push(val);
        }
        if p.kind == ParamKind::Other {
            lw.data_params.push(val);
            let ty = match &*p.ty {
                syn::Type::Reference(r) => &*r.elem,
                t => t,
            };
            if crate::params::is_nested_f64_collection(ty) {
                lw.data_rows.push(val);
            }
            if crate::params::is_nested_collection(ty) {
                lw.data_by_ref.push(val);
            }
        }
        if p.kind.value_kind().is_array()
            && let Some(movable) = clones_to_owned(&p.ty)
        {
            lw.owned_arrays.push((val, movable));
        }
        ir_params.push(Param {
            ident: p.ident,
            ty: p.ty,
            kind: p.kind.clone(),
            val,
        });
    }
    lw.n_params = lw.values.len();
    let mut body = Vec::new();
    let array_output = crate::params::array_output(&item.sig);
    if array_output.is_some() && lw.has_return {
        lw.errors.at(
            &item.sig.output,
            "`return` in a #[differentiable] function that returns an array is not supported yet: end the body with the array (compute early-exit cases into it with `if`)",
        );
        return None;
    }
    let results = if let Some(n) = lw.outputs {
        // Several outputs: every path ends in a `return` of a tuple, one slot per output.
        lw.bind_new(RET, konst(false), Some(false));
        for i in 0..n {
            lw.bind_new(&retval_slot(i), Operand::Const(quote!(0.0_f64)), None);
        }
        lw.fn_body_with_returns(&item.block.stmts, &mut body);
        (0..n)
            .map(|i| lw.lookup(&retval_slot(i)).map(|b| b.op))
            .collect::<Option<Vec<_>>>()
    } else if lw.has_return {
        lw.bind_new(RET, konst(false), Some(false));
        lw.bind_new(RETVAL, Operand::Const(quote!(0.0_f64)), None);
        lw.fn_body_with_returns(&item.block.stmts, &mut body);
        Some(vec![
            lw.lookup(RETVAL).map(|b| b.op).unwrap_or(konst(false)),
        ])
    } else {
        lw.stmts(&item.block.stmts, &mut body, true)
            .map(|r| vec![r])
    };
    let results = match results {
        Some(r) => r,
        None => {
            if lw.errors.is_empty() {
                lw.errors.at(
                    &item.block,
                    "the function body has no value: a #[differentiable] function must return an f64",
                );
            }
            return None;
        }
    };
    if array_output.is_some() && !results.iter().all(|r| lw.kind(r).dims() == 1) {
        lw.errors.at(
            &item.block,
            "this function returns an array: end its body with a 1-D array value (a local array filled in the body, or an array expression)",
        );
        return None;
    }
    classify_local_arrays(&mut body, &mut lw.values, lw.errors);
    f32_values::refuse_f32_math(&body, &ir_params, &lw.values, lw.errors);
    nalgebra_values::refuse_whole_vector_ops(&body, &ir_params, &lw.values, lw.errors);
    if !lw.errors.is_empty() || !before {
        return None;
    }
    Some(Func {
        namer: namer.clone(),
        params: ir_params,
        body: Block { stmts: body },
        results,
        tuple_output: lw.outputs.is_some(),
        array_output,
        values: lw.values,
    })
}

/// What a name is bound to after its `let` was refused: a use of it ends the expression
/// silently (its error is already reported), so one refused statement does not cascade.
fn refused() -> Operand {
    Operand::Const(quote!(__refused))
}

fn is_refused(o: &Operand) -> bool {
    matches!(o, Operand::Const(t) if t.to_string() == "__refused")
}

/// Where `return` puts output `i` of a function with several outputs.
fn retval_slot(i: usize) -> String {
    format!("{RETVAL}{i}")
}

/// The value of a branch that is never used (the branch jumped away): any type.
fn placeholder() -> Operand {
    Operand::Const(quote!(::core::default::Default::default()))
}

/// A placeholder of the same kind as a value: `&f64` has no `Default`, a `&'static 0.0` does;
/// nor has an array view (`x.row(i)`), so an owned array asks the runtime's `Placeholder`,
/// which also gives views (an empty one).
fn placeholder_like(kind: Kind) -> Operand {
    match kind {
        Kind::ScalarRef => Operand::Const(quote!(&0.0_f64)),
        Kind::Array { is_ref: false, .. } => {
            Operand::Const(quote!(::autodiff_runtime::__rt::placeholder()))
        }
        _ => placeholder(),
    }
}

fn konst(b: bool) -> Operand {
    if b {
        Operand::Const(quote!(true))
    } else {
        Operand::Const(quote!(false))
    }
}

impl Lowerer<'_> {
    fn new_value(&mut self, user_name: Option<&str>) -> ValId {
        let id = self.values.len();
        let base = user_name.unwrap_or("t");
        self.values.push(ValueInfo {
            ident: self.namer.value(base, id),
            stem: self.namer.stem(base, id),
            user_name: user_name.map(str::to_owned),
            kind: Kind::Scalar,
            mutable: false,
            restore: false,
            tape_read: false,
            float: false,
        });
        id
    }

    fn kind(&self, o: &Operand) -> Kind {
        match o {
            Operand::Val(v) => self.values[*v].kind,
            Operand::Const(_) => Kind::Scalar,
        }
    }

    /// What an operation produces, from its operands' kinds.
    fn result_kind(&self, op: &Op) -> Kind {
        let k = |o: &Operand| self.kind(o);
        let owned = |dims: u8| Kind::Array {
            dims,
            is_ref: false,
        };
        match op {
            // A row of a `&[Vec<f64>]` data parameter: a constant 1-D array.
            Op::Index {
                arr: Operand::Val(a),
                multi: false,
                idx,
                ..
            } if idx.len() == 1 && self.data_rows.contains(a) => Kind::Array {
                dims: 1,
                is_ref: true,
            },
            Op::Copy { src, deref, .. } => match (k(src), deref) {
                (Kind::ScalarRef, true) => Kind::Scalar,
                (Kind::Array { dims, .. }, _) => owned(dims),
                (other, _) => other,
            },
            Op::Neg(a) | Op::CastFloat(a) => match k(a) {
                Kind::Array { dims, .. } => owned(dims),
                _ => Kind::Scalar,
            },
            Op::Arith(_, a, b) => match k(a).dims().max(k(b).dims()) {
                0 => Kind::Scalar,
                d => owned(d),
            },
            Op::Inactive(InactiveOp::StopGradient(a)) => match k(a) {
                Kind::Array { dims, .. } => owned(dims),
                other => other,
            },
            Op::Math(..) | Op::Inactive(_) | Op::Call { .. } | Op::Index { by_ref: false, .. } => {
                Kind::Scalar
            }
            Op::Index { by_ref: true, .. } => Kind::ScalarRef,
            Op::Field(..) => Kind::Scalar,
            Op::Ref(a) => match k(a) {
                Kind::Array { dims, .. } => Kind::Array { dims, is_ref: true },
                _ => Kind::ScalarRef,
            },
            Op::NewArray(NewArray::Zeros2(..) | NewArray::FromElem2(..)) => owned(2),
            Op::NewArray(NewArray::ZerosLike(a)) => owned(k(a).dims().max(1)),
            Op::NewArray(_) => owned(1),
            Op::Slice { std: true, .. } => Kind::Array {
                dims: 1,
                is_ref: true,
            },
            Op::Slice { arr, elems, .. } => {
                let ranges = elems
                    .iter()
                    .filter(|e| matches!(e, SliceElem::Range { .. }))
                    .count();
                let rest = (k(arr).dims() as usize).saturating_sub(elems.len());
                owned((ranges + rest) as u8)
            }
            Op::MapClosure(mc) => owned(k(&mc.arr).dims().max(1)),
            Op::Array(m, args) => match m {
                ArrayMethod::Column | ArrayMethod::Row | ArrayMethod::FromVec => owned(1),
                ArrayMethod::Mapv(_) => owned(k(&args[0]).dims().max(1)),
                ArrayMethod::T | ArrayMethod::View | ArrayMethod::ToOwned => {
                    owned(k(&args[0]).dims().max(1))
                }
                ArrayMethod::SumAxis
                | ArrayMethod::MeanAxis
                | ArrayMethod::VarAxis
                | ArrayMethod::StdAxis => owned(k(&args[0]).dims().saturating_sub(1).max(1)),
                ArrayMethod::InsertAxis => owned(k(&args[0]).dims() + 1),
                ArrayMethod::Broadcast => owned(args.len().saturating_sub(1).max(1) as u8),
                ArrayMethod::Dot => match (k(&args[0]).dims(), k(&args[1]).dims()) {
                    (2, 2) => owned(2),
                    (1, 1) => Kind::Scalar,
                    _ => owned(1),
                },
                _ => Kind::Scalar,
            },
        }
    }

    /// Whether an operand is known to be an `f64`.
    fn is_float(&self, o: &Operand) -> bool {
        match o {
            Operand::Val(v) => self.values[*v].float,
            Operand::Const(t) => const_is_float(t),
        }
    }

    /// Whether the result of `op` is known to be an `f64`.
    fn result_is_float(&self, op: &Op) -> bool {
        let f = |o: &Operand| self.is_float(o);
        match op {
            Op::Copy { src, .. } | Op::Neg(src) => f(src),
            Op::Arith(_, a, b) => f(a) || f(b),
            Op::Math(m, args) => !m.also_on_integers() || f(&args[0]),
            Op::CastFloat(_) | Op::Call { .. } | Op::Field(..) => true,
            Op::Index { arr, .. } => self.kind(arr).is_array(),
            Op::Array(m, _) => !m.is_shape(),
            Op::Slice { .. } | Op::MapClosure(_) => true,
            Op::Inactive(InactiveOp::StopGradient(a)) => f(a),
            Op::Inactive(_) | Op::Ref(_) | Op::NewArray(_) => false,
        }
    }

    /// Emits `op`. After a sub-expression that may have jumped away (`x / { if c { return 0.0 }
    /// 2.0 }`), the operation is guarded: it runs only if no jump happened, so it never computes
    /// with a placeholder (whose partials could be infinite and turn zero adjoints into NaN).
    fn emit(&mut self, out: &mut Vec<Stmt>, op: Op, span: Span, name: Option<&str>) -> Operand {
        match self.jump_state() {
            Jump::Maybe(flags) => self
                .guard(flags, out, |lw, body| {
                    Some(lw.emit_raw(body, op, span, name))
                })
                .unwrap_or_else(placeholder),
            _ => self.emit_raw(out, op, span, name),
        }
    }

    /// Emits `op` as it is (the control flags' own operations, and everything in clear state).
    fn emit_raw(&mut self, out: &mut Vec<Stmt>, op: Op, span: Span, name: Option<&str>) -> Operand {
        let kind = self.result_kind(&op);
        let float = self.result_is_float(&op);
        let dst = self.new_value(name);
        self.values[dst].kind = kind;
        self.values[dst].float = float;
        out.push(Stmt::Let(Let { dst, op, span }));
        Operand::Val(dst)
    }

    fn bind_new(&mut self, name: &str, op: Operand, known: Option<bool>) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.bind(Binding {
                name: name.to_owned(),
                op,
                known,
                closure: None,
            });
        }
    }

    fn bind_closure(&mut self, name: &str, index: usize) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.bind(Binding {
                name: name.to_owned(),
                op: Operand::Const(quote!(())),
                known: None,
                closure: Some(index),
            });
        }
    }

    fn lookup(&self, name: &str) -> Option<Binding> {
        let (si, vi) = self.position(name)?;
        Some(self.scopes[si].vars[vi].clone())
    }

    /// Where the innermost variable called `name` is bound: (scope, index in the scope).
    fn position(&self, name: &str) -> Option<(usize, usize)> {
        self.scopes
            .iter()
            .enumerate()
            .rev()
            .find_map(|(si, s)| s.find(name).map(|vi| (si, vi)))
    }

    /// Rebinds the innermost variable called `name` (an assignment). Returns false if unbound.
    fn assign(&mut self, name: &str, op: Operand, known: Option<bool>) -> bool {
        let Some((si, vi)) = self.position(name) else {
            return false;
        };
        let b = &mut self.scopes[si].vars[vi];
        b.op = op;
        b.known = known;
        true
    }
}

enum Jump {
    Clear,
    Definite,
    Maybe(Vec<Operand>),
}
