//! Generated identifiers, built so that they cannot collide with the user's.
//!
//! Every generated name contains a separator (`__` by default) that no identifier of the user's
//! item contains: if one does, the separator grows (`___`, ...) until none does. So no generated
//! name equals a parameter, local, or item the function mentions (`const value`, `struct t_2`,
//! a parameter called `pullback_g`). All generated locals also have mixed-site hygiene.
//!
//! Shapes (with `S` the separator):
//! - a value: `{base}S{id}` — `base` is the user's variable name or a word (`t` for a
//!   temporary), `id` its number, unique in the function;
//! - something derived from a value: `{base}S{id}_{role}` (`x__3_bar`, `s__5_carry`);
//! - something of the function's own: `S{role}{n}` (`__tape0`, `__value`, `__d_out`).
//!
//! The three shapes cannot meet: values end in digits after `S`, derived names in a role, and
//! the function's own names start with `S`, which a base never does.

use proc_macro2::{Ident, Span, TokenStream, TokenTree};

#[derive(Clone)]
pub struct Namer {
    sep: String,
    /// Every identifier of the user's item.
    idents: Vec<String>,
}

impl Namer {
    /// A separator that no identifier in `item` contains.
    pub fn for_item(item: &TokenStream) -> Namer {
        let mut idents = Vec::new();
        collect_idents(item, &mut idents);
        let mut sep = "__".to_owned();
        while idents.iter().any(|i| i.contains(&sep)) {
            sep.push('_');
        }
        Namer { sep, idents }
    }

    /// Whether the user's item mentions the identifier `name`.
    pub fn mentions(&self, name: &str) -> bool {
        self.idents.iter().any(|i| i == name)
    }

    /// The stem of value `id` whose user name (or word) is `base`.
    pub fn stem(&self, base: &str, id: usize) -> String {
        format!("{}{}{}", base.trim_start_matches('#'), self.sep, id)
    }

    /// The identifier of a value (see [`Namer::stem`]).
    pub fn value(&self, base: &str, id: usize) -> Ident {
        Ident::new(&self.stem(base, id), Span::mixed_site())
    }

    /// A name derived from a value's stem: `{stem}_{role}`.
    pub fn derived(&self, stem: &str, role: &str) -> Ident {
        Ident::new(&format!("{stem}_{role}"), Span::mixed_site())
    }

    /// A name of the function's own: `S{role}`.
    pub fn own(&self, role: &str) -> Ident {
        Ident::new(&format!("{}{role}", self.sep), Span::mixed_site())
    }
}

/// A local of a generated function that is not made from the user's function (the wrappers of
/// `hessian`, `jacobian`, array outputs, struct parameters): `__{name}`, mixed-site. Mixed-site
/// hygiene keeps it apart from the user's locals, but not from the items of the user's module
/// (a `struct d_out;` would make a plain `d_out` binding a unit-struct pattern); the leading
/// `__` keeps it apart from those, as Rust's conventions and lints keep users off such names.
pub fn generated_local(name: &str) -> Ident {
    let name = if name.starts_with("__") {
        name.to_owned()
    } else {
        format!("__{name}")
    };
    Ident::new(&name, Span::mixed_site())
}

/// The names of a path's segments (`f64::sin` → `["f64", "sin"]`), without generic arguments.
pub fn path_names(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// A generated function that the user does not call: hidden from the docs, no lints, no
/// documentation of its own (the helpers of `f32`/generic functions and of out-parameters).
pub fn hide(f: &mut syn::ItemFn) {
    f.attrs.retain(|a| !a.path().is_ident("doc"));
    f.attrs.push(syn::parse_quote!(#[doc(hidden)]));
    f.attrs
        .push(syn::parse_quote!(#[allow(dead_code, clippy::all)]));
}

fn collect_idents(ts: &TokenStream, out: &mut Vec<String>) {
    for tt in ts.clone() {
        match tt {
            TokenTree::Ident(i) => out.push(i.to_string()),
            TokenTree::Group(g) => collect_idents(&g.stream(), out),
            _ => {}
        }
    }
}

/// The hidden free function of a method differentiated with respect to `self`
/// (`__wrt_self__Spring__energy` for `Spring::energy`, see `self_params.rs`): also what a call
/// `s.energy(x)` on a differentiated struct goes through, so that rustc's "cannot find" for a
/// method that is not so differentiated names what is missing.
pub(crate) fn self_method_fn(
    type_name: &proc_macro2::Ident,
    method: &proc_macro2::Ident,
) -> proc_macro2::Ident {
    quote::format_ident!(
        "__wrt_self__{}__{}",
        type_name,
        method,
        span = method.span()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn separator_grows_past_the_users_identifiers() {
        let n = Namer::for_item(&quote!(
            fn f(x__1: f64) -> f64 {
                x__1
            }
        ));
        assert_eq!(n.value("x", 1).to_string(), "x___1");
        let n = Namer::for_item(&quote!(
            fn f(a_1: f64, t_2: f64) -> f64 {
                a_1
            }
        ));
        assert_eq!(n.value("a", 1).to_string(), "a__1");
        assert_eq!(n.own("tape0").to_string(), "__tape0");
    }
}
