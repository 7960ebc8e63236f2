//! `#[checkpoint(every = k)]` on a `for` loop: memory for recomputation.
//!
//! The forward sweep runs the loop without recording anything inside it, and keeps the loop's
//! whole carried state (a *checkpoint*) at the start of every `k`-th iteration: `⌈n / k⌉`
//! snapshots instead of `n` entries of its tape. The reverse sweep takes the segments last
//! first: it restores a segment's checkpoint, runs the segment forward again recording what the
//! reverse needs (`k` entries at most, and whatever nested loops record), then reverses it.
//! Peak memory drops from `n` tape entries to `⌈n / k⌉` snapshots plus `k` entries; the price is
//! one more forward pass over the loop. With `k ≈ √n` both terms are `√n`.

use super::*;

impl Gen<'_> {
    /// Whether `l` is reversed by segments from checkpoints.
    pub(super) fn checkpointed(&self, l: &Loop) -> bool {
        l.checkpoint.is_some()
            && l.exit.is_none()
            && matches!(l.head, LoopHead::Range { .. })
            && analyse::has_reverse_loop(l, &self.an.active)
    }

    fn segment_tape(&self, id: usize) -> Ident {
        self.f.namer.own(&format!("segment_tape{id}"))
    }

    /// Where the reverse of an iteration of `l` pops its recorded values from.
    pub(super) fn iteration_tape(&self, l: &Loop) -> Ident {
        if self.checkpointed(l) {
            self.segment_tape(l.id)
        } else {
            self.tape(l.id)
        }
    }

    /// The forward sweep of a checkpointed loop: nothing recorded inside, the carried state
    /// kept every `k` iterations.
    pub(super) fn fwd_checkpointed(&self, l: &Loop) -> TokenStream {
        let LoopHead::Range { index, range } = &l.head else {
            return TokenStream::new();
        };
        let rt = rt();
        let entries: Vec<&Ident> = l.carried.iter().map(|c| self.ident(c.entry)).collect();
        let inits: Vec<TokenStream> = l.carried.iter().map(|c| self.opnd(&c.init)).collect();
        let nexts: Vec<TokenStream> = l.carried.iter().map(|c| self.opnd(&c.next)).collect();
        let outs: Vec<&Ident> = l.carried.iter().map(|c| self.ident(c.out)).collect();
        let every = l
            .checkpoint
            .as_ref()
            .map(|k| self.opnd(k))
            .unwrap_or_default();
        let (snapshots, left) = (
            self.tape(l.id),
            self.f.namer.own(&format!("until_checkpoint{}", l.id)),
        );
        let i = self.ident(*index);
        let it = self.range_iter(range);
        let seq = self.range_seq(range);
        let body = self.fwd_block(&l.body, Sweep::Plain);
        quote_spanned! {l.span=>
            #(let mut #entries = #inits;)*
            #snapshots.reserve(#rt::checkpoints(#seq.len(), #every));
            let mut #left: usize = 0;
            for #i in #it {
                if #left == 0 {
                    #snapshots.push((#(#entries,)*));
                    #left = #every;
                }
                #left -= 1;
                #body
                #((#entries) = #nexts;)*
            }
            #(let #outs = #entries;)*
        }
    }

    /// The reverse of a checkpointed loop: for each segment, last first, its checkpoint is
    /// restored, the segment run forward again while recording, then reversed with
    /// `iteration` (the reverse of one iteration, which pops from the segment's tape).
    pub(super) fn rev_checkpointed(&self, l: &Loop, iteration: TokenStream) -> TokenStream {
        let LoopHead::Range { index, range } = &l.head else {
            return TokenStream::new();
        };
        let rt = rt();
        let entries: Vec<&Ident> = l.carried.iter().map(|c| self.ident(c.entry)).collect();
        let nexts: Vec<TokenStream> = l.carried.iter().map(|c| self.opnd(&c.next)).collect();
        let every = l
            .checkpoint
            .as_ref()
            .map(|k| self.opnd(k))
            .unwrap_or_default();
        let snapshots = self.tape(l.id);
        let tape = self.segment_tape(l.id);
        let recorded: Vec<&Ident> = analyse::recorded(l, self.an)
            .iter()
            .map(|v| self.ident(*v))
            .collect();
        let i = self.ident(*index);
        let seq = self.range_seq(range);
        let own = |s: &str| self.f.namer.own(&format!("{s}{}", l.id));
        let (all, total, start, len, segment) = (
            own("seq"),
            own("total"),
            own("start"),
            own("len"),
            own("segment"),
        );
        self.rerun.set(true);
        let body = self.fwd_block(&l.body, Sweep::Record);
        self.rerun.set(false);
        quote_spanned! {l.span=>
            let #all = #seq;
            let #total = #all.len();
            let mut #tape = ::std::vec::Vec::with_capacity(#total.min(#every));
            for #segment in (0..#rt::checkpoints(#total, #every)).rev() {
                let #start = #segment * #every;
                let #len = (#total - #start).min(#every);
                let (#(mut #entries,)*) = #rt::pop(&mut #snapshots);
                for #i in #all.segment(#start, #len).iter() {
                    #tape.push((#(#recorded,)*));
                    #body
                    #((#entries) = #nexts;)*
                }
                for #i in #all.segment(#start, #len).reversed() {
                    #iteration
                }
            }
        }
    }

    /// The tape's description of a checkpointed loop.
    pub(super) fn checkpoint_summary(&self, l: &Loop) -> String {
        let names: Vec<String> = l
            .carried
            .iter()
            .map(|c| {
                let n = self.f.values[c.entry].user_name.clone().unwrap_or_default();
                format!("`{}`", n.trim_start_matches('#'))
            })
            .collect();
        format!(
            "loop {} keeps {} at the start of every k-th iteration (`#[checkpoint(every = k)]`) and records each segment again in the reverse sweep",
            l.id + 1,
            names.join(", ")
        )
    }
}
