//! Checks that lowering produced well-formed IR: every value is defined once, and every use is
//! in the scope of its definition (a value defined in a branch or a loop body is not used after
//! it, except through a merge or a carried value). Run on every function in debug builds of the
//! macro (the project's tests and the random-program tester): a lowering bug such as a value
//! leaking out of a loop is reported here, with the value's name, instead of by rustc as
//! `cannot find value retval_7` in generated code.

use super::*;

pub fn verify(f: &Func) -> Result<(), String> {
    let mut v = Verifier {
        f,
        in_scope: vec![false; f.values.len()],
        defined: vec![false; f.values.len()],
        scopes: vec![Vec::new()],
    };
    for p in &f.params {
        v.define(p.val)?;
    }
    v.block(&f.body)?;
    for r in &f.results {
        v.check(r, "the function's result")?;
    }
    Ok(())
}

struct Verifier<'f> {
    f: &'f Func,
    in_scope: Vec<bool>,
    defined: Vec<bool>,
    /// The values defined in each open scope, to drop when it closes.
    scopes: Vec<Vec<ValId>>,
}

impl Verifier<'_> {
    fn name(&self, v: ValId) -> String {
        match &self.f.values[v].user_name {
            Some(n) if !n.starts_with('#') => format!("v{v} (`{n}`)"),
            _ => format!("v{v}"),
        }
    }

    fn define(&mut self, v: ValId) -> Result<(), String> {
        if std::mem::replace(&mut self.defined[v], true) {
            return Err(format!("{} is defined twice", self.name(v)));
        }
        self.in_scope[v] = true;
        if let Some(s) = self.scopes.last_mut() {
            s.push(v);
        }
        Ok(())
    }

    fn check(&self, o: &Operand, at: &str) -> Result<(), String> {
        match o.val() {
            Some(v) if !self.in_scope[v] => Err(format!(
                "{} is used in {at} but is not defined there",
                self.name(v)
            )),
            _ => Ok(()),
        }
    }

    fn open(&mut self) {
        self.scopes.push(Vec::new());
    }

    fn close(&mut self) {
        for v in self.scopes.pop().unwrap_or_default() {
            self.in_scope[v] = false;
        }
    }

    fn block(&mut self, b: &Block) -> Result<(), String> {
        for s in &b.stmts {
            match s {
                Stmt::Let(l) => {
                    for o in crate::analyse::op_operands(&l.op) {
                        self.check(o, &format!("the definition of {}", self.name(l.dst)))?;
                    }
                    self.define(l.dst)?;
                }
                Stmt::Write(w) => {
                    let at = format!("write #{}", w.id);
                    self.check(&Operand::Val(w.arr), &at)?;
                    self.check(&w.val, &at)?;
                    for o in &w.idx {
                        self.check(o, &at)?;
                    }
                }
                Stmt::If(i) => {
                    self.check(&i.cond, "an `if` condition")?;
                    for (branch, then) in [(&i.then_block, true), (&i.else_block, false)] {
                        self.open();
                        self.block(branch)?;
                        for m in &i.merges {
                            let o = if then { &m.then_val } else { &m.else_val };
                            self.check(o, &format!("the merge into {}", self.name(m.dst)))?;
                        }
                        self.close();
                    }
                    for m in &i.merges {
                        self.define(m.dst)?;
                    }
                }
                Stmt::Loop(l) => {
                    let at = format!("the head of loop #{}", l.id);
                    if let LoopHead::Range { range, .. } = &l.head {
                        self.check(&range.lo, &at)?;
                        self.check(&range.hi, &at)?;
                        for a in &range.adaptors {
                            if let Adaptor::StepBy(k) = a {
                                self.check(k, &at)?;
                            }
                        }
                    }
                    if let Some(k) = &l.checkpoint {
                        self.check(k, &at)?;
                    }
                    for c in &l.carried {
                        self.check(&c.init, &at)?;
                    }
                    self.open();
                    if let LoopHead::Range { index, .. } = &l.head {
                        self.define(*index)?;
                    }
                    for c in &l.carried {
                        self.define(c.entry)?;
                    }
                    self.block(&l.body)?;
                    let end = format!("the end of loop #{}", l.id);
                    for c in &l.carried {
                        self.check(&c.next, &end)?;
                    }
                    if let Some(e) = &l.exit {
                        self.check(e, &end)?;
                    }
                    self.close();
                    for c in &l.carried {
                        self.define(c.out)?;
                    }
                }
            }
        }
        Ok(())
    }
}
