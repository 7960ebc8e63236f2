//! What a recomputation that replays a local array must compute.
//!
//! The reverse sweep recomputes a loop body or a branch at the start of reversing it. Where
//! that block declares a written local array, or puts back the array's snapshot (see
//! `lower/local_arrays.rs`), the recomputation *re-establishes* the array: it runs every write
//! to it inside the block again, nested loops and `if`s included, so that the array holds what
//! it held in the forward sweep. So when the array is needed, so are its writes' values and
//! indices and the control of the loops and `if`s between that block and each write (a loop
//! that runs again needs all its carried values, as for a loop whose results are recomputed).
//! Arrays declared at the top level are never recomputed; only their snapshots are.

use crate::ir::*;
use std::collections::HashMap;

/// For each value, the values that become needed with it: for a written local array, what
/// replaying it computes; for a recorded element read, the control around it up to the block
/// whose recomputation records it.
pub(super) fn replay_needs(func: &Func) -> Vec<Vec<ValId>> {
    let n = func.values.len();
    let mut array_of: Vec<ValId> = (0..n).collect();
    refs(&func.body, &mut array_of);
    let mut w = Walker {
        func,
        array_of,
        needs: vec![Vec::new(); n],
        stack: Vec::new(),
        root: HashMap::new(),
    };
    w.block(&func.body);
    w.needs
}

/// `&y` names `y`: its reads are `y`'s.
fn refs(b: &Block, array_of: &mut [ValId]) {
    for s in &b.stmts {
        match s {
            Stmt::Let(Let {
                dst,
                op: Op::Ref(Operand::Val(src)),
                ..
            }) => array_of[*dst] = array_of[*src],
            Stmt::If(i) => {
                refs(&i.then_block, array_of);
                refs(&i.else_block, array_of);
            }
            Stmt::Loop(l) => refs(&l.body, array_of),
            Stmt::Let(_) | Stmt::Write(_) => {}
        }
    }
}

struct Walker<'f> {
    func: &'f Func,
    array_of: Vec<ValId>,
    needs: Vec<Vec<ValId>>,
    /// The loops and `if`s around the statement being visited, outermost first.
    stack: Vec<&'f Stmt>,
    /// For an array that some recomputation re-establishes here: how many constructs of
    /// `stack` are around the block that does (those after them are replayed inside it).
    root: HashMap<ValId, usize>,
}

impl<'f> Walker<'f> {
    fn block(&mut self, b: &'f Block) {
        for s in &b.stmts {
            match s {
                Stmt::Let(l) => {
                    if matches!(l.op, Op::NewArray(_)) && self.func.values[l.dst].mutable {
                        if self.stack.is_empty() {
                            self.root.remove(&l.dst);
                        } else {
                            self.root.insert(l.dst, self.stack.len());
                        }
                    }
                    if self.func.values[l.dst].tape_read
                        && let Op::Index {
                            arr: Operand::Val(a),
                            ..
                        } = &l.op
                        && let Some(&r) = self.root.get(&self.array_of[*a])
                    {
                        let c = control(&self.stack[r..]);
                        self.needs[l.dst].extend(c);
                    }
                }
                Stmt::Write(wr) => {
                    if let Some(&r) = self.root.get(&wr.arr) {
                        let mut c = control(&self.stack[r..]);
                        c.extend(wr.val.val());
                        c.extend(wr.idx.iter().filter_map(Operand::val));
                        self.needs[wr.arr].extend(c);
                    }
                }
                Stmt::If(i) => {
                    self.snapshots(s, &i.snapshots);
                    self.inside(s, &i.snapshots, &[&i.then_block, &i.else_block]);
                }
                Stmt::Loop(l) => {
                    self.snapshots(s, &l.snapshots);
                    self.inside(s, &l.snapshots, &[&l.body]);
                }
            }
        }
    }

    /// A construct that copies `ys`: replaying an array where it is re-established outside
    /// runs this construct too (to copy it again).
    fn snapshots(&mut self, s: &'f Stmt, ys: &[ValId]) {
        for y in ys {
            if let Some(&r) = self.root.get(y) {
                let mut c = control(&self.stack[r..]);
                c.extend(control(std::slice::from_ref(&s)));
                self.needs[*y].extend(c);
            }
        }
    }

    /// The blocks of construct `s`, inside which its snapshots `ys` are re-established.
    fn inside(&mut self, s: &'f Stmt, ys: &[ValId], blocks: &[&'f Block]) {
        self.stack.push(s);
        for b in blocks {
            let saved = self.root.clone();
            for y in ys {
                self.root.insert(*y, self.stack.len());
            }
            self.block(b);
            self.root = saved;
        }
        self.stack.pop();
    }
}

/// What running these constructs again reads besides their bodies: an `if`'s condition; a
/// loop's range, exit and every carried value.
fn control(constructs: &[&Stmt]) -> Vec<ValId> {
    let mut v = Vec::new();
    for s in constructs {
        match s {
            Stmt::If(i) => v.extend(i.cond.val()),
            Stmt::Loop(l) => {
                v.extend(super::loop_control(l));
                v.extend(l.exit.as_ref().and_then(Operand::val));
                for c in &l.carried {
                    v.extend(c.init.val());
                    v.extend(c.next.val());
                }
            }
            Stmt::Let(_) | Stmt::Write(_) => {}
        }
    }
    v
}
