//! Debugging macros in a body: `println!`, `print!`, `eprintln!`, `eprint!`, `assert!`,
//! `assert_eq!`, `assert_ne!`, `debug_assert!` (`_eq`, `_ne`) and `dbg!`.
//!
//! They do not change the value, so they are kept as written, as one statement of the IR
//! ([`InactiveOp::Debug`]) that the forward sweep of `value_and_grad_*` (and so `grad_*`) emits
//! where the user wrote it, and that nothing recomputes: they run as often, and in the same order,
//! as in the function itself. Their arguments stay inside the macro (an `assert!` message is
//! still evaluated only when the assertion fails, a `debug_assert!` not at all in release); only
//! the variables they mention are renamed to their current versions, and the variables a format
//! string captures (`"{x}"`, `"{v:w$}"`) are passed as named arguments (`x = x__5`), since the
//! generated code names them differently. Arguments may read any value, active or not; they may
//! not assign, take `&mut` or jump (`return`, `break`, `?`). `dbg!(e)` is the identity on `e`
//! (the derivative flows through it) and prints like `dbg!`.

use super::*;
use proc_macro2::{Delimiter, Group, Spacing, TokenStream, TokenTree};
use quote::quote_spanned;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    /// The format string comes first: `println!`, `print!`, `eprintln!`, `eprint!` (and, inside
    /// an argument, `format!`, `format_args!`, `panic!`).
    Print,
    /// A condition, then a message: `assert!`, `debug_assert!`.
    Assert,
    /// Two values, then a message: `assert_eq!`, `assert_ne!`, `debug_assert_eq!`, ...
    Compare,
    Dbg,
}

impl Family {
    /// Where the format string is, if the macro is given one.
    fn format_position(self) -> usize {
        match self {
            Family::Print => 0,
            Family::Assert => 1,
            Family::Compare => 2,
            // Never a format string.
            Family::Dbg => usize::MAX,
        }
    }
}

/// The family of a macro written `name!`, `std::name!` or `::core::name!`.
fn family(path: &syn::Path, nested: bool) -> Option<Family> {
    let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    let name = match segs.as_slice() {
        [n] => n,
        [root, n] if root == "std" || root == "core" => n,
        _ => return None,
    };
    match name.as_str() {
        "println" | "print" | "eprintln" | "eprint" => Some(Family::Print),
        "format" | "format_args" | "panic" if nested => Some(Family::Print),
        "assert" | "debug_assert" => Some(Family::Assert),
        "assert_eq" | "assert_ne" | "debug_assert_eq" | "debug_assert_ne" => Some(Family::Compare),
        "dbg" if !nested => Some(Family::Dbg),
        _ => None,
    }
}

type Args = syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>;

impl Lowerer<'_> {
    /// A macro call in statement or expression position. Its value: `dbg!(e)`'s `e`; nothing
    /// for the others (they are `()`).
    pub(super) fn macro_call(&mut self, mac: &syn::Macro, out: &mut Vec<Stmt>) -> Option<Operand> {
        let Some(fam) = family(&mac.path, false) else {
            self.macro_refused(mac);
            return None;
        };
        let name = mac.path.to_token_stream().to_string().replace(' ', "");
        let args = match mac.parse_body_with(Args::parse_terminated) {
            Ok(a) => a,
            Err(e) => {
                self.errors.push(syn::Error::new(
                    e.span(),
                    format!("{e}: the arguments of `{name}!` must be Rust expressions"),
                ));
                return None;
            }
        };
        if fam == Family::Dbg {
            return self.dbg(mac, &args, out);
        }
        // A format string that is not a literal is rustc's error, on the function itself.
        let pos = fam.format_position();
        let before = self.errors.is_empty();
        for (i, a) in args.iter().enumerate() {
            // `name = value`, a named argument of the format string.
            let a = match a {
                syn::Expr::Assign(na) if i > pos && assign_target_name(&na.left).is_some() => {
                    &*na.right
                }
                a => a,
            };
            let mut check = Effects {
                errors: &mut *self.errors,
                name: &name,
                loops: 0,
                closures: 0,
            };
            check.visit_expr(a);
        }
        if before && !self.errors.is_empty() {
            return None;
        }
        let body = self.format_args(&args, pos);
        let path = &mac.path;
        let bang = &mac.bang_token;
        let tokens = quote!(#path #bang (#body));
        self.emit(
            out,
            Op::Inactive(InactiveOp::Debug(tokens)),
            mac.span(),
            None,
        );
        None
    }

    /// `dbg!()`, `dbg!(e)` (the value `e`) and `dbg!(a, b, ...)` (in statement position): each
    /// value is lowered as usual and printed as `dbg!` prints it, with its expression as written.
    fn dbg(&mut self, mac: &syn::Macro, args: &Args, out: &mut Vec<Stmt>) -> Option<Operand> {
        let sp = mac.span();
        let rt = quote_spanned!(sp=> ::std);
        if args.is_empty() {
            let tokens = quote_spanned!(sp=> #rt::eprintln!("[{}:{}:{}]", #rt::file!(), #rt::line!(), #rt::column!()));
            self.emit(out, Op::Inactive(InactiveOp::Debug(tokens)), sp, None);
            return None;
        }
        let mut last = None;
        for a in args {
            // Each value is lowered, also after one was refused.
            last = self.operand(a, out);
            let Some(v) = &last else { continue };
            let val = self.operand_tokens(v);
            let tokens = quote_spanned!(sp=> #rt::eprintln!("[{}:{}:{}] {} = {:#?}", #rt::file!(), #rt::line!(), #rt::column!(), #rt::stringify!(#a), &#val));
            self.emit(out, Op::Inactive(InactiveOp::Debug(tokens)), sp, None);
        }
        // Several values make a tuple, which a body cannot use.
        if args.len() == 1 { last } else { None }
    }

    /// The current version of a variable, as generated code names it.
    fn operand_tokens(&self, o: &Operand) -> TokenStream {
        match o {
            Operand::Val(v) => self.values[*v].ident.to_token_stream(),
            Operand::Const(t) => {
                TokenTree::Group(Group::new(Delimiter::Parenthesis, t.clone())).into()
            }
        }
    }

    /// The arguments of a format-like macro with their variables renamed, followed by a named
    /// argument for every variable of the body that its format string (at `pos`) captures.
    fn format_args(&self, args: &Args, pos: usize) -> TokenStream {
        let mut parts: Vec<TokenStream> = args
            .iter()
            .map(|a| self.rename(a.to_token_stream(), true))
            .collect();
        if let Some(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(fmt),
            ..
        })) = args.iter().nth(pos).map(strip_parens)
        {
            let named: Vec<String> = args
                .iter()
                .skip(pos + 1)
                .filter_map(|a| match a {
                    syn::Expr::Assign(na) => assign_target_name(&na.left),
                    _ => None,
                })
                .collect();
            let mut added: Vec<String> = vec![];
            for c in captures(&fmt.value()) {
                if named.contains(&c) || added.contains(&c) {
                    continue;
                }
                // Not a variable of the body: a constant, captured where the function is.
                let Some(b) = self.lookup(&c) else { continue };
                let id = proc_macro2::Ident::new(&c, fmt.span());
                let v = self.operand_tokens(&b.op);
                parts.push(quote!(#id = #v));
                added.push(c);
            }
        }
        quote!(#(#parts),*)
    }

    /// `tokens` (one argument when `top`) with every variable of the body renamed to its current
    /// version. An identifier is a variable unless it is a field or method (`.x`), part of a path
    /// (`x::`, `::x`), a label, a macro name (`x!`) or, at the top of an argument, the name of a
    /// named argument (`x = ...`); a name bound inside the tokens (a closure's parameter, a `let`
    /// in a block) is renamed with all its uses, so it still shadows. Format strings of nested
    /// macros get their captures passed as named arguments.
    fn rename(&self, tokens: TokenStream, top: bool) -> TokenStream {
        let tts: Vec<TokenTree> = tokens.into_iter().collect();
        let punct = |i: usize, c: char| -> Option<Spacing> {
            match tts.get(i) {
                Some(TokenTree::Punct(p)) if p.as_char() == c => Some(p.spacing()),
                _ => None,
            }
        };
        let mut out = TokenStream::new();
        for (i, tt) in tts.iter().enumerate() {
            match tt {
                TokenTree::Group(g) => {
                    // `name!(...)`: a nested format macro passes its captures explicitly.
                    let nested = match (i.checked_sub(2).map(|k| &tts[k]), i.checked_sub(1)) {
                        (Some(TokenTree::Ident(m)), Some(k))
                            if punct(k, '!') == Some(Spacing::Alone) =>
                        {
                            family(&syn::Path::from(m.clone()), true)
                        }
                        _ => None,
                    };
                    let inner = match nested.map(|f| {
                        syn::parse::Parser::parse2(Args::parse_terminated, g.stream())
                            .map(|a| (f, a))
                    }) {
                        Some(Ok((f, a))) => self.format_args(&a, f.format_position()),
                        _ => self.rename(g.stream(), false),
                    };
                    let mut ng = Group::new(g.delimiter(), inner);
                    ng.set_span(g.span());
                    out.extend([TokenTree::Group(ng)]);
                }
                TokenTree::Ident(id) => {
                    let prev = i.checked_sub(1);
                    let member = prev.is_some_and(|k| {
                        punct(k, '.').is_some()
                            || punct(k, '\'').is_some()
                            || (punct(k, ':').is_some()
                                && k > 0
                                && punct(k - 1, ':') == Some(Spacing::Joint))
                    }) || punct(i + 1, '!') == Some(Spacing::Alone)
                        || (top && punct(i + 1, '=') == Some(Spacing::Alone))
                        || (punct(i + 1, ':') == Some(Spacing::Joint)
                            && punct(i + 2, ':').is_some());
                    match self.lookup(&name_of(id)).filter(|_| !member) {
                        Some(b) => out.extend(self.operand_tokens(&b.op)),
                        None => out.extend([tt.clone()]),
                    }
                }
                other => out.extend([other.clone()]),
            }
        }
        out
    }
}

/// The names a format string captures: `{x}`, `{x:?}`, and `w`, `p` in `{:w$.p$}`.
fn captures(fmt: &str) -> Vec<String> {
    let is_ident = |s: &str| {
        s.chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_alphanumeric() || c == '_')
            && s != "_"
    };
    let mut out = vec![];
    let mut rest = fmt;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        if let Some(r) = rest.strip_prefix('{') {
            rest = r;
            continue;
        }
        let Some(close) = rest.find('}') else { break };
        let spec = &rest[..close];
        rest = &rest[close + 1..];
        let (arg, format) = spec.split_once(':').unwrap_or((spec, ""));
        let arg = arg.trim();
        if is_ident(arg) {
            out.push(arg.to_owned());
        }
        // `name$` in the width or precision.
        let mut word = String::new();
        for c in format.chars() {
            if c == '$' && is_ident(&word) {
                out.push(word.clone());
            }
            if c.is_alphanumeric() || c == '_' {
                word.push(c);
            } else {
                word.clear();
            }
        }
    }
    out
}

/// Refuses what would change the function's state from a debugging macro's arguments:
/// assignments, `&mut`, and jumps out of them.
struct Effects<'a> {
    errors: &'a mut Errors,
    name: &'a str,
    loops: usize,
    closures: usize,
}

impl Effects<'_> {
    fn refuse(&mut self, tokens: &dyn ToTokens, what: &str) {
        self.errors.at(
            tokens,
            format!(
                "{what} in the arguments of `{}!` is not supported in a #[differentiable] function: a debugging macro only reads values (compute the value with `let` before the macro)",
                self.name
            ),
        );
    }
}

impl<'ast> Visit<'ast> for Effects<'_> {
    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        self.refuse(a, "assignment");
    }
    fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
        if is_compound_assign(&b.op) {
            self.refuse(b, "assignment");
        } else {
            syn::visit::visit_expr_binary(self, b);
        }
    }
    fn visit_expr_reference(&mut self, r: &'ast syn::ExprReference) {
        if r.mutability.is_some() {
            self.refuse(r, "`&mut`");
        } else {
            syn::visit::visit_expr_reference(self, r);
        }
    }
    fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
        if self.closures == 0 {
            self.refuse(r, "`return`");
        }
    }
    fn visit_expr_try(&mut self, t: &'ast syn::ExprTry) {
        if self.closures == 0 {
            self.refuse(t, "`?`");
        } else {
            syn::visit::visit_expr_try(self, t);
        }
    }
    fn visit_expr_break(&mut self, b: &'ast syn::ExprBreak) {
        if self.loops == 0 {
            self.refuse(b, "`break`");
        }
    }
    fn visit_expr_continue(&mut self, c: &'ast syn::ExprContinue) {
        if self.loops == 0 {
            self.refuse(c, "`continue`");
        }
    }
    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        self.closures += 1;
        syn::visit::visit_expr_closure(self, c);
        self.closures -= 1;
    }
    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        self.loops += 1;
        syn::visit::visit_expr_for_loop(self, f);
        self.loops -= 1;
    }
    fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
        self.loops += 1;
        syn::visit::visit_expr_while(self, w);
        self.loops -= 1;
    }
    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        self.loops += 1;
        syn::visit::visit_expr_loop(self, l);
        self.loops -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::captures;

    #[test]
    fn format_string_captures() {
        assert_eq!(
            captures("x = {x}, {y:.3} {{z}} {0} {} {w:>width$.prec$}"),
            ["x", "y", "w", "width", "prec"]
        );
        assert_eq!(captures("{:1$} {:.*} {_x:?}"), ["_x"]);
        assert!(captures("{{}} }} {:x} {:e}").is_empty());
    }
}
