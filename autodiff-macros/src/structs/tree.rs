//! A struct parameter's fields as a tree (a nested parameter struct is a branch), and its
//! leaves: the differentiated fields of an `f64` or array type at any depth, each of which
//! becomes a parameter of the flat function.

use super::Known;
use crate::derive::FieldKind;
use proc_macro2::Ident;
use quote::format_ident;

pub(crate) struct Tree {
    /// The struct's type, as the path by which it was asked for.
    pub path: syn::Path,
    pub fields: Vec<Node>,
}

pub(crate) struct Node {
    pub ident: Ident,
    pub kind: FieldKind,
    /// For a nested struct, its own fields.
    pub sub: Option<Tree>,
}

pub(crate) struct Leaf {
    /// The field names from the parameter (`[layer, w]` for `m.layer.w`).
    pub chain: Vec<Ident>,
    pub kind: FieldKind,
    /// The struct that declares the field (whose `FixedLen` names an array's length).
    pub owner: syn::Path,
    /// Its parameter in the flat function (`_m__layer__w`).
    pub pseudo: Ident,
    /// Its position among the differentiated fields of each struct on the way (what
    /// `Fields::refs` gives), for the wrappers' names.
    pub index: Vec<usize>,
}

impl Tree {
    /// The tree of the struct reached by `chain` (`None` when a field list is missing).
    pub fn build(path: &syn::Path, chain: &[Ident], known: &Known) -> Option<Tree> {
        let (_, fields) = known.iter().find(|(c, _)| c.as_slice() == chain)?;
        let mut nodes = vec![];
        for f in fields {
            let sub = match &f.kind {
                FieldKind::Nested(p) => {
                    let mut c = chain.to_vec();
                    c.push(f.ident.clone());
                    Some(Tree::build(p, &c, known)?)
                }
                _ => None,
            };
            nodes.push(Node {
                ident: f.ident.clone(),
                kind: f.kind.clone(),
                sub,
            });
        }
        Some(Tree {
            path: path.clone(),
            fields: nodes,
        })
    }

    pub fn field(&self, name: &Ident) -> Option<&Node> {
        self.fields.iter().find(|n| n.ident == *name)
    }

    /// The differentiated fields (leaves and nested structs), in order.
    pub fn diff(&self) -> impl Iterator<Item = &Node> {
        self.fields.iter().filter(|n| n.kind != FieldKind::Constant)
    }

    /// The leaves under this struct, depth first in declaration order; `m` names the
    /// parameter, `chain` and `index` the way here from it.
    pub fn leaves(&self, m: &Ident, chain: &[Ident], index: &[usize], out: &mut Vec<Leaf>) {
        for (k, n) in self.diff().enumerate() {
            let mut c = chain.to_vec();
            c.push(n.ident.clone());
            let mut i = index.to_vec();
            i.push(k);
            match &n.sub {
                Some(sub) => sub.leaves(m, &c, &i, out),
                None => {
                    let names: Vec<String> = c.iter().map(ToString::to_string).collect();
                    out.push(Leaf {
                        pseudo: format_ident!("_{}__{}", m, names.join("__"), span = m.span()),
                        chain: c,
                        kind: n.kind.clone(),
                        owner: self.path.clone(),
                        index: i,
                    });
                }
            }
        }
    }
}
