//! New arrays from constructors: `Array1::from_elem`, `ones`, `Array::zeros`, `from_vec`.

use super::*;

impl Lowerer<'_> {
    /// `Array1::from_elem(n, v)`, `Array2::from_elem((r, c), v)`, `Array::from_elem(..)`: a new
    /// local array (like `Array1::zeros`) whose elements carry `v`'s derivative; `ones` and
    /// `Array::zeros` likewise;
    /// `Array1::from_vec(v)`: the elements of `v`. `None` if `c` is none of these.
    pub(super) fn array_constructor(
        &mut self,
        c: &syn::ExprCall,
        segs: &[String],
        out: &mut Vec<Stmt>,
    ) -> Option<Option<Operand>> {
        let [.., ty, f] = segs else {
            return None;
        };
        if !matches!(ty.as_str(), "Array" | "Array1" | "Array2") {
            return None;
        }
        let span = c.span();
        match f.as_str() {
            // `Array1::zeros`/`Array2::zeros` are the local arrays of `calls.rs`.
            "from_elem" | "ones" | "zeros" if f != "zeros" || ty == "Array" => {
                let fill = match f.as_str() {
                    "ones" => Some(quote!(1.0_f64)),
                    "zeros" => Some(quote!(0.0_f64)),
                    _ => None,
                };
                if c.args.len() != 2 - usize::from(fill.is_some()) {
                    self.errors.at(
                        c,
                        if fill.is_some() {
                            format!(
                                "`{f}` takes a shape: `Array1::{f}(n)`, `Array2::{f}((rows, cols))`"
                            )
                        } else {
                            "`from_elem` takes a shape and a value: `Array1::from_elem(n, v)`"
                                .to_owned()
                        },
                    );
                    return Some(None);
                }
                let shape = strip_parens(&c.args[0]);
                let pair = match shape {
                    syn::Expr::Tuple(t) if t.elems.len() == 2 => Some(t),
                    _ => None,
                };
                let two = match (ty.as_str(), pair) {
                    ("Array1", None) | ("Array", None) => false,
                    ("Array2", Some(_)) | ("Array", Some(_)) => true,
                    _ => {
                        self.errors.at(
                            &c.args[0],
                            format!("write the shape as `n` for `Array1::{f}(..)` and as a pair for `Array2::{f}((rows, cols), ..)`"),
                        );
                        return Some(None);
                    }
                };
                let v = match fill {
                    Some(t) => Some(Operand::Const(t)),
                    None => self.operand(&c.args[1], out),
                };
                let op = if let Some(t) = pair.filter(|_| two) {
                    let r = self.operand(&t.elems[0], out);
                    let k = self.operand(&t.elems[1], out);
                    match (v, r, k) {
                        (Some(v), Some(r), Some(k)) => NewArray::FromElem2(v, r, k),
                        _ => return Some(None),
                    }
                } else {
                    let n = self.operand(shape, out);
                    match (v, n) {
                        (Some(v), Some(n)) => NewArray::FromElem1(v, n),
                        _ => return Some(None),
                    }
                };
                Some(Some(self.emit(out, Op::NewArray(op), span, None)))
            }
            "from_vec" if ty != "Array2" => {
                if c.args.len() != 1 {
                    self.errors.at(c, "`from_vec` takes one Vec");
                    return Some(None);
                }
                // `Array1::from_vec(vec![a, b, ...])`: a new local array of those elements.
                if let syn::Expr::Macro(mm) = strip_parens(&c.args[0])
                    && super::syntax::is_vec_macro(&mm.mac.path)
                    && let Ok(list) = mm.mac.parse_body_with(
                        syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
                    )
                    && !list.is_empty()
                {
                    let mut elems = vec![];
                    for e in &list {
                        elems.push(self.operand(e, out));
                    }
                    let Some(elems) = elems.into_iter().collect::<Option<Vec<_>>>() else {
                        return Some(None);
                    };
                    if let Some(k) = elems.iter().position(|e| self.kind(e).is_array()) {
                        self.errors
                            .at(&list[k], "the elements of `vec![..]` must be f64 values");
                        return Some(None);
                    }
                    return Some(Some(self.emit(
                        out,
                        Op::NewArray(NewArray::FromElems(elems, ElemsForm::Array1)),
                        span,
                        None,
                    )));
                }
                let Some(v) = self.operand(&c.args[0], out) else {
                    return Some(None);
                };
                if self.kind(&v).dims() != 1 {
                    self.errors.at(
                        &c.args[0],
                        "`Array1::from_vec` takes a 1-D array of f64 (a `Vec<f64>`, `vec![v; n]`)",
                    );
                    return Some(None);
                }
                Some(Some(self.emit(
                    out,
                    Op::Array(ArrayMethod::FromVec, vec![v]),
                    span,
                    None,
                )))
            }
            _ => None,
        }
    }

    /// `[a, b, c]` and `vec![a, b, c]` of f64 values: a new local array whose elements carry
    /// their values' derivatives.
    pub(super) fn elements(
        &mut self,
        list: &[&syn::Expr],
        form: ElemsForm,
        span: proc_macro2::Span,
        out: &mut Vec<Stmt>,
    ) -> Option<Operand> {
        let mut elems = vec![];
        for e in list {
            elems.push(self.operand(e, out));
        }
        let elems = elems.into_iter().collect::<Option<Vec<_>>>()?;
        if let Some(k) = elems.iter().position(|e| self.kind(e).is_array()) {
            self.errors.at(
                list[k],
                "the elements of an array literal must be f64 values (arrays of arrays are not supported)",
            );
            return None;
        }
        Some(self.emit(
            out,
            Op::NewArray(NewArray::FromElems(elems, form)),
            span,
            None,
        ))
    }
}
