//! The checking code of each program (`mod.rs`) and the text of its other modules.

use super::forward_checks as fwd;
use super::{Case, Unit};
use crate::ast::*;
use std::fmt::Write as _;

pub(super) fn ad_file(c: &Case) -> String {
    match &c.unit {
        Unit::Gen(p) => pretty(&render_module(p, Mode::Plain, true)),
        Unit::Text(t) => t.ad.clone(),
    }
}
pub(super) fn plain_file(c: &Case) -> String {
    match &c.unit {
        Unit::Gen(p) => pretty(&render_module(p, Mode::Plain, false)),
        Unit::Text(t) => t.plain.clone(),
    }
}
pub(super) fn dual_file(c: &Case) -> String {
    match &c.unit {
        Unit::Gen(p) => pretty(&render_module(p, Mode::Dual, false)),
        Unit::Text(_) => "#![allow(warnings)]\n".to_string(),
    }
}

/// The checking code of one program (`mod.rs`).
pub(super) fn check_file(c: &Case, seed: u64) -> String {
    let mut s = String::new();
    s.push_str("#![allow(warnings, clippy::all)]\nuse crate::support::*;\nuse crate::support_fwd::*;\nuse autodiff_runtime::ndarray::{Array1, Array2, ArrayView1, ArrayView2};\npub mod ad;\npub mod plain;\npub mod dual;\n\n");
    match &c.unit {
        Unit::Gen(p) => {
            let _ = writeln!(s, "pub fn check(points: usize) {{");
            for f in &p.funcs {
                let _ = writeln!(s, "    check_{}(points);", f.name);
            }
            s.push_str("}\n");
            for (i, f) in p.funcs.iter().enumerate() {
                s.push_str(&check_fn(
                    &c.id,
                    p,
                    f,
                    seed.wrapping_mul(31).wrapping_add(i as u64),
                    false,
                    -1.5,
                    1.5,
                ));
            }
        }
        Unit::Text(t) => s.push_str(&t.check),
    }
    s
}

/// The checking code of one function: `fd` compares against central finite differences of the
/// attribute-free copy (mutation mode) instead of the dual reference; floats are drawn from
/// `lo..hi`.
pub fn check_fn(id: &str, p: &Program, f: &Func, seed: u64, fd: bool, lo: f64, hi: f64) -> String {
    let mut s = String::new();
    let (r, c, n1) = (p.rows, p.cols, p.len1);
    let _ = writeln!(s, "\nfn check_{}(points: usize) {{", f.name);
    let _ = writeln!(s, "    begin(\"{id}\", \"{}\");", f.name);
    let _ = writeln!(
        s,
        "    let mut out = Out::new();\n    let mut rng = Rng({seed}u64);\n{}    for _ in 0..points {{",
        fwd::tangent_rng(seed)
    );
    let mut args = vec![];
    let mut dargs = vec![];
    let mut off = 0usize;
    let mut comps: Vec<(usize, usize)> = vec![]; // (offset, size) per parameter
    for (i, prm) in f.params.iter().enumerate() {
        let a = format!("a{i}");
        let (decl, arg, darg, size) = match prm.ty {
            PTy::F64 => (
                format!("let {a}: f64 = rng.unif({lo:?}, {hi:?});"),
                a.clone(),
                format!("D::seed({a}, k == {off})"),
                1,
            ),
            PTy::RefF64 => (
                format!("let {a}: f64 = rng.unif({lo:?}, {hi:?});"),
                format!("&{a}"),
                format!("&D::c({a})"),
                0,
            ),
            PTy::Int(t) => (
                format!(
                    "let {a}: {} = rng.int({}, {}) as {};",
                    t.name(),
                    prm.int_range.0,
                    prm.int_range.1,
                    t.name()
                ),
                a.clone(),
                a.clone(),
                0,
            ),
            PTy::OptUsize => (
                format!(
                    "let {a}: Option<usize> = if rng.int(0, 2) == 0 {{ None }} else {{ Some(rng.int({}, {}) as usize) }};",
                    prm.int_range.0, prm.int_range.1
                ),
                a.clone(),
                a.clone(),
                0,
            ),
            PTy::Bool => (
                format!("let {a}: bool = rng.int(0, 1) == 1;"),
                a.clone(),
                a.clone(),
                0,
            ),
            PTy::Arr(t) => {
                let two = t.is2();
                let len = if two { r * c } else { n1 };
                let decl = format!("let {a}: Vec<f64> = rng.vec({len}, {lo:?}, {hi:?});");
                let arg = match t {
                    ArrTy::Slice => format!("&{a}[..]"),
                    ArrTy::Vec => format!("{a}.clone()"),
                    ArrTy::Fixed(n) => format!("fixed::<{n}>(&{a})"),
                    ArrTy::View1 => format!("arr1(&{a}).view()"),
                    ArrTy::Ref1 => format!("&arr1(&{a})"),
                    ArrTy::Own1 => format!("arr1(&{a})"),
                    ArrTy::View2 => format!("mat(&{a}, {r}, {c}).view()"),
                    ArrTy::Ref2 => format!("&mat(&{a}, {r}, {c})"),
                    _ => format!("mat(&{a}, {r}, {c})"),
                };
                let darg = if two {
                    format!("&A::mat(seedv(&{a}, k, {off}), {r}, {c})")
                } else {
                    format!("&seedv(&{a}, k, {off})[..]")
                };
                (decl, arg, darg, len)
            }
        };
        let _ = writeln!(s, "        {decl}");
        args.push(arg);
        dargs.push(darg);
        comps.push((off, size));
        off += size;
    }
    let names: Vec<String> = (0..f.params.len()).map(|i| format!("&a{i}")).collect();
    let _ = writeln!(
        s,
        "        let point = format!(\"{{:?}}\", ({},));",
        names.join(", ")
    );
    s.push_str(&fwd::tangent_decl(off));
    let targs = fwd::tangent_args(p, f, &comps);
    let args = args.join(", ");
    let dargs = dargs.join(", ");
    let active = f.active();
    let gtys: Vec<String> = active
        .iter()
        .map(|&i| match f.params[i].ty {
            PTy::Arr(t) => t.grad_ty(),
            _ => "f64".into(),
        })
        .collect();
    let gty = if gtys.len() == 1 {
        gtys[0].clone()
    } else {
        format!("({})", gtys.join(", "))
    };
    let wrt: Vec<String> = active
        .iter()
        .flat_map(|&i| (comps[i].0..comps[i].0 + comps[i].1).map(|k| k.to_string()))
        .collect();
    let name = &f.name;
    if f.pair && !fd {
        // two outputs: only a pullback, checked per output with a unit adjoint; every float
        // parameter is active
        let all: Vec<String> = (0..off).map(|k| k.to_string()).collect();
        for (c, seed) in [(0, "(1.0, 0.0)"), (1, "(0.0, 1.0)")] {
            // a point where either output is not finite is skipped (as for one output: the
            // other output's NaN partials times a zero adjoint are NaN, the IEEE corner)
            let _ = writeln!(s, "{}", phase(id, name, "user"));
            let _ = writeln!(
                s,
                "        let plain = guard(|| {{ let r = plain::{name}({args}); if r.0.is_finite() && r.1.is_finite() {{ r.{c} }} else {{ f64::NAN }} }});"
            );
            let _ = writeln!(s, "{}", phase(id, name, "reference"));
            s.push_str(&dual_reference(name, &dargs, off, &format!(".{c}")));
            let _ = writeln!(s, "{}", phase(id, name, "ad"));
            let _ = writeln!(s, "        let attr = guard(|| ad::{name}({args}).{c});");
            let _ = writeln!(
                s,
                "        let grad = guard(|| flat(&ad::pullback_{name}({args}, {seed})));"
            );
            let _ = writeln!(
                s,
                "        let vg = guard(|| (ad::{name}({args}).{c}, flat(&ad::pullback_{name}({args}, {seed}))));"
            );
            s.push_str(&fwd::jvp_check_pair(name, &args, &targs, c));
            let _ = writeln!(
                s,
                "        compare(&mut out, &format!(\"{{point}} output {c}\"), plain, attr, grad, vg, reference, &[{}]);",
                all.join(", ")
            );
        }
        let _ = writeln!(s, "    }}\n    finish(\"{id}\", \"{name}\", &out);\n}}");
        return s;
    }
    // the user's function first (the attribute-free copy, and its finite differences or the dual
    // copy): a point where it is not finite is skipped before the generated code runs, and a hang
    // or crash is attributed to the phase it happens in (`user`/`reference`: not the macro's)
    let _ = writeln!(s, "{}", phase(id, name, "user"));
    let _ = writeln!(s, "        let t_user = std::time::Instant::now();");
    let _ = writeln!(s, "        let plain = guard(|| plain::{name}({args}));");
    let _ = writeln!(
        s,
        "        if !matches!(plain, Ok(v) if v.is_finite()) {{ out.skipped += 1; continue; }}"
    );
    if fd {
        // the flat vector of every float component, and the function of it
        let mut unpack = String::new();
        let mut pack = String::new();
        for (i, prm) in f.params.iter().enumerate() {
            let (o, n) = comps[i];
            match prm.ty {
                PTy::F64 => {
                    let _ = write!(unpack, "let a{i}: f64 = v[{o}]; ");
                    let _ = write!(pack, "x.push(a{i}); ");
                }
                PTy::Arr(_) => {
                    let _ = write!(unpack, "let a{i}: Vec<f64> = v[{o}..{}].to_vec(); ", o + n);
                    let _ = write!(pack, "x.extend(a{i}.iter()); ");
                }
                _ => {}
            }
        }
        let _ = writeln!(
            s,
            "        let eval = |v: &[f64]| -> f64 {{ {unpack}plain::{name}({args}) }};"
        );
        let _ = writeln!(
            s,
            "        let x0: Vec<f64> = {{ let mut x: Vec<f64> = vec![]; {pack}x }};"
        );
        let _ = writeln!(
            s,
            "        let reference = guard(|| fd_reference(&eval, &x0));"
        );
    } else {
        let _ = writeln!(s, "{}", phase(id, name, "reference"));
        s.push_str(&dual_reference(name, &dargs, off, ""));
    }
    let _ = writeln!(
        s,
        "        phase(\"{id}\", \"{name}\", &format!(\"ad user_us={{}}\", t_user.elapsed().as_micros()));"
    );
    let _ = writeln!(s, "        let attr = guard(|| ad::{name}({args}));");
    let _ = writeln!(
        s,
        "        let grad = guard(|| {{ let g: {gty} = ad::grad_{name}({args}); flat(&g) }});"
    );
    let _ = writeln!(
        s,
        "        let vg = guard(|| {{ let (v, g): (f64, {gty}) = ad::value_and_grad_{name}({args}); (v, flat(&g)) }});"
    );
    s.push_str(&fwd::jvp_check(name, &args, &targs, fd));
    if f.hessian && !fd {
        s.push_str(&fwd::hvp_check(f, &comps, &args, &targs, &gty));
    }
    let _ = writeln!(
        s,
        "        compare(&mut out, &point, plain, attr, grad, vg, reference, &[{}]);",
        wrt.join(", ")
    );
    let _ = writeln!(s, "    }}\n    finish(\"{id}\", \"{name}\", &out);\n}}");
    s
}

/// `phase(..)`: a flushed `PHASE` line naming what the check runs next (see `run`).
fn phase(id: &str, name: &str, what: &str) -> String {
    format!("        phase(\"{id}\", \"{name}\", \"{what}\");")
}

/// `let reference = ..`: the dual copy run once per float component (`off` of them) seeded in
/// turn; `part` picks the output (`.0`, `.1` of a helper with two).
fn dual_reference(name: &str, dargs: &str, off: usize, part: &str) -> String {
    format!(
        "        let reference = guard(|| {{\n            let mut grad = vec![];\n            let mut mag = vec![];\n            let mut value = f64::NAN;\n            for k in 0..{off}usize {{\n                let r = dual::{name}({dargs}){part};\n                value = r.v;\n                grad.push(r.d);\n                mag.push(r.m);\n            }}\n            if {off} == 0 {{ let k = usize::MAX; value = dual::{name}({dargs}){part}.v; }}\n            Reference {{ value, grad, mag }}\n        }});\n"
    )
}
