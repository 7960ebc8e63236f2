//! What a restored local array needs so that every recomputation reads what the forward sweep
//! read (see `local_arrays.rs` for the model).
//!
//! The reverse sweep recomputes a loop body (or a branch) at the start of reversing each of its
//! iterations, when the array holds what it held at the *end* of that iteration. A read in the
//! iteration is then right unless a write later in the same iteration may overwrite the element:
//! a *late* read. For each loop or `if` that writes the array, in the block where the array is
//! kept right (its declaration's block, at first):
//!
//! * no late read: nothing to do (a scratch buffer filled, then read, in each iteration);
//! * a late element read that only the reverse of the loop or `if` directly around it
//!   recomputes (it is directly in the construct's body, or inside nested loops and `if`s that
//!   carry no values and write only this array, which no other recomputation runs again)
//!   records its value when read and takes it back when recomputed (a recurrence
//!   `y[i] = y[i - 1] * a`, also inside a branch; `k[1] = f(k[0])` then a later `k[0] = ..`);
//! * otherwise (a whole use, a read in a nested loop that carries a value) the innermost loop or
//!   `if` around the read that only its own reverse recomputes copies the array when it starts
//!   (at every iteration of a loop: a snapshot), and the reverse sweep puts the copy back before
//!   recomputing it, which then replays its writes; inside it, the same questions are asked
//!   again, one level down.
//!
//! A view, a slice or an element reference of the array (which borrows it) may not be followed
//! by a write in the same block: the reverse sweep would undo the write while it still uses the
//! borrow. That is the one thing refused.

use super::local_arrays::{op_reads, writes};
use super::*;

pub(super) struct Plan<'a> {
    y: ValId,
    aliases: &'a [ValId],
    name: &'a str,
    /// Late element reads whose values are recorded.
    pub tape: Vec<ValId>,
    /// The constructs (by address) where the array is copied at every iteration.
    pub snapshots: Vec<usize>,
    pub error: Option<(Span, String)>,
}

/// A read of the array seen so far in an iteration, with its index when it is made of literals.
#[derive(Clone)]
struct Open {
    v: ValId,
    lit: Option<Vec<String>>,
}

impl<'a> Plan<'a> {
    pub(super) fn new(y: ValId, aliases: &'a [ValId], name: &'a str) -> Self {
        Plan {
            y,
            aliases,
            name,
            tape: Vec::new(),
            snapshots: Vec::new(),
            error: None,
        }
    }

    /// The statements of a block in which the array is kept right (holds, whenever they are
    /// recomputed, what it held in the forward sweep).
    pub(super) fn scope(&mut self, stmts: &[Stmt]) {
        for (k, s) in stmts.iter().enumerate() {
            if let Stmt::Let(l) = s
                && self.borrows(&l.op)
                && stmts[k + 1..].iter().any(|t| writes(t, self.y))
            {
                let name = self.name;
                self.error = Some((
                    l.span,
                    format!(
                        "`{name}` is borrowed here (a view, a slice or an element reference) and written later in the same block: the reverse sweep would undo the later write while it still uses the borrow; read the elements you need into f64 variables (`let a = {name}[i];`), or take the view after the last write"
                    ),
                ));
                return;
            }
        }
        for s in stmts {
            if self.error.is_some() {
                return;
            }
            let blocks: Vec<&Block> = match s {
                Stmt::Loop(l) => vec![&l.body],
                Stmt::If(i) => vec![&i.then_block, &i.else_block],
                Stmt::Let(_) | Stmt::Write(_) => continue,
            };
            if writes(s, self.y) {
                self.construct(s, &blocks);
            }
        }
    }

    /// The reads in `stmts` (run once) that a later write may overwrite.
    pub(super) fn late(&self, stmts: &[Stmt]) -> Vec<ValId> {
        let mut late = Vec::new();
        self.late_reads(stmts, &mut Vec::new(), &mut late);
        late
    }

    /// A loop or `if` of the scope that writes the array. Each late read is recorded, or else
    /// the array is copied by the innermost loop or `if` around the read that only its own
    /// reverse recomputes: `c` itself, or one inside it reached through loops and `if`s that
    /// carry no values and write only this array (which no recomputation between runs again).
    fn construct(&mut self, c: &Stmt, blocks: &[&Block]) {
        let mut late = Vec::new();
        for b in blocks {
            self.late_reads(&b.stmts, &mut Vec::new(), &mut late);
        }
        let mut tape = Vec::new();
        let mut targets: Vec<&Stmt> = Vec::new();
        for r in late {
            let mut chain = Vec::new();
            let found = blocks
                .iter()
                .find_map(|b| find_let(&b.stmts, r, &mut chain));
            let quiet = chain.iter().take_while(|k| self.quiet(k)).count();
            let by_value = matches!(
                found,
                Some(Let {
                    op: Op::Index { by_ref: false, .. },
                    ..
                })
            );
            if found.is_some() && by_value && quiet == chain.len() {
                tape.push(r);
            } else if found.is_none() || quiet == 0 {
                targets.push(c);
            } else {
                targets.push(chain[quiet - 1]);
            }
        }
        if targets.iter().any(|t| std::ptr::eq(*t, c)) {
            targets = vec![c];
            tape.clear();
        }
        // The outermost targets: a copy re-establishes everything inside it.
        let outer: Vec<&Stmt> = targets
            .iter()
            .filter(|t| {
                !targets
                    .iter()
                    .any(|o| !std::ptr::eq(*o, **t) && contains(o, t))
            })
            .copied()
            .collect();
        for t in &outer {
            let at = *t as *const Stmt as usize;
            if self.snapshots.contains(&at) {
                continue;
            }
            self.snapshots.push(at);
            match t {
                Stmt::Loop(l) => self.scope(&l.body.stmts),
                Stmt::If(i) => {
                    self.scope(&i.then_block.stmts);
                    self.scope(&i.else_block.stmts);
                }
                Stmt::Let(_) | Stmt::Write(_) => {}
            }
        }
        for r in tape {
            let inside = outer.iter().any(|t| {
                let mut chain = Vec::new();
                match t {
                    Stmt::Loop(l) => find_let(&l.body.stmts, r, &mut chain).is_some(),
                    Stmt::If(i) => {
                        find_let(&i.then_block.stmts, r, &mut chain).is_some()
                            || find_let(&i.else_block.stmts, r, &mut chain).is_some()
                    }
                    Stmt::Let(_) | Stmt::Write(_) => false,
                }
            });
            if !inside && !self.tape.contains(&r) {
                self.tape.push(r);
            }
        }
    }

    /// Reads of the array in `stmts` (one pass of an iteration) that a later write of the same
    /// pass may overwrite. `open`: the reads seen so far. After a nested loop, its writes also
    /// follow every read so far (those of its next iteration).
    fn late_reads(&self, stmts: &[Stmt], open: &mut Vec<Open>, late: &mut Vec<ValId>) {
        for s in stmts {
            match s {
                Stmt::Let(l) => {
                    if op_reads(&l.op, self.aliases) {
                        let lit = match &l.op {
                            Op::Index { idx, .. } => literal_index(idx),
                            _ => None,
                        };
                        open.push(Open { v: l.dst, lit });
                    }
                }
                Stmt::Write(w) if w.arr == self.y => overwritten(open, w, late),
                Stmt::Write(_) => {}
                Stmt::If(i) => {
                    let mut other = open.clone();
                    self.late_reads(&i.then_block.stmts, open, late);
                    self.late_reads(&i.else_block.stmts, &mut other, late);
                    for o in other {
                        if !open.iter().any(|x| x.v == o.v) {
                            open.push(o);
                        }
                    }
                    let is_y = |o: &Operand| o.val().is_some_and(|v| self.aliases.contains(&v));
                    for m in &i.merges {
                        if is_y(&m.then_val) || is_y(&m.else_val) {
                            open.push(Open {
                                v: m.dst,
                                lit: None,
                            });
                        }
                    }
                }
                Stmt::Loop(l) => {
                    self.late_reads(&l.body.stmts, open, late);
                    // The next iteration's writes follow every read so far.
                    let mut ws = Vec::new();
                    writes_of(&l.body.stmts, self.y, &mut ws);
                    for w in ws {
                        overwritten(open, w, late);
                    }
                }
            }
        }
    }

    /// A loop or `if` that no recomputation runs again for its own sake: it carries no values
    /// and writes no array but this one (which is not re-established between).
    fn quiet(&self, k: &Stmt) -> bool {
        let only_y = |b: &Block| only_writes(&b.stmts, self.y);
        match k {
            Stmt::Loop(l) => l.carried.is_empty() && only_y(&l.body),
            Stmt::If(i) => i.merges.is_empty() && only_y(&i.then_block) && only_y(&i.else_block),
            Stmt::Let(_) | Stmt::Write(_) => false,
        }
    }

    /// An operation whose value borrows the array: a view, a slice, an element reference.
    fn borrows(&self, op: &Op) -> bool {
        let is_y = |o: &Operand| o.val().is_some_and(|v| self.aliases.contains(&v));
        match op {
            Op::Index {
                arr, by_ref: true, ..
            } => is_y(arr),
            Op::Slice { arr, .. } => is_y(arr),
            Op::Array(
                ArrayMethod::T
                | ArrayMethod::View
                | ArrayMethod::Column
                | ArrayMethod::Row
                | ArrayMethod::Broadcast
                | ArrayMethod::InsertAxis,
                args,
            ) => args.first().is_some_and(is_y),
            _ => false,
        }
    }
}

/// The `let` that defines `v` in `stmts`, and the loops and `if`s around it there.
fn find_let<'s>(stmts: &'s [Stmt], v: ValId, chain: &mut Vec<&'s Stmt>) -> Option<&'s Let> {
    for s in stmts {
        match s {
            Stmt::Let(l) if l.dst == v => return Some(l),
            Stmt::Let(_) | Stmt::Write(_) => {}
            Stmt::If(i) => {
                chain.push(s);
                if let Some(l) = find_let(&i.then_block.stmts, v, chain)
                    .or_else(|| find_let(&i.else_block.stmts, v, chain))
                {
                    return Some(l);
                }
                chain.pop();
            }
            Stmt::Loop(l) => {
                chain.push(s);
                if let Some(l) = find_let(&l.body.stmts, v, chain) {
                    return Some(l);
                }
                chain.pop();
            }
        }
    }
    None
}

/// Whether construct `outer` has `inner` somewhere inside.
fn contains(outer: &Stmt, inner: &Stmt) -> bool {
    let blocks: Vec<&Block> = match outer {
        Stmt::Loop(l) => vec![&l.body],
        Stmt::If(i) => vec![&i.then_block, &i.else_block],
        Stmt::Let(_) | Stmt::Write(_) => return false,
    };
    blocks.iter().any(|b| {
        b.stmts
            .iter()
            .any(|s| std::ptr::eq(s, inner) || contains(s, inner))
    })
}

/// Marks as late the reads of `open` that write `w` may overwrite (all but those at another
/// literal index).
fn overwritten(open: &[Open], w: &Write, late: &mut Vec<ValId>) {
    let lit = literal_index(&w.idx);
    for o in open {
        let disjoint = matches!((&o.lit, &lit), (Some(a), Some(b)) if a != b);
        if !disjoint && !late.contains(&o.v) {
            late.push(o.v);
        }
    }
}

/// The writes to `y` anywhere in `stmts`.
fn writes_of<'s>(stmts: &'s [Stmt], y: ValId, out: &mut Vec<&'s Write>) {
    for s in stmts {
        match s {
            Stmt::Write(w) if w.arr == y => out.push(w),
            Stmt::Let(_) | Stmt::Write(_) => {}
            Stmt::If(i) => {
                writes_of(&i.then_block.stmts, y, out);
                writes_of(&i.else_block.stmts, y, out);
            }
            Stmt::Loop(l) => writes_of(&l.body.stmts, y, out),
        }
    }
}

/// Whether every element write in `stmts` is to `y`.
fn only_writes(stmts: &[Stmt], y: ValId) -> bool {
    stmts.iter().all(|s| match s {
        Stmt::Write(w) => w.arr == y,
        Stmt::Let(_) => true,
        Stmt::If(i) => only_writes(&i.then_block.stmts, y) && only_writes(&i.else_block.stmts, y),
        Stmt::Loop(l) => only_writes(&l.body.stmts, y),
    })
}

/// An index made only of integer literals (`k[0]`, `m[[1, 2]]`), as their values.
fn literal_index(idx: &[Operand]) -> Option<Vec<String>> {
    idx.iter()
        .map(|o| match o {
            Operand::Const(t) => match syn::parse2::<syn::LitInt>(t.clone()) {
                Ok(l) => l.base10_parse::<u128>().ok().map(|n| n.to_string()),
                Err(_) => None,
            },
            Operand::Val(_) => None,
        })
        .collect()
}
