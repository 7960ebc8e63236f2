//! Places: element reads, element writes to local arrays, assignment to locals.

use super::*;

impl Lowerer<'_> {
    pub(super) fn index(
        &mut self,
        i: &syn::ExprIndex,
        by_ref: bool,
        out: &mut Vec<Stmt>,
    ) -> Option<Operand> {
        let arr = self.operand(&i.expr, out);
        let (idx, multi) = match strip_parens(&i.index) {
            syn::Expr::Array(a) => (self.operands(&a.elems, out), true),
            // `m[(i, j)]`: nalgebra's element of a matrix (ndarray's too).
            syn::Expr::Tuple(t) if t.elems.len() > 1 => (self.operands(&t.elems, out), false),
            // `x[a..b]` of a slice, `Vec` or fixed array: always by reference (`&x[a..b]`).
            syn::Expr::Range(r) => return self.range_index(arr?, r, i, out),
            other => (self.operand(other, out).map(|o| vec![o]), false),
        };
        let (arr, idx) = (arr?, idx?);
        // Indexing an f64 is a type error; say why the value is one here (a call's result is
        // taken to be an f64) rather than leave rustc to report it inside generated code.
        if let Operand::Val(v) = arr
            && self.values[v].float
            && self.values[v].kind == Kind::Scalar
        {
            let e = &i.expr;
            self.errors.at(
                e,
                format!(
                    "`{}` is an f64 here and cannot be indexed: a call in a #[differentiable] function is to another #[differentiable] function, which returns f64 (or a tuple of f64); calling a function that returns an array, or a generated `grad_*`, is not supported",
                    quote!(#e)
                ),
            );
            return None;
        }
        // A row of a data parameter (`xs[i]` of a `&[Vec<f64>]`) is read by reference: Rust
        // cannot move it out.
        let by_ref = by_ref || self.is_data_row(&arr);
        let data = self.is_data_param(&arr);
        let v = self.emit(
            out,
            Op::Index {
                arr,
                idx,
                multi,
                by_ref,
            },
            i.span(),
            None,
        );
        if data {
            self.mark_data(&v);
        }
        Some(v)
    }

    /// `y[i] = v` (or `+=` when `add`) to a new local array declared with `let mut`.
    pub(super) fn write(&mut self, i: &syn::ExprIndex, v: Operand, add: bool, out: &mut Vec<Stmt>) {
        let target = match strip_parens(&i.expr) {
            syn::Expr::Path(p) => p.path.get_ident().and_then(|id| self.lookup(&name_of(id))),
            _ => None,
        };
        let arr = match target.map(|b| b.op) {
            Some(Operand::Val(a)) if self.values[a].mutable => a,
            _ => {
                self.errors.at(
                    &i.expr,
                    "element writes are supported only into a new local array declared with `let mut y = Array1::zeros(n)`, `Array2::zeros((r, c))`, `vec![0.0; n]` or `[0.0; N]` (in any scope); parameters and copies of arrays cannot be written: make a new array and fill it",
                );
                return;
            }
        };
        // `y[i]`, `m[[i, j]]` (`multi`), `m[(i, j)]`.
        let (elems, multi): (Vec<&syn::Expr>, bool) = match strip_parens(&i.index) {
            syn::Expr::Array(a) => (a.elems.iter().collect(), true),
            syn::Expr::Tuple(t) if t.elems.len() > 1 => (t.elems.iter().collect(), false),
            other => (vec![other], false),
        };
        let mut idx = Vec::with_capacity(elems.len());
        for e in elems {
            let Some(o) = self.operand(e, out) else {
                return;
            };
            idx.push(o);
        }
        let id = self.write_count;
        self.write_count += 1;
        out.push(Stmt::Write(Write {
            id,
            arr,
            idx,
            multi,
            val: v,
            add,
            span: i.span(),
        }));
    }

    pub(super) fn assign_to(&mut self, lhs: &syn::Expr, v: Operand, out: &mut Vec<Stmt>) {
        let lhs = strip_parens(lhs);
        if let syn::Expr::Index(i) = lhs {
            self.write(i, v, false, out);
            return;
        }
        if let syn::Expr::Path(p) = lhs
            && let Some(ident) = p.path.get_ident()
        {
            let name = name_of(ident);
            if self.lookup(&name).is_none() {
                self.errors.at(
                    lhs,
                    "assignment to something that is not a local variable (a static?) is not supported in a #[differentiable] function",
                );
                return;
            }
            // Keep the user's name on the new version, for readable generated code.
            let v = match v {
                Operand::Val(id) if self.values[id].user_name.is_none() => {
                    self.values[id].user_name = Some(name.clone());
                    Operand::Val(id)
                }
                Operand::Val(id) => {
                    // `x = y`: a new version of x that copies y.
                    self.emit(
                        out,
                        Op::Copy {
                            src: Operand::Val(id),
                            ty: None,
                            deref: false,
                        },
                        ident.span(),
                        Some(&name),
                    )
                }
                c => c,
            };
            self.assign(&name, v, None);
            return;
        }
        self.errors.at(
            lhs,
            "only assignment to a local variable is supported in a #[differentiable] function (not to fields, dereferences or elements)",
        );
    }
}
