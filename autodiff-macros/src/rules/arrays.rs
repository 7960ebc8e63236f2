//! The rules of whole-array operations: the array methods (`sum`, `dot`, `mean_axis`, ...),
//! arithmetic with broadcasting, and `s![..]` slices.

use super::*;

/// `s![...]` with the operands of `elems` (operands 1.. of the `Slice`).
pub fn slice_macro(elems: &[crate::ir::SliceElem], e: &Env) -> TokenStream {
    let parts = slice_elems(elems, e);
    quote!(::autodiff_runtime::ndarray::s![#(#parts),*])
}

/// The elements of a slice (`i`, `lo..hi`, `lo..=hi;step`, ...) with the operands of `elems`
/// (operands 1.. of the `Slice`).
pub fn slice_elems(elems: &[crate::ir::SliceElem], e: &Env) -> Vec<TokenStream> {
    use crate::ir::SliceElem as S;
    let mut k = 0;
    let mut next = || {
        k += 1;
        e.a(k)
    };
    let parts: Vec<TokenStream> = elems
        .iter()
        .map(|el| match el {
            S::Index(_) => {
                let i = next();
                quote!(#i)
            }
            S::Range {
                lo,
                hi,
                inclusive,
                step,
            } => {
                let lo = lo.as_ref().map(|_| next());
                let hi = hi.as_ref().map(|_| next());
                let step = step.as_ref().map(|_| next());
                let dots = if *inclusive { quote!(..=) } else { quote!(..) };
                let step = step.map(|s| quote!(;#s));
                quote!(#lo #dots #hi #step)
            }
        })
        .collect();
    parts
}

/// The rules of the array methods.
pub(super) fn array_rule(m: ArrayMethod, i: usize, e: &Env, rt: &TokenStream) -> Option<Contrib> {
    use ArrayMethod as A;
    if i != 0 && !matches!(m, A::Dot) {
        return None;
    }
    let g = e.g();
    Some(match m {
        // v = a.column(j): ā[:, j] += g
        A::Column | A::Row => {
            let (t, j) = (&e.targets[0], e.a(1));
            let f = if m == A::Column {
                quote!(column_acc)
            } else {
                quote!(row_acc)
            };
            Contrib::Stmt(quote!(#rt::#f(&mut #t, #j, &#g);))
        }
        // v = Σ a: ā += g (every element)
        A::Sum => Contrib::Add(g),
        // v = mean(a): ā += g / n (a scalar, added to every element)
        A::Mean => {
            let a = e.a(0);
            Contrib::Add(quote!(#g / (#a.len() as f64)))
        }
        // v = var(a, ddof): ā += g 2 (a - mean a) / (n - ddof)
        // (plus the shift, if any, in the same pass)
        A::Var => {
            let (a, d) = (e.a(0), e.a(1));
            Contrib::Add(match (&e.shift, &e.mean) {
                (None, None) => quote!(#rt::var_da(&#a, #d, #g)),
                (Some(k), None) => quote!(#rt::var_da_shifted(&#a, #d, #g, #k)),
                (k, Some(m)) => {
                    let k = k.clone().unwrap_or(quote!(0.0));
                    quote!(#rt::var_da_centred(&#a, #m, #d, #g, #k))
                }
            })
        }
        // v = std(a, ddof): ā += g (a - mean a) / ((n - ddof) v)   (plus the shift, if any)
        A::Std => {
            let (a, d, v) = (e.a(0), e.a(1), e.v());
            Contrib::Add(match (&e.shift, &e.mean) {
                (None, None) => quote!(#rt::std_da(&#a, #d, #v, #g)),
                (Some(k), None) => quote!(#rt::std_da_shifted(&#a, #d, #v, #g, #k)),
                (k, Some(m)) => {
                    let k = k.clone().unwrap_or(quote!(0.0));
                    quote!(#rt::std_da_centred(&#a, #m, #d, #v, #g, #k))
                }
            })
        }
        // v = a.dot(b): ā += g bᵀ (shapes per case), b̄ += aᵀ g
        A::Dot => {
            if i == 0 {
                let b = e.a(1);
                Contrib::Add(quote!(#rt::dot_da(&#g, &#b)))
            } else {
                let a = e.a(0);
                Contrib::Add(quote!(#rt::dot_db(&#a, &#g)))
            }
        }
        // v = a.mapv(f): ā += g ⊙ f'(a)
        A::Mapv(f) => {
            let a = e.a(0);
            let d = format_ident!("{}", f.name());
            Contrib::Add(quote!(#rt::mapv_da(&#a, #rt::deriv::#d, &#g)))
        }
        // v = a.t(): ā += gᵀ
        A::T => Contrib::Add(quote!(#rt::t_da(&#g))),
        // v = a.view(), a.to_owned(), Array1::from_vec(a): ā += g
        A::View | A::ToOwned | A::FromVec => Contrib::Add(g),
        // v = a.sum_axis(Axis(k)): ā += g broadcast along axis k
        A::SumAxis => {
            let k = e.a(1);
            Contrib::Add(quote!(#rt::sum_axis_da(&#g, #k)))
        }
        // v = a.mean_axis(Axis(k)): ā += g / n_k broadcast along axis k
        A::MeanAxis => {
            let (a, k) = (e.a(0), e.a(1));
            Contrib::Add(quote!(#rt::mean_axis_da(&#a, #k, &#g)))
        }
        // v = a.var_axis(Axis(k), ddof): ā += g_j 2 (a - mean_j) / (n - ddof) along each lane j
        A::VarAxis => {
            let (a, k, d) = (e.a(0), e.a(1), e.a(2));
            Contrib::Add(quote!(#rt::var_axis_da(&#a, #k, #d, &#g)))
        }
        // v = a.std_axis(Axis(k), ddof): ā += g_j (a - mean_j) / ((n - ddof) v_j) (0 if v_j = 0)
        A::StdAxis => {
            let (a, k, d, v) = (e.a(0), e.a(1), e.a(2), e.v());
            Contrib::Add(quote!(#rt::std_axis_da(&#a, #k, #d, &#v, &#g)))
        }
        // v = a.insert_axis(Axis(k)): ā += g without axis k
        A::InsertAxis => {
            let k = e.a(1);
            Contrib::Add(quote!(#rt::insert_axis_da(&#g, #k)))
        }
        // v = a.broadcast(shape): ā += g, summed back to a's shape by the runtime
        A::Broadcast => Contrib::Add(g),
        A::Len | A::LenOf | A::Nrows | A::Ncols | A::Shape => return None,
    })
}

/// Arithmetic where an operand or the result is an array: the runtime's broadcasting
/// operations, with the same formulas as the scalar rules.
pub(super) fn array_arith_rule(
    op: &Op,
    i: usize,
    e: &Env,
    rt: &TokenStream,
) -> Option<TokenStream> {
    let g = e.g();
    Some(match op {
        Op::Copy { .. } | Op::CastFloat(_) | Op::Ref(_) => g,
        // v = vec![a; n]: ā += Σ v̄ (summed back to ā's shape by the runtime)
        Op::NewArray(
            crate::ir::NewArray::Vec(..)
            | crate::ir::NewArray::FromElem1(..)
            | crate::ir::NewArray::FromElem2(..)
            | crate::ir::NewArray::Repeat(..),
        ) if i == 0 => g,
        // v = Array1::from_vec(vec![a0, a1, ...]): āᵢ += v̄[i]
        Op::NewArray(crate::ir::NewArray::FromElems(..)) => quote!(#g[#i]),
        Op::Neg(_) => quote!(#rt::neg(&#g)),
        // The scalar rules' formulas; a scalar operand's contribution is reduced as it is formed.
        Op::Arith(a, _, _) => match (a, i) {
            (Arith::Add, _) | (Arith::Sub, 0) => g,
            (Arith::Sub, _) if e.scalar[1] => quote!(-#rt::sum_prod(&#g, &1.0)),
            (Arith::Sub, _) => quote!(#rt::neg(&#g)),
            (Arith::Mul, _) => {
                let other = e.a(1 - i);
                if e.scalar[i] {
                    quote!(#rt::sum_prod(&#g, &#other))
                } else {
                    quote!(#rt::mul(&#g, &#other))
                }
            }
            (Arith::Div, 0) => {
                let b = e.a(1);
                if e.scalar[0] && e.scalar[1] {
                    quote!(#rt::sum_prod(&#g, &1.0) / #b)
                } else if e.scalar[1] {
                    // One division, then a multiplication per element (several times faster).
                    quote!(#rt::mul(&#g, &(1.0 / #b)))
                } else {
                    quote!(#rt::div(&#g, &#b))
                }
            }
            // Refused by lowering: `%` between arrays is not in the contract.
            (Arith::Rem, _) => return None,
            (Arith::Div, _) => {
                let (v, b) = (e.v(), e.a(1));
                if e.scalar[1] {
                    quote!(-#rt::sum_prod(&#g, &#v) / #b)
                } else {
                    quote!(#rt::neg(&#rt::div(&#rt::mul(&#g, &#v), &#b)))
                }
            }
        },
        _ => return None,
    })
}
