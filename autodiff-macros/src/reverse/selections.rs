//! The running maxima and minima of replayed loops (`m = m.max(v)`, see
//! `analyse::selection`): their reverse runs forward and gives the adjoint to the one element
//! that won and equals the final value; with no such element, to the initial value.

use super::*;

impl Gen<'_> {
    /// Before the loop: the iteration counter and count (for a NaN final value) and the flags
    /// that say whether an element won. Only range loops are replayed, so `selections` is
    /// empty for any other.
    pub(super) fn declare_selections(
        &self,
        l: &Loop,
        selections: &[Option<Selected>],
    ) -> TokenStream {
        let mut out = TokenStream::new();
        if let (true, LoopHead::Range { range, .. }) =
            (selections.iter().any(Option::is_some), &l.head)
        {
            let (pos, total) = self.positions(l);
            let seq = self.range_seq(range);
            out.extend(quote!(let mut #pos: usize = 0; let #total: usize = #seq.len();));
        }
        for won in selections.iter().flatten().filter_map(|s| s.won.as_ref()) {
            out.extend(quote!(let mut #won = false;));
        }
        out
    }

    /// In the iteration: whether this element is the one that takes the adjoint.
    pub(super) fn pick(&self, l: &Loop, c: &Carried, s: &Selected) -> TokenStream {
        let rt = rt();
        let (pick, pf) = (&s.pick, &s.picks_first);
        let (e, fin) = (self.ident(c.entry), self.ident(c.out));
        let (pos, total) = self.positions(l);
        let x = self.rev_operand(&s.elem);
        let x = if self.kind(&s.elem) == Kind::ScalarRef {
            quote!((*#x))
        } else {
            x
        };
        // A NaN final value means every element was NaN and each won: the last.
        let mut out = quote! {
            let #pick: bool = if #fin.is_nan() {
                #pos + 1 == #total
            } else {
                !#rt::#pf(#e, #x) && #x == #fin
            };
        };
        if let Some(won) = &s.won {
            out.extend(quote!(#won |= #pick;));
        }
        out
    }

    /// The running max/min `c` of a replayed loop, with the names its reverse uses.
    pub(super) fn selected(&self, l: &Loop, c: &Carried) -> Option<Selected> {
        if !self.an.replayed.contains(&l.id) {
            return None;
        }
        let s = analyse::selection(c, &l.body, &self.an.uses)?;
        Some(Selected {
            elem: s.elem.clone(),
            picks_first: match s.fun {
                MathFn::Min => format_ident!("min_picks_first"),
                _ => format_ident!("max_picks_first"),
            },
            // Whether an element won, for an initial value that takes the adjoint otherwise.
            won: self
                .is_active(&c.init)
                .then(|| self.derived(c.entry, "won")),
            pick: self.derived(c.entry, "pick"),
        })
    }

    /// The counter of iterations run so far in a replayed loop, and their number.
    pub(super) fn positions(&self, l: &Loop) -> (Ident, Ident) {
        (
            self.f.namer.own(&format!("pos{}", l.id)),
            self.f.namer.own(&format!("total{}", l.id)),
        )
    }
}

/// See [`Gen::selected`].
pub(super) struct Selected {
    pub elem: Operand,
    pub picks_first: Ident,
    pub won: Option<Ident>,
    pub pick: Ident,
}
