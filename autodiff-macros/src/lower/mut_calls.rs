//! Calls that write into a local: `ode_fun(p, &y, &mut k1);` (see `mut_params.rs`), and
//! `y.fill(v)`, `y.assign(&x)`, `y.copy_from_slice(&x)`.
//!
//! The helper's twin returns what the helper writes; the call is lowered as the twin's call and
//! the copy of its result into the local, element by element for an array (so the array stays
//! the caller's, written and read anywhere after, as any local array), or as an assignment for
//! an `f64`.

use super::*;
use crate::mut_params::TWIN_PREFIX;

/// Whether `e` is `&mut place`.
pub(super) fn is_mut_borrow(e: &syn::Expr) -> bool {
    matches!(e, syn::Expr::Reference(r) if r.mutability.is_some())
}

impl Lowerer<'_> {
    pub(super) fn mut_call(&mut self, c: &syn::ExprCall, out: &mut Vec<Stmt>) {
        let borrows: Vec<&syn::ExprReference> = c
            .args
            .iter()
            .filter_map(|a| match a {
                syn::Expr::Reference(r) if r.mutability.is_some() => Some(r),
                _ => None,
            })
            .collect();
        if borrows.len() > 1 {
            self.errors.at(
                borrows[1],
                "a call may pass one `&mut` argument (a #[differentiable] helper writes into one); return the other results",
            );
            return;
        }
        let borrow = borrows[0];
        let syn::Expr::Path(place) = &*borrow.expr else {
            self.errors.at(
                &borrow.expr,
                "pass a local variable by `&mut` (`&mut k1`), not a part of one: the helper writes the whole of it",
            );
            return;
        };
        let Some(z) = place.path.get_ident().cloned() else {
            self.errors
                .at(place, "pass a local variable by `&mut` (`&mut k1`)");
            return;
        };
        let Some(binding) = self.lookup(&name_of(&z)) else {
            self.errors.at(
                place,
                format!("`{z}` is not a local variable of this function: a helper may write into the function's own arrays and numbers only"),
            );
            return;
        };
        let syn::Expr::Path(callee) = &*c.func else {
            self.errors
                .at(&c.func, "call the #[differentiable] helper by name or path");
            return;
        };
        let mut twin = callee.path.clone();
        if let Some(last) = twin.segments.last_mut() {
            last.ident =
                syn::Ident::new(&format!("{TWIN_PREFIX}{}", last.ident), last.ident.span());
            last.arguments = syn::PathArguments::None;
        }
        let sp = c.span();
        let is_array = self.kind(&binding.op).is_array();
        let args: Vec<syn::Expr> = c
            .args
            .iter()
            .map(|a| {
                if is_mut_borrow(a) {
                    if is_array {
                        syn::parse_quote_spanned!(sp=> &#z)
                    } else {
                        syn::parse_quote_spanned!(sp=> #z)
                    }
                } else {
                    a.clone()
                }
            })
            .collect();
        let written: syn::Expr = if is_array {
            syn::parse_quote_spanned!(sp=> {
                let __written: ::std::vec::Vec<f64> = #twin(#(#args),*);
                for __k in 0..__written.len() {
                    #z[__k] = __written[__k];
                }
            })
        } else {
            syn::parse_quote_spanned!(sp=> #z = #twin(#(#args),*))
        };
        self.expr_stmt(&written, out);
    }
}

/// Whether `e` is `y.fill(v)`, `y.assign(&x)` or `y.copy_from_slice(&x)` on a variable.
pub(super) fn is_bulk_write(e: &syn::ExprMethodCall) -> bool {
    matches!(
        e.method.to_string().as_str(),
        "fill" | "assign" | "copy_from_slice"
    ) && e.args.len() == 1
        && matches!(&*e.receiver, syn::Expr::Path(p) if p.path.get_ident().is_some())
}

impl Lowerer<'_> {
    /// `y.fill(v)`, `y.assign(&x)`, `y.copy_from_slice(&x)` on a local array: the element writes
    /// they stand for, in a loop (two for a matrix), so the array stays a local array written
    /// element by element.
    pub(super) fn bulk_write(&mut self, m: &syn::ExprMethodCall, out: &mut Vec<Stmt>) {
        let syn::Expr::Path(place) = &*m.receiver else {
            return;
        };
        let Some(y) = place.path.get_ident().cloned() else {
            return;
        };
        let dims = match self.lookup(&name_of(&y)) {
            Some(b) if matches!(b.op, Operand::Val(v) if self.values[v].mutable) => {
                self.kind(&b.op).dims()
            }
            _ => {
                self.errors.at(
                    &m.receiver,
                    format!(
                        "`{}` writes into a new local array only (declared with `vec![0.0; n]`, `[0.0; N]`, `Array1::zeros(n)`, `Array2::zeros((r, c))`); parameters and copies of arrays cannot be written",
                        m.method
                    ),
                );
                return;
            }
        };
        let (sp, arg) = (m.span(), &m.args[0]);
        let fill = m.method == "fill";
        let written: syn::Expr = match (dims, fill) {
            (2, true) => syn::parse_quote_spanned!(sp=> {
                let __v = #arg;
                for __i in 0..#y.nrows() {
                    for __j in 0..#y.ncols() {
                        #y[[__i, __j]] = __v;
                    }
                }
            }),
            (2, false) => syn::parse_quote_spanned!(sp=> {
                for __i in 0..#y.nrows() {
                    for __j in 0..#y.ncols() {
                        #y[[__i, __j]] = (#arg)[[__i, __j]];
                    }
                }
            }),
            (_, true) => syn::parse_quote_spanned!(sp=> {
                let __v = #arg;
                for __k in 0..#y.len() {
                    #y[__k] = __v;
                }
            }),
            (_, false) => syn::parse_quote_spanned!(sp=> {
                for __k in 0..#y.len() {
                    #y[__k] = (#arg)[__k];
                }
            }),
        };
        self.expr_stmt(&written, out);
    }
}
