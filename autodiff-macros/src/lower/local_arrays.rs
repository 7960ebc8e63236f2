//! Local arrays written element by element, declared in any scope: whether the reverse sweep
//! must restore what their writes overwrite, and (`array_plan.rs`) how reads that a recomputation
//! would see too late are kept right.
//!
//! How the reverse sweep treats a local array `y` (see `reverse/local_arrays.rs`):
//! * Its writes run in the forward sweep, and again wherever the reverse sweep recomputes the
//!   block that declares it (a loop body, a branch): that recomputation *replays* `y` from its
//!   declaration, so it holds there what it held in the forward sweep.
//! * An array none of whose reads may be overwritten by a later write (in the block that
//!   declares it: filled, then read) needs nothing more: every read sees its final elements.
//! * Otherwise it is *restored*: each write records the element it overwrites, once, and the
//!   reverse of the write puts it back. Then, when the reverse sweep reaches a statement, `y`
//!   holds what it held right after that statement in the forward sweep. A loop body or branch
//!   is recomputed at the start of its reverse, where `y` holds what it held at the *end* of that
//!   iteration: a read there that a later write of the same iteration may overwrite would see
//!   the later value. `array_plan.rs` finds those reads and records them, or copies `y` at the
//!   start of each iteration of the loop that contains them (a snapshot) so that the iteration
//!   is replayed from the copy.

use super::array_plan::Plan;
use super::*;

pub(super) fn classify_local_arrays(
    body: &mut [Stmt],
    values: &mut [ValueInfo],
    errors: &mut Errors,
) {
    let mut snapshots: Vec<(usize, ValId)> = Vec::new();
    {
        let mut decls = Vec::new();
        declarations(body, values, &mut decls);
        for (y, rest) in decls {
            let aliases = aliases(body, y);
            let name = values[y].user_name.clone().unwrap_or_default();
            let mut plan = Plan::new(y, &aliases, &name);
            // Every read sees the element's final value: nothing to restore.
            if plan.late(rest).is_empty() {
                continue;
            }
            values[y].restore = true;
            plan.scope(rest);
            if let Some((span, message)) = plan.error {
                errors.at_span(span, message);
                continue;
            }
            for v in plan.tape {
                values[v].tape_read = true;
            }
            snapshots.extend(plan.snapshots.into_iter().map(|c| (c, y)));
        }
    }
    attach_snapshots(body, &snapshots);
}

/// Every written local array (`mutable`), with the statements that follow its declaration in the
/// block that declares it: its scope.
fn declarations<'a>(stmts: &'a [Stmt], values: &[ValueInfo], out: &mut Vec<(ValId, &'a [Stmt])>) {
    for (k, s) in stmts.iter().enumerate() {
        match s {
            Stmt::Let(l) if values[l.dst].mutable && matches!(l.op, Op::NewArray(_)) => {
                out.push((l.dst, &stmts[k + 1..]));
            }
            Stmt::Let(_) | Stmt::Write(_) => {}
            Stmt::If(i) => {
                declarations(&i.then_block.stmts, values, out);
                declarations(&i.else_block.stmts, values, out);
            }
            Stmt::Loop(l) => declarations(&l.body.stmts, values, out),
        }
    }
}

/// `y` and the references to it (`let r = &y;`, `&r`): reading one of them reads `y`.
fn aliases(body: &[Stmt], y: ValId) -> Vec<ValId> {
    fn walk(stmts: &[Stmt], set: &mut Vec<ValId>) {
        for s in stmts {
            match s {
                Stmt::Let(Let {
                    dst,
                    op: Op::Ref(Operand::Val(a)),
                    ..
                }) if set.contains(a) => set.push(*dst),
                Stmt::If(i) => {
                    walk(&i.then_block.stmts, set);
                    walk(&i.else_block.stmts, set);
                }
                Stmt::Loop(l) => walk(&l.body.stmts, set),
                _ => {}
            }
        }
    }
    let mut set = vec![y];
    walk(body, &mut set);
    set
}

/// Attaches each snapshot to its construct (found by address: the IR has not moved since).
fn attach_snapshots(stmts: &mut [Stmt], snapshots: &[(usize, ValId)]) {
    if snapshots.is_empty() {
        return;
    }
    for s in stmts.iter_mut() {
        let at = s as *const Stmt as usize;
        let mine = snapshots.iter().filter(|(c, _)| *c == at).map(|(_, y)| *y);
        match s {
            Stmt::Loop(l) => {
                l.snapshots.extend(mine);
                attach_snapshots(&mut l.body.stmts, snapshots);
            }
            Stmt::If(i) => {
                i.snapshots.extend(mine);
                attach_snapshots(&mut i.then_block.stmts, snapshots);
                attach_snapshots(&mut i.else_block.stmts, snapshots);
            }
            Stmt::Let(_) | Stmt::Write(_) => {}
        }
    }
}

/// Whether `op` reads the elements of `y` (through one of its `aliases`). The shape does not
/// change with the elements, and `&y` only names `y` (its uses are the reads).
pub(super) fn op_reads(op: &Op, aliases: &[ValId]) -> bool {
    match op {
        Op::Array(m, _) if m.is_shape() => false,
        Op::Ref(_) => false,
        op => crate::analyse::op_operands(op)
            .into_iter()
            .any(|o| o.val().is_some_and(|v| aliases.contains(&v))),
    }
}

/// Whether `s` writes an element of `y` anywhere.
pub(super) fn writes(s: &Stmt, y: ValId) -> bool {
    match s {
        Stmt::Write(w) => w.arr == y,
        Stmt::Let(_) => false,
        Stmt::If(i) => i
            .then_block
            .stmts
            .iter()
            .chain(&i.else_block.stmts)
            .any(|s| writes(s, y)),
        Stmt::Loop(l) => l.body.stmts.iter().any(|s| writes(s, y)),
    }
}
