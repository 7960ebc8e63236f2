//! The loop an iterator chain becomes: its sources bound to names, the affine index of each
//! source as a function of the loop counter (rewritten by every positional adaptor), the
//! statements that compute each element (`map`, `filter`, counters), and the syntax of the loop.
//! See `iterators.rs` for the chain's syntax and its consumers.

use super::iterators::{ChainSyn, Source, Stage, parse_chain};
use super::*;
use proc_macro2::Ident;
use syn::parse_quote_spanned;

/// `base ± k·step`: where a source's element for counter value `k` is.
#[derive(Clone)]
pub(super) struct Affine {
    base: Option<syn::Expr>,
    step: Option<syn::Expr>,
    down: bool,
}

impl Affine {
    fn identity() -> Affine {
        Affine {
            base: None,
            step: None,
            down: false,
        }
    }
}

pub(super) enum Leaf {
    /// An element of an array source; `by_ref` as `iter()` gives it (`&x[i]`).
    Element {
        src: Ident,
        by_ref: bool,
        at: Affine,
    },
    /// The position `enumerate` gives.
    Position(Affine),
    /// A window of `size` elements starting at `at`.
    Window { src: Ident, size: Ident, at: Affine },
    /// The variable of the loop over a range source.
    RangeVar(Ident),
    /// A value computed in the loop body (a `map`'s result, a counter).
    Value(Ident),
}

#[derive(Clone)]
pub(super) enum Elem {
    Leaf(usize),
    Tuple(Vec<Elem>),
}

/// What runs for each element, in order.
pub(super) enum ElemOp<'a> {
    Map {
        f: &'a syn::Expr,
        input: Elem,
        out: Ident,
        span: Span,
    },
    Filter {
        f: &'a syn::Expr,
        input: Elem,
        span: Span,
    },
    /// `enumerate` after a `filter`: a counter of the elements that passed.
    Count { counter: Ident, out: Ident },
}

/// A lowered chain up to its consumer: the loop that visits the elements, and the statements
/// that compute each one.
pub(super) struct Stream<'a> {
    /// Statements before the loop (counts, counters).
    pub(super) prelude: Vec<syn::Stmt>,
    pub(super) leaves: Vec<Leaf>,
    pub(super) ops: Vec<ElemOp<'a>>,
    pub(super) elem: Elem,
    /// `Some(range)` when the source is a range, iterated directly; else the counter runs over
    /// `0..count`.
    pub(super) range: Option<syn::Expr>,
    pub(super) count: Option<Ident>,
    pub(super) counter: Ident,
    pub(super) filtered: bool,
    pub(super) span: Span,
}

impl Stream<'_> {
    fn new(counter: Ident, span: Span) -> Self {
        Stream {
            prelude: vec![],
            leaves: vec![],
            ops: vec![],
            elem: Elem::Tuple(vec![]),
            range: None,
            count: None,
            counter,
            filtered: false,
            span,
        }
    }
}

impl Lowerer<'_> {
    /// Lowers the sources and positional adaptors of a chain; the rest becomes `ElemOp`s.
    pub(super) fn stream<'a>(
        &mut self,
        chain: &ChainSyn<'a>,
        span: Span,
        out: &mut Vec<Stmt>,
    ) -> Option<Stream<'a>> {
        let counter = self.own("k");
        let mut s = Stream::new(counter, span);
        match chain.source {
            Source::Range(r) => {
                let var = self.own("i");
                s.leaves.push(Leaf::RangeVar(var));
                s.elem = Elem::Leaf(0);
                s.range = Some(r.clone());
            }
            Source::Array(a) => {
                s.elem = self.array_source(&mut s, a, None, chain.by_value, out)?;
            }
            Source::Windows(a, k) => {
                s.elem = self.array_source(&mut s, a, Some(k), false, out)?;
            }
        }
        for (stage, at) in &chain.stages {
            let at = *at;
            let positional = matches!(
                stage,
                Stage::Zip(_) | Stage::Rev | Stage::Skip(_) | Stage::Take(_) | Stage::StepBy(_)
            );
            if positional && s.filtered {
                self.errors.at_span(
                    at,
                    "this adaptor after `filter` is not supported in a #[differentiable] function; put `rev`, `skip`, `take`, `step_by` and `zip` before `filter`",
                );
                return None;
            }
            let counted = s.ops.iter().any(|o| matches!(o, ElemOp::Count { .. }));
            if let Some(range) = &mut s.range {
                if counted && matches!(stage, Stage::Rev | Stage::StepBy(_)) {
                    self.errors.at_span(
                        at,
                        "on a range, `rev` and `step_by` after `enumerate` are not supported in a #[differentiable] function; write them before `.enumerate()`, or on the range's bounds",
                    );
                    return None;
                }
                match stage {
                    Stage::Rev => {
                        *range = parse_quote_spanned!(at=> (#range).rev());
                        continue;
                    }
                    Stage::StepBy(k) => {
                        *range = parse_quote_spanned!(at=> (#range).step_by(#k));
                        continue;
                    }
                    Stage::Zip(_) | Stage::Skip(_) | Stage::Take(_) => {
                        self.errors.at_span(
                            at,
                            "on a range, `zip`, `skip` and `take` are not supported in a #[differentiable] function; change the range's bounds, or iterate an array and use `.enumerate()`",
                        );
                        return None;
                    }
                    _ => {}
                }
            }
            match stage {
                Stage::Map(f) => {
                    let out_id = self.own("mapped");
                    s.leaves.push(Leaf::Value(out_id.clone()));
                    s.ops.push(ElemOp::Map {
                        f,
                        input: s.elem.clone(),
                        out: out_id,
                        span: at,
                    });
                    s.elem = Elem::Leaf(s.leaves.len() - 1);
                }
                Stage::Filter(f) => {
                    s.ops.push(ElemOp::Filter {
                        f,
                        input: s.elem.clone(),
                        span: at,
                    });
                    s.filtered = true;
                }
                Stage::Copied => {
                    if let Elem::Leaf(l) = s.elem
                        && let Leaf::Element { by_ref, .. } = &mut s.leaves[l]
                    {
                        *by_ref = false;
                    }
                }
                Stage::Enumerate => {
                    let position = if s.filtered || s.range.is_some() {
                        let counter = self.own("count");
                        let out_id = self.own("position");
                        s.prelude
                            .push(parse_quote_spanned!(at=> let mut #counter = 0usize;));
                        s.ops.push(ElemOp::Count {
                            counter,
                            out: out_id.clone(),
                        });
                        Leaf::Value(out_id)
                    } else {
                        Leaf::Position(Affine::identity())
                    };
                    s.leaves.push(position);
                    s.elem = Elem::Tuple(vec![Elem::Leaf(s.leaves.len() - 1), s.elem.clone()]);
                }
                Stage::Zip(other) => {
                    let Some(inner) = parse_chain(other, true) else {
                        self.errors.at(
                            other,
                            "`zip` takes an array (`&y`, `y.iter()`) or a chain of `rev`/`skip`/`take`/`step_by` over one in a #[differentiable] function",
                        );
                        return None;
                    };
                    let Source::Array(a) = inner.source else {
                        self.errors.at(
                            other,
                            "`zip` with a range or windows is not supported in a #[differentiable] function; zip arrays, and use `.enumerate()` for positions",
                        );
                        return None;
                    };
                    // The other side's own adaptors apply to it alone.
                    let mut side = Stream::new(s.counter.clone(), span);
                    side.elem = self.array_source(&mut side, a, None, inner.by_value, out)?;
                    for (st, at2) in &inner.stages {
                        if !self.positional(&mut side, st, *at2, out)? {
                            self.errors.at_span(
                                *at2,
                                "the argument of `zip` may only use `rev`, `skip`, `take`, `step_by` and `copied` in a #[differentiable] function; `map` after the `zip` instead",
                            );
                            return None;
                        }
                    }
                    let offset = s.leaves.len();
                    s.prelude.append(&mut side.prelude);
                    s.leaves.append(&mut side.leaves);
                    let theirs = shift(&side.elem, offset);
                    let (a_n, b_n) = (s.count.clone(), side.count.clone());
                    if let (Some(a_n), Some(b_n)) = (a_n, b_n) {
                        let n = self.own("n");
                        s.prelude
                            .push(parse_quote_spanned!(at=> let #n = #a_n.min(#b_n);));
                        s.count = Some(n);
                    }
                    s.elem = Elem::Tuple(vec![s.elem.clone(), theirs]);
                }
                other => {
                    self.positional(&mut s, other, at, out)?;
                }
            }
        }
        Some(s)
    }

    /// Applies `rev`, `skip`, `take`, `step_by` or `copied` to every source of a stream.
    /// `Some(false)` for any other adaptor.
    pub(super) fn positional(
        &mut self,
        s: &mut Stream<'_>,
        stage: &Stage<'_>,
        at: Span,
        out: &mut Vec<Stmt>,
    ) -> Option<bool> {
        let n = s.count.clone()?;
        match stage {
            Stage::Copied => {
                for l in &mut s.leaves {
                    if let Leaf::Element { by_ref, .. } = l {
                        *by_ref = false;
                    }
                }
            }
            Stage::Rev => {
                // The last element comes first: base' = base ± (n - 1)·step, direction flipped.
                // (Evaluated inside the loop only, where n ≥ 1.)
                for at_ in s.leaves.iter_mut().filter_map(leaf_affine) {
                    let last = scaled(parse_quote_spanned!(at=> (#n - 1)), &at_.step, at);
                    at_.base = Some(offset_by(&at_.base, last, at_.down, at));
                    at_.down = !at_.down;
                }
            }
            Stage::Skip(k) | Stage::Take(k) | Stage::StepBy(k) => {
                let v = self.operand(k, out)?;
                let k = self.bind_own("by", v);
                let m = self.own("n");
                match stage {
                    Stage::Skip(_) => {
                        for at_ in s.leaves.iter_mut().filter_map(leaf_affine) {
                            let skipped = scaled(parse_quote_spanned!(at=> #k), &at_.step, at);
                            at_.base = Some(offset_by(&at_.base, skipped, at_.down, at));
                        }
                        s.prelude
                            .push(parse_quote_spanned!(at=> let #m = #n.saturating_sub(#k);));
                    }
                    Stage::Take(_) => {
                        s.prelude
                            .push(parse_quote_spanned!(at=> let #m = #n.min(#k);));
                    }
                    _ => {
                        for at_ in s.leaves.iter_mut().filter_map(leaf_affine) {
                            at_.step = Some(match &at_.step {
                                None => parse_quote_spanned!(at=> #k),
                                Some(st) => parse_quote_spanned!(at=> (#st * #k)),
                            });
                        }
                        s.prelude
                            .push(parse_quote_spanned!(at=> let #m = (#n + (#k - 1)) / #k;));
                    }
                }
                s.count = Some(m);
            }
            _ => return Some(false),
        }
        Some(true)
    }

    /// Lowers an array source, binds it to an own name and returns its element.
    pub(super) fn array_source(
        &mut self,
        s: &mut Stream<'_>,
        a: &syn::Expr,
        window: Option<&syn::Expr>,
        by_value: bool,
        out: &mut Vec<Stmt>,
    ) -> Option<Elem> {
        let (inner, by_ref) = match strip_parens(a) {
            syn::Expr::Reference(r) => (strip_parens(&r.expr), true),
            // `x.into_iter()` of an owned `Vec<f64>` or `[f64; N]` parameter gives the elements
            // by value (anything else, views and references, by reference).
            other => (other, !(by_value && self.owned_vector_param(other))),
        };
        // `x[a..b].iter()`: the elements of `x` from `a`, `b - a` of them.
        let (inner, range) = match inner {
            syn::Expr::Index(i) => match strip_parens(&i.index) {
                syn::Expr::Range(r) => (strip_parens(&i.expr), Some(r)),
                _ => (inner, None),
            },
            _ => (inner, None),
        };
        let v = self.operand(inner, out)?;
        // A constant (`cfg.weights`, a `const` array, a parameter holding data such as
        // `&[Vec<f64>]`) is indexed where it is read.
        if self.kind(&v).dims() != 1 && !matches!(v, Operand::Const(_)) && !self.is_data_param(&v) {
            self.errors.at(
                a,
                "iterator chains in a #[differentiable] function run over 1-D arrays and slices of f64 (for a matrix, loop over `0..m.nrows()` and index `m[[i, j]]`)",
            );
            return None;
        }
        let src = self.bind_own("src", v);
        let n = self.own("n");
        let mut at = Affine::identity();
        let len: syn::Expr = match range {
            None => parse_quote_spanned!(s.span=> #src.len()),
            Some(r) => {
                let lo = match &r.start {
                    Some(lo) => {
                        let lo = self.operand(lo, out)?;
                        let lo = self.bind_own("lo", lo);
                        at.base = Some(parse_quote_spanned!(s.span=> #lo));
                        Some(lo)
                    }
                    None => None,
                };
                let hi: syn::Expr = match &r.end {
                    Some(hi) => {
                        let hi = self.operand(hi, out)?;
                        let hi = self.bind_own("hi", hi);
                        if matches!(r.limits, syn::RangeLimits::Closed(_)) {
                            parse_quote_spanned!(s.span=> (#hi + 1))
                        } else {
                            parse_quote_spanned!(s.span=> #hi)
                        }
                    }
                    None => parse_quote_spanned!(s.span=> #src.len()),
                };
                match lo {
                    Some(lo) => parse_quote_spanned!(s.span=> ((#hi - #lo) as usize)),
                    None => parse_quote_spanned!(s.span=> ((#hi) as usize)),
                }
            }
        };
        let leaf = match window {
            None => {
                s.prelude
                    .push(parse_quote_spanned!(s.span=> let #n = #len;));
                Leaf::Element { src, by_ref, at }
            }
            Some(k) => {
                let kv = self.operand(k, out)?;
                let size = self.bind_own("size", kv);
                s.prelude.push(
                    parse_quote_spanned!(s.span=> let #n = (#len + 1).saturating_sub(#size);),
                );
                Leaf::Window { src, size, at }
            }
        };
        s.count = Some(n);
        s.leaves.push(leaf);
        Some(Elem::Leaf(s.leaves.len() - 1))
    }

    /// The loop body from element operation `from` on, ending with `last`.
    pub(super) fn loop_body(
        &mut self,
        s: &Stream<'_>,
        from: usize,
        last: Vec<syn::Stmt>,
    ) -> Option<Vec<syn::Stmt>> {
        let Some(op) = s.ops.get(from) else {
            return Some(last);
        };
        let span = s.span;
        match op {
            ElemOp::Map {
                f,
                input,
                out,
                span,
            } => {
                let span = *span;
                let value = self.stage_call(s, f, input, span)?;
                let mut stmts: Vec<syn::Stmt> =
                    vec![parse_quote_spanned!(span=> let #out = #value;)];
                stmts.extend(self.loop_body(s, from + 1, last)?);
                Some(stmts)
            }
            ElemOp::Filter { f, input, span } => {
                let span = *span;
                let cond = self.stage_call(s, f, input, span)?;
                let rest = self.loop_body(s, from + 1, last)?;
                Some(vec![parse_quote_spanned!(span=> if #cond { #(#rest)* })])
            }
            ElemOp::Count { counter, out } => {
                let mut stmts: Vec<syn::Stmt> = vec![
                    parse_quote_spanned!(span=> let #out = #counter;),
                    parse_quote_spanned!(span=> #counter = #counter + 1usize;),
                ];
                stmts.extend(self.loop_body(s, from + 1, last)?);
                Some(stmts)
            }
        }
    }

    /// A `map`'s or `filter`'s function applied to the element; a window is substituted into
    /// the closure's body (`w[j]` reads `x[i + j]`).
    fn stage_call(
        &mut self,
        s: &Stream<'_>,
        f: &syn::Expr,
        input: &Elem,
        span: Span,
    ) -> Option<syn::Expr> {
        if let Elem::Leaf(l) = input
            && let Leaf::Window { src, size, at } = &s.leaves[*l]
        {
            let start = index_syntax(at, &s.counter, span);
            return self.window_body(f, src, size, &start);
        }
        let arg = self.elem_syntax(s, input, false, span)?;
        self.apply(f, vec![arg])
    }

    /// The syntax of an element. `value`: a `&x[i]` element is read as `x[i]`.
    pub(super) fn elem_syntax(
        &mut self,
        s: &Stream<'_>,
        e: &Elem,
        value: bool,
        span: Span,
    ) -> Option<syn::Expr> {
        match e {
            Elem::Tuple(items) => {
                if value {
                    self.errors.at_span(span, "this consumer needs numbers, but the chain's elements are pairs (from `zip` or `enumerate`): `map` them to a number first");
                    return None;
                }
                let mut parts = Vec::new();
                for i in items {
                    parts.push(self.elem_syntax(s, i, false, span)?);
                }
                Some(parse_quote_spanned!(span=> (#(#parts,)*)))
            }
            Elem::Leaf(l) => {
                let k = &s.counter;
                Some(match &s.leaves[*l] {
                    Leaf::Element { src, by_ref, at } => {
                        let i = index_syntax(at, k, span);
                        if *by_ref && !value {
                            parse_quote_spanned!(span=> &#src[#i])
                        } else {
                            parse_quote_spanned!(span=> #src[#i])
                        }
                    }
                    Leaf::Position(at) => index_syntax(at, k, span),
                    Leaf::RangeVar(v) | Leaf::Value(v) => parse_quote_spanned!(span=> #v),
                    Leaf::Window { .. } => {
                        self.errors.at_span(span, "a window from `windows(..)` must be taken apart in a closure (`.map(|w| w[1] - w[0])`)");
                        return None;
                    }
                })
            }
        }
    }

    pub(super) fn loop_syntax(&self, s: &Stream<'_>, body: Vec<syn::Stmt>) -> syn::Expr {
        let span = s.span;
        match (&s.range, &s.leaves.first()) {
            (Some(range), Some(Leaf::RangeVar(var))) => {
                parse_quote_spanned!(span=> for #var in #range { #(#body)* })
            }
            _ => {
                let k = &s.counter;
                let n = s.count.clone().unwrap_or_else(|| self.namer.own("n0"));
                parse_quote_spanned!(span=> for #k in 0..#n { #(#body)* })
            }
        }
    }
}

pub(super) fn strip_pat(p: &syn::Pat) -> &syn::Pat {
    match p {
        syn::Pat::Type(t) => strip_pat(&t.pat),
        syn::Pat::Paren(t) => strip_pat(&t.pat),
        other => other,
    }
}

fn leaf_affine(l: &mut Leaf) -> Option<&mut Affine> {
    match l {
        Leaf::Element { at, .. } | Leaf::Window { at, .. } | Leaf::Position(at) => Some(at),
        Leaf::RangeVar(_) | Leaf::Value(_) => None,
    }
}

fn shift(e: &Elem, by: usize) -> Elem {
    match e {
        Elem::Leaf(l) => Elem::Leaf(l + by),
        Elem::Tuple(items) => Elem::Tuple(items.iter().map(|i| shift(i, by)).collect()),
    }
}

/// `amount · step`.
fn scaled(amount: syn::Expr, step: &Option<syn::Expr>, span: Span) -> syn::Expr {
    match step {
        None => amount,
        Some(st) => parse_quote_spanned!(span=> (#amount * #st)),
    }
}

/// `base + d` (or `base - d` when the source runs down).
fn offset_by(base: &Option<syn::Expr>, d: syn::Expr, down: bool, span: Span) -> syn::Expr {
    match (base, down) {
        (None, false) => d,
        (Some(b), false) => parse_quote_spanned!(span=> (#b + #d)),
        (None, true) => parse_quote_spanned!(span=> (0usize - #d)),
        (Some(b), true) => parse_quote_spanned!(span=> (#b - #d)),
    }
}

/// The index `base ± k·step`.
fn index_syntax(at: &Affine, k: &Ident, span: Span) -> syn::Expr {
    let ks = scaled(parse_quote_spanned!(span=> #k), &at.step, span);
    match (&at.base, at.down) {
        (None, false) => ks,
        (Some(b), false) => parse_quote_spanned!(span=> #b + #ks),
        (Some(b), true) => parse_quote_spanned!(span=> #b - #ks),
        (None, true) => parse_quote_spanned!(span=> 0usize - #ks),
    }
}
