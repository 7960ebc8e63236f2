//! The hidden copy's body: code over the float type (`T`, `f32`) rewritten into code over `f64`.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;

/// Rewrites code over the float type into code over `f64`.
pub(super) struct ToF64 {
    /// `T` or `f32`.
    pub(super) float: String,
}

impl ToF64 {
    /// The `f64` constant of `f64::one()`, `f64::epsilon()`, `f64::PI()`, ... (the float type's
    /// constants from num-traits' `Float`, `FloatConst`, `One` and `Zero`, after the type is
    /// written as `f64`).
    fn constant(&self, name: &str, span: Span) -> Option<syn::Expr> {
        let consts = [
            "PI",
            "E",
            "TAU",
            "SQRT_2",
            "LN_2",
            "LN_10",
            "LOG2_E",
            "LOG10_E",
            "LOG2_10",
            "LOG10_2",
            "FRAC_1_PI",
            "FRAC_2_PI",
            "FRAC_2_SQRT_PI",
            "FRAC_1_SQRT_2",
            "FRAC_PI_2",
            "FRAC_PI_3",
            "FRAC_PI_4",
            "FRAC_PI_6",
            "FRAC_PI_8",
        ];
        let e: TokenStream = match name {
            "one" => quote_spanned!(span=> 1.0_f64),
            "zero" => quote_spanned!(span=> 0.0_f64),
            "neg_zero" => quote_spanned!(span=> -0.0_f64),
            "epsilon" => quote_spanned!(span=> f64::EPSILON),
            "infinity" => quote_spanned!(span=> f64::INFINITY),
            "neg_infinity" => quote_spanned!(span=> f64::NEG_INFINITY),
            "nan" => quote_spanned!(span=> f64::NAN),
            "max_value" => quote_spanned!(span=> f64::MAX),
            "min_value" => quote_spanned!(span=> f64::MIN),
            "min_positive_value" => quote_spanned!(span=> f64::MIN_POSITIVE),
            c if consts.contains(&c) => {
                let c = syn::Ident::new(c, span);
                quote_spanned!(span=> ::core::f64::consts::#c)
            }
            _ => return None,
        };
        syn::parse2(e).ok()
    }

    /// `f64::from(e).unwrap()` (num-traits' `NumCast::from`, after the type is written as `f64`)
    /// and its relatives: `e` as an `f64`.
    fn conversion(&self, m: &syn::ExprMethodCall) -> Option<syn::Expr> {
        if !matches!(m.method.to_string().as_str(), "unwrap" | "expect") {
            return None;
        }
        match &*m.receiver {
            syn::Expr::Call(c) if c.args.len() == 1 => {
                let syn::Expr::Path(p) = &*c.func else {
                    return None;
                };
                let segs: Vec<String> = crate::names::path_names(&p.path);
                let via_type = p.qself.as_ref().is_some_and(|q| is_f64(&q.ty))
                    || (segs.len() >= 2 && segs[segs.len() - 2] == "f64");
                let last = segs.last()?;
                let is_conversion = (via_type
                    && (last == "from" || (last.starts_with("from_") && last != "from_bits")))
                    || (p.qself.is_none() && last == "cast");
                if !is_conversion {
                    return None;
                }
                Some(as_f64(&c.args[0]))
            }
            // `x.to_f64().unwrap()`: already an f64.
            syn::Expr::MethodCall(inner) if inner.method == "to_f64" && inner.args.is_empty() => {
                Some(as_f64(&inner.receiver))
            }
            _ => None,
        }
    }
}

pub(super) fn is_f64(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(tp) if tp.qself.is_none() && tp.path.is_ident("f64"))
}

/// `e` as an `f64`: a float literal as it is, anything else `(e as f64)`.
fn as_f64(e: &syn::Expr) -> syn::Expr {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Float(_),
            ..
        }) => e.clone(),
        _ => syn::parse_quote_spanned!(e.span()=> ((#e) as f64)),
    }
}

impl VisitMut for ToF64 {
    fn visit_ident_mut(&mut self, i: &mut syn::Ident) {
        if *i == self.float {
            *i = syn::Ident::new("f64", i.span());
        }
    }

    fn visit_lit_mut(&mut self, lit: &mut syn::Lit) {
        let (text, span) = match lit {
            syn::Lit::Float(f) if f.suffix() == "f32" => (f.base10_digits().to_owned(), f.span()),
            syn::Lit::Int(n) if n.suffix() == "f32" => (n.base10_digits().to_owned(), n.span()),
            _ => return,
        };
        let text = if text.contains(['.', 'e', 'E']) {
            format!("{text}_f64")
        } else {
            format!("{text}.0_f64")
        };
        *lit = syn::Lit::Float(syn::LitFloat::new(&text, span));
    }

    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        // `vec![T::zero(); n]`, `println!("{}", x)`: the arguments are expressions, rewritten as
        // any other; what does not parse as expressions has its float type renamed only.
        use syn::punctuated::Punctuated;
        let parser = Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
        if m.path.is_ident("vec") {
            let tokens = &m.tokens;
            if let Ok(syn::ExprRepeat {
                mut expr, mut len, ..
            }) = syn::parse2::<syn::ExprRepeat>(quote!([#tokens]))
            {
                self.visit_expr_mut(&mut expr);
                self.visit_expr_mut(&mut len);
                m.tokens = quote!(#expr; #len);
                return;
            }
        }
        if let Ok(mut args) = syn::parse::Parser::parse2(parser, m.tokens.clone()) {
            for a in args.iter_mut() {
                self.visit_expr_mut(a);
            }
            m.tokens = args.into_token_stream();
            return;
        }
        m.tokens = rename_tokens(m.tokens.clone(), &self.float);
    }

    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        match e {
            syn::Expr::MethodCall(m) => {
                if let Some(x) = self.conversion(m) {
                    *e = x;
                }
            }
            syn::Expr::Call(c) => {
                if c.args.is_empty()
                    && let syn::Expr::Path(p) = &*c.func
                    && p.qself.is_none()
                    && p.path.segments.len() == 2
                    && p.path.segments[0].ident == "f64"
                    && let Some(x) = self.constant(
                        &p.path.segments[1].ident.to_string(),
                        p.path.segments[1].ident.span(),
                    )
                {
                    *e = x;
                    return;
                }
                // `g::<T>(x)` of another generic function: `g(x)`, whose copy is not generic.
                if let syn::Expr::Path(p) = &mut *c.func
                    && let Some(last) = p.path.segments.last_mut()
                    && let syn::PathArguments::AngleBracketed(args) = &last.arguments
                    && args
                        .args
                        .iter()
                        .all(|a| matches!(a, syn::GenericArgument::Type(t) if is_f64(t)))
                {
                    last.arguments = syn::PathArguments::None;
                }
            }
            _ => {}
        }
    }
}

/// The tokens with the float type's name written `f64`.
fn rename_tokens(ts: TokenStream, float: &str) -> TokenStream {
    ts.into_iter()
        .map(|t| match t {
            TokenTree::Ident(i) if i == float => TokenTree::Ident(syn::Ident::new("f64", i.span())),
            TokenTree::Group(g) => {
                let mut ng =
                    proc_macro2::Group::new(g.delimiter(), rename_tokens(g.stream(), float));
                ng.set_span(g.span());
                TokenTree::Group(ng)
            }
            other => other,
        })
        .collect()
}
