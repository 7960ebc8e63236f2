//! Iterator chains, desugared to the loops and scalar statements the rest of the pipeline knows.
//!
//! `x.iter().zip(y.iter()).map(|(a, b)| (a - b).powi(2)).sum::<f64>()` becomes
//!
//! ```text
//! { let mut acc = -0.0_f64; for k in 0..n { let m = (|(a, b)| ..)((&x[k], &y[k])); acc = acc + m; } acc }
//! ```
//!
//! (the closure inlined, see `closures.rs`): exactly the loop a user would write, so it costs
//! what that loop costs and records what it would record. The sources are arrays (read by index
//! with a counter `k`) or one range (iterated directly). Positional adaptors (`rev`, `skip`,
//! `take`, `step_by`, `zip`, `enumerate`) do not reorder anything at run time: each source's
//! index is an affine function of the counter (`base ± k·step`), which every adaptor rewrites,
//! and the stream's length is a `min` of the sources'. `map` and `filter` become statements of
//! the loop body; the consumer (`sum`, `product`, `fold`, `count`, `any`, `all`, `for_each`,
//! `collect`) its accumulator. `sum` starts from `-0.0` as `f64`'s `Sum` does, so the value is
//! the same to the bit.

use super::*;
use proc_macro2::Ident;
use syn::parse_quote_spanned;

/// The adaptors between a source and the consumer, as written.
pub(super) enum Stage<'a> {
    Map(&'a syn::Expr),
    Filter(&'a syn::Expr),
    Enumerate,
    Zip(&'a syn::Expr),
    Rev,
    Skip(&'a syn::Expr),
    Take(&'a syn::Expr),
    StepBy(&'a syn::Expr),
    Copied,
}

pub(super) enum Source<'a> {
    /// `x.iter()`, `x.into_iter()`, `&x`, `x`: the elements of a 1-D array or slice.
    Array(&'a syn::Expr),
    /// `a..b`, `a..=b`.
    Range(&'a syn::Expr),
    /// `x.windows(k)`.
    Windows(&'a syn::Expr, &'a syn::Expr),
}

pub(super) struct ChainSyn<'a> {
    pub(super) source: Source<'a>,
    pub(super) stages: Vec<(Stage<'a>, Span)>,
    /// `x.into_iter()` or `x` itself: the items are the elements by value when `x` is owned
    /// (a `Vec<f64>` or `[f64; N]` parameter), by reference otherwise (see `array_source`).
    pub(super) by_value: bool,
}

impl ChainSyn<'_> {
    /// Whether the chain needs this module: plain `x.iter()`, `&x` and ranges with `.rev()` /
    /// `.step_by(k)` are `for` loops the lowering handles directly.
    pub(super) fn is_plain_for(&self) -> bool {
        match self.source {
            Source::Array(a) => self.stages.is_empty() && !is_sliced(a),
            Source::Range(_) => self
                .stages
                .iter()
                .all(|(s, _)| matches!(s, Stage::Rev | Stage::StepBy(_))),
            Source::Windows(..) => false,
        }
    }
}

/// Parses an iterator chain. `plain`: a bare array (`x`, `&x`) counts as a source (the iterable
/// of a `for` and the argument of `zip` are `IntoIterator`).
pub(super) fn parse_chain(e: &syn::Expr, plain: bool) -> Option<ChainSyn<'_>> {
    let e = strip_parens(e);
    match e {
        syn::Expr::Range(_) => Some(ChainSyn {
            source: Source::Range(e),
            stages: vec![],
            by_value: false,
        }),
        syn::Expr::MethodCall(m) => {
            let name = m.method.to_string();
            let n = m.args.len();
            match (name.as_str(), n) {
                ("iter", 0) => Some(ChainSyn {
                    source: Source::Array(&m.receiver),
                    stages: vec![],
                    by_value: false,
                }),
                ("into_iter", 0) => match strip_parens(&m.receiver) {
                    r @ syn::Expr::Range(_) => Some(ChainSyn {
                        source: Source::Range(r),
                        stages: vec![],
                        by_value: false,
                    }),
                    _ => Some(ChainSyn {
                        source: Source::Array(&m.receiver),
                        stages: vec![],
                        by_value: true,
                    }),
                },
                ("windows", 1) => Some(ChainSyn {
                    source: Source::Windows(&m.receiver, &m.args[0]),
                    stages: vec![],
                    by_value: false,
                }),
                ("map" | "filter" | "zip" | "skip" | "take" | "step_by", 1)
                | ("enumerate" | "rev" | "copied" | "cloned", 0) => {
                    let mut chain = parse_chain(&m.receiver, false)?;
                    let a = m.args.first();
                    let stage = match name.as_str() {
                        "map" => Stage::Map(a?),
                        "filter" => Stage::Filter(a?),
                        "zip" => Stage::Zip(a?),
                        "skip" => Stage::Skip(a?),
                        "take" => Stage::Take(a?),
                        "step_by" => Stage::StepBy(a?),
                        "enumerate" => Stage::Enumerate,
                        "rev" => Stage::Rev,
                        _ => Stage::Copied,
                    };
                    chain.stages.push((stage, m.method.span()));
                    Some(chain)
                }
                _ => None,
            }
        }
        syn::Expr::Reference(r) if plain && r.mutability.is_none() => Some(ChainSyn {
            source: Source::Array(e),
            stages: vec![],
            by_value: false,
        }),
        syn::Expr::Path(p) if plain && p.path.get_ident().is_some() => Some(ChainSyn {
            source: Source::Array(e),
            stages: vec![],
            by_value: true,
        }),
        _ => None,
    }
}

const ADAPTORS: &[&str] = &[
    "map",
    "filter",
    "zip",
    "skip",
    "take",
    "step_by",
    "enumerate",
    "rev",
    "copied",
    "cloned",
];

/// The method of an iterator chain that the lowering does not know — an adaptor or a consumer
/// — with the error to report on it. `None` when `e` is not a chain over an iterator source
/// (`iter()`, `into_iter()`, `windows(k)`, a range) or every method is known.
pub(super) fn iterator_misuse(e: &syn::Expr) -> Option<(&syn::Ident, String)> {
    match strip_parens(e) {
        syn::Expr::MethodCall(m) => method_misuse(m),
        _ => None,
    }
}

/// [`iterator_misuse`] of a method call.
pub(super) fn method_misuse(m: &syn::ExprMethodCall) -> Option<(&syn::Ident, String)> {
    let mut cur = m;
    let mut unknown: Option<&syn::Ident> = None;
    loop {
        let name = cur.method.to_string();
        if matches!(name.as_str(), "iter" | "into_iter" | "windows") {
            break;
        }
        // A consumer ends the chain: what is called on its result is not the iterator's.
        if CONSUMERS.contains(&name.as_str()) || name == "collect" {
            unknown = None;
        }
        let known = ADAPTORS.contains(&name.as_str())
            || CONSUMERS.contains(&name.as_str())
            || name == "collect";
        if !known {
            // The innermost one is reported: what comes after it follows from it.
            unknown = Some(&cur.method);
        }
        match strip_parens(&cur.receiver) {
            syn::Expr::MethodCall(inner) => cur = inner,
            syn::Expr::Range(_) => break,
            _ => return None,
        }
    }
    let bad = unknown?;
    Some((
        bad,
        format!(
            "`{bad}` is not supported on an iterator in a #[differentiable] function; the supported adaptors are `{}`, the consumers `{}` and `collect` into a `Vec<f64>` or `Array1<f64>` (for a maximum write `.fold(f64::NEG_INFINITY, f64::max)`; for `chain`, two loops)",
            ADAPTORS.join("` `"),
            CONSUMERS.join("` `")
        ),
    ))
}

/// The consumers this module lowers.
pub(super) const CONSUMERS: &[&str] =
    &["sum", "product", "fold", "count", "any", "all", "for_each"];

impl Lowerer<'_> {
    pub(super) fn own(&mut self, role: &str) -> Ident {
        self.own_count += 1;
        self.namer.own(&format!("{role}{}", self.own_count))
    }

    /// Binds an own name to a lowered value, so that generated syntax can refer to it.
    pub(super) fn bind_own(&mut self, role: &str, v: Operand) -> Ident {
        let id = self.own(role);
        self.bind_new(&id.to_string(), v, None);
        id
    }

    /// `chain.consumer(..)` in value position; `None` when `m` is not an iterator chain.
    pub(super) fn iterator_consumer(
        &mut self,
        m: &syn::ExprMethodCall,
        hint: Option<&str>,
        out: &mut Vec<Stmt>,
    ) -> Option<Option<Operand>> {
        let name = m.method.to_string();
        if !CONSUMERS.contains(&name.as_str()) {
            return None;
        }
        let chain = parse_chain(&m.receiver, false)?;
        let span = m.span();
        self.scopes.push(Scope::default());
        let v = self.consume(&chain, m, &name, hint, span, out);
        self.scopes.pop();
        Some(v)
    }

    fn consume(
        &mut self,
        chain: &ChainSyn<'_>,
        m: &syn::ExprMethodCall,
        name: &str,
        hint: Option<&str>,
        span: Span,
        out: &mut Vec<Stmt>,
    ) -> Option<Operand> {
        let turbofish = m.turbofish.as_ref().and_then(|t| match t.args.first() {
            Some(syn::GenericArgument::Type(ty)) if t.args.len() == 1 => type_name(ty),
            _ => None,
        });
        if m.turbofish.is_some() && turbofish.is_none() {
            self.errors.at(
                &m.turbofish,
                "write the sum's type as one name (`sum::<f64>()`)",
            );
            return None;
        }
        let ty = turbofish.as_deref().or(hint);
        let arity = match name {
            "fold" => 2,
            "any" | "all" | "for_each" => 1,
            _ => 0,
        };
        if m.args.len() != arity {
            self.errors
                .at(&m.method, format!("`{name}` takes {arity} argument(s)"));
            return None;
        }
        // `fold`'s initial value is evaluated before the chain runs.
        let init = if name == "fold" {
            let v = self.operand(&m.args[0], out)?;
            Some(self.bind_own("init", v))
        } else {
            None
        };
        let stream = self.stream(chain, span, out)?;
        let acc = self.own("acc");
        let (init_expr, update): (syn::Expr, Vec<syn::Stmt>) = {
            let value = matches!(name, "sum" | "product");
            let elem = self.elem_syntax(&stream, &stream.elem, value, span)?;
            match name {
                "sum" | "product" => {
                    let float = match ty {
                        Some(t) => matches!(t, "f64" | "f32"),
                        // Summing a range's integers themselves.
                        None => {
                            !matches!(chain.source, Source::Range(_))
                                || chain.stages.iter().any(|(s, _)| matches!(s, Stage::Map(_)))
                        }
                    };
                    let suffix = ty.unwrap_or(if float { "f64" } else { "" });
                    let (zero, one) = if float { ("-0.0", "1.0") } else { ("0", "1") };
                    let lit = |v: &str| -> syn::Expr {
                        let text = if suffix.is_empty() {
                            v.to_owned()
                        } else {
                            format!("{v}_{suffix}")
                        };
                        syn::parse_str(&text).unwrap_or_else(|_| parse_quote_spanned!(span=> 0))
                    };
                    if name == "sum" {
                        (
                            lit(zero),
                            vec![parse_quote_spanned!(span=> #acc = #acc + #elem;)],
                        )
                    } else {
                        (
                            lit(one),
                            vec![parse_quote_spanned!(span=> #acc = #acc * #elem;)],
                        )
                    }
                }
                "count" => (
                    parse_quote_spanned!(span=> 0usize),
                    vec![parse_quote_spanned!(span=> #acc = #acc + 1usize;)],
                ),
                "fold" => {
                    let init = init?;
                    let call =
                        self.apply(&m.args[1], vec![parse_quote_spanned!(span=> #acc), elem])?;
                    (
                        parse_quote_spanned!(span=> #init),
                        vec![parse_quote_spanned!(span=> #acc = #call;)],
                    )
                }
                "any" => {
                    let call = self.apply(&m.args[0], vec![elem])?;
                    (
                        parse_quote_spanned!(span=> false),
                        vec![parse_quote_spanned!(span=> if #call { #acc = true; break; })],
                    )
                }
                "all" => {
                    let call = self.apply(&m.args[0], vec![elem])?;
                    (
                        parse_quote_spanned!(span=> true),
                        vec![parse_quote_spanned!(span=> if !#call { #acc = false; break; })],
                    )
                }
                _ => {
                    // for_each
                    let call = self.apply(&m.args[0], vec![elem])?;
                    (
                        parse_quote_spanned!(span=> ()),
                        vec![parse_quote_spanned!(span=> #call;)],
                    )
                }
            }
        };
        let is_unit = name == "for_each";
        let body = self.loop_body(&stream, 0, update)?;
        let the_loop = self.loop_syntax(&stream, body);
        let prelude = &stream.prelude;
        let block: syn::Block = if is_unit {
            parse_quote_spanned!(span=> { #(#prelude)* #the_loop })
        } else {
            parse_quote_spanned!(span=> {
                #(#prelude)*
                let mut #acc = #init_expr;
                #the_loop
                #acc
            })
        };
        let v = self.stmts(&block.stmts, out, !is_unit);
        if is_unit { None } else { v }
    }

    /// `for pat in chain { body }` for a chain the plain `for` does not handle.
    pub(super) fn for_chain(
        &mut self,
        f: &syn::ExprForLoop,
        chain: &ChainSyn<'_>,
        out: &mut Vec<Stmt>,
    ) {
        let span = f.span();
        self.scopes.push(Scope::default());
        if let Some(stream) = self.stream(chain, span, out)
            && let Some(elem) = self.elem_syntax(&stream, &stream.elem, false, span)
        {
            let pat = &f.pat;
            let user = &f.body.stmts;
            let inner: Vec<syn::Stmt> = parse_quote_spanned!(span=> let #pat = #elem; #(#user)*);
            if let Some(body) = self.loop_body(&stream, 0, inner) {
                let the_loop = self.loop_syntax(&stream, body);
                let prelude = &stream.prelude;
                let block: syn::Block = parse_quote_spanned!(span=> { #(#prelude)* #the_loop });
                self.stmts(&block.stmts, out, false);
            }
        }
        self.scopes.pop();
    }

    /// `let y: Vec<f64> = chain.collect();` (or `collect::<Array1<f64>>()`).
    pub(super) fn collect(
        &mut self,
        m: &syn::ExprMethodCall,
        annotation: Option<&syn::Type>,
        out: &mut Vec<Stmt>,
    ) -> Option<Operand> {
        let written = m
            .turbofish
            .as_ref()
            .and_then(|t| match t.args.first() {
                Some(syn::GenericArgument::Type(ty)) => Some(ty.clone()),
                _ => None,
            })
            .or(annotation.cloned());
        let target = written.as_ref().and_then(|ty| match ty {
            syn::Type::Path(tp) => tp.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        });
        match target.as_deref() {
            Some(t @ ("Vec" | "Array1")) => {
                if parse_chain(&m.receiver, false).is_none() {
                    self.errors.at(
                        &m.receiver,
                        "`collect` is supported on iterator chains (`x.iter().map(..)`)",
                    );
                    return None;
                }
                self.collect_chain(m, t, out)
            }
            _ => {
                self.errors.at(
                    m,
                    "write what `collect` makes: `let y: Vec<f64> = ...collect();` or `collect::<Array1<f64>>()`",
                );
                None
            }
        }
    }

    /// `let y: Vec<f64> = chain.collect();`: a new local array filled by the loop.
    fn collect_chain(
        &mut self,
        m: &syn::ExprMethodCall,
        target: &str,
        out: &mut Vec<Stmt>,
    ) -> Option<Operand> {
        let chain = parse_chain(&m.receiver, false)?;
        let span = m.span();
        // No scope of its own: the new array is declared at the level of the user's `let`.

        (|| {
            let stream = self.stream(&chain, span, out)?;
            if stream.filtered || stream.range.is_some() {
                self.errors.at(
                    &m.method,
                    "`collect` is supported on chains over arrays without `filter` (the length must be known before the loop); write the loop that fills the array",
                );
                return None;
            }
            let count = stream.count.clone()?;
            let y = self.own("collected");
            let k = &stream.counter;
            let elem = self.elem_syntax(&stream, &stream.elem, true, span)?;
            let write: Vec<syn::Stmt> = vec![parse_quote_spanned!(span=> #y[#k] = #elem;)];
            let body = self.loop_body(&stream, 0, write)?;
            let the_loop = self.loop_syntax(&stream, body);
            let prelude = &stream.prelude;
            let new: syn::Expr = if target == "Array1" {
                parse_quote_spanned!(span=> Array1::zeros(#count))
            } else {
                parse_quote_spanned!(span=> vec![0.0_f64; #count])
            };
            let block: syn::Block = parse_quote_spanned!(span=> {
                #(#prelude)*
                let mut #y = #new;
                #the_loop
                #y
            });
            self.stmts(&block.stmts, out, true)
        })()
    }

    /// A call of an adaptor's function on the given arguments: a closure (inlined when the
    /// call is lowered) or a path (`f64::max`, a #[differentiable] function).
    pub(super) fn apply(&mut self, f: &syn::Expr, args: Vec<syn::Expr>) -> Option<syn::Expr> {
        let span = f.span();
        match strip_parens(f) {
            syn::Expr::Closure(c) => {
                let index = self.define_closure(c)?;
                let id = self.own("closure");
                self.bind_closure(&id.to_string(), index);
                Some(parse_quote_spanned!(span=> #id(#(#args),*)))
            }
            syn::Expr::Path(p) => Some(parse_quote_spanned!(span=> #p(#(#args),*))),
            other => {
                self.errors.at(
                    other,
                    "give an iterator adaptor a closure (`|v| ...`) or a function's name",
                );
                None
            }
        }
    }
}

/// `x[a..b]` or `&x[a..]` (a part of an array; `&x[..]` is the whole one).
pub(super) fn is_sliced(e: &syn::Expr) -> bool {
    let e = match strip_parens(e) {
        syn::Expr::Reference(r) => strip_parens(&r.expr),
        other => other,
    };
    matches!(e, syn::Expr::Index(i)
        if matches!(strip_parens(&i.index), syn::Expr::Range(r) if r.start.is_some() || r.end.is_some()))
}
