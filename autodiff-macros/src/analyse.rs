//! Activity and to-be-recorded analysis over the SSA IR.
//!
//! *Active* values depend on an active input (varied) and influence the output (useful); only
//! they get adjoints. *Needed* values are primal values the reverse sweep reads. Values defined
//! at the top level of the body stay in scope for the reverse sweep; values defined inside a
//! branch or loop body are recomputed there from what they depend on, so their operands are
//! needed too. A loop's carried values that are needed are the only things recorded on a tape:
//! everything else is recomputed or still in scope.

use crate::ir::*;
use crate::rules;

mod order_free;
mod replay;

pub use order_free::{order_free, selection};

pub struct Analysis {
    pub active: Vec<bool>,
    pub needed: Vec<bool>,
    /// Element reads of a restored array that a recomputation would see overwritten (the plan's
    /// `tape_read`) and whose values the reverse sweep needs: recorded when read.
    pub taped: Vec<bool>,
    /// How many times each value is read (as an operand, condition, merge or carried value).
    pub uses: Vec<usize>,
    /// The exit flags that the reverse sweep knows from the iteration's position (see
    /// [`positional_exit`]).
    pub positional: Vec<bool>,
    /// Loops (by id) whose reverse sweep runs forward and replays the carried values it needs
    /// from their initial values instead of recording them (see `order_free.rs`).
    pub replayed: std::collections::HashSet<usize>,
}

#[derive(Clone, Copy)]
enum Def {
    Param,
    Let {
        top: bool,
    },
    Merge {
        top: bool,
    },
    Out {
        top: bool,
    },
    Entry,
    Index,
    /// The exit flag of a `loop`/`while` (see [`positional_exit`]): known in the reverse sweep
    /// from the iteration's position, so what it is computed from is not needed there.
    Exit,
}

struct Graph<'f> {
    forward: Vec<Vec<ValId>>,
    backward: Vec<Vec<ValId>>,
    def: Vec<Def>,
    lets: Vec<Option<&'f Let>>,
    merge_of: Vec<Option<(&'f If, usize)>>,
    out_of: Vec<Option<&'f Loop>>,
    /// The loop and carried slot that define each entry value.
    entry_of: Vec<Option<(&'f Loop, usize)>>,
}

pub fn analyse(func: &Func, active_params: &[ValId]) -> Analysis {
    let n = func.values.len();
    let mut g = Graph {
        forward: vec![vec![]; n],
        backward: vec![vec![]; n],
        def: vec![Def::Param; n],
        lets: vec![None; n],
        merge_of: vec![None; n],
        out_of: vec![None; n],
        entry_of: vec![None; n],
    };
    g.block(&func.body, true);

    let varied = reach(&g.forward, active_params.iter().copied());
    let useful = reach(&g.backward, func.results.iter().filter_map(Operand::val));
    // A restored array is reversed whatever its activity: its writes must be undone.
    let active: Vec<bool> = (0..n)
        .map(|v| (varied[v] && useful[v]) || func.values[v].restore)
        .collect();

    let mut uses = vec![0; n];
    count_uses(&func.body, &mut uses);
    for r in func.results.iter().filter_map(Operand::val) {
        uses[r] += 1;
    }
    let replayed = order_free::replayed_loops(func, &active, &uses);

    let mut needed = vec![false; n];
    // What replaying a local array (or recording a read) in a recomputation needs.
    let extra = replay::replay_needs(func);
    let mut work = vec![];
    initial_needs(&func.body, &active, &mut work);
    work.extend(order_free::selection_outs(func, &replayed, &uses));
    // An array's adjoint is made with the array's shape: the array must be at hand.
    work.extend((0..n).filter(|v| active[*v] && func.values[*v].kind.is_array()));
    while let Some(v) = work.pop() {
        if needed[v] {
            continue;
        }
        needed[v] = true;
        work.extend(&extra[v]);
        match g.def[v] {
            Def::Entry => {
                // A replayed entry is recomputed from the initial value by the updates.
                if let Some((l, k)) = g.entry_of[v]
                    && replayed.contains(&l.id)
                {
                    work.extend(l.carried[k].init.val());
                    work.extend(l.carried[k].next.val());
                }
            }
            Def::Param | Def::Index | Def::Exit => {}
            Def::Let { top: true } | Def::Merge { top: true } | Def::Out { top: true } => {}
            Def::Let { top: false } => {
                if let Some(l) = g.lets[v] {
                    work.extend(op_operands(&l.op).iter().filter_map(|o| o.val()));
                }
            }
            Def::Merge { top: false } => {
                if let Some((i, m)) = g.merge_of[v] {
                    work.extend(i.cond.val());
                    work.extend(i.merges[m].then_val.val());
                    work.extend(i.merges[m].else_val.val());
                }
            }
            Def::Out { top: false } => {
                // The loop must run again where this value is recomputed.
                if let Some(l) = g.out_of[v] {
                    for c in &l.carried {
                        work.extend(c.init.val());
                        work.extend(c.next.val());
                    }
                    work.extend(loop_control(l));
                    work.extend(l.exit.as_ref().and_then(Operand::val));
                }
            }
        }
    }
    let taped: Vec<bool> = (0..n)
        .map(|v| needed[v] && func.values[v].tape_read)
        .collect();
    let positional = (0..n).map(|v| matches!(g.def[v], Def::Exit)).collect();
    Analysis {
        active,
        needed,
        taped,
        uses,
        positional,
        replayed,
    }
}

fn count_uses(b: &Block, uses: &mut [usize]) {
    for s in &b.stmts {
        stmt_uses(s, &mut |v| uses[v] += 1);
    }
}

/// Calls `f` for every value read by `s` (nested blocks included), once per read.
pub fn stmt_uses(s: &Stmt, f: &mut impl FnMut(ValId)) {
    fn bump(o: &Operand, f: &mut impl FnMut(ValId)) {
        if let Some(v) = o.val() {
            f(v);
        }
    }
    match s {
        Stmt::Let(l) => op_operands(&l.op).into_iter().for_each(|o| bump(o, f)),
        Stmt::Write(w) => {
            bump(&w.val, f);
            w.idx.iter().for_each(|o| bump(o, f));
        }
        Stmt::If(i) => {
            bump(&i.cond, f);
            for m in &i.merges {
                bump(&m.then_val, f);
                bump(&m.else_val, f);
            }
            for s in i.then_block.stmts.iter().chain(&i.else_block.stmts) {
                stmt_uses(s, f);
            }
        }
        Stmt::Loop(l) => {
            for c in &l.carried {
                bump(&c.init, f);
                bump(&c.next, f);
            }
            if let Some(e) = &l.exit {
                bump(e, f);
            }
            for v in loop_control(l) {
                f(v);
            }
            for s in &l.body.stmts {
                stmt_uses(s, f);
            }
        }
    }
}

fn reach(edges: &[Vec<ValId>], start: impl IntoIterator<Item = ValId>) -> Vec<bool> {
    let mut seen = vec![false; edges.len()];
    let mut stack: Vec<ValId> = start.into_iter().collect();
    while let Some(v) = stack.pop() {
        if seen[v] {
            continue;
        }
        seen[v] = true;
        stack.extend(edges[v].iter().copied());
    }
    seen
}

impl<'f> Graph<'f> {
    fn edge(&mut self, from: &Operand, to: ValId) {
        if let Operand::Val(f) = from {
            self.forward[*f].push(to);
            self.backward[to].push(*f);
        }
    }

    fn block(&mut self, b: &'f Block, top: bool) {
        for s in &b.stmts {
            match s {
                Stmt::Let(l) => {
                    self.def[l.dst] = Def::Let { top };
                    self.lets[l.dst] = Some(l);
                    for o in differentiable_operands(&l.op) {
                        self.edge(o, l.dst);
                    }
                }
                Stmt::If(i) => {
                    self.block(&i.then_block, false);
                    self.block(&i.else_block, false);
                    for (k, m) in i.merges.iter().enumerate() {
                        self.def[m.dst] = Def::Merge { top };
                        self.merge_of[m.dst] = Some((i, k));
                        self.edge(&m.then_val, m.dst);
                        self.edge(&m.else_val, m.dst);
                    }
                }
                Stmt::Loop(l) => {
                    if let LoopHead::Range { index, .. } = &l.head {
                        self.def[*index] = Def::Index;
                    }
                    for (k, c) in l.carried.iter().enumerate() {
                        self.def[c.entry] = Def::Entry;
                        self.entry_of[c.entry] = Some((l, k));
                        self.def[c.out] = Def::Out { top };
                        self.out_of[c.out] = Some(l);
                        self.edge(&c.init, c.entry);
                        self.edge(&Operand::Val(c.entry), c.out);
                    }
                    self.block(&l.body, false);
                    for c in &l.carried {
                        self.edge(&c.next, c.entry);
                    }
                    // Only at the top level of the body: a loop inside a branch or another loop
                    // may run again in a recomputation (to fill its arrays again, or for its
                    // results), and then its flag is computed as written.
                    if top && let Some(e) = positional_exit(l) {
                        self.def[e] = Def::Exit;
                    }
                }
                // The array depends on what is written into it.
                Stmt::Write(w) => self.edge(&w.val, w.arr),
            }
        }
    }
}

/// Operands through which a derivative can flow.
fn differentiable_operands(op: &Op) -> Vec<&Operand> {
    match op {
        Op::Copy { src, .. } => vec![src],
        Op::Neg(a) | Op::CastFloat(a) => vec![a],
        Op::Arith(_, a, b) => vec![a, b],
        Op::Math(MathFn::Signum, _) => vec![],
        Op::Math(MathFn::Powi, args) => vec![&args[0]],
        Op::Math(_, args) => args.iter().collect(),
        Op::Call { args, .. } => args.iter().collect(),
        Op::Inactive(_) => vec![],
        Op::Ref(a) | Op::Field(a, _) => vec![a],
        Op::Index { arr, .. } => vec![arr],
        Op::NewArray(
            NewArray::Vec(v, _)
            | NewArray::FromElem1(v, _)
            | NewArray::FromElem2(v, _, _)
            | NewArray::Repeat(v, _),
        ) => vec![v],
        Op::NewArray(NewArray::FromElems(elems, _)) => elems.iter().collect(),
        Op::NewArray(_) => vec![],
        Op::Slice { arr, .. } => vec![arr],
        Op::MapClosure(mc) => std::iter::once(&mc.arr).chain(&mc.captures).collect(),
        Op::Array(m, args) => match m {
            ArrayMethod::Dot => vec![&args[0], &args[1]],
            m if m.is_shape() => vec![],
            _ => vec![&args[0]],
        },
    }
}

/// Every operand (what recomputing the operation reads).
pub fn op_operands(op: &Op) -> Vec<&Operand> {
    match op {
        Op::Copy { src, .. } => vec![src],
        Op::Neg(a) | Op::CastFloat(a) => vec![a],
        Op::Arith(_, a, b) => vec![a, b],
        Op::Math(_, args) | Op::Call { args, .. } => args.iter().collect(),
        Op::Inactive(InactiveOp::Not(a))
        | Op::Inactive(InactiveOp::Cast(a, _))
        | Op::Inactive(InactiveOp::Matches(a, _))
        | Op::Inactive(InactiveOp::Extract(a, _, _))
        | Op::Inactive(InactiveOp::StopGradient(a)) => vec![a],
        Op::Inactive(InactiveOp::Binary(_, a, b)) => vec![a, b],
        Op::Inactive(InactiveOp::Method(_, args)) => args.iter().collect(),
        Op::Inactive(InactiveOp::Debug(_)) => vec![],
        Op::Ref(a) | Op::Field(a, _) => vec![a],
        Op::Index { arr, idx, .. } => std::iter::once(arr).chain(idx.iter()).collect(),
        Op::Array(_, args) => args.iter().collect(),
        Op::NewArray(NewArray::Zeros1(n) | NewArray::ZerosLike(n)) => vec![n],
        Op::NewArray(NewArray::Zeros2(a, b) | NewArray::Vec(a, b) | NewArray::FromElem1(a, b)) => {
            vec![a, b]
        }
        Op::NewArray(NewArray::FromElem2(v, r, c)) => vec![v, r, c],
        Op::NewArray(NewArray::Repeat(v, _)) => vec![v],
        Op::NewArray(NewArray::FromElems(elems, _)) => elems.iter().collect(),
        Op::Slice { arr, elems, .. } => std::iter::once(arr)
            .chain(elems.iter().flat_map(SliceElem::operands))
            .collect(),
        Op::MapClosure(mc) => std::iter::once(&mc.arr).chain(&mc.captures).collect(),
    }
}

/// The exit flag of a `loop` or `while` when a statement at the top level of its body defines
/// it. Such a loop leaves when the flag is true at the end of an iteration, so the flag was true
/// in the last iteration and false in every other: the reverse sweep, which runs the
/// iterations backwards by count, knows it without recomputing it (a `while k < n` loop then
/// records neither `k` nor anything else the condition reads).
pub fn positional_exit(l: &Loop) -> Option<ValId> {
    if !matches!(l.head, LoopHead::Forever) {
        return None;
    }
    let e = l.exit.as_ref()?.val()?;
    l.body
        .stmts
        .iter()
        .any(|s| matches!(s, Stmt::Let(d) if d.dst == e))
        .then_some(e)
}

pub(crate) fn loop_control(l: &Loop) -> Vec<ValId> {
    let mut v = vec![];
    if let LoopHead::Range { range, .. } = &l.head {
        v.extend(range.lo.val());
        v.extend(range.hi.val());
        for a in &range.adaptors {
            if let Adaptor::StepBy(s) = a {
                v.extend(s.val());
            }
        }
    }
    // The reverse sweep cuts the range into segments of this length.
    v.extend(l.checkpoint.as_ref().and_then(Operand::val));
    v
}

/// Primal values that the reverse sweep reads directly.
fn initial_needs(b: &Block, active: &[bool], work: &mut Vec<ValId>) {
    for s in &b.stmts {
        match s {
            Stmt::Let(l) if active[l.dst] => match &l.op {
                Op::Call { args, .. } => work.extend(args.iter().filter_map(Operand::val)),
                op => {
                    let operands = op_operands(op);
                    let act: Vec<bool> = operands
                        .iter()
                        .map(|o| o.val().is_some_and(|v| active[v]))
                        .collect();
                    for need in rules::needs(op, &act) {
                        match need {
                            rules::Need::Operand(i) => work.extend(operands[i].val()),
                            rules::Need::Result => work.push(l.dst),
                        }
                    }
                }
            },
            Stmt::Let(_) => {}
            Stmt::If(i) => {
                if has_reverse_if(i, active) {
                    work.extend(i.cond.val());
                }
                initial_needs(&i.then_block, active, work);
                initial_needs(&i.else_block, active, work);
            }
            Stmt::Loop(l) => {
                if has_reverse_loop(l, active) {
                    work.extend(loop_control(l));
                }
                initial_needs(&l.body, active, work);
            }
            Stmt::Write(w) => {
                if active[w.arr] {
                    work.extend(w.idx.iter().filter_map(|o| o.val()));
                }
            }
        }
    }
}

pub fn has_reverse(b: &Block, active: &[bool]) -> bool {
    b.stmts.iter().any(|s| match s {
        Stmt::Let(l) => active[l.dst],
        Stmt::If(i) => has_reverse_if(i, active),
        Stmt::Loop(l) => has_reverse_loop(l, active),
        Stmt::Write(w) => active[w.arr],
    })
}

pub fn has_reverse_if(i: &If, active: &[bool]) -> bool {
    i.merges.iter().any(|m| active[m.dst])
        || has_reverse(&i.then_block, active)
        || has_reverse(&i.else_block, active)
}

pub fn has_reverse_loop(l: &Loop, active: &[bool]) -> bool {
    l.carried.iter().any(|c| active[c.entry] || active[c.out]) || has_reverse(&l.body, active)
}

/// Entries of `l` to record on its tape, in carried order.
pub fn recorded(l: &Loop, an: &Analysis) -> Vec<ValId> {
    if !has_reverse_loop(l, &an.active) || an.replayed.contains(&l.id) {
        return vec![];
    }
    l.carried
        .iter()
        .map(|c| c.entry)
        .filter(|e| an.needed[*e])
        .collect()
}
