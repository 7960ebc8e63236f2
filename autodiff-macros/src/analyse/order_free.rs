//! Loops whose reverse sweep may run in forward order, and those among them that need no tape.
//!
//! A loop is *order-free* when every carried adjoint passes through an iteration unchanged
//! (`s = s + term`, `s -= term`): the iterations' adjoint contributions are then independent and
//! the reverse sweep may take them in the forward order (the hardware prefetches it, and the sum
//! of the contributions is taken in the function's own order).
//!
//! Running forward, such a loop need not record its carried values either: the reverse sweep can
//! *replay* them, starting from the initial values and applying each iteration's update as the
//! forward sweep did. The running power of least squares (`inner -= x[j] * mul; mul *= t`) is the
//! case in point: the reverse reads `mul` at every iteration, and recording it cost one tape entry
//! per iteration (n·m doubles, out of cache at GradBench's sizes) where recomputing it is one
//! multiply. Replayed loops are chosen before the needed-value analysis, so that it can ask for
//! the initial and next values of their replayed entries instead of recording them.

use super::{Analysis, has_reverse_loop};
use crate::ir::*;
use std::collections::HashSet;

/// Whether the reverse sweep may run this loop's iterations in forward order: it is replayed,
/// or nothing is recorded or counted inside it, nothing is written, and every carried adjoint
/// passes through an iteration unchanged, so iterations are independent.
pub fn order_free(l: &Loop, an: &Analysis) -> bool {
    if an.replayed.contains(&l.id) {
        return true;
    }
    if !matches!(l.head, LoopHead::Range { .. })
        || l.exit.is_some()
        || !super::recorded(l, an).is_empty()
    {
        return false;
    }
    if !quiet(&l.body, an) {
        return false;
    }
    l.carried
        .iter()
        .filter(|c| an.active[c.entry] || an.active[c.out])
        .all(|c| passes_through(c, &l.body, &an.uses))
}

/// No tapes, counts or writes anywhere inside.
fn quiet(b: &Block, an: &Analysis) -> bool {
    b.stmts.iter().all(|s| match s {
        Stmt::Let(l) => !an.taped[l.dst],
        Stmt::Write(_) => false,
        Stmt::If(i) => quiet(&i.then_block, an) && quiet(&i.else_block, an),
        Stmt::Loop(l) => {
            super::recorded(l, an).is_empty()
                && l.exit.is_none()
                && matches!(l.head, LoopHead::Range { .. })
                && quiet(&l.body, an)
        }
    })
}

/// The loops (by id) whose reverse sweep replays their carried values forward instead of
/// popping them from a tape: range loops without an exit or checkpoint, whose carried values
/// are numbers, whose active carried values pass through every iteration, and whose body
/// writes and records nothing (a nested loop with a reverse must be replayed too).
pub fn replayed_loops(func: &Func, active: &[bool], uses: &[usize]) -> HashSet<usize> {
    let mut out = HashSet::new();
    visit(&func.body, &mut |l| {
        if replayable(func, l, active, uses) {
            out.insert(l.id);
        }
    });
    out
}

fn visit<'f>(b: &'f Block, f: &mut impl FnMut(&'f Loop)) {
    for s in &b.stmts {
        match s {
            Stmt::If(i) => {
                visit(&i.then_block, f);
                visit(&i.else_block, f);
            }
            Stmt::Loop(l) => {
                f(l);
                visit(&l.body, f);
            }
            Stmt::Let(_) | Stmt::Write(_) => {}
        }
    }
}

fn replayable(func: &Func, l: &Loop, active: &[bool], uses: &[usize]) -> bool {
    matches!(l.head, LoopHead::Range { .. })
        && l.exit.is_none()
        && l.checkpoint.is_none()
        && l.snapshots.is_empty()
        && l.carried
            .iter()
            .all(|c| !func.values[c.entry].kind.is_array())
        && l.carried
            .iter()
            .filter(|c| active[c.entry] || active[c.out])
            .all(|c| passes_through(c, &l.body, uses) || selection(c, &l.body, uses).is_some())
        && writes_nothing(func, &l.body, active, uses)
}

/// A carried value that a running `max`/`min` selects: `next = max(entry, e)` (or `min`) at the
/// top level of the body, `entry` and `next` read nowhere else (`m = m.max(v)`,
/// `fold(f64::NEG_INFINITY, f64::max)`). Its adjoint reaches one element, the last one to win;
/// winners strictly improve on the running value (a tie keeps the receiver), so, running
/// forward, the last winner is the one winner equal to the final value, and the reverse sweep
/// needs no tape to find it (see `Gen::rev_loop`). `e.max(m)` switches on ties: its last winner
/// is not known until the end, and such a loop is recorded as before.
pub struct Selection<'f> {
    pub fun: MathFn,
    pub elem: &'f Operand,
}

pub fn selection<'f>(c: &Carried, body: &'f Block, uses: &[usize]) -> Option<Selection<'f>> {
    let next = c.next.val()?;
    if uses[c.entry] != 1 || uses[next] != 1 {
        return None;
    }
    body.stmts.iter().find_map(|s| match s {
        Stmt::Let(l) if l.dst == next => match &l.op {
            Op::Math(fun @ (MathFn::Max | MathFn::Min), args)
                if args.len() == 2 && args[0].val() == Some(c.entry) =>
            {
                Some(Selection {
                    fun: *fun,
                    elem: &args[1],
                })
            }
            _ => None,
        },
        _ => None,
    })
}

/// The final values of the selections in replayed loops: the reverse sweep compares each
/// element with it.
pub fn selection_outs(func: &Func, replayed: &HashSet<usize>, uses: &[usize]) -> Vec<ValId> {
    let mut out = vec![];
    visit(&func.body, &mut |l| {
        if replayed.contains(&l.id) {
            for c in &l.carried {
                if selection(c, &l.body, uses).is_some() {
                    out.push(c.out);
                }
            }
        }
    });
    out
}

/// No writes, no recorded element reads, no snapshots; nested loops with a reverse replayed.
fn writes_nothing(func: &Func, b: &Block, active: &[bool], uses: &[usize]) -> bool {
    b.stmts.iter().all(|s| match s {
        Stmt::Let(l) => !func.values[l.dst].tape_read,
        Stmt::Write(_) => false,
        Stmt::If(i) => {
            i.snapshots.is_empty()
                && writes_nothing(func, &i.then_block, active, uses)
                && writes_nothing(func, &i.else_block, active, uses)
        }
        // A nested loop without a reverse only runs forward again: it records nothing.
        Stmt::Loop(n) if !has_reverse_loop(n, active) => {
            n.snapshots.is_empty() && writes_nothing(func, &n.body, active, uses)
        }
        Stmt::Loop(n) => replayable(func, n, active, uses),
    })
}

/// `next` is `entry` plus terms, along a chain of `+`, `-` (entry on the left) and copies in
/// the body's top level whose every link is read exactly once: then ∂next/∂entry = 1.
fn passes_through(c: &Carried, body: &Block, uses: &[usize]) -> bool {
    let Some(mut v) = c.next.val() else {
        return false;
    };
    loop {
        if v == c.entry {
            return uses[v] == 1;
        }
        if uses[v] != 1 {
            return false;
        }
        let def = body.stmts.iter().find_map(|s| match s {
            Stmt::Let(l) if l.dst == v => Some(&l.op),
            _ => None,
        });
        v = match def {
            Some(Op::Copy {
                src, deref: false, ..
            }) => match src.val() {
                Some(s) => s,
                None => return false,
            },
            Some(Op::Arith(Arith::Add, a, b)) => match (a.val(), b.val()) {
                (Some(x), _) if x == c.entry || defined_in(x, body) => {
                    if b.val() == Some(c.entry) {
                        return false;
                    }
                    x
                }
                (_, Some(y)) if y == c.entry || defined_in(y, body) => y,
                _ => return false,
            },
            Some(Op::Arith(Arith::Sub, a, _)) => match a.val() {
                Some(x) => x,
                None => return false,
            },
            _ => return false,
        };
    }
}

fn defined_in(v: ValId, body: &Block) -> bool {
    body.stmts.iter().any(|s| matches!(s, Stmt::Let(l) if l.dst == v && matches!(l.op, Op::Arith(..) | Op::Copy { .. })))
}
