//! A tuple chosen by a branch: `let (a, b) = if c { (x, y) } else { (y, x) };`, the same with a
//! block or a `match`, and `(a, b) = if ..`. A tuple never exists as a value (see `tuples.rs`):
//! each part becomes a hidden variable, assigned in every tail of the branches, and the merges
//! that every branch makes for the variables it changes give each part its value after it.

use super::*;

/// The hidden variables that the tails of the branches being lowered assign.
pub(super) struct TupleTail {
    names: Vec<String>,
    /// Tails only of these branches, not of a loop body inside them.
    loop_depth: usize,
}

impl Lowerer<'_> {
    /// Whether `e` chooses its value by branching: an `if` with `else`, a block, a `match`.
    pub(super) fn is_branching(e: &syn::Expr) -> bool {
        match strip_parens(e) {
            syn::Expr::If(i) => i.else_branch.is_some(),
            syn::Expr::Block(b) => b.label.is_none(),
            syn::Expr::Match(_) => true,
            _ => false,
        }
    }

    /// The `n` parts of the tuple that the branching expression `e` gives.
    pub(super) fn tuple_of_branches(
        &mut self,
        e: &syn::Expr,
        n: usize,
        out: &mut Vec<Stmt>,
    ) -> Vec<Operand> {
        let id = self.own_count;
        self.own_count += 1;
        // `#` keeps them apart from every user name; the stem drops it (`tuple3_0__17`).
        let names: Vec<String> = (0..n).map(|k| format!("#tuple{id}_{k}")).collect();
        for name in &names {
            self.bind_new(name, placeholder(), None);
        }
        let outer = self.tuple_tail.replace(TupleTail {
            names: names.clone(),
            loop_depth: self.loop_depth,
        });
        self.expr_stmt(e, out);
        self.tuple_tail = outer;
        names
            .iter()
            .map(|name| self.lookup(name).map_or_else(placeholder, |b| b.op.clone()))
            .collect()
    }

    /// A block's tail expression while [`Lowerer::tuple_of_branches`] lowers its branches:
    /// a tuple (or a call that returns one) is assigned to the hidden parts; a nested branch
    /// is lowered with its own tails coming back here. `false`: not such a tail.
    pub(super) fn tuple_tail_expr(&mut self, e: &syn::Expr, out: &mut Vec<Stmt>) -> bool {
        let Some(tail) = &self.tuple_tail else {
            return false;
        };
        if tail.loop_depth != self.loop_depth {
            return false;
        }
        match strip_parens(e) {
            syn::Expr::If(_) | syn::Expr::Block(_) | syn::Expr::Match(_) => {
                self.expr_stmt(e, out);
                true
            }
            syn::Expr::Tuple(_) | syn::Expr::Call(_) => {
                let names = tail.names.clone();
                if let Some(parts) = self.tuple_value(e, names.len(), out) {
                    for (name, part) in names.iter().zip(parts) {
                        let v = self.fresh(part, e.span(), out);
                        self.assign(name, v, None);
                    }
                }
                true
            }
            _ => false,
        }
    }

    /// Runs `f` with no tuple tail: what it lowers is not in a tail position of the branches.
    pub(super) fn outside_tuple_tail<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        let tail = self.tuple_tail.take();
        let r = f(self);
        self.tuple_tail = tail;
        r
    }
}
