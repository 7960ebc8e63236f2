//! Variables that hold a tuple: `let mut state = (x, v);`, `state.0`, `let (p, q) = state;`,
//! `state = (p + dt * q, q - dt * p);`.
//!
//! Lowering takes tuples apart where they are made and has no tuple values. Before lowering,
//! a variable bound to a tuple of known arity — a tuple literal, or a `let` typed as a tuple
//! (`let s: (f64, f64) = step(..);`) — is written as one variable per part (scalar replacement
//! of aggregates, as compilers do): `state.0` reads `__state_0`, an assignment of the whole
//! tuple is a destructuring assignment `(__state_0, __state_1) = ..`, and any other use of the
//! whole (`let (p, q) = state;`, passing it on, returning it) is the tuple `(__state_0,
//! __state_1)`. Only what is lowered changes; the function is emitted as written.
//! A `let` that shadows the name ends the replacement for the rest of its block; a closure or
//! `for` whose parameter has the name is left as it is.

use quote::format_ident;
use syn::visit_mut::VisitMut;

/// The function with its tuple-valued variables written as one variable per part.
pub fn rewrite(func: &syn::ItemFn) -> syn::ItemFn {
    let mut f = func.clone();
    Lets.visit_block_mut(&mut f.block);
    f
}

struct Lets;

impl VisitMut for Lets {
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        let mut k = 0;
        while k < b.stmts.len() {
            if let Some(t) = tuple_let(&b.stmts[k]) {
                b.stmts[k] = t.split_let();
                let mut r = Replace { t: &t };
                for s in &mut b.stmts[k + 1..] {
                    if r.visit_stmt_until_shadowed(s) {
                        break;
                    }
                }
            }
            k += 1;
        }
        syn::visit_mut::visit_block_mut(self, b);
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// A tuple-valued `let`: its name, whether `mut`, its value and its number of parts.
struct TupleVar {
    name: syn::Ident,
    mutable: bool,
    init: syn::Expr,
    arity: usize,
}

impl TupleVar {
    fn part(&self, i: usize) -> syn::Ident {
        format_ident!("__{}_{}", self.name, i, span = self.name.span())
    }
    fn parts(&self) -> Vec<syn::Ident> {
        (0..self.arity).map(|i| self.part(i)).collect()
    }
    /// `(__s_0, __s_1)` as a value.
    fn whole(&self) -> syn::Expr {
        let p = self.parts();
        syn::parse_quote_spanned!(self.name.span()=> (#(#p),*))
    }
    /// `let (mut __s_0, mut __s_1) = init;` (the form lowering takes apart; the parts' types
    /// come from the value).
    fn split_let(&self) -> syn::Stmt {
        let p = self.parts();
        let init = &self.init;
        let m = vec![self.mutable.then(<syn::Token![mut]>::default); self.arity];
        syn::parse_quote!(let (#(#m #p),*) = #init;)
    }
}

fn tuple_let(s: &syn::Stmt) -> Option<TupleVar> {
    let syn::Stmt::Local(l) = s else {
        return None;
    };
    let init = l.init.as_ref().filter(|i| i.diverge.is_none())?;
    let (pat, ty) = match &l.pat {
        syn::Pat::Type(pt) => match &*pt.ty {
            syn::Type::Tuple(t) if t.elems.len() >= 2 => (&*pt.pat, Some(t.elems.len())),
            _ => return None,
        },
        p => (p, None),
    };
    let syn::Pat::Ident(pi) = pat else {
        return None;
    };
    if pi.by_ref.is_some() || pi.subpat.is_some() {
        return None;
    }
    let arity = match ty {
        Some(n) => n,
        None => tuple_arity(&init.expr).filter(|n| *n >= 2)?,
    };
    Some(TupleVar {
        name: pi.ident.clone(),
        mutable: pi.mutability.is_some(),
        init: (*init.expr).clone(),
        arity,
    })
}

/// The arity of a tuple written as a literal, or as the value of an `if`, `match` or block one
/// of whose branches ends in a literal (`if c { (a, b) } else { s }`).
fn tuple_arity(e: &syn::Expr) -> Option<usize> {
    let tail = |b: &syn::Block| match b.stmts.last() {
        Some(syn::Stmt::Expr(e, None)) => tuple_arity(e),
        _ => None,
    };
    match strip_parens(e) {
        syn::Expr::Tuple(t) => Some(t.elems.len()),
        syn::Expr::Block(b) => tail(&b.block),
        syn::Expr::If(i) => tail(&i.then_branch)
            .or_else(|| i.else_branch.as_ref().and_then(|(_, e)| tuple_arity(e))),
        syn::Expr::Match(m) => m.arms.iter().find_map(|a| tuple_arity(&a.body)),
        _ => None,
    }
}

fn strip_parens(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => strip_parens(&p.expr),
        e => e,
    }
}

/// Replaces the uses of one tuple variable.
struct Replace<'a> {
    t: &'a TupleVar,
}

impl Replace<'_> {
    fn is_name(&self, e: &syn::Expr) -> bool {
        matches!(strip_parens(e), syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident(&self.t.name))
    }

    /// Replaces in `s`; whether `s` shadows the name (the rest of the block keeps it).
    fn visit_stmt_until_shadowed(&mut self, s: &mut syn::Stmt) -> bool {
        self.visit_stmt_mut(s);
        matches!(s, syn::Stmt::Local(l) if binds(&l.pat, &self.t.name))
    }
}

/// Whether a pattern binds `name`.
fn binds(p: &syn::Pat, name: &syn::Ident) -> bool {
    struct Find<'a>(&'a syn::Ident, bool);
    impl<'ast> syn::visit::Visit<'ast> for Find<'_> {
        fn visit_pat_ident(&mut self, pi: &'ast syn::PatIdent) {
            if pi.ident == *self.0 {
                self.1 = true;
            }
            syn::visit::visit_pat_ident(self, pi);
        }
    }
    let mut f = Find(name, false);
    syn::visit::Visit::visit_pat(&mut f, p);
    f.1
}

impl VisitMut for Replace<'_> {
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        for s in &mut b.stmts {
            if self.visit_stmt_until_shadowed(s) {
                break;
            }
        }
    }
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        match e {
            // `s.0`
            syn::Expr::Field(f) if self.is_name(&f.base) => {
                if let syn::Member::Unnamed(i) = &f.member
                    && (i.index as usize) < self.t.arity
                {
                    let p = self.t.part(i.index as usize);
                    *e = syn::parse_quote_spanned!(f.member.span()=> #p);
                }
            }
            // `s = ..`: a destructuring assignment of the parts.
            syn::Expr::Assign(a) if self.is_name(&a.left) => {
                self.visit_expr_mut(&mut a.right);
                *a.left = self.t.whole();
            }
            syn::Expr::Path(_) if self.is_name(e) => *e = self.t.whole(),
            syn::Expr::Closure(c) if c.inputs.iter().any(|p| binds(p, &self.t.name)) => {}
            syn::Expr::ForLoop(f) if binds(&f.pat, &self.t.name) => {
                self.visit_expr_mut(&mut f.expr);
            }
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }
    // `println!("{:?}", s.0, s)`: the arguments, token by token.
    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        m.tokens = self.tokens(std::mem::take(&mut m.tokens));
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

impl Replace<'_> {
    /// `s.0` → `__s_0` and `s` → `(__s_0, __s_1)` in a macro's tokens (not `x.s`, `a::s`).
    fn tokens(&self, ts: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
        use proc_macro2::TokenTree as T;
        let tts: Vec<T> = ts.into_iter().collect();
        let mut out: Vec<T> = Vec::with_capacity(tts.len());
        let punct = |t: Option<&T>, c: char| matches!(t, Some(T::Punct(p)) if p.as_char() == c);
        let mut i = 0;
        while i < tts.len() {
            match &tts[i] {
                T::Group(g) => {
                    let mut ng = proc_macro2::Group::new(g.delimiter(), self.tokens(g.stream()));
                    ng.set_span(g.span());
                    out.push(T::Group(ng));
                }
                T::Ident(id)
                    if *id == self.t.name
                        && !punct(out.last(), '.')
                        && !punct(out.last(), ':')
                        && !punct(tts.get(i + 1), ':') =>
                {
                    let part = match (tts.get(i + 1), tts.get(i + 2)) {
                        (Some(T::Punct(p)), Some(T::Literal(l))) if p.as_char() == '.' => l
                            .to_string()
                            .parse::<usize>()
                            .ok()
                            .filter(|k| *k < self.t.arity),
                        _ => None,
                    };
                    match part {
                        Some(k) => {
                            out.push(T::Ident(self.t.part(k)));
                            i += 2;
                        }
                        None => out.extend(self.t.whole().into_token_stream()),
                    }
                }
                t => out.push(t.clone()),
            }
            i += 1;
        }
        out.into_iter().collect()
    }
}

use quote::ToTokens;

use syn::spanned::Spanned;
