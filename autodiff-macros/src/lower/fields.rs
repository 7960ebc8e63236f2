//! Fields of constant parameters (`self.k`, `cfg.n` with `cfg: &Config`) and of constant items
//! (`CONFIG.n`), and method calls on `self` (`self.energy(x)`).
//!
//! A parameter whose type is not a float type is a constant, and a parameter is never
//! reassigned in place (a `let` that rebinds its name makes a new value), so a field read
//! `p.a.b` has the same value wherever it is evaluated: it is kept as a constant operand, the
//! place expression itself, and every sweep reads it where it needs it (nothing is copied or
//! recorded, whatever the field's type: `self.w[i]`, `cfg.n`, `&cfg.table`).

use super::*;
use proc_macro2::TokenStream;
use quote::quote_spanned;

impl Lowerer<'_> {
    /// `p.a.b` on a constant parameter `p`, as the tokens that read it in the generated code.
    pub(super) fn constant_field(&self, f: &syn::ExprField) -> Option<TokenStream> {
        let mut members = vec![&f.member];
        let mut base = strip_parens(&f.base);
        while let syn::Expr::Field(inner) = base {
            members.push(&inner.member);
            base = strip_parens(&inner.base);
        }
        let syn::Expr::Path(p) = base else {
            return None;
        };
        // A path that is not a local variable is an item: `CONFIG.n` of a `const`.
        let Some(ident) = p
            .path
            .get_ident()
            .filter(|i| self.lookup(&name_of(i)).is_some())
        else {
            return Some(quote_spanned!(f.span()=> (#f)));
        };
        let Operand::Val(v) = self.lookup(&name_of(ident))?.op else {
            return None;
        };
        let info = &self.values[v];
        if v >= self.n_params || info.float || info.kind != Kind::Scalar {
            return None;
        }
        let root = &info.ident;
        members.reverse();
        Some(quote_spanned!(f.span()=> (#root #(.#members)*)))
    }

    /// `self.method(args)` for a method that is not a math method: the call
    /// `Self::method(self, args)` of another #[differentiable] function.
    pub(super) fn self_method_call(
        &mut self,
        m: &syn::ExprMethodCall,
        out: &mut Vec<Stmt>,
    ) -> Option<Option<Operand>> {
        let syn::Expr::Path(p) = strip_parens(&m.receiver) else {
            return None;
        };
        if !p.path.is_ident("self") || MathFn::lookup(&m.method.to_string()).is_some() {
            return None;
        }
        let recv = self.operand(&m.receiver, out);
        let args = self.operands(&m.args, out);
        let (Some(recv), Some(rest)) = (recv, args) else {
            return Some(None);
        };
        let mut args = vec![recv];
        args.extend(rest);
        let method = &m.method;
        let path: syn::Path = syn::parse_quote_spanned!(m.method.span()=> Self::#method);
        Some(Some(self.emit(
            out,
            Op::Call { path, args },
            m.span(),
            None,
        )))
    }

    /// Whether `e` names a parameter that is an owned `Vec<f64>` or `[f64; N]` (whose
    /// `into_iter()` gives `f64`s).
    /// A parameter that is a constant of another type than the contract's floats (data such as
    /// `&[Vec<f64>]`, indices): loops and chains over it index it as written.
    pub(super) fn is_data_param(&self, v: &Operand) -> bool {
        matches!(v, Operand::Val(id) if self.data_params.contains(id))
    }

    /// An element of a data parameter that is not a row of f64s (`neighbours[i]` of a
    /// `&[Vec<usize>]`): data too, iterated and indexed as written.
    pub(super) fn mark_data(&mut self, v: &Operand) {
        if let Operand::Val(id) = v
            && !self.kind(v).is_array()
        {
            self.data_params.push(*id);
        }
    }

    /// A data parameter whose elements are collections (`&[Vec<f64>]`, `&[Vec<usize>]`).
    pub(super) fn is_data_row(&self, v: &Operand) -> bool {
        matches!(v, Operand::Val(id) if self.data_by_ref.contains(id))
    }

    pub(super) fn owned_vector_param(&self, e: &syn::Expr) -> bool {
        let syn::Expr::Path(p) = strip_parens(e) else {
            return false;
        };
        let Some(Operand::Val(v)) = p
            .path
            .get_ident()
            .and_then(|i| self.lookup(&name_of(i)))
            .map(|b| b.op)
        else {
            return false;
        };
        self.owned_vectors.contains(&v)
    }
}
