//! `f32` and float-generic functions (`fn f<T: Float>(x: T, y: &[T]) -> T`, `fn g(x: f32) ->
//! f32`): differentiated in `f64`.
//!
//! The rest of the macro works on `f64` code, and its rules, runtime helpers and tapes are
//! written for `f64`. Rather than make all of that generic, a function whose output is of a float
//! type parameter or `f32` gets a hidden copy, `__wide_f`, with that type written as `f64` (and
//! `T::from(c).unwrap()`, `T::one()`, `T::epsilon()`, `2.0_f32`, ... as the `f64` constants they
//! are), which the ordinary pipeline differentiates; `grad_f`, `value_and_grad_f`, `jvp_f`, ... are
//! then thin functions, generic over the user's float type with the user's bounds, that convert
//! the arguments to `f64`, call the copy's, and round the results to the caller's type. So the
//! derivatives of an `f32` function are those of the same program in `f64`, rounded once: at
//! least as accurate as an `f32` adjoint. Calls between such functions go from copy to copy
//! (`g(x)` in a copy is `__wide_g(x)`), so nothing is converted inside the differentiated code.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;

use crate::error::Errors;

/// The float type a function is written over.
#[derive(Clone)]
enum FloatType {
    /// A type parameter (`T` of `fn f<T: Float>`), with its bounds kept for the wrappers.
    Param(syn::Ident),
    /// `f32`.
    F32,
}

impl FloatType {
    fn ident(&self) -> syn::Ident {
        match self {
            FloatType::Param(t) => t.clone(),
            FloatType::F32 => syn::Ident::new("f32", Span::call_site()),
        }
    }
}

/// The prefixes of the generated functions a user calls; each gets a wrapper in the user's type.
const WRAPPED: [&str; 8] = [
    "value_and_grad_",
    "grad_",
    "jvp_",
    "vjp_",
    "pullback_",
    "jacobian_",
    "hvp_",
    "hessian_",
];

/// The name of the hidden `f64` copy of `name`.
fn wide_name(name: &str) -> String {
    format!("__wide_{name}")
}

/// The whole expansion of an `f32` or float-generic function, or `None` for any other item.
pub fn attribute(attr: &TokenStream, item: &TokenStream) -> Option<TokenStream> {
    let func: syn::ItemFn = syn::parse2(item.clone()).ok()?;
    let float = float_type(&func)?;
    let emitted = match crate::expand::strip_checkpoints(&func, item, &mut Errors::default()) {
        Some(stripped) => stripped.into_token_stream(),
        None => item.clone(),
    };
    let mut errors = Errors::default();
    if let Some(receiver) = func.sig.receiver() {
        errors.at(
            receiver,
            "a method over `f32` or a generic float type cannot be differentiated yet; write it as a free function (`fn energy<T: Float>(s: &Spring, x: T) -> T`) or over f64",
        );
    }
    for param in &func.sig.generics.params {
        if let syn::GenericParam::Type(tp) = param
            && matches!(&float, FloatType::Param(t) if *t != tp.ident)
        {
            errors.at(
                &tp.ident,
                "a #[differentiable] function may be generic over one float type only; make this parameter a concrete type",
            );
        }
    }
    let t = float.ident();
    for input in &func.sig.inputs {
        if let syn::FnArg::Typed(pt) = input
            && !widenable(&pt.ty, &t)
        {
            errors.at(
                &pt.ty,
                format!("in a function over `{t}`, a parameter that holds `{t}` values must be `{t}`, `&{t}`, `&[{t}]`, `Vec<{t}>`, `[{t}; N]` or an ndarray array of `{t}` (`&Array1<{t}>`, `ArrayView1<{t}>`, ...); pass the values in one of these"),
            );
        }
    }
    if !errors.is_empty() {
        let errs = errors.into_compile_errors();
        return Some(quote!(#emitted #errs));
    }
    let wide = wide_copy(&func, &float);
    let expanded = crate::expand_attribute(quote!(__wide, #attr), wide.into_token_stream());
    let Ok(file) = syn::parse2::<syn::File>(expanded.clone()) else {
        // Only errors (or something unparsable): show them as they are.
        return Some(quote!(#emitted #expanded));
    };
    let name = func.sig.ident.to_string();
    let wide_ident = wide_name(&name);
    // The copy was refused: its errors are on the user's tokens, and the wrappers are stubs
    // (the copy's own functions are stubs too), so that nothing else is reported.
    let refused = mentions(&expanded, "compile_error");
    let mut out = emitted;
    for mut item in file.items {
        if let syn::Item::Fn(f) = &mut item {
            let fname = f.sig.ident.to_string();
            if let Some(prefix) = WRAPPED
                .iter()
                .find(|p| fname.strip_prefix(**p) == Some(wide_ident.as_str()))
            {
                out.extend(wrapper(&func, &float, f, prefix, &name, refused));
            }
            f.attrs.retain(|a| !a.path().is_ident("doc"));
            f.attrs.push(syn::parse_quote!(#[doc(hidden)]));
            f.attrs
                .push(syn::parse_quote!(#[allow(dead_code, clippy::all)]));
        }
        item.to_tokens(&mut out);
    }
    Some(out)
}

/// The float type of a function differentiated in `f64`: a type parameter its output is written
/// in, or `f32` when the output is written in `f32` and the signature never says `f64`.
fn float_type(func: &syn::ItemFn) -> Option<FloatType> {
    let syn::ReturnType::Type(_, output) = &func.sig.output else {
        return None;
    };
    let output = output.to_token_stream();
    for param in &func.sig.generics.params {
        if let syn::GenericParam::Type(tp) = param
            && mentions(&output, &tp.ident.to_string())
        {
            return Some(FloatType::Param(tp.ident.clone()));
        }
    }
    // A signature that mixes `f64` and `f32` is an f64 function with constant `f32` values.
    let sig = func.sig.to_token_stream();
    (mentions(&output, "f32") && !mentions(&sig, "f64")).then_some(FloatType::F32)
}

/// Whether `ident` occurs in the tokens.
fn mentions(ts: &TokenStream, ident: &str) -> bool {
    ts.clone().into_iter().any(|t| match t {
        TokenTree::Ident(i) => i == ident,
        TokenTree::Group(g) => mentions(&g.stream(), ident),
        _ => false,
    })
}

/// The hidden `f64` copy: named `__wide_f`, without the float type parameter, with the float
/// type written as `f64` everywhere and the float type's constants as `f64` constants.
fn wide_copy(func: &syn::ItemFn, float: &FloatType) -> syn::ItemFn {
    let mut wide = func.clone();
    wide.sig.ident = format_ident!(
        "{}",
        wide_name(&func.sig.ident.to_string()),
        span = func.sig.ident.span()
    );
    if let FloatType::Param(t) = float {
        wide.sig.generics.params = wide
            .sig
            .generics
            .params
            .into_iter()
            .filter(|p| !matches!(p, syn::GenericParam::Type(tp) if tp.ident == *t))
            .collect();
        if let Some(wc) = &mut wide.sig.generics.where_clause {
            wc.predicates = wc
                .predicates
                .clone()
                .into_iter()
                .filter(|p| {
                    !matches!(p, syn::WherePredicate::Type(pt)
                        if *t == pt.bounded_ty.to_token_stream().to_string())
                })
                .collect();
        }
        if wide.sig.generics.params.is_empty() {
            wide.sig.generics.lt_token = None;
            wide.sig.generics.gt_token = None;
        }
    }
    // Documentation stays on the user's function.
    wide.attrs.retain(|a| !a.path().is_ident("doc"));
    let mut rewrite = ToF64 {
        float: float.ident().to_string(),
    };
    rewrite.visit_signature_mut(&mut wide.sig);
    rewrite.visit_block_mut(&mut wide.block);
    wide
}

/// Rewrites code over the float type into code over `f64`.
struct ToF64 {
    /// `T` or `f32`.
    float: String,
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
                let segs: Vec<String> = p
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
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

fn is_f64(ty: &syn::Type) -> bool {
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

/// `{prefix}f` over the user's float type: converts its arguments to `f64`, calls
/// `{prefix}__wide_f`, and rounds what it returns to the float type.
fn wrapper(
    func: &syn::ItemFn,
    float: &FloatType,
    wide: &syn::ItemFn,
    prefix: &str,
    name: &str,
    refused: bool,
) -> TokenStream {
    let t = float.ident();
    let vis = &func.vis;
    let ident = format_ident!("{prefix}{name}", span = func.sig.ident.span());
    let wide_ident = &wide.sig.ident;
    let mut generics = wide.sig.generics.clone();
    if let FloatType::Param(tp) = float {
        // The user's float parameter, with its bounds (in the list and in `where`).
        for param in &func.sig.generics.params {
            if matches!(param, syn::GenericParam::Type(p) if p.ident == *tp) {
                generics.params.push(param.clone());
            }
        }
        if let Some(wc) = &func.sig.generics.where_clause {
            let bounds = wc.predicates.iter().filter(|p| {
                matches!(p, syn::WherePredicate::Type(pt)
                    if *tp == pt.bounded_ty.to_token_stream().to_string())
            });
            generics
                .make_where_clause()
                .predicates
                .extend(bounds.cloned());
        }
    }
    let (impl_generics, _, where_clause) = generics.split_for_impl();
    let mut params = Vec::new();
    let mut args = Vec::new();
    for (k, input) in wide.sig.inputs.iter().enumerate() {
        let syn::FnArg::Typed(pt) = input else {
            continue;
        };
        let arg = format_ident!("__arg{}", k);
        // The user's parameters keep their types; those the generated function adds (tangents,
        // output adjoints) are in the float type.
        let ty = match func.sig.inputs.iter().nth(k) {
            Some(syn::FnArg::Typed(user)) => user.ty.to_token_stream(),
            _ => retype(&pt.ty.to_token_stream(), &t),
        };
        params.push(quote!(#arg: #ty));
        args.push(widen_arg(&arg, &pt.ty));
    }
    let output = match &wide.sig.output {
        syn::ReturnType::Default => quote!(),
        syn::ReturnType::Type(arrow, ty) => {
            let ty = retype(&ty.to_token_stream(), &t);
            quote!(#arrow #ty)
        }
    };
    let doc = format!(
        "`{prefix}` of [`{name}`], computed in `f64` (by `{prefix}__wide_{name}`, the function written over `f64`) and rounded to `{t}` (generated by `#[differentiable]`)."
    );
    let call = quote!(#wide_ident(#(#args),*));
    // Keeps the user's function alive for the dead-code lint when only its derivatives are used.
    let user = &func.sig.ident;
    let keep_alive = if func.sig.inputs.iter().any(
        |i| matches!(i, syn::FnArg::Typed(pt) if *user == pt.pat.to_token_stream().to_string()),
    ) {
        quote!()
    } else {
        quote!(let _ = #user::<#t>;)
    };
    let keep_alive = match float {
        FloatType::F32 if !keep_alive.is_empty() => quote!(let _ = #user;),
        _ => keep_alive,
    };
    let body = if refused {
        quote!(::core::unreachable!())
    } else {
        quote! {
            #keep_alive
            ::autodiff_runtime::__rt::narrow::<#t, _>(#call)
        }
    };
    quote! {
        #[doc = #doc]
        #[inline]
        #[allow(dead_code, non_snake_case, unused_variables, clippy::all)]
        #vis fn #ident #impl_generics (#(#params),*) #output #where_clause {
            #body
        }
    }
}

/// The tokens of a type with `f64` written as the float type.
fn retype(ts: &TokenStream, t: &syn::Ident) -> TokenStream {
    ts.clone()
        .into_iter()
        .map(|tt| match tt {
            TokenTree::Ident(i) if i == "f64" => TokenTree::Ident(t.clone()),
            TokenTree::Group(g) => {
                let mut ng = proc_macro2::Group::new(g.delimiter(), retype(&g.stream(), t));
                ng.set_span(g.span());
                TokenTree::Group(ng)
            }
            other => other,
        })
        .collect()
}

/// The argument `arg` (of the copy's type `ty`, over `f64`) as the copy takes it, from the
/// wrapper's argument over the float type.
fn widen_arg(arg: &syn::Ident, ty: &syn::Type) -> TokenStream {
    let rt = quote!(::autodiff_runtime::__rt);
    if !mentions(&ty.to_token_stream(), "f64") {
        return quote!(#arg);
    }
    match ty {
        _ if is_f64(ty) => quote!(#rt::widen(#arg)),
        syn::Type::Reference(r) if is_f64(&r.elem) => quote!(&#rt::widen(*#arg)),
        syn::Type::Reference(r) if is_view(&r.elem) => {
            quote!(&#rt::WidenAll::widen_all(#arg).view())
        }
        syn::Type::Reference(_) => quote!(&#rt::WidenAll::widen_all(#arg)),
        syn::Type::Tuple(tuple) => {
            let parts = (0..tuple.elems.len()).map(|k| {
                let index = syn::Index::from(k);
                let part = format_ident!("__part");
                let inner = widen_arg(&part, &tuple.elems[k]);
                quote!({ let #part = #arg.#index; #inner })
            });
            quote!((#(#parts,)*))
        }
        _ if is_view(ty) => quote!(#rt::WidenAll::widen_all(&#arg).view()),
        _ => quote!(#rt::WidenAll::widen_all(&#arg)),
    }
}

/// `ArrayView1<'_, f64>` and the other ndarray views.
fn is_view(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(tp)
        if tp.path.segments.last().is_some_and(|s| s.ident.to_string().starts_with("ArrayView")))
}

/// Whether a parameter of the user's type can be converted to the copy's `f64` form: it holds no
/// value of the float type `t`, or holds them as one of the forms the copy takes.
fn widenable(ty: &syn::Type, t: &syn::Ident) -> bool {
    let is_t = |ty: &syn::Type| matches!(ty, syn::Type::Path(tp) if tp.qself.is_none() && tp.path.is_ident(t));
    if !mentions(&ty.to_token_stream(), &t.to_string()) {
        return true;
    }
    let owned = |ty: &syn::Type| match ty {
        syn::Type::Array(a) => is_t(&a.elem),
        syn::Type::Slice(sl) => is_t(&sl.elem),
        syn::Type::Path(tp) => tp.path.segments.last().is_some_and(|seg| {
            let name = seg.ident.to_string();
            let syn::PathArguments::AngleBracketed(args) = &seg.arguments else {
                return false;
            };
            let types: Vec<&syn::Type> = args
                .args
                .iter()
                .filter_map(|a| match a {
                    syn::GenericArgument::Type(ty) => Some(ty),
                    _ => None,
                })
                .collect();
            (name == "Vec" || name.starts_with("Array")) && types.len() == 1 && is_t(types[0])
        }),
        _ => false,
    };
    match ty {
        syn::Type::Reference(r) if r.mutability.is_none() => is_t(&r.elem) || owned(&r.elem),
        syn::Type::Paren(p) => widenable(&p.elem, t),
        _ => is_t(ty) || (owned(ty) && !matches!(ty, syn::Type::Slice(_))),
    }
}

/// In the `f64` copy, the calls that carry derivatives go to the callees' copies: `g(x)` is
/// `__wide_g(x)` (so `pullback___wide_g`, `jvp___wide_g`), `grad_g(x)` is `grad___wide_g(x)`.
/// Calls of constants only (`helper(n)`) stay, as do calls of the copies already.
pub fn redirect_active_calls(ir: &mut crate::ir::Func) {
    use crate::ir::{Block, Op, Stmt};
    let active_params: Vec<_> = ir
        .params
        .iter()
        .filter(|p| p.kind.is_float())
        .map(|p| p.val)
        .collect();
    let an = crate::analyse::analyse(ir, &active_params);
    fn walk(b: &mut Block, active: &[bool]) {
        for s in &mut b.stmts {
            match s {
                Stmt::Let(l) => {
                    if let Op::Call { path, args } = &mut l.op
                        && (active[l.dst]
                            || args.iter().any(|a| a.val().is_some_and(|v| active[v])))
                        && let Some(last) = path.segments.last_mut()
                    {
                        let name = last.ident.to_string();
                        if !name.contains("__wide_") {
                            let renamed = WRAPPED
                                .iter()
                                .find_map(|prefix| {
                                    name.strip_prefix(prefix)
                                        .map(|rest| format!("{prefix}{}", wide_name(rest)))
                                })
                                .unwrap_or_else(|| wide_name(&name));
                            last.ident = syn::Ident::new(&renamed, last.ident.span());
                        }
                    }
                }
                Stmt::If(i) => {
                    walk(&mut i.then_block, active);
                    walk(&mut i.else_block, active);
                }
                Stmt::Loop(l) => walk(&mut l.body, active),
                Stmt::Write(_) => {}
            }
        }
    }
    walk(&mut ir.body, &an.active);
}
