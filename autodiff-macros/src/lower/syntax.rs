//! Small facts about syntax and operands that the lowering rooms share.

use super::*;

/// A user's name, without the `r#` of a raw identifier (`r#x` and `x` are the same variable).
pub(crate) fn name_of(ident: &proc_macro2::Ident) -> String {
    use syn::ext::IdentExt;
    ident.unraw().to_string()
}

pub(crate) fn merged_kind(a: Kind, b: Kind) -> Kind {
    match (a, b) {
        (Kind::Array { dims, is_ref: true }, Kind::Array { is_ref: true, .. }) => {
            Kind::Array { dims, is_ref: true }
        }
        (Kind::Array { dims, .. }, _) | (_, Kind::Array { dims, .. }) => Kind::Array {
            dims,
            is_ref: false,
        },
        (Kind::ScalarRef, Kind::ScalarRef) => Kind::ScalarRef,
        _ => Kind::Scalar,
    }
}

/// Whether two branches leave a binding with the same value (no merge needed).
pub(crate) fn same(a: &Binding, b: &Binding) -> bool {
    same_operand(&a.op, &b.op)
}

/// Whether a `loop` body has a `break value` of its own (not of a nested loop).
pub(crate) fn breaks_with_value(body: &syn::Block) -> bool {
    #[derive(Default)]
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_break(&mut self, b: &'ast syn::ExprBreak) {
            if b.expr.is_some() && b.label.is_none() {
                self.0 = true;
            }
            syn::visit::visit_expr_break(self, b);
        }
        fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
        fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {}
        fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = Finder::default();
    f.visit_block(body);
    f.0
}

/// A float literal (unsuffixed or `f64`) or a path through `f64` (`f64::EPSILON`,
/// `std::f64::consts::PI`).
pub(crate) fn const_is_float(t: &proc_macro2::TokenStream) -> bool {
    match syn::parse2::<syn::Lit>(t.clone()) {
        Ok(syn::Lit::Float(f)) => f.suffix().is_empty() || f.suffix() == "f64",
        Ok(_) => false,
        Err(_) => t
            .clone()
            .into_iter()
            .any(|tt| matches!(tt, proc_macro2::TokenTree::Ident(i) if i == "f64")),
    }
}

/// An operator lowered by [`Lowerer::plain_binary`].
pub(crate) fn is_plain_binary(op: &syn::BinOp) -> bool {
    !matches!(op, syn::BinOp::And(_) | syn::BinOp::Or(_)) && !is_compound_assign(op)
}

/// `+=`, `-=`, ..., `>>=`.
pub(crate) fn is_compound_assign(op: &syn::BinOp) -> bool {
    use syn::BinOp as B;
    matches!(
        op,
        B::AddAssign(_)
            | B::SubAssign(_)
            | B::MulAssign(_)
            | B::DivAssign(_)
            | B::RemAssign(_)
            | B::BitXorAssign(_)
            | B::BitAndAssign(_)
            | B::BitOrAssign(_)
            | B::ShlAssign(_)
            | B::ShrAssign(_)
    )
}

pub(crate) fn same_operand(a: &Operand, b: &Operand) -> bool {
    match (a, b) {
        (Operand::Val(x), Operand::Val(y)) => x == y,
        (Operand::Const(x), Operand::Const(y)) => x.to_string() == y.to_string(),
        _ => false,
    }
}

pub(crate) fn strip_parens(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => strip_parens(&p.expr),
        syn::Expr::Group(g) => strip_parens(&g.expr),
        other => other,
    }
}

pub(crate) fn assign_target_name(e: &syn::Expr) -> Option<String> {
    match strip_parens(e) {
        syn::Expr::Path(p) => p.path.get_ident().map(name_of),
        _ => None,
    }
}

/// The non-assigning form of a compound assignment operator (`%=` → `%`).
pub(crate) fn plain_op(op: &syn::BinOp) -> syn::BinOp {
    use syn::BinOp as B;
    match op {
        B::RemAssign(_) => B::Rem(Default::default()),
        B::BitXorAssign(_) => B::BitXor(Default::default()),
        B::BitAndAssign(_) => B::BitAnd(Default::default()),
        B::BitOrAssign(_) => B::BitOr(Default::default()),
        B::ShlAssign(_) => B::Shl(Default::default()),
        B::ShrAssign(_) => B::Shr(Default::default()),
        other => *other,
    }
}

pub(crate) fn check_annotation(ty: &syn::Type, errors: &mut Errors) {
    if type_name(ty).as_deref() == Some("f32") {
        errors.at(ty, "f32 is not differentiated: use f64");
    }
}

pub(crate) fn contains_return(block: &syn::Block) -> bool {
    #[derive(Default)]
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_return(&mut self, _: &'ast syn::ExprReturn) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = Finder::default();
    f.visit_block(block);
    f.0
}

/// Names assigned (`x = `, `x += `, ...) anywhere in a loop body, nested loops included.
#[derive(Default)]
pub(super) struct AssignedNames {
    pub(super) names: Vec<String>,
    /// Passed as `&mut name` to a helper: assigned when a number, written in place (not
    /// reassigned) when an array.
    pub(super) borrowed: Vec<String>,
    /// Assigned `x.to_vec()`: copied into element by element when a local array (see
    /// `mut_calls.rs`), else assigned.
    pub(super) refilled: Vec<String>,
}

impl<'ast> Visit<'ast> for AssignedNames {
    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        let refill = matches!(strip_parens(&a.right),
            syn::Expr::MethodCall(m) if m.method == "to_vec" && m.args.is_empty());
        if let Some(n) = assign_target_name(&a.left) {
            if refill {
                self.refilled.push(n);
            } else {
                self.names.push(n);
            }
        }
        // `(x, y) = (y, x + y)`
        if let syn::Expr::Tuple(t) = strip_parens(&a.left) {
            self.names
                .extend(t.elems.iter().filter_map(assign_target_name));
        }
        syn::visit::visit_expr_assign(self, a);
    }
    fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
        if is_compound_assign(&b.op)
            && let Some(n) = assign_target_name(&b.left)
        {
            self.names.push(n);
        }
        syn::visit::visit_expr_binary(self, b);
    }
    // `helper(x, &mut s)`: the helper writes `s` (see `mut_calls.rs`).
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        for a in &c.args {
            if let syn::Expr::Reference(r) = a
                && r.mutability.is_some()
                && let Some(n) = assign_target_name(&r.expr)
            {
                self.borrowed.push(n);
            }
        }
        syn::visit::visit_expr_call(self, c);
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// `vec!`, also by its full path (`std::vec!`, `::std::vec!`, which generated code writes, for
/// instance the forward-mode code that `hessian` differentiates again).
pub(super) fn is_vec_macro(path: &syn::Path) -> bool {
    let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    match names.as_slice() {
        [v] => v == "vec",
        [root, v] => (root == "std" || root == "alloc") && v == "vec",
        _ => false,
    }
}
