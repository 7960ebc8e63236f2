//! Local arrays in the sweeps (the model is in `lower/local_arrays.rs`).
//!
//! Every forward code the generator emits is a *pass*: the forward sweep (the function body), or
//! a recomputation of a loop body or branch at the start of its reverse. An array is
//! *established* in a pass when its values there are the forward sweep's: always in the forward
//! sweep; in a recomputation, when the recomputation emits the array's declaration or starts by
//! putting back its snapshot. Then:
//!
//! * a write runs in every pass that establishes its array (that is the replay), and nowhere
//!   else (elsewhere the array already holds the forward values, and the reverse sweep undoes
//!   the writes one by one);
//! * what is recorded for the reverse sweep (the element a write overwrites, a recorded read,
//!   a snapshot) is recorded in one pass only, the one whose reverse takes it back: the pass of
//!   the block that establishes the array around it (its declaration's block, or the body of
//!   the loop that copies it). A pass further out that replays the array records nothing;
//! * a recorded read is computed where its array is established and taken from its tape
//!   elsewhere.

use super::*;
use std::collections::HashMap;

/// The pass being emitted.
pub(super) struct Pass {
    /// The block (by address) this pass emits: the function body for the forward sweep.
    root: usize,
    /// The forward sweep: every array is established.
    all: bool,
    established: Vec<ValId>,
}

impl Pass {
    pub(super) fn forward(f: &Func) -> Self {
        Pass {
            root: addr(&f.body),
            all: true,
            established: Vec::new(),
        }
    }
}

/// Where the things to record about local arrays are recorded: the block (by address) whose
/// pass records them (see the module's docs).
#[derive(Default)]
pub(super) struct ArrayRoots {
    /// By write id.
    write: HashMap<usize, usize>,
    /// By recorded read.
    read: HashMap<ValId, usize>,
    /// By (construct address, array): the recording block and the snapshot's number.
    snapshot: HashMap<(usize, ValId), (usize, usize)>,
}

pub(super) fn addr<T>(x: &T) -> usize {
    x as *const T as usize
}

impl ArrayRoots {
    pub(super) fn new(f: &Func, root: &[ValId]) -> Self {
        let mut r = ArrayRoots::default();
        let mut at = HashMap::new();
        r.walk(f, root, &f.body, &mut at);
        r
    }

    /// `at`: for each array, the block that establishes it around the statements visited.
    fn walk(&mut self, f: &Func, root: &[ValId], b: &Block, at: &mut HashMap<ValId, usize>) {
        for s in &b.stmts {
            match s {
                Stmt::Let(l) => {
                    if f.values[l.dst].mutable && matches!(l.op, Op::NewArray(_)) {
                        at.insert(l.dst, addr(b));
                    }
                    if f.values[l.dst].tape_read
                        && let Op::Index {
                            arr: Operand::Val(a),
                            ..
                        } = &l.op
                        && let Some(&blk) = at.get(&root[*a])
                    {
                        self.read.insert(l.dst, blk);
                    }
                }
                Stmt::Write(w) => {
                    if let Some(&blk) = at.get(&w.arr) {
                        self.write.insert(w.id, blk);
                    }
                }
                Stmt::If(i) => {
                    self.construct(addr(i), &i.snapshots, at);
                    for blk in [&i.then_block, &i.else_block] {
                        let mut inner = at.clone();
                        inner.extend(i.snapshots.iter().map(|y| (*y, addr(blk))));
                        self.walk(f, root, blk, &mut inner);
                    }
                }
                Stmt::Loop(l) => {
                    self.construct(addr(l), &l.snapshots, at);
                    let mut inner = at.clone();
                    inner.extend(l.snapshots.iter().map(|y| (*y, addr(&l.body))));
                    self.walk(f, root, &l.body, &mut inner);
                }
            }
        }
    }

    fn construct(&mut self, c: usize, ys: &[ValId], at: &HashMap<ValId, usize>) {
        for y in ys {
            if let Some(&blk) = at.get(y) {
                let n = self.snapshot.len();
                self.snapshot.insert((c, *y), (blk, n));
            }
        }
    }
}

impl Gen<'_> {
    /// Emits `f` as the recomputation of block `root` that establishes `snapshots` at its start.
    pub(super) fn recompute<T>(
        &self,
        root: &Block,
        snapshots: &[ValId],
        f: impl FnOnce() -> T,
    ) -> T {
        let saved = self.pass.replace(Pass {
            root: addr(root),
            all: false,
            established: snapshots.to_vec(),
        });
        let out = f();
        self.pass.replace(saved);
        out
    }

    fn established(&self, y: ValId) -> bool {
        let p = self.pass.borrow();
        p.all || p.established.contains(&y)
    }

    /// Whether the pass being emitted records what is recorded in block `blk`.
    fn records(&self, blk: Option<&usize>) -> bool {
        blk == Some(&self.pass.borrow().root)
    }

    /// A declaration of `l` was just emitted in `mode`: a recomputation re-establishes it.
    pub(super) fn declared(&self, l: &Let, mode: Sweep) {
        if mode == Sweep::Recompute
            && self.f.values[l.dst].mutable
            && matches!(l.op, Op::NewArray(_))
        {
            self.pass.borrow_mut().established.push(l.dst);
        }
    }

    /// An element write in `mode`.
    pub(super) fn write_in(&self, w: &Write, mode: Sweep) -> TokenStream {
        if mode == Sweep::Recompute && !self.established(w.arr) {
            return TokenStream::new();
        }
        let log = mode != Sweep::Plain
            && self.f.values[w.arr].restore
            && self.records(self.arrays.write.get(&w.id));
        self.fwd_write(w, log)
    }

    pub(super) fn read_array(&self, l: &Let) -> ValId {
        match &l.op {
            Op::Index {
                arr: Operand::Val(a),
                ..
            } => self.root[*a],
            _ => l.dst,
        }
    }

    /// A recorded element read in `mode`: read (and recorded, in the pass that records it)
    /// where its array is established, taken from its tape elsewhere.
    pub(super) fn taped_read(&self, l: &Let, mode: Sweep) -> TokenStream {
        let (d, t) = (self.ident(l.dst), self.read_tape(l.dst));
        if mode == Sweep::Plain {
            return self.fwd_let(l);
        }
        if self.established(self.read_array(l)) {
            let mut out = self.fwd_let(l);
            if self.records(self.arrays.read.get(&l.dst)) {
                out.extend(quote!(#t.push(#d);));
            }
            out
        } else {
            quote!(let #d: f64 = ::autodiff_runtime::__rt::pop(&mut #t);)
        }
    }

    /// Whether a recomputation must run the loop or `if` `s` for the arrays it re-establishes:
    /// `s` writes one of them, or records a read or a copy of one.
    pub(super) fn replays(&self, s: &Stmt) -> bool {
        if self.pass.borrow().all {
            return false;
        }
        match s {
            Stmt::Write(w) => self.established(w.arr),
            Stmt::Let(l) => {
                self.an.taped[l.dst]
                    && self.established(self.read_array(l))
                    && self.records(self.arrays.read.get(&l.dst))
            }
            Stmt::If(i) => {
                self.copies_here(addr(i), &i.snapshots)
                    || i.then_block
                        .stmts
                        .iter()
                        .chain(&i.else_block.stmts)
                        .any(|s| self.replays(s))
            }
            Stmt::Loop(l) => {
                self.copies_here(addr(l), &l.snapshots)
                    || l.body.stmts.iter().any(|s| self.replays(s))
            }
        }
    }

    /// Whether this pass records a copy that construct `c` takes of one of `ys`.
    fn copies_here(&self, c: usize, ys: &[ValId]) -> bool {
        ys.iter().any(|y| {
            self.arrays
                .snapshot
                .get(&(c, *y))
                .is_some_and(|(blk, _)| self.records(Some(blk)))
        })
    }

    pub(super) fn snapshot_tape(&self, c: usize, y: ValId) -> Option<Ident> {
        let &(_, n) = self.arrays.snapshot.get(&(c, y))?;
        Some(self.f.namer.own(&format!("snapshot{n}")))
    }

    /// The copies of `ys` that construct `c` takes (at every iteration of a loop, before an
    /// `if`), in the pass that records them.
    pub(super) fn snapshot_push(&self, c: usize, ys: &[ValId], mode: Sweep) -> TokenStream {
        let mut out = TokenStream::new();
        if mode == Sweep::Plain {
            return out;
        }
        for y in ys {
            if self.copies_here(c, std::slice::from_ref(y))
                && let Some(t) = self.snapshot_tape(c, *y)
            {
                let a = self.ident(*y);
                out.extend(quote!(#t.push(::core::clone::Clone::clone(&#a));));
            }
        }
        out
    }

    /// Puts back the copies of `ys` that construct `c` took, before its recomputation.
    pub(super) fn snapshot_pop(&self, c: usize, ys: &[ValId]) -> TokenStream {
        let mut out = TokenStream::new();
        for y in ys {
            if let Some(t) = self.snapshot_tape(c, *y) {
                let a = self.ident(*y);
                out.extend(quote!(#a = ::autodiff_runtime::__rt::pop(&mut #t);));
            }
        }
        out
    }
}
