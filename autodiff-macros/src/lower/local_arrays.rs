//! Which local arrays must be restored in the reverse sweep, and the reads and whole uses that
//! are refused until their last write.

use super::*;

/// A local array written element by element and used only after its last write needs no tape:
/// the reverse sweep reads it in its final state. Otherwise it is marked `restore`: its writes
/// record what they overwrite and the reverse sweep restores it. Then, until its last write, it
/// may be read element by element at the top level of the body or directly in the body of a
/// top-level loop (those reads are recorded where a recomputed body needs them), and used as a
/// whole array only after its last write.
pub(super) fn classify_local_arrays(body: &[Stmt], values: &mut [ValueInfo], errors: &mut Errors) {
    let arrays: Vec<ValId> = (0..values.len()).filter(|v| values[*v].mutable).collect();
    for y in arrays {
        let mut used = false;
        let mut ordered = true;
        for s in body {
            if first_write(s, y).is_some() && (used || reads(s, y)) {
                ordered = false;
                break;
            }
            used |= reads(s, y);
        }
        if ordered {
            continue;
        }
        values[y].restore = true;
        let name = values[y].user_name.clone().unwrap_or_default();
        let Some(last) = body.iter().rposition(|s| first_write(s, y).is_some()) else {
            continue;
        };
        for s in &body[..=last] {
            if let Some(span) = whole_use(s, y) {
                errors.at_span(
                    span,
                    format!(
                        "`{name}` is used as a whole array before its last element write; use it whole after it is filled, or read single elements (`{name}[i]`)"
                    ),
                );
                return;
            }
            let nested_read = match s {
                Stmt::Loop(l) => l.body.stmts.iter().find_map(|b| match b {
                    Stmt::Let(_) | Stmt::Write(_) => None,
                    other => index_read(other, y),
                }),
                Stmt::If(_) => index_read(s, y),
                _ => None,
            };
            if let Some(span) = nested_read {
                errors.at_span(
                    span,
                    format!(
                        "`{name}` is read here and written later: such reads are supported at the top level of the body or directly in the body of a top-level loop, not inside an `if` or a nested loop; read the element into an f64 variable there"
                    ),
                );
                return;
            }
        }
    }
}

/// A use of `y` other than an element read, anywhere in `s`.
fn whole_use(s: &Stmt, y: ValId) -> Option<Span> {
    let is_y = |o: &Operand| o.val() == Some(y);
    match s {
        Stmt::Let(l) => match &l.op {
            Op::Index { arr, idx, .. } => (idx.iter().any(is_y) && !is_y(arr)).then_some(l.span),
            // The shape does not change with the elements.
            Op::Array(m, _) if m.is_shape() => None,
            op => crate::analyse::op_operands(op)
                .into_iter()
                .any(is_y)
                .then_some(l.span),
        },
        Stmt::Write(w) => (is_y(&w.val) || w.idx.iter().any(is_y)).then_some(w.span),
        Stmt::If(i) => i
            .then_block
            .stmts
            .iter()
            .chain(&i.else_block.stmts)
            .find_map(|s| whole_use(s, y)),
        Stmt::Loop(l) => l.body.stmts.iter().find_map(|s| whole_use(s, y)),
    }
}

/// An element read of `y` anywhere in `s`.
fn index_read(s: &Stmt, y: ValId) -> Option<Span> {
    match s {
        Stmt::Let(l) => {
            matches!(&l.op, Op::Index { arr, .. } if arr.val() == Some(y)).then_some(l.span)
        }
        Stmt::Write(_) => None,
        Stmt::If(i) => i
            .then_block
            .stmts
            .iter()
            .chain(&i.else_block.stmts)
            .find_map(|s| index_read(s, y)),
        Stmt::Loop(l) => l.body.stmts.iter().find_map(|s| index_read(s, y)),
    }
}

fn first_write(s: &Stmt, y: ValId) -> Option<Span> {
    match s {
        Stmt::Write(w) if w.arr == y => Some(w.span),
        Stmt::Let(_) | Stmt::Write(_) => None,
        Stmt::If(i) => i
            .then_block
            .stmts
            .iter()
            .chain(&i.else_block.stmts)
            .find_map(|s| first_write(s, y)),
        Stmt::Loop(l) => l.body.stmts.iter().find_map(|s| first_write(s, y)),
    }
}

fn reads(s: &Stmt, y: ValId) -> bool {
    let is_y = |o: &Operand| o.val() == Some(y);
    match s {
        Stmt::Let(l) => crate::analyse::op_operands(&l.op).into_iter().any(is_y),
        Stmt::Write(w) => is_y(&w.val) || w.idx.iter().any(is_y),
        Stmt::If(i) => {
            is_y(&i.cond)
                || i.merges
                    .iter()
                    .any(|m| is_y(&m.then_val) || is_y(&m.else_val))
                || i.then_block
                    .stmts
                    .iter()
                    .chain(&i.else_block.stmts)
                    .any(|s| reads(s, y))
        }
        Stmt::Loop(l) => {
            l.carried.iter().any(|c| is_y(&c.init) || is_y(&c.next))
                || l.exit.as_ref().is_some_and(is_y)
                || match &l.head {
                    LoopHead::Range { range, .. } => {
                        is_y(&range.lo)
                            || is_y(&range.hi)
                            || range
                                .adaptors
                                .iter()
                                .any(|a| matches!(a, Adaptor::StepBy(k) if is_y(k)))
                    }
                    LoopHead::Forever => false,
                }
                || l.body.stmts.iter().any(|s| reads(s, y))
        }
    }
}
