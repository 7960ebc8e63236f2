//! `windows(k)` in an iterator chain: the closure that reads a window `w` gets `w[j]` rewritten
//! to the source's element at the window's start plus `j`, and `w.len()` to `k` (no slice is
//! made); any other use of `w` is refused.

use super::iterator_stream::strip_pat;
use super::*;
use proc_macro2::Ident;
use syn::parse_quote_spanned;

impl Lowerer<'_> {
    pub(super) fn window_body(
        &mut self,
        f: &syn::Expr,
        src: &Ident,
        size: &Ident,
        start: &syn::Expr,
    ) -> Option<syn::Expr> {
        let syn::Expr::Closure(c) = strip_parens(f) else {
            self.errors.at(
                f,
                "give `windows(..)` adaptors a closure (`|w| w[1] - w[0]`)",
            );
            return None;
        };
        let name = match c.inputs.first().map(strip_pat) {
            Some(syn::Pat::Ident(pi)) if c.inputs.len() == 1 => pi.ident.clone(),
            _ => {
                self.errors.at(
                    &c.inputs,
                    "a closure over `windows(..)` takes one name (`|w| w[1] - w[0]`)",
                );
                return None;
            }
        };
        let mut rewrite = WindowRewrite {
            name: name_of(&name),
            src: src.clone(),
            size: size.clone(),
            start: start.clone(),
            stray: None,
        };
        let mut body = (*c.body).clone();
        syn::visit_mut::VisitMut::visit_expr_mut(&mut rewrite, &mut body);
        if let Some(span) = rewrite.stray {
            self.errors.at_span(
                span,
                "a window can be indexed (`w[j]`) and measured (`w.len()`) in a #[differentiable] function; other uses are not supported",
            );
            return None;
        }
        Some(body)
    }
}

/// Substitutes a window's reads into a closure body.
struct WindowRewrite {
    name: String,
    src: Ident,
    size: Ident,
    start: syn::Expr,
    stray: Option<Span>,
}

impl syn::visit_mut::VisitMut for WindowRewrite {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        let is_w = |e: &syn::Expr, name: &str| matches!(strip_parens(e), syn::Expr::Path(p) if p.path.get_ident().is_some_and(|i| name_of(i) == name));
        match e {
            syn::Expr::Index(ix) if is_w(&ix.expr, &self.name) => {
                syn::visit_mut::visit_expr_mut(self, &mut ix.index);
                let (src, start, j) = (&self.src, &self.start, &ix.index);
                *e = parse_quote_spanned!(ix.span()=> #src[#start + (#j)]);
            }
            syn::Expr::MethodCall(m)
                if is_w(&m.receiver, &self.name) && m.method == "len" && m.args.is_empty() =>
            {
                let size = &self.size;
                *e = parse_quote_spanned!(m.span()=> #size);
            }
            syn::Expr::Path(_) if is_w(e, &self.name) => {
                self.stray.get_or_insert(e.span());
            }
            syn::Expr::Closure(_) => {}
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }
}
