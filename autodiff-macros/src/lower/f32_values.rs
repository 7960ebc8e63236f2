//! `f32` parameters are constants. What the body computes from them in `f32` may be compared,
//! combined by arithmetic, tested (`is_nan`), rounded, cast (`as f64`, `f64::from`) and passed
//! on, all emitted as written; the `f64` math functions, which the generated code calls in path
//! form (`f64::sqrt(v)`, which also types untyped literals), are refused on them with an error
//! that says to convert first, rather than left to fail in generated code.

use super::*;

pub(super) fn refuse_f32_math(
    body: &[Stmt],
    params: &[Param],
    values: &[ValueInfo],
    errors: &mut Errors,
) {
    let mut f32s = vec![false; values.len()];
    for p in params {
        if crate::params::mentions(&p.ty, "f32") {
            f32s[p.val] = true;
        }
    }
    // To a fixed point: loops carry values from one iteration to the next.
    while spread(body, &mut f32s) {}
    report(body, &f32s, values, errors);
}

fn is_f32(o: &Operand, f32s: &[bool]) -> bool {
    o.val().is_some_and(|v| f32s[v])
}

/// Marks the values computed from f32 values; true if any was new.
fn spread(stmts: &[Stmt], f32s: &mut [bool]) -> bool {
    let mut changed = false;
    fn mark(v: ValId, f32s: &mut [bool]) -> bool {
        !std::mem::replace(&mut f32s[v], true)
    }
    for s in stmts {
        match s {
            Stmt::Let(l) => {
                let from: Vec<&Operand> = match &l.op {
                    Op::Copy { src, .. } | Op::Neg(src) | Op::Ref(src) => vec![src],
                    Op::Arith(_, a, b) => vec![a, b],
                    Op::Index { arr, .. } => vec![arr],
                    // `floor`, `round`, ... keep the type (the predicates give `bool`s).
                    Op::Inactive(InactiveOp::Method(m, args))
                        if !m.to_string().starts_with("is_") =>
                    {
                        args.iter().take(1).collect()
                    }
                    // A refused math function's result is taken as an f64 (no second error).
                    _ => vec![],
                };
                if from.iter().any(|o| is_f32(o, f32s)) {
                    changed |= mark(l.dst, f32s);
                }
            }
            Stmt::If(i) => {
                changed |= spread(&i.then_block.stmts, f32s);
                changed |= spread(&i.else_block.stmts, f32s);
                for m in &i.merges {
                    if is_f32(&m.then_val, f32s) || is_f32(&m.else_val, f32s) {
                        changed |= mark(m.dst, f32s);
                    }
                }
            }
            Stmt::Loop(l) => {
                for c in &l.carried {
                    if is_f32(&c.init, f32s) || is_f32(&c.next, f32s) {
                        changed |= mark(c.entry, f32s);
                        changed |= mark(c.out, f32s);
                    }
                }
                changed |= spread(&l.body.stmts, f32s);
            }
            Stmt::Write(_) => {}
        }
    }
    changed
}

fn report(stmts: &[Stmt], f32s: &[bool], values: &[ValueInfo], errors: &mut Errors) {
    for s in stmts {
        match s {
            Stmt::Let(Let {
                op: Op::Math(f, args),
                span,
                ..
            }) => {
                if let Some(v) = args.iter().find(|o| is_f32(o, f32s)) {
                    let name = match v.val().and_then(|v| values[v].user_name.as_deref()) {
                        Some(n) if !n.starts_with('#') => format!("`{n}`"),
                        _ => "this value".to_owned(),
                    };
                    errors.at_span(
                        *span,
                        format!(
                            "`{}` of an f32 value: {name} is computed from an f32 parameter, and f32 parameters are constants in a #[differentiable] function, whose math functions are f64's; convert it first (`v as f64`, `f64::from(v)`), or take the parameter as f64",
                            f.name()
                        ),
                    );
                }
            }
            Stmt::Let(_) | Stmt::Write(_) => {}
            Stmt::If(i) => {
                report(&i.then_block.stmts, f32s, values, errors);
                report(&i.else_block.stmts, f32s, values, errors);
            }
            Stmt::Loop(l) => report(&l.body.stmts, f32s, values, errors),
        }
    }
}
