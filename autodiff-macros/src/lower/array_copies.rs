//! Writable copies of arrays: `let mut y = x.clone();`, `x.to_owned()`, `let mut y = x;`.

use super::*;

impl Lowerer<'_> {
    /// `let mut y = x.clone();`, `x.to_owned()` or `let mut y = x;` where `x` is a 1-D or 2-D
    /// array (a `[f64; N]` or `Vec<f64>` parameter, an `Array1`/`Array2`, another local array):
    /// a new local array of `x`'s type (`zero_adj(&x)`) filled from `x` element by element, so
    /// that `y` can be written like any local array (`y[i] += ..` in an integrator's loop).
    /// `false` (nothing lowered) when `init` is not such a copy.
    pub(super) fn copy_into_new_array(
        &mut self,
        y: &syn::Ident,
        init: &syn::Expr,
        out: &mut Vec<Stmt>,
    ) -> bool {
        let (src, to_owned, is_clone) = match strip_parens(init) {
            syn::Expr::MethodCall(m)
                if (m.method == "clone" || m.method == "to_owned") && m.args.is_empty() =>
            {
                (
                    strip_parens(&m.receiver),
                    m.method == "to_owned",
                    m.method == "clone",
                )
            }
            e @ syn::Expr::Path(_) => (e, false, false),
            _ => return false,
        };
        let syn::Expr::Path(p) = src else {
            return false;
        };
        let Some(x) = p.path.get_ident() else {
            return false;
        };
        let Some(b) = self.lookup(&name_of(x)) else {
            return false;
        };
        let dims = match self.kind(&b.op) {
            Kind::Array {
                dims: d @ (1 | 2), ..
            } => d,
            _ => return false,
        };
        // A clone or move of a slice, a reference or a view cannot be written in Rust either
        // (rustc says so on the user's function); `to_owned()` of anything can.
        let owned = match &b.op {
            Operand::Val(id) => {
                self.values[*id].mutable
                    || self
                        .owned_arrays
                        .iter()
                        .any(|(p, movable)| p == id && (*movable || is_clone))
            }
            Operand::Const(_) => false,
        };
        if !to_owned && !owned {
            return false;
        }
        let sp = init.span();
        let name = name_of(y);
        let new = self.emit(
            out,
            Op::NewArray(NewArray::ZerosLike(b.op)),
            sp,
            Some(&name),
        );
        if let Operand::Val(id) = &new {
            self.values[*id].mutable = true;
            self.values[*id].user_name = Some(name.clone());
        }
        self.bind_new(&name, new, None);
        let fill: syn::Stmt = if dims == 1 {
            syn::parse_quote_spanned!(sp=> for __k in 0..#x.len() { #y[__k] = #x[__k]; })
        } else {
            syn::parse_quote_spanned!(sp=>
                for __i in 0..#x.nrows() { for __j in 0..#x.ncols() { #y[[__i, __j]] = #x[[__i, __j]]; } })
        };
        self.stmt(&fill, out, false);
        true
    }
}
