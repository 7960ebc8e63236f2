//! Shrinking: greedy minimisation of a failing generated program. Each round enumerates every
//! one-step reduction (delete a statement, a function, a parameter, an item or `wrt`; inline the
//! body of an `if`/loop/block; replace an expression by an operand or a literal), builds a batch
//! of candidates in one crate, and keeps the smallest that still fails the same way.

use crate::ast::*;
use crate::driver::{self, Case, Env, Kind, Unit, Verdict};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Red {
    DelFunc,
    DelItem,
    DropWrt,
    DelParam,
    DelStmt,
    Unwrap,
    Tail,
    ExprSub,
    ExprLit,
}

const ORDER: &[Red] = &[
    Red::DelFunc,
    Red::DelItem,
    Red::DropWrt,
    Red::DelStmt,
    Red::Unwrap,
    Red::DelParam,
    Red::Tail,
    Red::ExprSub,
    Red::ExprLit,
];

/// What a failure looks like, for "still fails the same way": the kind and, for compile errors,
/// the first line of the first message with names and numbers blanked.
pub fn signature(v: &Verdict) -> Option<(Kind, String)> {
    let Verdict::Fail(fs) = v else { return None };
    let (k, m) = fs.iter().find(|(k, _)| *k != Kind::GeneratorBug)?;
    let key = match k {
        Kind::GenCode | Kind::Refusal | Kind::MacroPanic | Kind::Signature => {
            normalize(m.lines().next().unwrap_or(""))
        }
        _ => String::new(),
    };
    Some((*k, key))
}

pub fn normalize(s: &str) -> String {
    let mut out = String::new();
    let mut in_tick = false;
    for c in s.chars() {
        if c == '`' {
            in_tick = !in_tick;
            out.push('`');
        } else if !in_tick && !c.is_ascii_digit() {
            out.push(c);
        }
    }
    out
}

fn same(v: &Verdict, want: &(Kind, String)) -> bool {
    match v {
        Verdict::Fail(fs) => {
            // a candidate whose plain copy does not compile is invalid Rust: not the same failure
            if fs.iter().any(|(k, _)| *k == Kind::GeneratorBug) {
                return false;
            }
            fs.iter().any(|(k, m)| {
                *k == want.0
                    && (want.1.is_empty() || normalize(m.lines().next().unwrap_or("")) == want.1)
            })
        }
        _ => false,
    }
}

pub fn size(p: &Program) -> usize {
    let mut n = p.items.len() + p.funcs.len();
    for f in &p.funcs {
        n += f.params.len() + f.wrt.is_some() as usize + block_size(&f.body);
    }
    n
}
fn block_size(b: &Block) -> usize {
    b.stmts.iter().map(stmt_size).sum::<usize>() + b.tail.as_ref().map_or(0, |e| expr_size(e))
}
fn stmt_size(s: &Stmt) -> usize {
    1 + match s {
        Stmt::Let { init, .. } => expr_size(init),
        Stmt::LetArr { init, dims, .. } => {
            expr_size(init) + dims.iter().map(expr_size).sum::<usize>()
        }
        Stmt::Assign(lv, _, e) => {
            expr_size(e)
                + match lv {
                    LV::Var(_) => 0,
                    LV::Idx(_, i) => expr_size(i),
                    LV::Idx2(_, i, j) => expr_size(i) + expr_size(j),
                }
        }
        Stmt::If(c, t, e) => expr_size(c) + block_size(t) + e.as_ref().map_or(0, else_size),
        Stmt::For { range, body, .. } => {
            expr_size(&range.lo) + expr_size(&range.hi) + block_size(body)
        }
        Stmt::ForElem { body, .. } | Stmt::Loop(body) | Stmt::Block(body) => block_size(body),
        Stmt::While(c, b) => expr_size(c) + block_size(b),
        Stmt::Return(e) => expr_size(e),
        Stmt::Break | Stmt::Continue | Stmt::BreakTo(_) | Stmt::ContinueTo(_) => 0,
        Stmt::Labelled(_, inner) => stmt_size(inner),
        Stmt::LetClo { body, .. } => expr_size(body),
        Stmt::LetTuple(_, t) | Stmt::AssignTuple(_, t) => match t {
            TupInit::Parts(es) => es.iter().map(expr_size).sum(),
            TupInit::Whole(e) => expr_size(e),
        },
        Stmt::LetArrPat(..) | Stmt::LetCopy { .. } => 1,
        Stmt::Collect(..) => 4,
        Stmt::ForChain { body, .. } => 4 + block_size(body),
        Stmt::LetElse(_, _, e) => expr_size(e),
    }
}
fn else_size(e: &Else) -> usize {
    match e {
        Else::Block(b) => block_size(b),
        Else::If(c, t, e) => expr_size(c) + block_size(t) + else_size(e),
    }
}
fn expr_size(e: &E) -> usize {
    1 + match e {
        E::Neg(a) | E::Not(a) | E::CastF(a) | E::CastI(a, ..) => expr_size(a),
        E::Bin(_, a, b) => expr_size(a) + expr_size(b),
        E::Method(_, r, args) => expr_size(r) + args.iter().map(expr_size).sum::<usize>(),
        E::PathCall(_, args) => args.iter().map(expr_size).sum(),
        E::If(c, t, e) => expr_size(c) + block_size(t) + else_size(e),
        E::Block(b) => block_size(b),
        E::Call(_, args) => args
            .iter()
            .map(|a| match a {
                CallArg::Val(e) | CallArg::Ref(e) => expr_size(e),
                CallArg::Arr(_) => 1,
            })
            .sum(),
        E::Index(_, i) => expr_size(i),
        E::Index2(_, i, j) => expr_size(i) + expr_size(j),
        E::Reduce(_, a) => ae_size(a),
        _ => 0,
    }
}
fn ae_size(a: &AE) -> usize {
    1 + match a {
        AE::Bin(_, l, r, _) | AE::Dot(l, r) => ae_size(l) + ae_size(r),
        AE::BinS(_, l, s, ..) => ae_size(l) + expr_size(s),
        AE::Neg(l) | AE::Mapv(_, l, _) => ae_size(l),
        AE::Col(_, _, i) | AE::Row(_, _, i) => expr_size(i),
        AE::Atom(..) => 0,
    }
}

/// `c < K` / `c > K`: a loop counter's guard.
fn is_guard(e: &E) -> bool {
    matches!(e, E::Bin(BOp::Lt | BOp::Gt, a, b) if matches!(**a, E::Var(_)) && matches!(**b, E::ILit(..)))
}
fn is_guard_stmt(s: &Stmt) -> bool {
    match s {
        Stmt::Assign(LV::Var(_), AsgOp::Add, E::ILit(1, _)) => true,
        Stmt::If(c, t, None) => is_guard(c) && matches!(t.stmts.as_slice(), [Stmt::Break]),
        _ => false,
    }
}

/// Whether `e` certainly has type f64 (so it may be replaced by a float literal).
fn is_float(e: &E) -> bool {
    match e {
        E::FLit(..)
        | E::FPath(_)
        | E::Deref(_)
        | E::ElemDeref(_)
        | E::Method(..)
        | E::PathCall(..)
        | E::CastF(_)
        | E::Call(..)
        | E::Reduce(..) => true,
        E::Index(..) | E::Index2(..) => true,
        E::Neg(a) => is_float(a),
        E::Bin(op, a, b) => {
            matches!(op, BOp::Add | BOp::Sub | BOp::Mul | BOp::Div | BOp::Rem)
                && (is_float(a) || is_float(b))
        }
        E::If(_, t, _) => t.tail.as_ref().is_some_and(|x| is_float(x)),
        E::Block(b) => b.tail.as_ref().is_some_and(|x| is_float(x)),
        E::MatchI(..) | E::MatchF(..) | E::IfLet(..) | E::CallClo(..) => true,
        E::Chain(c) => matches!(
            c.cons,
            Cons::Sum(_) | Cons::Product(_) | Cons::Fold(..) | Cons::MaxFold
        ),
        _ => false,
    }
}

struct W {
    red: Red,
    target: usize,
    n: usize,
    done: bool,
}

impl W {
    fn hit(&mut self) -> bool {
        let h = !self.done && self.n == self.target;
        self.n += 1;
        if h {
            self.done = true;
        }
        h
    }
    fn block(&mut self, b: &mut Block) {
        if self.done {
            return;
        }
        if self.red == Red::DelStmt {
            for i in 0..b.stmts.len() {
                // the generator's loop guards keep loops finite
                if is_guard_stmt(&b.stmts[i]) {
                    continue;
                }
                if self.hit() {
                    b.stmts.remove(i);
                    return;
                }
            }
        }
        if self.red == Red::Unwrap {
            for i in 0..b.stmts.len() {
                let inner: Vec<Vec<Stmt>> = match &b.stmts[i] {
                    Stmt::If(_, t, e) => {
                        let mut v = vec![t.stmts.clone()];
                        if let Some(Else::Block(eb)) = e {
                            v.push(eb.stmts.clone());
                        }
                        if let Some(Else::If(_, t2, _)) = e {
                            v.push(t2.stmts.clone());
                        }
                        v
                    }
                    Stmt::For { body, .. }
                    | Stmt::ForElem { body, .. }
                    | Stmt::ForChain { body, .. }
                    | Stmt::While(_, body)
                    | Stmt::Loop(body)
                    | Stmt::Block(body) => {
                        vec![body.stmts.clone()]
                    }
                    _ => vec![],
                };
                for repl in inner {
                    if self.hit() {
                        b.stmts.splice(i..=i, repl);
                        return;
                    }
                }
            }
        }
        for s in b.stmts.iter_mut() {
            self.stmt(s);
            if self.done {
                return;
            }
        }
        if let Some(t) = &mut b.tail {
            self.expr(t);
        }
    }
    fn stmt(&mut self, s: &mut Stmt) {
        match s {
            Stmt::Let { init, .. } => self.expr(init),
            Stmt::LetArr { init, .. } => self.expr(init),
            Stmt::Assign(_, _, e) => self.expr(e),
            Stmt::If(c, t, e) => {
                self.expr(c);
                self.block(t);
                if let Some(e) = e {
                    self.else_(e);
                }
            }
            Stmt::For { body, .. }
            | Stmt::ForElem { body, .. }
            | Stmt::Loop(body)
            | Stmt::Block(body) => self.block(body),
            Stmt::While(c, b) => {
                self.expr(c);
                self.block(b);
            }
            Stmt::Return(e) => self.expr(e),
            Stmt::Break | Stmt::Continue | Stmt::BreakTo(_) | Stmt::ContinueTo(_) => {}
            Stmt::Labelled(_, inner) => self.stmt(inner),
            Stmt::LetClo { body, .. } => self.expr(body),
            Stmt::LetTuple(_, t) | Stmt::AssignTuple(_, t) => match t {
                TupInit::Parts(es) => {
                    for e in es {
                        self.expr(e);
                    }
                }
                TupInit::Whole(e) => self.expr(e),
            },
            Stmt::LetElse(_, _, e) => self.expr(e),
            Stmt::Collect(_, c) => self.chain(c),
            Stmt::ForChain { chain, body, .. } => {
                self.chain(chain);
                self.block(body);
            }
            Stmt::LetArrPat(..) | Stmt::LetCopy { .. } => {}
        }
    }
    fn else_(&mut self, e: &mut Else) {
        match e {
            Else::Block(b) => self.block(b),
            Else::If(c, t, e) => {
                self.expr(c);
                self.block(t);
                self.else_(e);
            }
        }
    }
    fn expr(&mut self, e: &mut E) {
        if self.done {
            return;
        }
        if self.red == Red::ExprLit && is_float(e) && !matches!(e, E::FLit(..)) && self.hit() {
            *e = E::FLit(1.0, LitSty::Underscore);
            return;
        }
        if self.red == Red::ExprSub {
            let subs: Vec<E> = match &*e {
                E::Neg(a) => vec![(**a).clone()],
                E::Bin(BOp::And | BOp::Or, a, b) if is_guard(a) || is_guard(b) => vec![],
                E::Bin(op, a, b)
                    if !matches!(
                        op,
                        BOp::Lt | BOp::Le | BOp::Gt | BOp::Ge | BOp::Eq | BOp::Ne
                    ) =>
                {
                    vec![(**a).clone(), (**b).clone()]
                }
                E::Method(_, r, args) if is_float(r) || args.iter().all(is_float) => {
                    let mut v = vec![(**r).clone()];
                    v.extend(args.iter().filter(|a| is_float(a)).cloned());
                    v
                }
                E::PathCall(_, args) => args.iter().filter(|a| is_float(a)).cloned().collect(),
                E::If(_, t, els) => {
                    let mut v = vec![];
                    if let Some(x) = &t.tail {
                        v.push((**x).clone());
                    }
                    if let Else::Block(b) = &**els {
                        if let Some(x) = &b.tail {
                            v.push((**x).clone());
                        }
                    }
                    v
                }
                E::Block(b) => b.tail.iter().map(|x| (**x).clone()).collect(),
                E::MatchI(_, arms, d) => {
                    let mut v: Vec<E> = arms.iter().map(|a| a.body.clone()).collect();
                    v.push((**d).clone());
                    v
                }
                E::MatchF(_, _, _, a, b) | E::IfLet(_, _, a, b) => {
                    vec![(**a).clone(), (**b).clone()]
                }
                E::Chain(..) | E::CallClo(..) if is_float(e) => {
                    vec![E::FLit(1.0, LitSty::Underscore)]
                }
                _ => vec![],
            };
            for sub in subs {
                if self.hit() {
                    *e = sub;
                    return;
                }
            }
        }
        match e {
            E::Neg(a) | E::Not(a) | E::CastF(a) | E::CastI(a, ..) => self.expr(a),
            E::Bin(_, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            E::Method(_, r, args) => {
                self.expr(r);
                for a in args {
                    self.expr(a);
                }
            }
            E::PathCall(_, args) => {
                for a in args {
                    self.expr(a);
                }
            }
            E::If(c, t, els) => {
                self.expr(c);
                self.block(t);
                self.else_(els);
            }
            E::Block(b) => self.block(b),
            E::Call(_, args) => {
                for a in args {
                    if let CallArg::Val(x) | CallArg::Ref(x) = a {
                        self.expr(x);
                    }
                }
            }
            E::Reduce(_, a) => self.ae(a),
            E::MatchI(sc, arms, d) => {
                self.expr(sc);
                for a in arms {
                    self.expr(&mut a.body);
                }
                self.expr(d);
            }
            E::MatchF(sc, _, _, a, b) => {
                self.expr(sc);
                self.expr(a);
                self.expr(b);
            }
            E::IfLet(_, _, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            E::CallClo(_, args) | E::Tuple(args) => {
                for a in args {
                    self.expr(a);
                }
            }
            E::Chain(c) => self.chain(c),
            _ => {}
        }
    }
    fn chain(&mut self, c: &mut Chain) {
        if let Src::Range(lo, hi, _) = &mut c.src {
            self.expr(lo);
            self.expr(hi);
        }
        // adaptors can go (their closures' names are then unbound: such candidates fail
        // differently and are dropped)
        if self.red == Red::DelStmt {
            for i in 0..c.ads.len() {
                if self.hit() {
                    c.ads.remove(i);
                    return;
                }
            }
        }
        for a in c.ads.iter_mut() {
            if let Ad::Filter(cl) | Ad::Map(cl) = a {
                self.expr(&mut cl.body);
            }
        }
        match &mut c.cons {
            Cons::Fold(init, _, cl) => {
                self.expr(init);
                self.expr(&mut cl.body);
            }
            Cons::Any(cl) | Cons::All(cl) => self.expr(&mut cl.body),
            _ => {}
        }
    }
    fn ae(&mut self, a: &mut AE) {
        match a {
            AE::Bin(_, l, r, _) | AE::Dot(l, r) => {
                self.ae(l);
                self.ae(r);
            }
            AE::BinS(_, l, s, ..) => {
                self.ae(l);
                self.expr(s);
            }
            AE::Neg(l) | AE::Mapv(_, l, _) => self.ae(l),
            _ => {}
        }
    }
}

/// The `k`-th reduction of kind `red`, or None when there are fewer sites.
fn apply(p: &Program, red: Red, k: usize) -> Option<Program> {
    let mut q = p.clone();
    match red {
        Red::DelFunc => {
            if k >= q.funcs.len() || q.funcs.len() == 1 {
                return None;
            }
            q.funcs.remove(k);
            Some(q)
        }
        Red::DelItem => {
            if k >= q.items.len() {
                return None;
            }
            q.items.remove(k);
            Some(q)
        }
        Red::DropWrt => {
            let f = q.funcs.iter_mut().filter(|f| f.wrt.is_some()).nth(k)?;
            f.wrt = None;
            Some(q)
        }
        Red::DelParam => {
            let mut n = 0;
            for fi in 0..q.funcs.len() {
                for pi in 0..q.funcs[fi].params.len() {
                    if n == k {
                        let name = q.funcs[fi].name.clone();
                        let f = &mut q.funcs[fi];
                        f.params.remove(pi);
                        if let Some(w) = &mut f.wrt {
                            w.retain(|&i| i != pi);
                            for i in w.iter_mut() {
                                if *i > pi {
                                    *i -= 1;
                                }
                            }
                            if w.is_empty() {
                                return None;
                            }
                        }
                        if !f.params.iter().any(|p| p.ty.is_float()) {
                            return None;
                        }
                        for g in q.funcs.iter_mut() {
                            drop_arg_block(&mut g.body, &name, pi);
                        }
                        return Some(q);
                    }
                    n += 1;
                }
            }
            None
        }
        Red::Tail => {
            let mut n = 0;
            for f in q.funcs.iter_mut() {
                let parts = match f.body.tail.as_deref() {
                    Some(E::Bin(BOp::Add, a, b)) => vec![a.clone(), b.clone()],
                    _ => vec![],
                };
                for x in parts {
                    if n == k {
                        f.body.tail = Some(x);
                        return Some(q);
                    }
                    n += 1;
                }
            }
            None
        }
        _ => {
            let mut w = W {
                red,
                target: k,
                n: 0,
                done: false,
            };
            for f in q.funcs.iter_mut() {
                w.block(&mut f.body);
                if w.done {
                    return Some(q);
                }
            }
            None
        }
    }
}

fn drop_arg_block(b: &mut Block, fname: &str, pi: usize) {
    struct D<'a>(&'a str, usize);
    impl D<'_> {
        fn e(&self, e: &mut E) {
            match e {
                E::Call(f, args) => {
                    if f == self.0 && pi_ok(args.len(), self.1) {
                        args.remove(self.1);
                    }
                    for a in args {
                        if let CallArg::Val(x) | CallArg::Ref(x) = a {
                            self.e(x);
                        }
                    }
                }
                E::Neg(a) | E::Not(a) | E::CastF(a) | E::CastI(a, ..) => self.e(a),
                E::Bin(_, a, b) => {
                    self.e(a);
                    self.e(b);
                }
                E::Method(_, r, args) => {
                    self.e(r);
                    args.iter_mut().for_each(|a| self.e(a));
                }
                E::PathCall(_, args) => args.iter_mut().for_each(|a| self.e(a)),
                E::If(c, t, els) => {
                    self.e(c);
                    self.b(t);
                    self.el(els);
                }
                E::Block(b) => self.b(b),
                E::Index(_, i) => self.e(i),
                E::Index2(_, i, j) => {
                    self.e(i);
                    self.e(j);
                }
                _ => {}
            }
        }
        fn el(&self, e: &mut Else) {
            match e {
                Else::Block(b) => self.b(b),
                Else::If(c, t, e) => {
                    self.e(c);
                    self.b(t);
                    self.el(e);
                }
            }
        }
        fn b(&self, b: &mut Block) {
            for s in b.stmts.iter_mut() {
                match s {
                    Stmt::Let { init, .. } | Stmt::LetArr { init, .. } | Stmt::Return(init) => {
                        self.e(init)
                    }
                    Stmt::Assign(_, _, e) => self.e(e),
                    Stmt::If(c, t, e) => {
                        self.e(c);
                        self.b(t);
                        if let Some(e) = e {
                            self.el(e);
                        }
                    }
                    Stmt::For { body, .. }
                    | Stmt::ForElem { body, .. }
                    | Stmt::Loop(body)
                    | Stmt::Block(body) => self.b(body),
                    Stmt::While(c, body) => {
                        self.e(c);
                        self.b(body);
                    }
                    _ => {}
                }
            }
            if let Some(t) = &mut b.tail {
                self.e(t);
            }
        }
    }
    fn pi_ok(n: usize, pi: usize) -> bool {
        pi < n
    }
    D(fname, pi).b(b);
}

/// All one-step reductions, biggest first.
fn candidates(p: &Program) -> Vec<Program> {
    let mut out = vec![];
    for &red in ORDER {
        let mut k = 0;
        while let Some(q) = apply(p, red, k) {
            if size(&q) < size(p) {
                out.push(q);
            }
            k += 1;
            if k > 400 {
                break;
            }
        }
    }
    out
}

/// Minimises `p` while it still fails like `want`; returns the smallest program and its verdict.
pub fn shrink(
    env: &Env,
    p: Program,
    want: &(Kind, String),
    batch: usize,
    log: &mut dyn FnMut(&str),
) -> std::io::Result<(Program, Verdict)> {
    let mut best = p;
    let mut best_v = Verdict::Fail(vec![]);
    let mut round = 0;
    loop {
        round += 1;
        let cands = candidates(&best);
        log(&format!(
            "round {round}: size {}, {} candidates",
            size(&best),
            cands.len()
        ));
        let mut improved = false;
        for chunk in cands.chunks(batch.max(1)) {
            let cases: Vec<Case> = chunk
                .iter()
                .enumerate()
                .map(|(i, q)| Case {
                    id: format!("s{i:04}"),
                    origin: "shrink".into(),
                    unit: Unit::Gen(q.clone()),
                })
                .collect();
            let r = driver::run_batch(env, "shrink", cases, 7)?;
            // the smallest candidate of this chunk that still fails the same way
            let mut pick: Option<(Program, Verdict)> = None;
            for (c, v) in r.cases {
                if same(&v, want) {
                    if let Unit::Gen(q) = c.unit {
                        if pick.as_ref().is_none_or(|(b, _)| size(&q) < size(b)) {
                            pick = Some((q, v));
                        }
                    }
                }
            }
            if let Some((q, v)) = pick {
                best = q;
                best_v = v;
                improved = true;
                break;
            }
        }
        if !improved {
            break;
        }
    }
    Ok((best, best_v))
}
