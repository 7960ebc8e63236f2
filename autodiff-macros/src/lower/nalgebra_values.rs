//! nalgebra vectors and matrices (`DVector<f64>`, `SVector<f64, N>`, `DMatrix<f64>`,
//! `SMatrix<f64, R, C>`) are read element by element: `x[i]`, `m[(i, j)]`,
//! `x.len()`, loops and iterator chains over their elements (which lower to index loops), and
//! passed whole to other `#[differentiable]` functions. Their whole-vector operations (`dot`,
//! `norm`, `+`, `*` — a matrix product in nalgebra) have no rules here: they are refused on the
//! operation, rather than left to fail in generated code that calls ndarray's rules.

use super::*;

/// The constant methods that keep to the vector's shape.
const SHAPE_METHODS: &[&str] = &["len", "is_empty", "nrows", "ncols"];

pub(super) fn refuse_whole_vector_ops(
    body: &[Stmt],
    params: &[Param],
    values: &[ValueInfo],
    errors: &mut Errors,
) {
    let mut na = vec![false; values.len()];
    for p in params {
        if matches!(p.kind, ParamKind::Na { .. }) {
            na[p.val] = true;
        }
    }
    check(body, &mut na, errors);
}

fn check(stmts: &[Stmt], na: &mut [bool], errors: &mut Errors) {
    let is_na = |o: &Operand, na: &[bool]| o.val().is_some_and(|v| na[v]);
    for s in stmts {
        match s {
            Stmt::Let(l) => {
                let allowed = match &l.op {
                    // `&x`, a copy of `x`: the same vector under another name.
                    Op::Ref(a) | Op::Copy { src: a, .. } => {
                        if is_na(a, na) {
                            na[l.dst] = true;
                        }
                        true
                    }
                    Op::Index { idx, .. } => !idx.iter().any(|o| is_na(o, na)),
                    Op::Call { .. } => true,
                    Op::Array(m, _) if m.is_shape() => true,
                    Op::Inactive(InactiveOp::Method(m, args)) => {
                        SHAPE_METHODS.contains(&m.to_string().as_str())
                            || !args.iter().any(|o| is_na(o, na))
                    }
                    op => !crate::analyse::op_operands(op)
                        .into_iter()
                        .any(|o| is_na(o, na)),
                };
                if !allowed {
                    errors.at_span(
                        l.span,
                        "nalgebra vectors and matrices are read element by element in a #[differentiable] function (`x[i]`, `m[(i, j)]`, `x.len()`, `for v in x.iter()`, iterator chains) and passed whole to #[differentiable] functions; their whole-vector operations (`dot`, `norm`, `+`, `*`) are not differentiated: write the loop (`x.iter().zip(y.iter()).map(|(a, b)| a * b).sum::<f64>()`), or take ndarray arrays",
                    );
                }
            }
            Stmt::Write(_) => {}
            Stmt::If(i) => {
                check(&i.then_block.stmts, na, errors);
                check(&i.else_block.stmts, na, errors);
                for m in &i.merges {
                    if is_na(&m.then_val, na) || is_na(&m.else_val, na) {
                        na[m.dst] = true;
                    }
                }
            }
            Stmt::Loop(l) => check(&l.body.stmts, na, errors),
        }
    }
}
