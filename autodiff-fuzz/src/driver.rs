//! Writes a batch of programs into a generated crate, builds it with cargo (attributing compile
//! errors to programs through cargo's JSON diagnostics, dropping those and rebuilding), runs it
//! and collects one verdict per program.

mod build;
mod check;
mod forward_checks;
mod run;

pub use check::check_fn;

use crate::ast::*;
use build::{build, write_crate, write_main};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The start of the message of an (x) verdict given at run time: the user's function (the
/// attribute-free copy) or the reference hung or died, so the program says nothing about the
/// macro (in mutation mode: the mutant's own loop does not end).
pub const USER_RUNTIME: &str = "the user's code stopped: ";

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
    /// `jvp_*`'s tangent differs from the reference gradient dotted with the tangent, or its
    /// value from the function's
    Jvp,
    /// `hvp_*` differs from central differences of `grad_*` along the tangent
    Hvp,
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
            Kind::Jvp => "(j) wrong jvp (tangent or value)",
            Kind::Hvp => "(k) wrong hvp",
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
            Kind::Jvp => "jvp",
            Kind::Hvp => "hvp",
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
    Kind::Jvp,
    Kind::Hvp,
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
                        | Kind::Jvp
                        | Kind::Hvp
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
    /// the autodiff-runtime crate the generated crates use (`AUTODIFF_FUZZ_RUNTIME`, default the
    /// workspace's: another checkout's runtime checks the same programs against its macro)
    pub runtime: PathBuf,
    pub points: usize,
    pub opt_level: u8,
    /// time limit of one check (one function of one program, every point): past it the check
    /// counts as a hang, of the generated code or of the user's function (see `run`)
    pub timeout: Duration,
    /// address-space limit of the checking process in MiB (Unix, `ulimit -v`); None: no limit
    pub mem_limit_mb: Option<u64>,
    pub verbose: bool,
}

impl Env {
    pub fn new(workspace: &Path) -> Env {
        let dir = std::env::var_os("AUTODIFF_FUZZ_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace.join("target/autodiff-fuzz"));
        let runtime = std::env::var_os("AUTODIFF_FUZZ_RUNTIME")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace.join("autodiff-runtime"));
        Env {
            workspace: workspace.to_path_buf(),
            dir,
            runtime,
            points: 4,
            opt_level: 1,
            timeout: Duration::from_secs(20),
            mem_limit_mb: Some(4096),
            verbose: false,
        }
    }
    /// The workspace that contains this crate.
    pub fn here() -> Env {
        Env::new(Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap())
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
        run::run(env, &cr, &live, &mut verdicts)?;
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
    // features that are off by default and turned on (`--feature hessian`)
    let on: Vec<&str> = crate::generator::OFF_BY_DEFAULT
        .iter()
        .cloned()
        .filter(|f| g.on(f))
        .collect();
    if !on.is_empty() {
        s.push_str(" --feature ");
        s.push_str(&on.join(","));
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
