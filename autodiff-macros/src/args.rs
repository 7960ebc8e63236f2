//! The attribute's arguments: nothing, or any of `wrt(name, ...)`, `hessian`, `crate = path`.

use crate::error::Errors;
use proc_macro2::{Ident, TokenStream};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;

#[derive(Default)]
pub struct Args {
    /// `Some` when `wrt(...)` was given: the parameters to differentiate with respect to.
    pub wrt: Option<Vec<Ident>>,
    /// `crate = path`: where the runtime is, when the user's crate renamed its dependency
    /// (`ad = { package = "autodiff-runtime" }`), as serde's `#[serde(crate = "..")]`.
    pub krate: Option<syn::Path>,
    /// `hessian`: also `hvp_f` and `hessian_f` (see `hessian.rs`), where the word was written.
    pub hessian: Option<proc_macro2::Span>,
    /// `__wide` (not for users): this is the `f64` copy of an `f32` or float-generic function
    /// (see `widen.rs`), whose calls of other functions go to their copies.
    pub wide: bool,
}

struct Wrt(Vec<Ident>);

/// `crate = path` or `crate = "path"`.
fn parse_crate(input: ParseStream) -> syn::Result<syn::Path> {
    let _: syn::Token![crate] = input.parse()?;
    let _: syn::Token![=] = input.parse()?;
    if input.peek(syn::LitStr) {
        let s: syn::LitStr = input.parse()?;
        s.parse()
    } else {
        input.call(syn::Path::parse_mod_style)
    }
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut args = Args::default();
        loop {
            if input.peek(syn::Ident) && input.fork().parse::<Ident>().is_ok_and(|i| i == "hessian")
            {
                let word: Ident = input.parse()?;
                if args.hessian.replace(word.span()).is_some() {
                    return Err(syn::Error::new(word.span(), "`hessian` is given twice"));
                }
            } else if input.peek(syn::Ident)
                && input.fork().parse::<Ident>().is_ok_and(|i| i == "__wide")
            {
                let _: Ident = input.parse()?;
                args.wide = true;
            } else if input.peek(syn::Token![crate]) {
                let at = input.span();
                let path = parse_crate(input)?;
                if args.krate.replace(path).is_some() {
                    return Err(syn::Error::new(at, "`crate = ..` is given twice"));
                }
            } else {
                let at = input.span();
                let Wrt(names) = Wrt::parse_one(input)?;
                if args.wrt.replace(names).is_some() {
                    return Err(syn::Error::new(
                        at,
                        "`wrt(..)` is given twice: name all the parameters in one `wrt(..)`",
                    ));
                }
            }
            if input.is_empty() {
                return Ok(args);
            }
            let _: syn::Token![,] = input.parse()?;
            if input.is_empty() {
                return Ok(args);
            }
        }
    }
}

impl Wrt {
    fn parse_one(input: ParseStream) -> syn::Result<Self> {
        let key: Ident = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected `wrt(param, ...)` (the parameters to differentiate with respect to), `hessian` or `crate = path`",
            )
        })?;
        if key != "wrt" {
            return Err(syn::Error::new(
                key.span(),
                format!(
                    "unknown argument `{key}`: the arguments of #[differentiable] are `wrt(param, ...)`, `hessian` and `crate = path`"
                ),
            ));
        }
        let content;
        syn::parenthesized!(content in input);
        let names = Punctuated::<Ident, syn::Token![,]>::parse_terminated(&content)?;
        if !input.is_empty() && !input.peek(syn::Token![,]) {
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
    match Args::parse.parse2(attr.clone()) {
        Ok(args) => {
            let mut seen: Vec<&Ident> = vec![];
            for n in args.wrt.iter().flatten() {
                if seen.contains(&n) {
                    errors.at(n, format!("`{n}` is named twice in `wrt(...)`"));
                }
                seen.push(n);
            }
            args
        }
        Err(e) if e.to_string().contains("wrt(") || e.to_string().contains("hessian") => {
            errors.push(e);
            Args::default()
        }
        Err(e) => {
            errors.push(syn::Error::new(
                e.span(),
                format!("{e}: the arguments of #[differentiable] are `wrt(param, ...)`, naming f64 or array parameters, such as `wrt(x, theta)`, `hessian` for `hvp_*` and `hessian_*`, and `crate = path` for a renamed dependency"),
            ));
            Args::default()
        }
    }
}
