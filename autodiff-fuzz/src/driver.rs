//! Writes a batch of programs into a generated crate, builds it with cargo (attributing compile
//! errors to programs through cargo's JSON diagnostics, dropping those and rebuilding), runs it
//! and collects one verdict per program.

use crate::ast::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SUPPORT: &str = include_str!("../support/support.rs");

/// Failure classes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Hash)]
pub enum Kind {
    /// (a) a type or resolution error in the code the macro generated
    GenCode,
    /// (b) the macro refused valid input with a `compile_error!`
    Refusal,
    /// (c) a gradient differs from the dual-number reference
    WrongGrad,
    /// (d) the attribute changed the function's value
    ValueChanged,
    /// (d') value_and_grad's value differs from the function's
    VgValue,
    /// (e) the macro panicked, or rustc crashed
    MacroPanic,
    /// (f) grad_*/value_and_grad_* have the wrong signature (error in the checking code only)
    Signature,
    /// generated code panicked at run time where the user's code did not
    RuntimePanic,
    /// the run did not finish in time inside this program
    Hang,
    /// the process died (abort, stack overflow, signal) inside this program
    Crash,
    /// not a macro failure: the generator produced invalid or unusable code
    GeneratorBug,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::GenCode => "(a) compile error in generated code",
            Kind::Refusal => "(b) refusal of valid input",
            Kind::WrongGrad => "(c) wrong gradient",
            Kind::ValueChanged => "(d) value changed by the attribute",
            Kind::VgValue => "(d) value_and_grad value differs from f",
            Kind::MacroPanic => "(e) macro panic / rustc crash",
            Kind::Signature => "(f) wrong grad/value_and_grad signature",
            Kind::RuntimePanic => "(g) panic in generated code",
            Kind::Hang => "(h) hang",
            Kind::Crash => "(i) crash",
            Kind::GeneratorBug => "(x) generator bug (not the macro)",
        }
    }
    pub fn short(self) -> &'static str {
        match self {
            Kind::GenCode => "gencode",
            Kind::Refusal => "refusal",
            Kind::WrongGrad => "grad",
            Kind::ValueChanged => "value",
            Kind::VgValue => "vg-value",
            Kind::MacroPanic => "macro-panic",
            Kind::Signature => "signature",
            Kind::RuntimePanic => "panic",
            Kind::Hang => "hang",
            Kind::Crash => "crash",
            Kind::GeneratorBug => "generator",
        }
    }
    pub fn from_short(s: &str) -> Option<Kind> {
        ALL_KINDS.iter().cloned().find(|k| k.short() == s)
    }
}

pub const ALL_KINDS: &[Kind] = &[
    Kind::GenCode,
    Kind::Refusal,
    Kind::WrongGrad,
    Kind::ValueChanged,
    Kind::VgValue,
    Kind::MacroPanic,
    Kind::Signature,
    Kind::RuntimePanic,
    Kind::Hang,
    Kind::Crash,
    Kind::GeneratorBug,
];

#[derive(Clone, Debug)]
pub enum Verdict {
    Ok,
    /// every point was skipped (non-finite values): nothing was checked
    Degenerate,
    Fail(Vec<(Kind, String)>),
}

impl Verdict {
    pub fn kinds(&self) -> BTreeSet<Kind> {
        match self {
            Verdict::Fail(v) => v.iter().map(|(k, _)| *k).collect(),
            _ => BTreeSet::new(),
        }
    }
    pub fn is_fail(&self) -> bool {
        matches!(self, Verdict::Fail(_))
    }
}

/// A program under test: its id (module name) and its source forms.
#[derive(Clone, Debug)]
pub struct Case {
    pub id: String,
    /// what produced it (seed, mutation ...), for the report
    pub origin: String,
    pub unit: Unit,
}

/// What is compiled: a generated AST, or (mutation mode) source text of the three modules.
#[derive(Clone, Debug)]
pub enum Unit {
    Gen(Program),
    Text(crate::mutate::TextUnit),
}

impl Case {
    pub fn user_code(&self) -> String {
        match &self.unit {
            Unit::Gen(p) => pretty(&render_module(p, Mode::Plain, true)),
            Unit::Text(t) => t.ad.clone(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Report {
    pub cases: Vec<(Case, Verdict)>,
    pub build_secs: f64,
    pub run_secs: f64,
    pub builds: usize,
}

impl Report {
    pub fn failures(&self) -> Vec<&(Case, Verdict)> {
        self.cases.iter().filter(|(_, v)| v.is_fail()).collect()
    }
    pub fn counts(&self) -> BTreeMap<Kind, usize> {
        let mut m = BTreeMap::new();
        for (_, v) in &self.cases {
            for k in v.kinds() {
                *m.entry(k).or_insert(0) += 1;
            }
        }
        m
    }
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let ok = self
            .cases
            .iter()
            .filter(|(_, v)| matches!(v, Verdict::Ok))
            .count();
        let deg = self
            .cases
            .iter()
            .filter(|(_, v)| matches!(v, Verdict::Degenerate))
            .count();
        let _ = writeln!(
            s,
            "{} programs: {} pass, {} fail, {} degenerate (no usable point); {} build(s) {:.1}s, run {:.1}s",
            self.cases.len(),
            ok,
            self.failures().len(),
            deg,
            self.builds,
            self.build_secs,
            self.run_secs
        );
        for (k, n) in self.counts() {
            let _ = writeln!(s, "  {:45} {n}", k.label());
        }
        s
    }
    /// Failures grouped by signature (kind + first line of the message with names and numbers
    /// blanked): (kind, key, count, ids sorted by program size).
    pub fn groups(&self) -> Vec<(Kind, String, Vec<String>)> {
        let mut m: BTreeMap<(Kind, String), Vec<(usize, String)>> = BTreeMap::new();
        for (c, v) in self.failures() {
            if let Verdict::Fail(fs) = v {
                let mut seen = BTreeSet::new();
                for (k, msg) in fs {
                    let key = match k {
                        Kind::WrongGrad
                        | Kind::ValueChanged
                        | Kind::VgValue
                        | Kind::Hang
                        | Kind::Crash => String::new(),
                        Kind::RuntimePanic => {
                            crate::shrink::normalize(msg.split(" panicked: ").nth(1).unwrap_or(""))
                        }
                        _ => crate::shrink::normalize(msg.lines().next().unwrap_or("")),
                    };
                    if seen.insert((*k, key.clone())) {
                        let size = match &c.unit {
                            Unit::Gen(p) => crate::shrink::size(p),
                            Unit::Text(t) => t.ad.len(),
                        };
                        m.entry((*k, key)).or_default().push((size, c.id.clone()));
                    }
                }
            }
        }
        let mut out: Vec<(Kind, String, Vec<String>)> = m
            .into_iter()
            .map(|((k, key), mut v)| {
                v.sort();
                (k, key, v.into_iter().map(|x| x.1).collect())
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0).then(b.2.len().cmp(&a.2.len())));
        out
    }
    pub fn group_table(&self) -> String {
        let mut s = String::new();
        for (k, key, ids) in self.groups() {
            let _ = writeln!(
                s,
                "  {:4}  {:12} {}   e.g. {}",
                ids.len(),
                k.short(),
                if key.is_empty() { "-" } else { &key },
                ids.iter().take(3).cloned().collect::<Vec<_>>().join(" ")
            );
        }
        s
    }
    pub fn details(&self, max: usize) -> String {
        let mut s = String::new();
        for (c, v) in self.failures().into_iter().take(max) {
            let _ = writeln!(s, "==================== {} ({})", c.id, c.origin);
            if let Verdict::Fail(fs) = v {
                for (k, m) in fs {
                    let _ = writeln!(s, "--- {}:\n{}", k.label(), m.trim_end());
                }
            }
            let _ = writeln!(s, "--- program:\n{}", c.user_code().trim_end());
        }
        s
    }
}

/// Where the generated crates and their shared target directory live.
#[derive(Clone, Debug)]
pub struct Env {
    /// the workspace root (to find autodiff-runtime and Cargo.lock)
    pub workspace: PathBuf,
    /// `<dir>/<name>/` holds a generated crate; `<dir>/target` their shared target directory
    pub dir: PathBuf,
    pub points: usize,
    pub opt_level: u8,
    pub timeout: Duration,
    pub verbose: bool,
}

impl Env {
    pub fn new(workspace: &Path) -> Env {
        let dir = std::env::var_os("AUTODIFF_FUZZ_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace.join("target/autodiff-fuzz"));
        Env {
            workspace: workspace.to_path_buf(),
            dir,
            points: 4,
            opt_level: 1,
            timeout: Duration::from_secs(120),
            verbose: false,
        }
    }
    /// The workspace that contains this crate.
    pub fn here() -> Env {
        Env::new(Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap())
    }
}

fn ad_file(c: &Case) -> String {
    match &c.unit {
        Unit::Gen(p) => pretty(&render_module(p, Mode::Plain, true)),
        Unit::Text(t) => t.ad.clone(),
    }
}
fn plain_file(c: &Case) -> String {
    match &c.unit {
        Unit::Gen(p) => pretty(&render_module(p, Mode::Plain, false)),
        Unit::Text(t) => t.plain.clone(),
    }
}
fn dual_file(c: &Case) -> String {
    match &c.unit {
        Unit::Gen(p) => pretty(&render_module(p, Mode::Dual, false)),
        Unit::Text(_) => "#![allow(warnings)]\n".to_string(),
    }
}

/// The checking code of one program (`mod.rs`).
fn check_file(c: &Case, seed: u64) -> String {
    let mut s = String::new();
    s.push_str("#![allow(warnings, clippy::all)]\nuse crate::support::*;\nuse autodiff_runtime::ndarray::{Array1, Array2, ArrayView1, ArrayView2};\npub mod ad;\npub mod plain;\npub mod dual;\n\n");
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
        "    let mut out = Out::new();\n    let mut rng = Rng({seed}u64);\n    for _ in 0..points {{"
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
            let _ = writeln!(
                s,
                "        let plain = guard(|| {{ let r = plain::{name}({args}); if r.0.is_finite() && r.1.is_finite() {{ r.{c} }} else {{ f64::NAN }} }});"
            );
            let _ = writeln!(s, "        let attr = guard(|| ad::{name}({args}).{c});");
            let _ = writeln!(
                s,
                "        let grad = guard(|| flat(&ad::pullback_{name}({args}, {seed})));"
            );
            let _ = writeln!(
                s,
                "        let vg = guard(|| (ad::{name}({args}).{c}, flat(&ad::pullback_{name}({args}, {seed}))));"
            );
            s.push_str(&dual_reference(name, &dargs, off, &format!(".{c}")));
            let _ = writeln!(
                s,
                "        compare(&mut out, &format!(\"{{point}} output {c}\"), plain, attr, grad, vg, reference, &[{}]);",
                all.join(", ")
            );
        }
        let _ = writeln!(s, "    }}\n    finish(\"{id}\", \"{name}\", &out);\n}}");
        return s;
    }
    let _ = writeln!(s, "        let plain = guard(|| plain::{name}({args}));");
    let _ = writeln!(s, "        let attr = guard(|| ad::{name}({args}));");
    let _ = writeln!(
        s,
        "        let grad = guard(|| {{ let g: {gty} = ad::grad_{name}({args}); flat(&g) }});"
    );
    let _ = writeln!(
        s,
        "        let vg = guard(|| {{ let (v, g): (f64, {gty}) = ad::value_and_grad_{name}({args}); (v, flat(&g)) }});"
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
        s.push_str(&dual_reference(name, &dargs, off, ""));
    }
    let _ = writeln!(
        s,
        "        compare(&mut out, &point, plain, attr, grad, vg, reference, &[{}]);",
        wrt.join(", ")
    );
    let _ = writeln!(s, "    }}\n    finish(\"{id}\", \"{name}\", &out);\n}}");
    s
}

/// `let reference = ..`: the dual copy run once per float component (`off` of them) seeded in
/// turn; `part` picks the output (`.0`, `.1` of a helper with two).
fn dual_reference(name: &str, dargs: &str, off: usize, part: &str) -> String {
    format!(
        "        let reference = guard(|| {{\n            let mut grad = vec![];\n            let mut mag = vec![];\n            let mut value = f64::NAN;\n            for k in 0..{off}usize {{\n                let r = dual::{name}({dargs}){part};\n                value = r.v;\n                grad.push(r.d);\n                mag.push(r.m);\n            }}\n            if {off} == 0 {{ let k = usize::MAX; value = dual::{name}({dargs}){part}.v; }}\n            Reference {{ value, grad, mag }}\n        }});\n"
    )
}

fn write_if_changed(path: &Path, text: &str) -> std::io::Result<()> {
    if std::fs::read_to_string(path)
        .map(|old| old == text)
        .unwrap_or(false)
    {
        return Ok(());
    }
    std::fs::write(path, text)
}

struct Crate {
    root: PathBuf,
    target: PathBuf,
}

fn write_crate(env: &Env, name: &str, cases: &[Case], seed: u64) -> std::io::Result<Crate> {
    let root = env.dir.join(name);
    let src = root.join("src");
    if src.exists() {
        // stale program modules from an earlier batch would be picked up by nothing, but keep it tidy
        for e in std::fs::read_dir(&src)? {
            let e = e?;
            if e.file_type()?.is_dir() {
                let keep = cases
                    .iter()
                    .any(|c| c.id == e.file_name().to_string_lossy());
                if !keep {
                    std::fs::remove_dir_all(e.path())?;
                }
            }
        }
    }
    std::fs::create_dir_all(&src)?;
    let runtime = env.workspace.join("autodiff-runtime");
    let toml = format!(
        "[package]\nname = \"fuzz_gen\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\nautodiff-runtime = {{ path = {:?} }}\n\n[workspace]\n\n[profile.dev]\nopt-level = {}\ndebug = 0\nincremental = false\n\n[profile.dev.package.\"*\"]\nopt-level = 1\n\n[profile.dev.package.autodiff-macros]\nopt-level = 1\n",
        runtime.display().to_string(),
        env.opt_level
    );
    write_if_changed(&root.join("Cargo.toml"), &toml)?;
    // the workspace's lock file: the same dependency versions as the project's own tests
    if let Ok(lock) = std::fs::read_to_string(env.workspace.join("Cargo.lock")) {
        if !root.join("Cargo.lock").exists() {
            std::fs::write(root.join("Cargo.lock"), lock)?;
        }
    }
    write_if_changed(&src.join("support.rs"), SUPPORT)?;
    for (i, c) in cases.iter().enumerate() {
        let d = src.join(&c.id);
        std::fs::create_dir_all(&d)?;
        write_if_changed(&d.join("ad.rs"), &ad_file(c))?;
        write_if_changed(&d.join("plain.rs"), &plain_file(c))?;
        write_if_changed(&d.join("dual.rs"), &dual_file(c))?;
        write_if_changed(
            &d.join("mod.rs"),
            &check_file(c, seed.wrapping_add(i as u64 * 7919)),
        )?;
    }
    Ok(Crate {
        root,
        target: env.dir.join("target"),
    })
}

fn write_main(cr: &Crate, ids: &[String]) -> std::io::Result<()> {
    let mut s = String::from("#![allow(warnings)]\nmod support;\n");
    for id in ids {
        let _ = writeln!(s, "mod {id};");
    }
    s.push_str("\nfn main() {\n    std::panic::set_hook(Box::new(|_| {}));\n    let skip: Vec<String> = std::env::args().skip(1).collect();\n    let points: usize = std::env::var(\"FUZZ_POINTS\").ok().and_then(|p| p.parse().ok()).unwrap_or(4);\n    let all: &[(&str, fn(usize))] = &[\n");
    for id in ids {
        let _ = writeln!(s, "        (\"{id}\", {id}::check),");
    }
    s.push_str("    ];\n    for (id, f) in all {\n        if !skip.iter().any(|s| s == id) {\n            f(points);\n        }\n    }\n    println!(\"DONE\");\n}\n");
    write_if_changed(&cr.root.join("src/main.rs"), &s)
}

/// One compile error attributed to a program.
#[derive(Clone, Debug)]
struct Diag {
    kind: Kind,
    text: String,
}

/// Runs `cargo build`; returns the errors per program id, and errors that could not be
/// attributed to any program.
fn build(cr: &Crate) -> std::io::Result<(bool, BTreeMap<String, Vec<Diag>>, Vec<String>)> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut child = Command::new(cargo)
        .arg("build")
        .arg("--message-format=json")
        .arg("--manifest-path")
        .arg(cr.root.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &cr.target)
        .env("CARGO_TERM_COLOR", "never")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stderr = child.stderr.take().unwrap();
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let stdout = child.stdout.take().unwrap();
    let mut per: BTreeMap<String, Vec<Diag>> = BTreeMap::new();
    let mut unattributed = vec![];
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        let Ok(v) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if v["reason"] != "compiler-message" {
            continue;
        }
        let m = &v["message"];
        if m["level"] != "error" && m["level"] != "error: internal compiler error" {
            continue;
        }
        let msg = m["message"].as_str().unwrap_or("").to_string();
        let rendered = m["rendered"].as_str().unwrap_or(&msg).to_string();
        if msg.starts_with("aborting due to") || msg.starts_with("could not compile") {
            continue;
        }
        let code = m["code"]["code"].as_str().map(|s| s.to_string());
        let mut files = vec![];
        collect_files(m, &mut files);
        let mut hit: Option<(String, String)> = None;
        for f in &files {
            if let Some((id, file)) = program_of(f) {
                hit = Some((id, file));
                break;
            }
        }
        if hit.is_none() {
            // the rendered text may mention the file (notes, expansions)
            for w in rendered.split_whitespace() {
                if let Some((id, file)) = program_of(w) {
                    hit = Some((id, file));
                    break;
                }
            }
        }
        match hit {
            Some((id, file)) => {
                let kind = classify(&file, &msg, code.as_deref(), &rendered);
                per.entry(id).or_default().push(Diag {
                    kind,
                    text: rendered,
                });
            }
            None => unattributed.push(rendered),
        }
    }
    let status = child.wait()?;
    let err = err_thread.join().unwrap_or_default();
    if err.contains("internal compiler error") || err.contains("(signal:") {
        unattributed.push(format!("rustc crashed:\n{}", tail(&err, 60)));
    }
    if !status.success() && per.is_empty() && unattributed.is_empty() {
        unattributed.push(format!("cargo build failed:\n{}", tail(&err, 40)));
    }
    Ok((status.success(), per, unattributed))
}

fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

fn collect_files(m: &Value, out: &mut Vec<String>) {
    if let Some(spans) = m["spans"].as_array() {
        // primary spans first
        for primary in [true, false] {
            for sp in spans {
                if sp["is_primary"].as_bool() == Some(primary) {
                    if let Some(f) = sp["file_name"].as_str() {
                        out.push(f.to_string());
                    }
                    let mut e = &sp["expansion"];
                    while !e.is_null() {
                        if let Some(f) = e["span"]["file_name"].as_str() {
                            out.push(f.to_string());
                        }
                        e = &e["span"]["expansion"];
                    }
                }
            }
        }
    }
    if let Some(ch) = m["children"].as_array() {
        for c in ch {
            collect_files(c, out);
        }
    }
}

/// `src/p0042/ad.rs` -> ("p0042", "ad.rs")
fn program_of(path: &str) -> Option<(String, String)> {
    let i = path.find("src/")?;
    let rest = &path[i + 4..];
    let mut parts = rest.split('/');
    let id = parts.next()?;
    let file = parts.next()?;
    let file: String = file
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '.' || *c == '_')
        .collect();
    if id.len() > 1
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id[1..].chars().all(|c| c.is_ascii_digit())
    {
        Some((id.to_string(), file))
    } else {
        None
    }
}

fn classify(file: &str, msg: &str, code: Option<&str>, rendered: &str) -> Kind {
    if msg.contains("proc macro panicked")
        || msg.contains("custom attribute panicked")
        || rendered.contains("internal compiler error")
    {
        return Kind::MacroPanic;
    }
    match file {
        "plain.rs" | "dual.rs" => Kind::GeneratorBug,
        "mod.rs" => Kind::Signature,
        _ => {
            let parse_like = [
                "expected ",
                "unexpected ",
                "cannot find macro",
                "unclosed delimiter",
                "mismatched closing",
            ];
            if code.is_none()
                && !parse_like.iter().any(|p| msg.starts_with(p))
                && !rendered.contains("originates in the attribute macro")
            {
                Kind::Refusal
            } else {
                Kind::GenCode
            }
        }
    }
}

/// Builds and runs a batch; `name` is the crate's directory (reused between batches of the
/// same name so unchanged modules are not rewritten).
pub fn run_batch(env: &Env, name: &str, cases: Vec<Case>, seed: u64) -> std::io::Result<Report> {
    let cr = write_crate(env, name, &cases, seed)?;
    let mut verdicts: BTreeMap<String, Verdict> = BTreeMap::new();
    let mut live: Vec<String> = cases.iter().map(|c| c.id.clone()).collect();
    let mut builds = 0;
    let t0 = Instant::now();
    // a program with a compile error in a file of its own: the plain copy must compile (or the
    // generator is wrong); the others are failures of the macro
    loop {
        write_main(&cr, &live)?;
        builds += 1;
        if env.verbose {
            eprintln!(
                "[fuzz] building {} program(s) in {}",
                live.len(),
                cr.root.display()
            );
        }
        let (ok, per, unattributed) = build(&cr)?;
        if ok {
            break;
        }
        if per.is_empty() {
            return Err(std::io::Error::other(format!(
                "build failed with errors outside any program:\n{}",
                unattributed.join("\n")
            )));
        }
        for (id, diags) in per {
            let mut fs: Vec<(Kind, String)> = vec![];
            // follow-on errors in the checking code when ad.rs has its own are not reported separately
            let has_ad = diags
                .iter()
                .any(|d| !matches!(d.kind, Kind::Signature | Kind::GeneratorBug));
            let has_gen = diags.iter().any(|d| d.kind == Kind::GeneratorBug);
            for d in diags {
                if has_gen && d.kind != Kind::GeneratorBug {
                    continue;
                }
                if has_ad && d.kind == Kind::Signature {
                    continue;
                }
                if fs.len() < 8 {
                    fs.push((d.kind, d.text));
                }
            }
            verdicts.insert(id.clone(), Verdict::Fail(fs));
            live.retain(|x| *x != id);
        }
        if live.is_empty() {
            break;
        }
    }
    let build_secs = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    if !live.is_empty() {
        run(env, &cr, &live, &mut verdicts)?;
    }
    let run_secs = t1.elapsed().as_secs_f64();
    let cases = cases
        .into_iter()
        .map(|c| {
            let v = verdicts.remove(&c.id).unwrap_or(Verdict::Fail(vec![(
                Kind::Crash,
                "no result (the program never ran)".into(),
            )]));
            (c, v)
        })
        .collect();
    Ok(Report {
        cases,
        build_secs,
        run_secs,
        builds,
    })
}

fn run(
    env: &Env,
    cr: &Crate,
    live: &[String],
    verdicts: &mut BTreeMap<String, Verdict>,
) -> std::io::Result<()> {
    let exe = cr.target.join("debug").join(if cfg!(windows) {
        "fuzz_gen.exe"
    } else {
        "fuzz_gen"
    });
    let mut skip: Vec<String> = vec![];
    let mut results: BTreeMap<String, Vec<(String, String, Vec<String>)>> = BTreeMap::new();
    loop {
        let mut child = Command::new(&exe)
            .args(&skip)
            .env("FUZZ_POINTS", env.points.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut lines = vec![];
            for l in BufReader::new(stdout).lines() {
                match l {
                    Ok(l) => lines.push(l),
                    Err(_) => break,
                }
            }
            lines
        });
        let start = Instant::now();
        let mut timed_out = false;
        let status = loop {
            if let Some(s) = child.try_wait()? {
                break Some(s);
            }
            if start.elapsed() > env.timeout {
                let _ = child.kill();
                let _ = child.wait();
                timed_out = true;
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let lines = reader.join().unwrap_or_default();
        let mut current: Option<(String, String)> = None;
        let mut done = false;
        for l in &lines {
            let mut w = l.splitn(4, ' ');
            match w.next() {
                Some("BEGIN") => {
                    current = Some((w.next().unwrap_or("").into(), w.next().unwrap_or("").into()))
                }
                Some("RESULT") => {
                    let id = w.next().unwrap_or("").to_string();
                    let f = w.next().unwrap_or("").to_string();
                    let rest = w.next().unwrap_or("").to_string();
                    results.entry(id).or_default().push((f, rest, vec![]));
                    current = None;
                }
                Some("NOTE") => {
                    let id = w.next().unwrap_or("").to_string();
                    let f = w.next().unwrap_or("").to_string();
                    let note = w.next().unwrap_or("").to_string();
                    if let Some(v) = results.get_mut(&id) {
                        if let Some(last) = v.iter_mut().rev().find(|x| x.0 == f) {
                            last.2.push(note);
                        }
                    }
                }
                Some("DONE") => done = true,
                _ => {}
            }
        }
        if done && status.is_some() {
            break;
        }
        // a hang or a crash inside `current`
        let Some((id, f)) = current else {
            if timed_out {
                return Err(std::io::Error::other(
                    "the generated program timed out outside any check",
                ));
            }
            break;
        };
        let kind = if timed_out { Kind::Hang } else { Kind::Crash };
        let msg = if timed_out {
            format!("{f}: no result within {:?}", env.timeout)
        } else {
            format!("{f}: the process died ({:?})", status)
        };
        verdicts.insert(id.clone(), Verdict::Fail(vec![(kind, msg)]));
        results.remove(&id);
        skip.push(id);
        // everything before it is done; skip those too
        for k in results.keys() {
            if !skip.contains(k) {
                skip.push(k.clone());
            }
        }
        if skip.len() >= live.len() {
            break;
        }
    }
    for (id, fs) in results {
        if verdicts.contains_key(&id) {
            continue;
        }
        let mut fails = vec![];
        let mut all_deg = true;
        for (f, rest, notes) in fs {
            let status = rest.split_whitespace().next().unwrap_or("");
            if status != "degenerate" {
                all_deg = false;
            }
            if status == "fail" {
                for n in notes {
                    let kind = match n.split(':').next().unwrap_or("") {
                        "value" => Kind::ValueChanged,
                        "vg-value" => Kind::VgValue,
                        "panic" => Kind::RuntimePanic,
                        "reference" => Kind::GeneratorBug,
                        _ => Kind::WrongGrad,
                    };
                    fails.push((kind, format!("{f}: {n}")));
                }
            }
        }
        let v = if !fails.is_empty() {
            Verdict::Fail(fails)
        } else if all_deg {
            Verdict::Degenerate
        } else {
            Verdict::Ok
        };
        verdicts.insert(id, v);
    }
    Ok(())
}

/// Generated programs for seeds `seed..seed + count`.
pub fn generate(g: &crate::generator::Grammar, seed: u64, count: usize, prefix: char) -> Vec<Case> {
    (0..count)
        .map(|i| {
            let s = seed.wrapping_mul(1_000_003).wrapping_add(i as u64);
            Case {
                id: format!("{prefix}{:04}", i),
                origin: format!(
                    "seed {seed} #{i}{}",
                    if g.arrays { " (arrays)" } else { "" }
                ),
                unit: Unit::Gen(crate::generator::program(g, s)),
            }
        })
        .collect()
}

/// The first line of a case file: how to regenerate the program.
pub fn case_header(g: &crate::generator::Grammar, seed: u64, index: usize) -> String {
    let mut s = format!(
        "// autodiff-fuzz case: --seed {seed} --index {index} --size {} --funcs {}",
        g.size, g.funcs
    );
    if g.arrays {
        s.push_str(" --array");
    }
    if !g.off.is_empty() {
        s.push_str(" --no-feature ");
        s.push_str(&g.off.iter().cloned().collect::<Vec<_>>().join(","));
    }
    s
}

/// Writes one file per failing generated program (header + verdict + program) into `dir`;
/// returns their paths.
pub fn write_cases(
    dir: &Path,
    g: &crate::generator::Grammar,
    seed: u64,
    report: &Report,
    tag: &str,
) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut out = vec![];
    for (c, v) in report.failures() {
        let Some(index) = c.id.strip_prefix('p').and_then(|s| s.parse::<usize>().ok()) else {
            continue;
        };
        let path = dir.join(format!("{tag}-s{seed}-{index:04}.case"));
        let mut s = case_header(g, seed, index);
        s.push('\n');
        if let Verdict::Fail(fs) = v {
            for (k, m) in fs.iter().take(3) {
                let _ = writeln!(s, "// {}: {}", k.label(), m.lines().next().unwrap_or(""));
            }
        }
        s.push_str(&c.user_code());
        std::fs::write(&path, s)?;
        out.push(path);
    }
    Ok(out)
}
