//! What the forward sweep records: the tapes it declares (one per recording loop, per taped
//! element read, per write to a restored array, per snapshot of one) and the description of
//! them in the generated docs.

use super::*;

impl Gen<'_> {
    pub(super) fn tape(&self, id: usize) -> Ident {
        self.f.namer.own(&format!("tape{id}"))
    }

    pub(super) fn write_tape(&self, id: usize) -> Ident {
        self.f.namer.own(&format!("write_tape{id}"))
    }

    pub(super) fn read_tape(&self, v: ValId) -> Ident {
        self.derived(v, "tape")
    }

    pub(super) fn count(&self, id: usize) -> Ident {
        self.f.namer.own(&format!("count{id}"))
    }

    pub(super) fn iterations(&self, id: usize) -> Ident {
        self.f.namer.own(&format!("n{id}"))
    }

    pub(super) fn counted(&self, l: &Loop) -> bool {
        analyse::has_reverse_loop(l, &self.an.active)
            && (l.exit.is_some() || matches!(l.head, LoopHead::Forever))
    }

    /// `let mut tape_N = Vec::new();` for every loop that records.
    pub fn declare_tapes(&self, b: &Block) -> TokenStream {
        let mut out = TokenStream::new();
        for s in &b.stmts {
            match s {
                Stmt::Let(l) => {
                    if self.an.taped[l.dst] {
                        let t = self.read_tape(l.dst);
                        out.extend(
                            quote!(let mut #t: ::std::vec::Vec<f64> = ::std::vec::Vec::new();),
                        );
                    }
                }
                Stmt::Write(w) => {
                    if self.f.values[w.arr].restore {
                        let t = self.write_tape(w.id);
                        out.extend(
                            quote!(let mut #t: ::std::vec::Vec<f64> = ::std::vec::Vec::new();),
                        );
                    }
                }
                Stmt::If(i) => {
                    out.extend(self.declare_snapshots(local_arrays::addr(i), &i.snapshots));
                    out.extend(self.declare_tapes(&i.then_block));
                    out.extend(self.declare_tapes(&i.else_block));
                }
                Stmt::Loop(l) => {
                    out.extend(self.declare_snapshots(local_arrays::addr(l), &l.snapshots));
                    if !analyse::recorded(l, self.an).is_empty() || self.checkpointed(l) {
                        let t = self.tape(l.id);
                        out.extend(quote!(let mut #t = ::std::vec::Vec::new();));
                    }
                    if self.counted(l) {
                        let c = self.count(l.id);
                        out.extend(
                            quote!(let mut #c: ::std::vec::Vec<usize> = ::std::vec::Vec::new();),
                        );
                    }
                    out.extend(self.declare_tapes(&l.body));
                }
            }
        }
        out
    }

    fn declare_snapshots(&self, c: usize, ys: &[ValId]) -> TokenStream {
        let tapes = ys.iter().filter_map(|y| self.snapshot_tape(c, *y));
        quote!(#(let mut #tapes = ::std::vec::Vec::new();)*)
    }

    fn snapshot_summary(&self, ys: &[ValId], at: &str) -> Vec<String> {
        ys.iter()
            .map(|y| {
                let n = self.f.values[*y].user_name.clone().unwrap_or_default();
                format!("{at} records a copy of `{n}`")
            })
            .collect()
    }

    /// Describes what the function records, for the generated functions' docs (each kind of
    /// record once).
    pub fn tape_summary(&self, b: &Block, out: &mut Vec<String>) {
        let mut all = Vec::new();
        self.summary(b, &mut all);
        for line in all {
            if !out.contains(&line) {
                out.push(line);
            }
        }
    }

    fn summary(&self, b: &Block, out: &mut Vec<String>) {
        for s in &b.stmts {
            match s {
                Stmt::Let(l) => {
                    if self.an.taped[l.dst] {
                        let n = self.f.values[self.read_array(l)]
                            .user_name
                            .clone()
                            .unwrap_or_default();
                        out.push(format!(
                            "reading an element of `{n}` that a later write overwrites records its value"
                        ));
                    }
                }
                Stmt::Write(w) => {
                    if self.f.values[w.arr].restore {
                        let n = self.f.values[w.arr].user_name.clone().unwrap_or_default();
                        out.push(format!(
                            "each write to `{n}` records the element it overwrites"
                        ));
                    }
                }
                Stmt::If(i) => {
                    out.extend(
                        self.snapshot_summary(&i.snapshots, "an `if` that writes a local array"),
                    );
                    self.summary(&i.then_block, out);
                    self.summary(&i.else_block, out);
                }
                Stmt::Loop(l) if self.checkpointed(l) => {
                    out.push(self.checkpoint_summary(l));
                    self.summary(&l.body, out);
                }
                Stmt::Loop(l) => {
                    let per_iteration = format!("each iteration of loop {}", l.id + 1);
                    out.extend(self.snapshot_summary(&l.snapshots, &per_iteration));
                    let rec = analyse::recorded(l, self.an);
                    if !rec.is_empty() {
                        let names: Vec<String> = rec
                            .iter()
                            .map(|v| {
                                let n = self.f.values[*v].user_name.clone().unwrap_or_default();
                                format!("`{}`", n.trim_start_matches('#'))
                            })
                            .collect();
                        out.push(format!(
                            "loop {} records {} per iteration",
                            l.id + 1,
                            names.join(", ")
                        ));
                    }
                    if self.counted(l) {
                        out.push(format!("loop {} records its iteration count", l.id + 1));
                    }
                    self.summary(&l.body, out);
                }
            }
        }
    }
}
