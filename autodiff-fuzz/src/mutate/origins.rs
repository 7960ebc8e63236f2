//! The project's own `#[differentiable]` functions that mutation mode starts from, each with the
//! items of its file it needs.

use crate::ast::{ArrTy, IntTy, PTy};
use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use std::collections::BTreeSet;
use std::path::Path;

/// A `#[differentiable]` function of the project, with what it needs from its file.
#[derive(Clone)]
pub struct Origin {
    pub file: String,
    pub func: syn::ItemFn,
    /// consts, statics, `use` of std/autodiff_runtime, and other fns of the file it calls
    pub context: Vec<syn::Item>,
}

fn is_diff(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path()
            .segments
            .last()
            .is_some_and(|s| s.ident == "differentiable")
    })
}

pub(super) fn param_ty(t: &syn::Type) -> Option<PTy> {
    let s = t.to_token_stream().to_string().replace(' ', "");
    Some(match s.as_str() {
        "f64" => PTy::F64,
        "&f64" => PTy::RefF64,
        "usize" => PTy::Int(IntTy::Usize),
        "i32" => PTy::Int(IntTy::I32),
        "bool" => PTy::Bool,
        "&[f64]" => PTy::Arr(ArrTy::Slice),
        "Vec<f64>" => PTy::Arr(ArrTy::Vec),
        "ArrayView1<f64>" => PTy::Arr(ArrTy::View1),
        "&Array1<f64>" => PTy::Arr(ArrTy::Ref1),
        "Array1<f64>" => PTy::Arr(ArrTy::Own1),
        "ArrayView2<f64>" => PTy::Arr(ArrTy::View2),
        "&Array2<f64>" => PTy::Arr(ArrTy::Ref2),
        "Array2<f64>" => PTy::Arr(ArrTy::Own2),
        _ => {
            let n = s.strip_prefix("[f64;")?.strip_suffix(']')?.parse().ok()?;
            PTy::Arr(ArrTy::Fixed(n))
        }
    })
}

/// Every usable `#[differentiable]` fn of the given files (relative to the workspace).
pub fn origins(workspace: &Path, files: &[&str]) -> Vec<Origin> {
    let mut out = vec![];
    for file in files {
        let Ok(src) = std::fs::read_to_string(workspace.join(file)) else {
            continue;
        };
        let Ok(ast) = syn::parse_file(&src) else {
            continue;
        };
        let mut items: Vec<syn::Item> = vec![];
        collect_items(&ast.items, &mut items);
        // paths into the file's modules or other crates do not resolve in the generated crate
        let mut foreign: BTreeSet<String> = ["crate", "super", "autodiff_examples"]
            .map(String::from)
            .into();
        foreign.extend(mod_names(&ast.items));
        let fns: Vec<syn::ItemFn> = items
            .iter()
            .filter_map(|i| {
                if let syn::Item::Fn(f) = i {
                    Some(f.clone())
                } else {
                    None
                }
            })
            .collect();
        for f in fns.iter().filter(|f| is_diff(&f.attrs)) {
            let ok = f.sig.inputs.iter().all(|a| match a {
                syn::FnArg::Typed(t) => {
                    param_ty(&t.ty).is_some() && matches!(*t.pat, syn::Pat::Ident(_))
                }
                _ => false,
            });
            let ret = f.sig.output.to_token_stream().to_string().replace(' ', "");
            if !ok || ret != "->f64" || !f.sig.generics.params.is_empty() {
                continue;
            }
            if !idents(&f.block.to_token_stream()).is_disjoint(&foreign) {
                continue;
            }
            // the fns it calls (transitively), the consts and the imports of the file
            let mut need: BTreeSet<String> = idents(&f.block.to_token_stream());
            let mut ctx: Vec<syn::Item> = vec![];
            let mut added: BTreeSet<String> = BTreeSet::new();
            loop {
                let mut grew = false;
                for g in &fns {
                    let n = g.sig.ident.to_string();
                    if n != f.sig.ident.to_string() && need.contains(&n) && added.insert(n) {
                        need.extend(idents(&g.block.to_token_stream()));
                        ctx.push(syn::Item::Fn(g.clone()));
                        grew = true;
                    }
                }
                if !grew {
                    break;
                }
            }
            for it in &items {
                match it {
                    syn::Item::Const(_) | syn::Item::Static(_) | syn::Item::Type(_) => {
                        ctx.push(it.clone())
                    }
                    syn::Item::Use(u) => {
                        let s = u.to_token_stream().to_string();
                        if s.contains("std ::")
                            || s.contains("autodiff_runtime ::")
                            || s.contains("core ::")
                        {
                            ctx.push(it.clone());
                        }
                    }
                    _ => {}
                }
            }
            // the same `use` or const may come from several inline modules of the file
            let mut seen = BTreeSet::new();
            ctx.retain(|i| seen.insert(i.to_token_stream().to_string()));
            out.push(Origin {
                file: file.to_string(),
                func: f.clone(),
                context: ctx,
            });
        }
    }
    out
}

fn mod_names(items: &[syn::Item]) -> Vec<String> {
    let mut out = vec![];
    for it in items {
        if let syn::Item::Mod(m) = it {
            out.push(m.ident.to_string());
            if let Some((_, inner)) = &m.content {
                out.extend(mod_names(inner));
            }
        }
    }
    out
}

fn collect_items(items: &[syn::Item], out: &mut Vec<syn::Item>) {
    for it in items {
        match it {
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    collect_items(inner, out);
                }
            }
            _ => out.push(it.clone()),
        }
    }
}

pub(super) fn idents(ts: &TokenStream) -> BTreeSet<String> {
    let mut s = BTreeSet::new();
    for t in ts.clone() {
        match t {
            TokenTree::Ident(i) => {
                s.insert(i.to_string());
            }
            TokenTree::Group(g) => s.extend(idents(&g.stream())),
            _ => {}
        }
    }
    s
}
