//! The adjoint-creation policy: an adjoint is declared where the reverse sweep first touches
//! it, by its first contribution when that is an `+=`, by a zero otherwise; array adjoints of
//! `mean`/`sum` broadcasts are deferred so a `var`/`std` contribution can absorb them.

use super::*;

impl Gen<'_> {
    /// `let mut v_bar = 0.0;` for the active values defined directly in `b`, and `extra`; except
    /// the values created by their first contribution (see [`Gen::created_by_contribution`]).
    pub fn decl_adjoints(&self, b: &Block, extra: &[ValId]) -> TokenStream {
        let mut vals: Vec<ValId> = extra.to_vec();
        for s in &b.stmts {
            match s {
                Stmt::Let(l) if !self.created_by_contribution(l.dst) => vals.push(l.dst),
                Stmt::Let(_) => {}
                Stmt::If(i) => vals.extend(i.merges.iter().map(|m| m.dst)),
                Stmt::Loop(l) => vals.extend(l.carried.iter().map(|c| c.out)),
                Stmt::Write(_) => {}
            }
        }
        vals.into_iter()
            .filter(|v| self.an.active[*v] && self.root[*v] == *v)
            .map(|v| self.decl_one(v))
            .collect()
    }

    /// A value whose adjoint is declared where the reverse sweep first touches it: by its first
    /// contribution when that is an `ā += c` (`let mut a_bar: f64 = c;`, or `first_adj` for an
    /// array), by a zero otherwise. The value of a `let` in the block being reversed; not a
    /// written local array, not the function's result (which is seeded).
    pub(super) fn created_by_contribution(&self, v: ValId) -> bool {
        let info = &self.f.values[v];
        self.an.active[v]
            && self.root[v] == v
            && !info.mutable
            && !info.restore
            && !self.f.results.iter().any(|r| r.val() == Some(v))
    }

    /// Takes `v` off the pending adjoints; true if it was there.
    pub(super) fn take_pending(&self, v: ValId) -> bool {
        self.pending.borrow_mut().remove(&v)
    }

    /// Zero declarations of the pending adjoints among `vals` (by their roots).
    pub(super) fn declare_pending(&self, vals: impl IntoIterator<Item = ValId>) -> TokenStream {
        let mut out = TokenStream::new();
        for v in vals {
            let r = self.root[v];
            if self.take_pending(r) {
                out.extend(self.decl_one(r));
            }
            out.extend(self.flush_deferred(r));
        }
        out
    }

    /// Creates the deferred adjoint of `r`, if it is one: from its `var`/`std` contribution with
    /// the scalar contributions folded in, or from the scalars alone.
    pub(super) fn flush_deferred(&self, r: ValId) -> TokenStream {
        let d = {
            let mut ds = self.deferred.borrow_mut();
            match ds.iter().position(|d| d.root == r) {
                Some(k) => ds.swap_remove(k),
                None => return TokenStream::new(),
            }
        };
        let (a, x) = (self.adj(r), self.ident(r));
        let rt = rt();
        let total = match d.shifts.split_first() {
            Some((first, rest)) => quote!(#first #(+ #rest)*),
            None => quote!(0.0),
        };
        match d.base {
            Some((plain, _)) if d.shifts.is_empty() => {
                quote!(let mut #a = #rt::first_adj(&#x, #plain);)
            }
            Some((_, shifted)) => {
                let k = self.shift_ident(r);
                quote!(
                    let #k: f64 = #total;
                    let mut #a = #rt::first_adj(&#x, #shifted);
                )
            }
            None => quote!(let mut #a = #rt::first_adj(&#x, #total);),
        }
    }

    /// The variable holding the folded scalar contributions to `r`'s deferred adjoint.
    pub(super) fn shift_ident(&self, r: ValId) -> Ident {
        self.derived(r, "shift")
    }

    pub(super) fn is_deferred(&self, r: ValId) -> bool {
        self.deferred.borrow().iter().any(|d| d.root == r)
    }

    /// Zero declarations of the pending adjoints that the reverse of `s` (a branch, loop or
    /// element write, whose code is nested) may touch.
    pub(super) fn declare_pending_used_by(&self, s: &Stmt) -> TokenStream {
        let mut used = Vec::new();
        analyse::stmt_uses(s, &mut |v| used.push(v));
        if let Stmt::Write(w) = s {
            used.push(w.arr);
        }
        self.declare_pending(used)
    }

    /// `let mut v_bar = 0.0;`, or a zero of v's shape for an array.
    pub fn decl_one(&self, v: ValId) -> TokenStream {
        let a = self.adj(v);
        if self.f.values[v].kind.is_array() {
            let x = self.ident(v);
            quote!(let mut #a = ::autodiff_runtime::__rt::zero_adj(&#x);)
        } else if let Kind::Tuple(n) = self.f.values[v].kind {
            let (tys, zeros) = ((0..n).map(|_| quote!(f64)), (0..n).map(|_| quote!(0.0)));
            quote!(let mut #a: (#(#tys,)*) = (#(#zeros,)*);)
        } else {
            quote!(let mut #a: f64 = 0.0;)
        }
    }

    /// `target_bar += contribution`; through the runtime (which sums broadcasts back to the
    /// target's shape) when arrays are involved.
    /// Creates the adjoint instead when it is pending (see [`Gen::created_by_contribution`]).
    pub(super) fn accum_kind(
        &self,
        target: &Operand,
        contribution: TokenStream,
        array: bool,
    ) -> TokenStream {
        match target {
            Operand::Val(v) if self.an.active[*v] => {
                let a = self.adj(*v);
                let array = array || self.f.values[*v].kind.is_array();
                let r = self.root[*v];
                if self.take_pending(r) {
                    if array {
                        let x = self.ident(r);
                        quote!(let mut #a = ::autodiff_runtime::__rt::first_adj(&#x, #contribution);)
                    } else {
                        quote!(let mut #a: f64 = #contribution;)
                    }
                } else if array {
                    quote!(::autodiff_runtime::__rt::acc(&mut #a, &(#contribution));)
                } else {
                    quote!(#a += #contribution;)
                }
            }
            _ => TokenStream::new(),
        }
    }

    pub(super) fn accum(&self, target: &Operand, contribution: TokenStream) -> TokenStream {
        self.accum_kind(target, contribution, false)
    }
}
