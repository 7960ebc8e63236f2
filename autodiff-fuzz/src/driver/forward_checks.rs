//! The forward-mode and second-order parts of a function's check (see `check::check_fn`):
//! `jvp_*` at every point along a pseudo-random tangent, compared with the reference gradient
//! dotted with it (`support/forward.rs`), and for `#[differentiable(hessian)]` functions
//! `hvp_*` along the same tangent, compared with central differences of `grad_*`.
//!
//! The tangent has one component per float component of the parameters (the reference's
//! order), drawn from its own generator so that the points themselves are those the gradient
//! check always used; `&f64` parameters (constants for the reference) get a zero tangent and
//! non-float parameters `()`.

use crate::ast::*;

/// The declaration of the tangent's generator (before the loop over points).
pub(super) fn tangent_rng(seed: u64) -> String {
    format!(
        "    let mut trng = Rng({}u64);\n",
        seed ^ 0x6a09_e667_f3bc_c908
    )
}

/// `let tv = ..;`: the point's tangent, `n` float components in (-1, 1).
pub(super) fn tangent_decl(n: usize) -> String {
    format!("        let tv: Vec<f64> = trng.vec({n}, -1.0, 1.0);\n")
}

/// The tangent arguments of `jvp_*`/`hvp_*` (one per parameter, as the signature needs them),
/// read from `tv`; `comps` holds each parameter's (offset, size) in it.
pub(super) fn tangent_args(p: &Program, f: &Func, comps: &[(usize, usize)]) -> String {
    let (r, c) = (p.rows, p.cols);
    let mut out = vec![];
    for (i, prm) in f.params.iter().enumerate() {
        let (o, n) = comps[i];
        let part = format!("&tv[{o}..{}]", o + n);
        out.push(match prm.ty {
            PTy::F64 => format!("tv[{o}]"),
            PTy::RefF64 => "0.0".into(),
            PTy::Int(_) | PTy::Bool | PTy::OptUsize => "()".into(),
            PTy::Arr(t) => match t {
                ArrTy::Slice | ArrTy::Vec | ArrTy::LocalVec => part,
                ArrTy::Fixed(k) => format!("&fixed::<{k}>({part})"),
                t if t.is2() => format!("&mat({part}, {r}, {c})"),
                _ => format!("&arr1({part})"),
            },
        });
    }
    out.join(", ")
}

/// The jvp check of a function with one output, after the reference (`fd`: finite differences,
/// whose badly conditioned components get a zero tangent).
pub(super) fn jvp_check(name: &str, args: &str, targs: &str, fd: bool) -> String {
    let mut s = String::new();
    if fd {
        s.push_str("        let tv = mask(&tv, &reference);\n");
    }
    s.push_str(&format!(
        "        let jvp = guard(|| ad::jvp_{name}({args}, {targs}));\n        compare_jvp(&mut out, &point, &plain, &reference, &tv, jvp);\n"
    ));
    s
}

/// The jvp check of output `c` of a helper with two outputs (`jvp_*` gives
/// `((v0, v1), (d0, d1))`), against that output's reference.
pub(super) fn jvp_check_pair(name: &str, args: &str, targs: &str, c: usize) -> String {
    format!(
        "        let jvp = guard(|| {{ let (v, d) = ad::jvp_{name}({args}, {targs}); (v.{c}, d.{c}) }});\n        compare_jvp(&mut out, &format!(\"{{point}} output {c}\"), &plain, &reference, &tv, jvp);\n"
    )
}

/// The hvp check of a `#[differentiable(hessian)]` function: `hvp_*` along `tv` against central
/// differences of `grad_*` (of type `gty`) along it, the float components moved together.
pub(super) fn hvp_check(
    f: &Func,
    comps: &[(usize, usize)],
    args: &str,
    targs: &str,
    gty: &str,
) -> String {
    let name = &f.name;
    let mut unpack = String::new();
    let mut pack = String::new();
    for (i, prm) in f.params.iter().enumerate() {
        let (o, n) = comps[i];
        match prm.ty {
            PTy::F64 => {
                unpack.push_str(&format!("let a{i}: f64 = xv[{o}]; "));
                pack.push_str(&format!("x.push(a{i}); "));
            }
            PTy::Arr(_) => {
                unpack.push_str(&format!(
                    "let a{i}: Vec<f64> = xv[{o}..{}].to_vec(); ",
                    o + n
                ));
                pack.push_str(&format!("x.extend(a{i}.iter()); "));
            }
            _ => {}
        }
    }
    format!(
        "        let gradat = |xv: &[f64]| -> Vec<f64> {{ {unpack}let g: {gty} = ad::grad_{name}({args}); flat(&g) }};\n        \
         let x0: Vec<f64> = {{ let mut x: Vec<f64> = vec![]; {pack}x }};\n        \
         let hvp = guard(|| {{ let h: {gty} = ad::hvp_{name}({args}, {targs}); flat(&h) }});\n        \
         let hfd = guard(|| hvp_reference(&gradat, &x0, &tv));\n        \
         compare_hvp(&mut out, &point, &plain, hvp, hfd, &tv);\n"
    )
}
