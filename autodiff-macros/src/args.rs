//! The attribute's arguments: nothing, or `wrt(name, ...)`.

use crate::error::Errors;
use proc_macro2::{Ident, TokenStream};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;

#[derive(Default)]
pub struct Args {
    /// `Some` when `wrt(...)` was given: the parameters to differentiate with respect to.
    pub wrt: Option<Vec<Ident>>,
}

struct Wrt(Vec<Ident>);

impl Parse for Wrt {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let key: Ident = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected `wrt(param, ...)`: the only argument of #[differentiable] names the parameters to differentiate with respect to",
            )
        })?;
        if key != "wrt" {
            return Err(syn::Error::new(
                key.span(),
                format!(
                    "unknown argument `{key}`: the only argument of #[differentiable] is `wrt(param, ...)`"
                ),
            ));
        }
        let content;
        syn::parenthesized!(content in input);
        let names = Punctuated::<Ident, syn::Token![,]>::parse_terminated(&content)?;
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after `wrt(...)`"));
        }
        if names.is_empty() {
            return Err(syn::Error::new(
                key.span(),
                "`wrt()` names no parameter: name at least one f64 parameter, or drop `wrt` to differentiate with respect to all of them",
            ));
        }
        Ok(Wrt(names.into_iter().collect()))
    }
}

pub fn parse(attr: TokenStream, errors: &mut Errors) -> Args {
    if attr.is_empty() {
        return Args::default();
    }
    match Wrt::parse.parse2(attr.clone()) {
        Ok(Wrt(names)) => {
            let mut seen: Vec<&Ident> = vec![];
            for n in &names {
                if seen.contains(&n) {
                    errors.at(n, format!("`{n}` is named twice in `wrt(...)`"));
                }
                seen.push(n);
            }
            Args { wrt: Some(names) }
        }
        Err(e) if e.to_string().contains("wrt(") => {
            errors.push(e);
            Args::default()
        }
        Err(e) => {
            errors.push(syn::Error::new(
                e.span(),
                format!("{e}: the argument of #[differentiable] is `wrt(param, ...)`, naming f64 or array parameters, such as `wrt(x, theta)`"),
            ));
            Args::default()
        }
    }
}
