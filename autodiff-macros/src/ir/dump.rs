//! A textual dump of the IR, for reading what lowering made of a function
//! (`AUTODIFF_EXPAND=ir` or `ir:name`, and the IR snapshots in `tests/expand/*.ir`).
//!
//! ```text
//! fn f(x: v0 f64, n: v1)
//!   v2 x_1 = Mul(v0, 2.0)
//!   loop#0 for v3 in 0..v1 carried [v4 s = (init v2, next v6) -> v7] {
//!     v5 = Math sin(v4)
//!     v6 s_2 = Add(v4, v5)
//!   }
//!   return v7
//! ```

use super::*;
use std::fmt::Write as _;

pub fn dump(f: &Func) -> String {
    let mut out = String::new();
    let params: Vec<String> = f
        .params
        .iter()
        .map(|p| {
            let ty = &p.ty;
            let kind = match p.kind {
                ParamKind::Other => String::new(),
                _ => format!(" {}", quote::quote!(#ty)),
            };
            format!("{}: v{}{kind}", p.ident, p.val)
        })
        .collect();
    let _ = writeln!(out, "fn({})", params.join(", "));
    block(f, &f.body, 1, &mut out);
    let results: Vec<String> = f.results.iter().map(operand).collect();
    let _ = writeln!(out, "  return {}", results.join(", "));
    out
}

fn operand(o: &Operand) -> String {
    match o {
        Operand::Val(v) => format!("v{v}"),
        Operand::Const(t) => t.to_string(),
    }
}

fn value(f: &Func, v: ValId) -> String {
    let info = &f.values[v];
    let kind = match info.kind {
        Kind::Scalar => String::new(),
        Kind::ScalarRef => " &f64".to_owned(),
        Kind::Array { dims, is_ref } => format!(" [{}{dims}-D]", if is_ref { "&" } else { "" }),
        Kind::Tuple(n) => format!(" ({n}-tuple)"),
    };
    match &info.user_name {
        Some(n) if !n.starts_with('#') => format!("v{v} {n}{kind}"),
        _ => format!("v{v}{kind}"),
    }
}

fn list(ops: &[&Operand]) -> String {
    ops.iter()
        .map(|o| operand(o))
        .collect::<Vec<_>>()
        .join(", ")
}

fn op(o: &Op) -> String {
    let args = list(&crate::analyse::op_operands(o));
    let name = match o {
        Op::Copy { deref: true, .. } => "Deref".to_owned(),
        Op::Copy { .. } => "Copy".to_owned(),
        Op::Neg(_) => "Neg".to_owned(),
        Op::Arith(a, _, _) => format!("{a:?}"),
        Op::Math(m, _) => format!("Math {}", m.name()),
        Op::CastFloat(_) => "AsF64".to_owned(),
        Op::Inactive(i) => match i {
            InactiveOp::Not(_) => "Not".to_owned(),
            InactiveOp::Binary(b, _, _) => format!("Const {}", quote::quote!(#b)),
            InactiveOp::Cast(_, t) => format!("Const as {}", quote::quote!(#t)),
            InactiveOp::Method(m, _) => format!("Const .{m}"),
            InactiveOp::Matches(_, p) => format!("Matches {}", quote::quote!(#p)),
            InactiveOp::Extract(_, p, n) => format!("Extract {n} from {}", quote::quote!(#p)),
            InactiveOp::StopGradient(_) => "StopGradient".to_owned(),
            InactiveOp::Debug(t) => format!("Debug {t}"),
        },
        Op::Call { path, .. } => format!("Call {}", quote::quote!(#path)),
        Op::Ref(_) => "Ref".to_owned(),
        Op::Field(_, i) => format!("Field .{i}"),
        Op::Index { multi, by_ref, .. } => format!(
            "Index{}{}",
            if *multi { " [[..]]" } else { "" },
            if *by_ref { " &" } else { "" }
        ),
        Op::Array(m, _) => format!("Array {m:?}"),
        Op::NewArray(n) => match n {
            NewArray::Zeros1(_) => "Zeros1",
            NewArray::Zeros2(..) => "Zeros2",
            NewArray::Vec(..) => "VecOf",
            NewArray::FromElem1(..) => "FromElem1",
            NewArray::FromElem2(..) => "FromElem2",
            NewArray::FromElems(..) => "FromElems",
            NewArray::Repeat(..) => "Repeat",
            NewArray::ZerosLike(_) => "ZerosLike",
        }
        .to_owned(),
        Op::Slice { .. } => "Slice".to_owned(),
        Op::MapClosure(_) => "MapClosure".to_owned(),
    };
    format!("{name}({args})")
}

fn block(f: &Func, b: &Block, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    for s in &b.stmts {
        match s {
            Stmt::Let(l) => {
                let _ = writeln!(out, "{pad}{} = {}", value(f, l.dst), op(&l.op));
            }
            Stmt::Write(w) => {
                let idx: Vec<&Operand> = w.idx.iter().collect();
                let _ = writeln!(
                    out,
                    "{pad}write#{} v{}[{}] {} {}",
                    w.id,
                    w.arr,
                    list(&idx),
                    if w.add { "+=" } else { "=" },
                    operand(&w.val)
                );
            }
            Stmt::If(i) => {
                let _ = writeln!(out, "{pad}if {} {{", operand(&i.cond));
                block(f, &i.then_block, depth + 1, out);
                let _ = writeln!(out, "{pad}}} else {{");
                block(f, &i.else_block, depth + 1, out);
                let _ = writeln!(out, "{pad}}}");
                for m in &i.merges {
                    let _ = writeln!(
                        out,
                        "{pad}{} = phi({}, {})",
                        value(f, m.dst),
                        operand(&m.then_val),
                        operand(&m.else_val)
                    );
                }
            }
            Stmt::Loop(l) => {
                let head = match &l.head {
                    LoopHead::Range { index, range } => {
                        let adaptors: Vec<String> = range
                            .adaptors
                            .iter()
                            .map(|a| match a {
                                Adaptor::Rev => ".rev()".to_owned(),
                                Adaptor::StepBy(k) => format!(".step_by({})", operand(k)),
                            })
                            .collect();
                        format!(
                            "for v{index} in {}..{}{}{}",
                            operand(&range.lo),
                            if range.inclusive { "=" } else { "" },
                            operand(&range.hi),
                            adaptors.concat()
                        )
                    }
                    LoopHead::Forever => "loop".to_owned(),
                };
                let carried: Vec<String> = l
                    .carried
                    .iter()
                    .map(|c| {
                        format!(
                            "{} = (init {}, next {}) -> v{}",
                            value(f, c.entry),
                            operand(&c.init),
                            operand(&c.next),
                            c.out
                        )
                    })
                    .collect();
                let exit = match &l.exit {
                    Some(e) => format!(" exit {}", operand(e)),
                    None => String::new(),
                };
                let _ = writeln!(
                    out,
                    "{pad}loop#{} {head} carried [{}]{exit} {{",
                    l.id,
                    carried.join("; ")
                );
                block(f, &l.body, depth + 1, out);
                let _ = writeln!(out, "{pad}}}");
            }
        }
    }
}
