//! The running maxima and minima of replayed loops (`m = m.max(v)`, see
//! `analyse::selection`): their reverse runs forward and gives the adjoint to the one element
//! that won and equals the final value; with no such element, to the initial value.

use super::*;

impl Gen<'_> {
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
