//! Calls that write into a local: `ode_fun(p, &y, &mut k1);` (see `mut_params.rs`), and
//! `y.fill(v)`, `y.assign(&x)`, `y.copy_from_slice(&x)`.
//!
//! The helper's twin returns what the helper writes; the call is lowered as the twin's call and
//! the copy of its result into the local, element by element for an array (so the array stays
//! the caller's, written and read anywhere after, as any local array), or as an assignment for
//! an `f64`.

use super::*;
use crate::mut_params::TWIN_PREFIX;
use proc_macro2::TokenStream;

/// Whether `e` is `&mut place`.
pub(super) fn is_mut_borrow(e: &syn::Expr) -> bool {
    matches!(e, syn::Expr::Reference(r) if r.mutability.is_some())
}

impl Lowerer<'_> {
    /// The call's value: what the helper returns (`0.0` for a helper that returns nothing).
    pub(super) fn mut_call(&mut self, c: &syn::ExprCall, out: &mut Vec<Stmt>) -> Option<Operand> {
        let syn::Expr::Path(callee) = &*c.func else {
            self.errors
                .at(&c.func, "call the #[differentiable] helper by name or path");
            return None;
        };
        let mut twin = callee.path.clone();
        if let Some(last) = twin.segments.last_mut() {
            last.ident =
                syn::Ident::new(&format!("{TWIN_PREFIX}{}", last.ident), last.ident.span());
            last.arguments = syn::PathArguments::None;
        }
        let sp = c.span();
        // The arguments of the twin, and for each `&mut` argument how its part of the twin's
        // result is copied back (a whole local array, a range of one, or a number).
        let mut args: Vec<syn::Expr> = Vec::new();
        let mut lens: Vec<syn::Expr> = Vec::new();
        let mut copy_back = TokenStream::new();
        let mut copy_in = TokenStream::new();
        for a in &c.args {
            let syn::Expr::Reference(borrow) = a else {
                args.push(a.clone());
                continue;
            };
            if borrow.mutability.is_none() {
                // `&y[a..b]` of a local array the call may write too (or that is written after
                // it): a copy, so that no view of `y` outlives the call's writes.
                if let Some(copy) = self.read_range_copy(&borrow.expr, args.len(), sp) {
                    copy_in.extend(copy);
                    let part = quote::format_ident!("__part{}", args.len());
                    args.push(syn::parse_quote_spanned!(sp=> &#part));
                } else {
                    args.push(a.clone());
                }
                continue;
            }
            let place = self.written_place(&borrow.expr)?;
            let at: syn::Expr = syn::parse_quote!((0 #(+ #lens)*));
            let z = &place.name;
            match (&place.range, place.is_array) {
                (None, false) => {
                    args.push(syn::parse_quote_spanned!(sp=> #z));
                    copy_back.extend(quote::quote_spanned!(sp=> #z = __written[#at];));
                    lens.push(syn::parse_quote!(1));
                }
                (None, true) => {
                    args.push(syn::parse_quote_spanned!(sp=> &#z));
                    copy_back.extend(quote::quote_spanned!(sp=>
                        for __k in 0..#z.len() {
                            #z[__k] = __written[#at + __k];
                        }
                    ));
                    lens.push(syn::parse_quote!(#z.len()));
                }
                (Some((lo, hi)), _) => {
                    let hi: syn::Expr = match hi {
                        Some(hi) => hi.clone(),
                        None => syn::parse_quote!(#z.len()),
                    };
                    // The range is copied into a local first: a view of `z` would still be in
                    // use when the copy back writes `z` (see `reverse/local_arrays.rs`).
                    let part = quote::format_ident!("__part{}", args.len());
                    copy_in.extend(quote::quote_spanned!(sp=>
                        let mut #part = vec![0.0; (#hi) - (#lo)];
                        for __k in 0..((#hi) - (#lo)) {
                            #part[__k] = #z[(#lo) + __k];
                        }
                    ));
                    args.push(syn::parse_quote_spanned!(sp=> &#part));
                    copy_back.extend(quote::quote_spanned!(sp=>
                        for __k in 0..((#hi) - (#lo)) {
                            #z[(#lo) + __k] = __written[#at + __k];
                        }
                    ));
                    lens.push(syn::parse_quote!(((#hi) - (#lo))));
                }
            }
        }
        let written: syn::Expr = syn::parse_quote_spanned!(sp=> {
            #copy_in
            let __written: ::std::vec::Vec<f64> = #twin(#(#args),*);
            #copy_back
            __written[0 #(+ #lens)*]
        });
        self.expr(&written, out)
    }

    /// `let mut __partN = (copy of y[a..b]);` for `&y[a..b]` when `y` is a local array that
    /// can be written (`None` for anything else, passed as written).
    fn read_range_copy(&mut self, e: &syn::Expr, n: usize, sp: Span) -> Option<TokenStream> {
        let syn::Expr::Index(i) = strip_parens(e) else {
            return None;
        };
        let syn::Expr::Range(r) = strip_parens(&i.index) else {
            return None;
        };
        if !matches!(r.limits, syn::RangeLimits::HalfOpen(_)) {
            return None;
        }
        let syn::Expr::Path(p) = strip_parens(&i.expr) else {
            return None;
        };
        let y = p.path.get_ident()?;
        let b = self.lookup(&name_of(y))?;
        if !matches!(b.op, Operand::Val(v) if self.values[v].mutable) {
            return None;
        }
        let (lo, hi) = range_bounds(r, &i.expr);
        let part = quote::format_ident!("__part{}", n);
        Some(quote::quote_spanned!(sp=>
            let mut #part = vec![0.0; (#hi) - (#lo)];
            for __k in 0..((#hi) - (#lo)) {
                #part[__k] = #y[(#lo) + __k];
            }
        ))
    }

    /// What a `&mut` argument writes: a local variable (`&mut k1`, `&mut s`) or a range of a local
    /// array (`&mut s[a..b]`, `&mut s[a..]`, `&mut s[..]`).
    fn written_place(&mut self, e: &syn::Expr) -> Option<WrittenPlace> {
        let (base, range) = match strip_parens(e) {
            syn::Expr::Index(i) => match strip_parens(&i.index) {
                syn::Expr::Range(r) if matches!(r.limits, syn::RangeLimits::HalfOpen(_)) => {
                    let lo: syn::Expr = match &r.start {
                        Some(lo) => (**lo).clone(),
                        None => syn::parse_quote!(0),
                    };
                    (&*i.expr, Some((lo, r.end.as_deref().cloned())))
                }
                _ => {
                    self.errors.at(
                        e,
                        "pass a local variable by `&mut` (`&mut k1`) or a range of a local array (`&mut s[a..b]`), not one element: return the element's value instead",
                    );
                    return None;
                }
            },
            other => (other, None),
        };
        let syn::Expr::Path(place) = strip_parens(base) else {
            self.errors.at(
                e,
                "pass a local variable by `&mut` (`&mut k1`) or a range of a local array (`&mut s[a..b]`)",
            );
            return None;
        };
        let Some(name) = place.path.get_ident().cloned() else {
            self.errors
                .at(place, "pass a local variable by `&mut` (`&mut k1`)");
            return None;
        };
        let Some(binding) = self.lookup(&name_of(&name)) else {
            self.errors.at(
                place,
                format!("`{name}` is not a local variable of this function: a helper may write into the function's own arrays and numbers only"),
            );
            return None;
        };
        let is_array = self.kind(&binding.op).is_array();
        if range.is_some() && !is_array {
            self.errors.at(e, format!("`{name}` is not an array"));
            return None;
        }
        Some(WrittenPlace {
            name,
            range,
            is_array,
        })
    }
}

/// See [`Lowerer::written_place`].
struct WrittenPlace {
    name: syn::Ident,
    /// `lo..hi` (`hi` `None` for `lo..`).
    range: Option<(syn::Expr, Option<syn::Expr>)>,
    is_array: bool,
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

impl Lowerer<'_> {
    /// `y = x.to_vec();` where `y` is a local array that can be written: C++'s `y = x` into an
    /// existing buffer (an array variable cannot be reassigned in a loop, but its elements can
    /// be written anywhere).
    pub(super) fn is_array_refill(&self, a: &syn::ExprAssign) -> bool {
        let syn::Expr::Path(p) = strip_parens(&a.left) else {
            return false;
        };
        let Some(y) = p.path.get_ident() else {
            return false;
        };
        matches!(strip_parens(&a.right), syn::Expr::MethodCall(m) if m.method == "to_vec" && m.args.is_empty())
            && self.lookup(&name_of(y)).is_some_and(|b| {
                matches!(b.op, Operand::Val(v) if self.values[v].mutable)
                    && self.kind(&b.op).dims() == 1
            })
    }

    /// The element copy that `y = x.to_vec();` stands for, after checking (at run time, as
    /// `assert_eq!`) that the lengths agree: a new length would be a new array.
    pub(super) fn array_refill(&mut self, a: &syn::ExprAssign, out: &mut Vec<Stmt>) {
        let (y, sp) = (&a.left, a.span());
        let syn::Expr::MethodCall(m) = strip_parens(&a.right) else {
            return;
        };
        // `x[a..b].to_vec()`: elements `a + k` of `x`.
        let (x, lo, len): (syn::Expr, syn::Expr, syn::Expr) = match strip_parens(&m.receiver) {
            syn::Expr::Index(i)
                if matches!(strip_parens(&i.index), syn::Expr::Range(r)
                    if matches!(r.limits, syn::RangeLimits::HalfOpen(_))) =>
            {
                let syn::Expr::Range(r) = strip_parens(&i.index) else {
                    return;
                };
                let base = (*i.expr).clone();
                let (lo, hi) = range_bounds(r, &base);
                let len = syn::parse_quote!(((#hi) - (#lo)));
                (base, lo, len)
            }
            x => {
                let len = syn::parse_quote!(#x.len());
                (x.clone(), syn::parse_quote!(0), len)
            }
        };
        let written: syn::Expr = syn::parse_quote_spanned!(sp=> {
            assert_eq!(
                #y.len(),
                #len,
                "#[differentiable]: `{} = ...to_vec()` copies into the existing array, whose length must not change",
                stringify!(#y)
            );
            for __k in 0..#y.len() {
                #y[__k] = #x[(#lo) + __k];
            }
        });
        self.expr_stmt(&written, out);
    }
}

/// The bounds of `base[a..b]` (`0` and `base.len()` where they are left out).
fn range_bounds(r: &syn::ExprRange, base: &syn::Expr) -> (syn::Expr, syn::Expr) {
    let lo: syn::Expr = match &r.start {
        Some(lo) => (**lo).clone(),
        None => syn::parse_quote!(0),
    };
    let hi: syn::Expr = match &r.end {
        Some(hi) => (**hi).clone(),
        None => syn::parse_quote!(#base.len()),
    };
    (lo, hi)
}
