//! The generator's idioms: iterator chains, closures, tuples (and helpers with two outputs),
//! `match`, `if let` / `let else`, `matches!`. A child module of `generator` (it extends `Ctx`).

use super::*;

/// What an iterator yields, in the user's code (the dual copy always yields `D` values, `usize`
/// positions, `&[D]` windows and pairs of those).
#[derive(Clone, Debug)]
pub(super) enum Item {
    /// `&f64`
    FRef(Iv),
    /// `f64`
    FVal(Iv),
    /// `usize` in `lo..=hi`
    Idx(i64, i64),
    /// a window `&[f64]` of `n` elements
    Win(usize, Iv),
    Pair(Box<Item>, Box<Item>),
}

impl Item {
    fn is_float(&self) -> bool {
        matches!(self, Item::FRef(_) | Item::FVal(_))
    }
    fn iv(&self) -> Iv {
        match self {
            Item::FRef(iv) | Item::FVal(iv) => *iv,
            _ => Iv::inf(),
        }
    }
}

/// A chain under construction: its item, and how many elements it yields at most / exactly.
pub(super) struct Stream {
    pub src: Src,
    pub ads: Vec<Ad>,
    pub item: Item,
    pub max: usize,
    pub exact: Option<usize>,
    /// the minimum number of elements
    pub min: usize,
    pub range: bool,
    pub windows: bool,
    pub filtered: bool,
    pub positional_ok: bool,
}

/// A name bound by value: `v`, or `&v` when the closure gets a reference (`filter`).
fn by_ref_pat(v: String, by_ref: bool) -> (String, String) {
    if by_ref {
        (format!("&{v}"), format!("&{v}"))
    } else {
        (v.clone(), v)
    }
}

impl<'a> Ctx<'a> {
    // ----- closures -----

    /// Runs `f` as the body of a closure: no statements, no jumps, no nested chains;
    /// `captures_only`: only names that stay unchanged while a `let` closure is alive are visible.
    pub(super) fn in_closure<T>(
        &mut self,
        captures_only: bool,
        bind: impl FnOnce(&mut Self),
        f: impl FnOnce(&mut Self) -> T,
    ) -> T {
        let saved_scopes = if captures_only {
            let vis = self.visible();
            let keep: Vec<Var> = vis
                .into_iter()
                .rev()
                .filter(|v| match &v.k {
                    VK::F { mutable, .. } => !mutable,
                    VK::I { mutable, .. } => !mutable,
                    VK::Arr { ty, frozen, .. } => !ty.is_local() || *frozen,
                    VK::Win { .. } => false,
                    _ => true,
                })
                .collect();
            Some(std::mem::replace(&mut self.scopes, vec![keep]))
        } else {
            None
        };
        let budget = self.budget;
        self.budget = 0;
        let in_clo = self.in_clo;
        self.in_clo = true;
        self.loops += 1;
        self.push();
        bind(self);
        let r = f(self);
        self.pop();
        self.loops -= 1;
        self.in_clo = in_clo;
        self.budget = budget;
        if let Some(s) = saved_scopes {
            self.scopes = s;
        }
        r
    }

    /// `let f = |t: f64, ..| body;`
    pub(super) fn let_closure(&mut self) -> Stmt {
        let arity = if self.chance(0.7) { 1 } else { 2 };
        let name = self.fresh();
        let mut params: Vec<String> = vec![];
        while params.len() < arity {
            let p = self.fresh();
            if !params.contains(&p) && p != name {
                params.push(p);
            }
        }
        let ps = params.clone();
        let (body, iv) = self.in_closure(
            true,
            |ctx| {
                for p in &ps {
                    ctx.bind(
                        p,
                        VK::F {
                            iv: Iv::new(-3.0, 3.0),
                            mutable: false,
                            ambiguous: false,
                        },
                    );
                }
            },
            |ctx| {
                let (e, iv) = ctx.fexpr(2);
                let e = ctx.pin(e);
                ctx.fit(e, iv, 50.0)
            },
        );
        self.bind(&name, VK::Clo { arity, iv });
        Stmt::LetClo { name, params, body }
    }

    /// `f(a, b)` of a visible closure.
    pub(super) fn closure_call(&mut self) -> Option<(E, Iv)> {
        let clos: Vec<(String, usize, Iv)> = self
            .visible()
            .into_iter()
            .filter_map(|v| match v.k {
                VK::Clo { arity, iv } => Some((v.name, arity, iv)),
                _ => None,
            })
            .collect();
        if clos.is_empty() {
            return None;
        }
        let (f, arity, iv) = self.rng.pick(&clos).clone();
        let mut args = vec![];
        for _ in 0..arity {
            let (e, ei) = self.fexpr(1);
            args.push(self.fit(e, ei, 3.0).0);
        }
        Some((E::CallClo(f, args), iv))
    }

    // ----- iterator chains -----

    /// 1-D arrays a chain may read: parameters and collected vectors.
    fn chain_arrays(&self) -> Vec<(String, ArrTy, usize, Iv)> {
        self.visible()
            .into_iter()
            .filter_map(|v| match v.k {
                VK::Arr {
                    ty,
                    dims,
                    iv,
                    frozen,
                    amb: false,
                } if !ty.is2() && (!ty.is_local() || frozen) => Some((v.name, ty, dims.0, iv)),
                _ => None,
            })
            .collect()
    }

    /// An array source; `iterable`: also `&x` and `x` (a `for`'s iterable, `zip`'s argument).
    fn array_source(&mut self, iterable: bool, windows: bool) -> Option<Stream> {
        let arrs = self.chain_arrays();
        if arrs.is_empty() {
            return None;
        }
        let (x, ty, n, iv) = self.rng.pick(&arrs).clone();
        let sliceable = matches!(
            ty,
            ArrTy::Slice | ArrTy::Vec | ArrTy::Fixed(_) | ArrTy::LocalVec
        );
        let mut forms = vec![SrcForm::Iter, SrcForm::Iter];
        if matches!(
            ty,
            ArrTy::Slice | ArrTy::View1 | ArrTy::Ref1 | ArrTy::Fixed(_)
        ) {
            forms.push(SrcForm::IntoIter);
        }
        if iterable {
            if matches!(
                ty,
                ArrTy::Vec | ArrTy::Fixed(_) | ArrTy::View1 | ArrTy::Own1 | ArrTy::LocalVec
            ) {
                forms.push(SrcForm::Ref);
            }
            if matches!(
                ty,
                ArrTy::Slice | ArrTy::View1 | ArrTy::Ref1 | ArrTy::Fixed(_)
            ) {
                forms.push(SrcForm::Bare);
            }
        }
        if sliceable && n >= 2 {
            forms.push(SrcForm::Part(0, 0));
            if windows && self.on("windows") {
                forms.push(SrcForm::Windows(0));
                forms.push(SrcForm::Windows(0));
            }
        }
        let form = *self.rng.pick(&forms);
        let by_value =
            matches!(ty, ArrTy::Fixed(_)) && matches!(form, SrcForm::IntoIter | SrcForm::Bare);
        let (form, item, len) = match form {
            SrcForm::Part(..) => {
                let a = self.rng.below(n - 1);
                let b = self.rng.range(a as i64 + 1, n as i64) as usize;
                (SrcForm::Part(a, b), Item::FRef(iv), b - a)
            }
            SrcForm::Windows(_) => {
                let k = self.rng.range(1, n.min(3) as i64) as usize;
                (SrcForm::Windows(k), Item::Win(k, iv), n - k + 1)
            }
            f if by_value => (f, Item::FVal(iv), n),
            f => (f, Item::FRef(iv), n),
        };
        Some(Stream {
            src: Src::Arr(x, form),
            ads: vec![],
            item,
            max: len,
            exact: Some(len),
            min: len,
            range: false,
            windows: matches!(form, SrcForm::Windows(_)),
            filtered: false,
            positional_ok: !matches!(form, SrcForm::Ref | SrcForm::Bare),
        })
    }

    /// `(a..b)` / `(a..=b)` over usize.
    fn range_source(&mut self) -> Stream {
        let room = (ITER_CAP / self.iters.max(1)).clamp(1, 6);
        let lo = self.rng.range(0, 2);
        let incl = self.chance(0.3);
        let ints: Vec<(String, i64, i64)> = self
            .visible()
            .into_iter()
            .filter_map(|v| match v.k {
                VK::I {
                    ty: IntTy::Usize,
                    lo: l,
                    hi: h,
                    ..
                } if l >= lo && h <= lo + room => Some((v.name, l, h)),
                _ => None,
            })
            .collect();
        let (hi, hlo, hhi) = if !ints.is_empty() && self.chance(0.4) {
            let (n, l, h) = self.rng.pick(&ints).clone();
            (E::Var(n), l, h)
        } else {
            let v = self.rng.range(lo + 1, lo + room);
            (self.int_lit(v, IntTy::Usize), v, v)
        };
        let extra = if incl { 1 } else { 0 };
        let max = (hhi - lo + extra).max(0) as usize;
        let min = (hlo - lo + extra).max(0) as usize;
        let top = (hhi - 1 + extra).max(lo);
        Stream {
            src: Src::Range(self.int_lit(lo, IntTy::Usize), hi, incl),
            ads: vec![],
            item: Item::Idx(lo, top),
            max,
            exact: if min == max { Some(max) } else { None },
            min,
            range: true,
            windows: false,
            filtered: false,
            positional_ok: true,
        }
    }

    fn positional(&mut self, s: &mut Stream, k: usize) {
        if !s.positional_ok {
            return;
        }
        for _ in 0..k {
            let range = s.range;
            // The macro refuses `rev`/`step_by` after `enumerate` on a range (positions would
            // need the range's own index arithmetic): the generator stays inside that.
            if range && s.ads.iter().any(|a| matches!(a, Ad::Enumerate)) {
                break;
            }
            let incl = matches!(s.src, Src::Range(_, _, true));
            // on a range only `rev` and `step_by`; `.rev()` after `step_by`/`enumerate` needs an
            // exact size, which `a..=b` over usize does not have
            let stepped = s
                .ads
                .iter()
                .any(|a| matches!(a, Ad::StepBy(_) | Ad::Enumerate));
            let mut opts = vec![1u32, 0, 0, 1];
            if !(range && incl && stepped) {
                opts[0] = 2;
            } else {
                opts[0] = 0;
            }
            if !range {
                opts[1] = 1;
                opts[2] = 1;
            }
            match self.rng.weighted(&opts) {
                0 => s.ads.push(Ad::Rev),
                1 => {
                    let n = self.rng.below(3);
                    s.ads.push(Ad::Skip(n));
                    s.max = s.max.saturating_sub(n);
                    s.min = s.min.saturating_sub(n);
                    s.exact = s.exact.map(|e| e.saturating_sub(n));
                }
                2 => {
                    let n = 1 + self.rng.below(4);
                    s.ads.push(Ad::Take(n));
                    s.max = s.max.min(n);
                    s.min = s.min.min(n);
                    s.exact = s.exact.map(|e| e.min(n));
                }
                _ => {
                    let n = 1 + self.rng.below(3);
                    s.ads.push(Ad::StepBy(n));
                    s.max = s.max.div_ceil(n);
                    s.min = s.min.div_ceil(n);
                    s.exact = s.exact.map(|e| e.div_ceil(n));
                }
            }
        }
    }

    /// `.copied()` / `.cloned()` on elements read through references, with probability `p`.
    fn maybe_copied(&mut self, s: &mut Stream, p: f64) {
        if let Item::FRef(iv) = s.item
            && s.positional_ok
            && self.chance(p)
        {
            s.ads.push(Ad::Copied(self.chance(0.5)));
            s.item = Item::FVal(iv);
        }
    }

    /// A source with its positional adaptors, `copied`, `zip`/`enumerate` (no `filter`/`map`).
    pub(super) fn stream(&mut self, iterable: bool) -> Stream {
        let arr = if self.chance(0.75) {
            self.array_source(iterable, true)
        } else {
            None
        };
        let mut s = match arr {
            Some(s) => s,
            None => self.range_source(),
        };
        let k = self.rng.weighted(&[5, 3, 1]);
        self.positional(&mut s, k);
        self.maybe_copied(&mut s, 0.25);
        if s.positional_ok
            && !s.range
            && !s.windows
            && self.chance(0.25)
            && let Some(mut z) = self.array_source(true, false)
        {
            let k = self.rng.below(2);
            self.positional(&mut z, k);
            self.maybe_copied(&mut z, 0.2);
            s.ads.push(Ad::Zip(z.src, z.ads));
            s.item = Item::Pair(Box::new(s.item.clone()), Box::new(z.item));
            s.max = s.max.min(z.max);
            s.min = s.min.min(z.min);
            s.exact = match (s.exact, z.exact) {
                (Some(a), Some(b)) => Some(a.min(b)),
                _ => None,
            };
            return s;
        }
        if s.positional_ok && self.chance(0.3) {
            s.ads.push(Ad::Enumerate);
            s.item = Item::Pair(
                Box::new(Item::Idx(0, s.max.max(1) as i64 - 1)),
                Box::new(s.item.clone()),
            );
            if self.chance(0.3) {
                self.positional(&mut s, 1);
            }
        }
        s
    }

    /// Binds an item to a closure parameter (or a `for` pattern): the patterns (user's, dual).
    /// `by_ref`: the closure gets `&Item` (`filter`).
    fn bind_item(&mut self, item: &Item, by_ref: bool) -> (String, String) {
        match item {
            Item::Pair(a, b) => {
                let (pa, da) = self.bind_item(a, false);
                let (pb, db) = self.bind_item(b, false);
                let (p, d) = (format!("({pa}, {pb})"), format!("({da}, {db})"));
                if by_ref {
                    (format!("&{p}"), format!("&{d}"))
                } else {
                    (p, d)
                }
            }
            Item::Idx(lo, hi) => {
                let v = self.fresh();
                self.bind(
                    &v,
                    VK::I {
                        ty: IntTy::Usize,
                        lo: *lo,
                        hi: *hi,
                        mutable: false,
                    },
                );
                by_ref_pat(v, by_ref)
            }
            Item::Win(n, iv) => {
                let v = self.fresh();
                self.bind(&v, VK::Win { n: *n, iv: *iv });
                (v.clone(), v)
            }
            Item::FVal(iv) => {
                let v = self.fresh();
                self.bind(
                    &v,
                    VK::Elem {
                        iv: *iv,
                        by_ref: false,
                    },
                );
                by_ref_pat(v, by_ref)
            }
            Item::FRef(iv) => {
                let v = self.fresh();
                let deref = self.chance(0.5);
                self.bind(
                    &v,
                    VK::Elem {
                        iv: *iv,
                        by_ref: !deref,
                    },
                );
                match (by_ref, deref) {
                    (false, true) => (format!("&{v}"), v.clone()),
                    (false, false) => (v.clone(), v),
                    (true, true) => (format!("&&{v}"), format!("&{v}")),
                    (true, false) => (format!("&{v}"), format!("&{v}")),
                }
            }
        }
    }

    /// A closure over the stream's item: `f` builds its body.
    fn item_clo(
        &mut self,
        item: &Item,
        by_ref: bool,
        captures_only: bool,
        f: impl FnOnce(&mut Self) -> (E, Iv),
    ) -> (Clo, Iv) {
        let item = item.clone();
        let mut pats = (String::new(), String::new());
        let (body, iv) =
            self.in_closure(captures_only, |ctx| pats = ctx.bind_item(&item, by_ref), f);
        (
            Clo {
                plain: pats.0,
                dual: pats.1,
                body,
            },
            iv,
        )
    }

    /// `filter` (before the consumer), sometimes.
    /// (`captures_only`: the chain is a `for` loop's, whose body may assign what the closure reads)
    fn maybe_filter(&mut self, s: &mut Stream, p: f64, captures_only: bool) {
        // (`&x` and `x` are iterables, not iterators)
        if s.positional_ok && self.chance(p) {
            let item = s.item.clone();
            let (c, _) = self.item_clo(&item, true, captures_only, |ctx| (ctx.cond(1), Iv::inf()));
            s.ads.push(Ad::Filter(c));
            s.filtered = true;
            s.min = 0;
            s.exact = None;
        }
    }

    /// `map` to a float (needed when the item is not one); `bound`: the mapped values' bound.
    fn maybe_map(&mut self, s: &mut Stream, force: bool, bound: f64) {
        if !force && s.item.is_float() && self.chance(0.35) {
            return;
        }
        // `.map(f)` with a local closure of one f64
        if let Item::FVal(_) = s.item {
            let clos: Vec<(String, Iv)> = self
                .visible()
                .into_iter()
                .filter_map(|v| match v.k {
                    VK::Clo { arity: 1, iv } if iv.m() <= bound && !iv.is_inf() => {
                        Some((v.name, iv))
                    }
                    _ => None,
                })
                .collect();
            if !clos.is_empty() && self.chance(0.3) {
                let (f, iv) = self.rng.pick(&clos).clone();
                s.ads.push(Ad::MapNamed(f));
                s.item = Item::FVal(iv);
                return;
            }
        }
        let item = s.item.clone();
        let (c, iv) = self.item_clo(&item, false, false, |ctx| {
            let (e, iv) = ctx.fexpr(2);
            let e = ctx.pin(e);
            ctx.fit(e, iv, bound)
        });
        s.ads.push(Ad::Map(c));
        s.item = Item::FVal(iv);
    }

    /// A chain consumed to a float (or a `count`); `None` when no chain fits here.
    pub(super) fn chain_value(&mut self, typed: bool) -> Option<(E, Iv)> {
        if self.in_clo {
            return None;
        }
        let mut s = self.stream(false);
        let k = self.rng.weighted(&[6, 2, 3, 2, 2]);
        match k {
            // sum
            0 => {
                self.maybe_filter(&mut s, 0.25, false);
                let force = !s.item.is_float();
                self.maybe_map(&mut s, force, 20.0);
                let iv = Iv::scale(Iv::hull(s.item.iv(), Iv::pt(0.0)), s.max.max(1) as f64);
                Some((
                    E::Chain(Box::new(Chain {
                        src: s.src,
                        ads: s.ads,
                        cons: Cons::Sum(typed),
                    })),
                    iv,
                ))
            }
            // product
            1 => {
                self.maybe_filter(&mut s, 0.2, false);
                let fits = s.item.is_float() && s.item.iv().m() <= 1.5;
                self.maybe_map(&mut s, !fits, 1.5);
                let m = 1.5f64.powi(s.max.max(1) as i32).max(1.0);
                Some((
                    E::Chain(Box::new(Chain {
                        src: s.src,
                        ads: s.ads,
                        cons: Cons::Product(typed),
                    })),
                    Iv::new(-m, m),
                ))
            }
            // fold
            2 => {
                self.maybe_filter(&mut s, 0.2, false);
                let (init, ii) = self.fexpr(1);
                let init = self.pin(init);
                let (init, ii) = self.fit(init, ii, 3.0);
                let (init, ii) = if self.ambiguous(&init) {
                    (bin(BOp::Mul, init, self.typed_one()), ii)
                } else {
                    (init, ii)
                };
                let acc = self.fresh();
                // (not a name the item's pattern may take)
                let fresh_acc = self.reserved.insert(acc.clone());
                let item = s.item.clone();
                let shape = self.rng.below(3);
                let n = s.max.max(1) as f64;
                let acc2 = acc.clone();
                let (c, iv) = self.item_clo(&item, false, false, |ctx| {
                    let (e, ei) = ctx.fexpr(2);
                    let (e, ei) = ctx.fit(e, ei, 10.0);
                    let a = E::Var(acc2.clone());
                    match shape {
                        0 => (
                            bin(BOp::Add, a, e),
                            Iv::add(ii, Iv::scale(Iv::hull(ei, Iv::pt(0.0)), n)),
                        ),
                        1 => {
                            let k = *ctx.rng.pick(&[0.5, 0.9, -0.5]);
                            let m = ii.m() + n * ei.m();
                            (bin(BOp::Add, bin(BOp::Mul, a, flit(k)), e), Iv::new(-m, m))
                        }
                        _ => (ctx.math_call("max", a, vec![e]), Iv::hull(ii, ei)),
                    }
                });
                if fresh_acc {
                    self.reserved.remove(&acc);
                }
                Some((
                    E::Chain(Box::new(Chain {
                        src: s.src,
                        ads: s.ads,
                        cons: Cons::Fold(init, acc, c),
                    })),
                    iv,
                ))
            }
            // the largest element
            3 => {
                if s.min == 0 {
                    return self.chain_count(s);
                }
                let force = !matches!(s.item, Item::FVal(_));
                self.maybe_map(&mut s, force, 20.0);
                let iv = s.item.iv();
                Some((
                    E::Chain(Box::new(Chain {
                        src: s.src,
                        ads: s.ads,
                        cons: Cons::MaxFold,
                    })),
                    iv,
                ))
            }
            _ => self.chain_count(s),
        }
    }

    fn chain_count(&mut self, mut s: Stream) -> Option<(E, Iv)> {
        self.maybe_filter(&mut s, 0.5, false);
        let iv = Iv::new(0.0, s.max as f64);
        Some((
            E::CastF(b(E::Chain(Box::new(Chain {
                src: s.src,
                ads: s.ads,
                cons: Cons::Count,
            })))),
            iv,
        ))
    }

    /// `chain.any(|v| cond)` / `all`.
    pub(super) fn chain_cond(&mut self) -> Option<E> {
        if self.in_clo {
            return None;
        }
        let mut s = self.stream(false);
        self.maybe_filter(&mut s, 0.15, false);
        if self.chance(0.3) {
            self.maybe_map(&mut s, true, 20.0);
        }
        let item = s.item.clone();
        let (c, _) = self.item_clo(&item, false, false, |ctx| (ctx.cond(1), Iv::inf()));
        let cons = if self.chance(0.5) {
            Cons::Any(c)
        } else {
            Cons::All(c)
        };
        Some(E::Chain(Box::new(Chain {
            src: s.src,
            ads: s.ads,
            cons,
        })))
    }

    /// `let y: Vec<f64> = chain.collect();` (top level only, a known length).
    pub(super) fn collect_stmt(&mut self) -> Option<Stmt> {
        for _ in 0..4 {
            // over arrays only (a range's length is not the macro's to know), no `filter`
            let mut s = self.stream(false);
            if s.range {
                continue;
            }
            let n = match s.exact {
                Some(n) if n >= 1 => n,
                _ => continue,
            };
            let force = !matches!(s.item, Item::FVal(_));
            self.maybe_map(&mut s, force, 3.0);
            let iv = s.item.iv();
            let y = self.fresh();
            self.bind(
                &y,
                VK::Arr {
                    ty: ArrTy::LocalVec,
                    iv,
                    dims: (n, 0),
                    frozen: true,
                    amb: false,
                },
            );
            return Some(Stmt::Collect(
                y,
                Chain {
                    src: s.src,
                    ads: s.ads,
                    cons: Cons::None,
                },
            ));
        }
        None
    }

    /// `for pat in chain { .. }`.
    pub(super) fn for_chain(&mut self, depth: usize) -> Stmt {
        let mut s = self.stream(true);
        self.maybe_filter(&mut s, 0.15, true);
        let item = s.item.clone();
        let trips = s.max.max(1) as i64;
        let mut pats = (String::new(), String::new());
        let chain = Chain {
            src: s.src,
            ads: s.ads,
            cons: Cons::None,
        };
        let st = self.loop_body(
            depth,
            trips,
            |ctx| pats = ctx.bind_item(&item, false),
            |body| Stmt::ForChain {
                plain: String::new(),
                dual: String::new(),
                chain,
                body,
            },
        );
        // The patterns are known once the body is made; the loop may carry a label.
        let fill = |st: Stmt| match st {
            Stmt::ForChain { chain, body, .. } => Stmt::ForChain {
                plain: pats.0,
                dual: pats.1,
                chain,
                body,
            },
            other => other,
        };
        match st {
            Stmt::Labelled(l, inner) => Stmt::Labelled(l, Box::new(fill(*inner))),
            other => fill(other),
        }
    }

    // ----- match, if let, let else, matches! -----

    fn int_pat(&mut self, lo: i64, hi: i64, ty: IntTy) -> IPat {
        let floor = if ty == IntTy::Usize { 0 } else { lo - 1 };
        let v = |ctx: &mut Self| ctx.rng.range((lo - 1).max(floor), hi + 1);
        match self.rng.below(3) {
            0 => IPat::Lit(v(self)),
            1 => {
                let a = v(self);
                let mut c = v(self);
                if c == a {
                    c = a + 1;
                }
                IPat::Or(vec![a, c])
            }
            _ => {
                let a = v(self);
                let c = a + self.rng.range(0, 2);
                IPat::Range(a, c)
            }
        }
    }

    /// `match` on an integer or (`float`) on a float, as a value.
    pub(super) fn match_expr(&mut self, d: usize) -> (E, Iv) {
        self.value += 1;
        self.branch += 1;
        let r = if self.chance(0.6) {
            let ty = if self.chance(0.7) {
                IntTy::Usize
            } else {
                IntTy::I32
            };
            let (sc, lo, hi) = self.iexpr(1, ty);
            let mut arms = vec![];
            let mut iv: Option<Iv> = None;
            for _ in 0..1 + self.rng.below(3) {
                self.push();
                let pat = if self.chance(0.25) {
                    let n = self.fresh();
                    self.bind(
                        &n,
                        VK::I {
                            ty,
                            lo,
                            hi,
                            mutable: false,
                        },
                    );
                    let k = self.rng.range(lo, hi.max(lo));
                    let g = bin(
                        *self.rng.pick(&[BOp::Gt, BOp::Lt, BOp::Ne]),
                        E::Var(n.clone()),
                        self.int_lit(k, ty),
                    );
                    IPat::Bind(n, b(g))
                } else {
                    self.int_pat(lo, hi, ty)
                };
                let (e, ei) = self.fexpr(d.saturating_sub(1).max(1));
                self.pop();
                iv = Some(iv.map_or(ei, |x| Iv::hull(x, ei)));
                arms.push(IArm { pat, body: e });
            }
            let (dflt, di) = self.fexpr(d.saturating_sub(1).max(1));
            let iv = Iv::hull(iv.unwrap(), di);
            (E::MatchI(b(sc), arms, b(dflt)), iv)
        } else {
            let (sc, si) = self.fexpr(d.saturating_sub(1).max(1));
            let sc = self.pin(sc);
            let v = self.fresh();
            self.push();
            self.bind(
                &v,
                VK::F {
                    iv: si,
                    mutable: false,
                    ambiguous: false,
                },
            );
            let (lit, _) = self.float_lit();
            let g = bin(
                *self.rng.pick(&[BOp::Gt, BOp::Lt, BOp::Ge, BOp::Le]),
                E::Var(v.clone()),
                lit,
            );
            let (a, ai) = self.fexpr(d.saturating_sub(1).max(1));
            let (c, ci) = self.fexpr(d.saturating_sub(1).max(1));
            self.pop();
            (E::MatchF(b(sc), v, b(g), b(a), b(c)), Iv::hull(ai, ci))
        };
        self.value -= 1;
        self.branch -= 1;
        r
    }

    fn opts(&self) -> Vec<(String, i64, i64)> {
        self.visible()
            .into_iter()
            .filter_map(|v| match v.k {
                VK::Opt { lo, hi } => Some((v.name, lo, hi)),
                _ => None,
            })
            .collect()
    }

    /// A fresh `usize` name for the `k` of `Some(k)`, bound with the option's range.
    fn bind_some(&mut self, lo: i64, hi: i64) -> String {
        let k = self.fresh();
        self.bind(
            &k,
            VK::I {
                ty: IntTy::Usize,
                lo,
                hi,
                mutable: false,
            },
        );
        k
    }

    /// `if let Some(k) = o { a } else { b }`.
    pub(super) fn if_let(&mut self, d: usize) -> Option<(E, Iv)> {
        let os = self.opts();
        if os.is_empty() {
            return None;
        }
        let (o, lo, hi) = self.rng.pick(&os).clone();
        self.value += 1;
        self.branch += 1;
        self.push();
        let k = self.bind_some(lo, hi);
        let (a, ai) = self.fexpr(d.saturating_sub(1).max(1));
        self.pop();
        let (c, ci) = self.fexpr(d.saturating_sub(1).max(1));
        self.value -= 1;
        self.branch -= 1;
        Some((E::IfLet(o, k, b(a), b(c)), Iv::hull(ai, ci)))
    }

    /// `let Some(k) = o else { return e; };`
    pub(super) fn let_else(&mut self) -> Option<Stmt> {
        let os = self.opts();
        if os.is_empty() {
            return None;
        }
        let (o, lo, hi) = self.rng.pick(&os).clone();
        self.jumped = true;
        self.branch += 1;
        let (e, _) = self.fexpr(2);
        self.branch -= 1;
        let k = self.bind_some(lo, hi);
        Some(Stmt::LetElse(k, o, e))
    }

    /// `matches!(n, 1 | 2)`.
    pub(super) fn matches_cond(&mut self) -> E {
        let ty = if self.chance(0.7) {
            IntTy::Usize
        } else {
            IntTy::I32
        };
        let (sc, lo, hi) = self.iexpr(1, ty);
        let p = self.int_pat(lo, hi, ty);
        E::Matches(b(sc), p)
    }

    // ----- tuples -----

    fn two_fresh(&mut self) -> (String, String) {
        let a = self.fresh();
        loop {
            let c = self.fresh();
            if c != a {
                return (a, c);
            }
        }
    }

    fn bind_tuple_names(&mut self, names: &[(String, bool)], ivs: &[Iv], amb: &[bool]) {
        for (k, (n, m)) in names.iter().enumerate() {
            let iv = if self.loops > 0 && *m {
                Iv::inf()
            } else {
                ivs[k]
            };
            self.bind(
                n,
                VK::F {
                    iv,
                    mutable: *m,
                    ambiguous: amb[k],
                },
            );
        }
    }

    /// `let (a, mut b) = (e1, e2);`
    pub(super) fn let_tuple(&mut self) -> Stmt {
        let (a, c) = self.two_fresh();
        let names = vec![(a, self.chance(0.5)), (c, self.chance(0.5))];
        let mut inits = vec![];
        let mut ivs = vec![];
        for (_, m) in &names {
            let (e, iv) = self.fexpr(2);
            let e = self.pin(e);
            let (e, iv) = if self.loops > 0 && *m {
                self.fit(e, iv, 100.0)
            } else {
                (e, iv)
            };
            inits.push(e);
            ivs.push(iv);
        }
        self.bind_tuple_names(&names, &ivs, &[false, false]);
        Stmt::LetTuple(names, TupInit::Parts(inits))
    }

    /// `(a, b) = (e1, e2);` (a swap now and then).
    pub(super) fn assign_tuple(&mut self, mvars: &[(String, Iv)]) -> Option<Stmt> {
        if mvars.len() < 2 {
            return None;
        }
        let i = self.rng.below(mvars.len());
        let mut j = self.rng.below(mvars.len());
        if j == i {
            j = (i + 1) % mvars.len();
        }
        let (x, xi) = mvars[i].clone();
        let (y, yi) = mvars[j].clone();
        let (parts, ivs) = if self.chance(0.25) {
            (vec![E::Var(y.clone()), E::Var(x.clone())], vec![yi, xi])
        } else {
            let (e1, i1) = self.assign_rhs(2);
            let (e2, i2) = self.assign_rhs(2);
            (vec![e1, e2], vec![i1, i2])
        };
        self.set_iv(&x, ivs[0]);
        self.set_iv(&y, ivs[1]);
        Some(Stmt::AssignTuple(vec![x, y], TupInit::Parts(parts)))
    }

    /// `let [a, _, c] = x;` on a `[f64; N]` parameter.
    pub(super) fn let_arr_pat(&mut self) -> Option<Stmt> {
        let fixed: Vec<(String, usize, Iv)> = self
            .visible()
            .into_iter()
            .filter_map(|v| match v.k {
                VK::Arr {
                    ty: ArrTy::Fixed(n),
                    iv,
                    ..
                } => Some((v.name, n, iv)),
                _ => None,
            })
            .collect();
        if fixed.is_empty() {
            return None;
        }
        let (x, n, iv) = self.rng.pick(&fixed).clone();
        let mut names: Vec<String> = vec![];
        for k in 0..n {
            if k > 0 && self.chance(0.3) {
                names.push("_".into());
                continue;
            }
            let mut nm = self.fresh();
            while names.contains(&nm) || nm == x {
                nm = self.fresh();
            }
            names.push(nm);
        }
        for nm in &names {
            if nm != "_" {
                self.bind(
                    nm,
                    VK::F {
                        iv,
                        mutable: false,
                        ambiguous: false,
                    },
                );
            }
        }
        Some(Stmt::LetArrPat(names, x))
    }

    /// `let (p, q) = helper(..);` / `(x, y) = helper(..);` with a helper of two outputs.
    pub(super) fn tuple_call(&mut self, mvars: &[(String, Iv)]) -> Option<Stmt> {
        if self.pair_callees.is_empty() {
            return None;
        }
        let c = self.rng.pick(&self.pair_callees.clone()).clone();
        let call = self.call_to(&c)?;
        if mvars.len() >= 2 && self.chance(0.4) {
            let i = self.rng.below(mvars.len());
            let j = (i + 1 + self.rng.below(mvars.len() - 1)) % mvars.len();
            let (x, y) = (mvars[i].0.clone(), mvars[j].0.clone());
            self.set_iv(&x, Iv::inf());
            self.set_iv(&y, Iv::inf());
            return Some(Stmt::AssignTuple(vec![x, y], TupInit::Whole(call)));
        }
        let (a, c2) = self.two_fresh();
        let names = vec![(a, self.chance(0.4)), (c2, self.chance(0.4))];
        // (`_` for one of them now and then)
        let names = if self.chance(0.15) {
            vec![names[0].clone(), ("_".to_string(), false)]
        } else {
            names
        };
        let bound: Vec<(String, bool)> = names.iter().filter(|n| n.0 != "_").cloned().collect();
        let ivs = vec![Iv::inf(); bound.len()];
        let amb = vec![false; bound.len()];
        self.bind_tuple_names(&bound, &ivs, &amb);
        Some(Stmt::LetTuple(names, TupInit::Whole(call)))
    }
}
