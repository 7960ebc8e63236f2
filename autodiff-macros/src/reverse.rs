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
//!
//! Rooms: this file holds the generator (`Gen`), its naming and the sweep modes;
//! `forward_sweep.rs` prints the forward sweep, `tapes.rs` what it records, `adjoints.rs` where
//! each adjoint is created, `reverse_sweep.rs` the reverse sweep, `checkpoint.rs` checkpointed
//! loops, `selections.rs` running maxima and minima, `map_closure.rs` the closures of
//! `mapv`/`map` and `local_arrays.rs` where the writes of local arrays run again and what they
//! record.

use crate::analyse::{self, Analysis};
use crate::ir::*;
use crate::rules;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use std::cell::RefCell;

mod adjoints;
mod checkpoint;
mod forward_sweep;
mod local_arrays;
mod map_closure;
mod reverse_sweep;
mod selections;
mod tapes;

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
    pending: RefCell<std::collections::HashSet<ValId>>,
    /// While the reverse sweep recomputes the body of a `loop`/`while`: its exit flag (see
    /// [`analyse::positional_exit`]) and the name of the boolean that says whether this is the
    /// loop's last iteration.
    exit_flags: RefCell<std::collections::HashMap<ValId, Ident>>,
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
    /// The pass being emitted, for local arrays (see `local_arrays.rs`).
    pass: RefCell<local_arrays::Pass>,
    /// Where what local arrays record is recorded.
    arrays: local_arrays::ArrayRoots,
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
        let arrays = local_arrays::ArrayRoots::new(f, &root);
        Gen {
            f,
            an,
            pass: RefCell::new(local_arrays::Pass::forward(f)),
            arrays,
            root,
            pending: RefCell::new(std::collections::HashSet::new()),
            exit_flags: RefCell::new(std::collections::HashMap::new()),
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

    pub(super) fn is_float_operand(&self, o: &Operand) -> bool {
        match o {
            Operand::Val(v) => self.f.values[*v].float,
            Operand::Const(t) => crate::lower::const_is_float(t),
        }
    }

    pub(super) fn is_active(&self, o: &Operand) -> bool {
        o.val().is_some_and(|v| self.an.active[v])
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
    use std::cmp::Reverse;
    use std::collections::{BinaryHeap, HashMap};
    let n = run.len();
    // Linear in the run's length (a straight-line body of thousands of statements is one run).
    let position: HashMap<ValId, usize> = run.iter().enumerate().map(|(i, l)| (l.dst, i)).collect();
    let deps: Vec<Vec<usize>> = run
        .iter()
        .map(|l| {
            analyse::op_operands(&l.op)
                .into_iter()
                .filter_map(|o| o.val().and_then(|v| position.get(&v).copied()))
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
    // List scheduling: of the statements whose operands are all computed, the one with the
    // highest priority, ties in the written order.
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut waiting: Vec<usize> = vec![0; n];
    for (i, ds) in deps.iter().enumerate() {
        for &d in ds {
            users[d].push(i);
            waiting[i] += 1;
        }
    }
    let mut ready: BinaryHeap<(u32, Reverse<usize>)> = (0..n)
        .filter(|&i| waiting[i] == 0)
        .map(|i| (priority[i], Reverse(i)))
        .collect();
    let mut order = Vec::with_capacity(n);
    while let Some((_, Reverse(i))) = ready.pop() {
        order.push(i);
        for &u in &users[i] {
            waiting[u] -= 1;
            if waiting[u] == 0 {
                ready.push((priority[u], Reverse(u)));
            }
        }
    }
    if order.len() != n {
        // Unreachable for SSA (operands precede their users); keep the written order.
        return (0..n).collect();
    }
    order
}
