//! Parts of arrays read as views: `a.slice(s![..])` of ndarray arrays (indices, ranges, steps,
//! negative bounds) and `x[a..b]` / `&x[a..b]` of slices, `Vec`s and fixed arrays; the adjoint is
//! added into that part of the array's.

use super::*;

impl Lowerer<'_> {
    /// `a.slice(s![...])`: a view. Indices and range bounds are constants or integer values.
    pub(super) fn slice(
        &mut self,
        m: &syn::ExprMethodCall,
        out: &mut Vec<Stmt>,
    ) -> Option<Operand> {
        let refuse = |lw: &mut Self| {
            lw.errors.at(
                &m.args,
                "`slice` takes `s![...]` with indices and ranges (`s![1..]`, `s![.., j]`, `s![a..b;2]`)",
            );
            None
        };
        let Some(syn::Expr::Macro(mac)) = m.args.first().map(strip_parens) else {
            return refuse(self);
        };
        if m.args.len() != 1 || mac.mac.path.segments.last().is_none_or(|s| s.ident != "s") {
            return refuse(self);
        }
        let parsed = mac.mac.parse_body_with(|input: syn::parse::ParseStream| {
            let mut elems: Vec<(syn::Expr, Option<syn::Expr>)> = vec![];
            while !input.is_empty() {
                let e: syn::Expr = input.parse()?;
                let step = if input.peek(syn::Token![;]) {
                    let _: syn::Token![;] = input.parse()?;
                    Some(input.parse()?)
                } else {
                    None
                };
                elems.push((e, step));
                if input.is_empty() {
                    break;
                }
                let _: syn::Token![,] = input.parse()?;
            }
            Ok(elems)
        });
        let Ok(parsed) = parsed else {
            return refuse(self);
        };
        for (e, _) in &parsed {
            if let syn::Expr::Path(p) = strip_parens(e)
                && p.path.segments.last().is_some_and(|s| s.ident == "NewAxis")
            {
                self.errors.at(
                    e,
                    "`NewAxis` in `s![...]` is not supported in a #[differentiable] function; use `insert_axis(Axis(k))`",
                );
                return None;
            }
        }
        let a = self.array_receiver(m, out, 2)?;
        let dims = self.kind(&a).dims() as usize;
        if parsed.len() > dims {
            self.errors.at(
                &mac.mac,
                format!(
                    "`s![...]` has {} elements for an array of {dims} dimension(s)",
                    parsed.len()
                ),
            );
            return None;
        }
        let mut elems = vec![];
        for (e, step) in &parsed {
            let step = match step {
                Some(s) => Some(self.operand(s, out)?),
                None => None,
            };
            match strip_parens(e) {
                syn::Expr::Range(r) => {
                    let lo = match &r.start {
                        Some(x) => Some(self.operand(x, out)?),
                        None => None,
                    };
                    let hi = match &r.end {
                        Some(x) => Some(self.operand(x, out)?),
                        None => None,
                    };
                    elems.push(SliceElem::Range {
                        lo,
                        hi,
                        inclusive: matches!(r.limits, syn::RangeLimits::Closed(_)),
                        step,
                    });
                }
                other => {
                    if step.is_some() {
                        self.errors.at(e, "a step (`;k`) applies to a range");
                        return None;
                    }
                    elems.push(SliceElem::Index(self.operand(other, out)?));
                }
            }
        }
        let ranges = elems
            .iter()
            .filter(|e| matches!(e, SliceElem::Range { .. }))
            .count();
        if ranges + (dims - elems.len()) == 0 {
            self.errors.at(
                &mac.mac,
                "this slice is a single element: read it with `x[i]` or `m[[i, j]]`",
            );
            return None;
        }
        Some(self.emit(
            out,
            Op::Slice {
                arr: a,
                elems,
                std: false,
            },
            m.span(),
            None,
        ))
    }

    /// `x[a..b]` / `&x[a..b]` (also `a..`, `..b`, `a..=b`) of a slice, `Vec` or fixed array: a
    /// `&[f64]` of those elements; the adjoint is added into that part of `x`'s.
    pub(super) fn range_index(
        &mut self,
        arr: Operand,
        r: &syn::ExprRange,
        i: &syn::ExprIndex,
        out: &mut Vec<Stmt>,
    ) -> Option<Operand> {
        if self.kind(&arr).dims() != 1 {
            self.errors.at(
                r,
                "slicing (`x[a..b]`) is supported on 1-D slices, `Vec`s and fixed arrays of f64; for an ndarray array write `x.slice(s![a..b])`",
            );
            return None;
        }
        let lo = match &r.start {
            Some(x) => Some(self.operand(x, out)?),
            None => None,
        };
        let hi = match &r.end {
            Some(x) => Some(self.operand(x, out)?),
            None => None,
        };
        let elems = vec![SliceElem::Range {
            lo,
            hi,
            inclusive: matches!(r.limits, syn::RangeLimits::Closed(_)),
            step: None,
        }];
        Some(self.emit(
            out,
            Op::Slice {
                arr,
                elems,
                std: true,
            },
            i.span(),
            None,
        ))
    }
}
