//! The figures of a mutation run and the files of its failing mutants.
//!
//! A mutant is discarded, not counted against the macro, when its attribute-free copy does not
//! compile (plain rustc rejects the mutation) or does not finish / dies at run time (the mutation
//! made a loop that never ends, or an overflow that aborts): both are (x) verdicts, told apart by
//! the message ([`USER_RUNTIME`]).

use crate::driver::{Case, Kind, Report, USER_RUNTIME, Verdict};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What happened to the programs of one mutation run (the originals are counted apart).
#[derive(Clone, Debug, Default)]
pub struct Figures {
    pub originals: usize,
    pub mutants: usize,
    /// mutants whose attributed source text differs from every other mutant's of the run
    pub distinct: usize,
    /// (x) the attribute-free copy does not compile
    pub discarded_compile: usize,
    /// (x) the attribute-free copy (or its finite differences) does not finish or dies
    pub discarded_run: usize,
    /// why: the first error of the attribute-free copy (names blanked), or how it stopped
    pub discard_reasons: BTreeMap<String, usize>,
    /// mutants whose attributed copy did not compile (refusals, errors in generated code, ...)
    pub compile_fail: usize,
    /// mutants that ran through their checks (pass, degenerate, or a run-time failure)
    pub checked: usize,
    pub pass: usize,
    pub degenerate: usize,
    /// mutants that fail (not counting discards), and per kind (a mutant may have several)
    pub fail: usize,
    pub by_kind: BTreeMap<Kind, usize>,
    /// originals that do not pass
    pub originals_fail: usize,
    /// (id, origin, kind, first line of the message) of each original that does not pass
    pub originals_failed: Vec<(String, String, Kind, String)>,
}

fn is_original(c: &Case) -> bool {
    c.origin.ends_with("[original]")
}

/// Whether the verdict discards the program: (x) at compile time or at run time.
pub fn discard(v: &Verdict) -> Option<&'static str> {
    let Verdict::Fail(fs) = v else { return None };
    if !fs.iter().any(|(k, _)| *k == Kind::GeneratorBug) {
        return None;
    }
    Some(
        if fs
            .iter()
            .any(|(k, m)| *k == Kind::GeneratorBug && m.starts_with(USER_RUNTIME))
        {
            "run"
        } else {
            "compile"
        },
    )
}

const COMPILE_KINDS: &[Kind] = &[
    Kind::GenCode,
    Kind::Refusal,
    Kind::MacroPanic,
    Kind::Signature,
];

impl Figures {
    pub fn of(r: &Report) -> Figures {
        let mut f = Figures::default();
        let mut texts = BTreeSet::new();
        for (c, v) in &r.cases {
            if is_original(c) {
                f.originals += 1;
                if let Verdict::Fail(fs) = v {
                    f.originals_fail += 1;
                    let (k, m) = fs.first().cloned().unwrap_or((Kind::Crash, String::new()));
                    let line = m.lines().next().unwrap_or("").to_string();
                    f.originals_failed
                        .push((c.id.clone(), c.origin.clone(), k, line));
                }
                continue;
            }
            f.mutants += 1;
            texts.insert(c.user_code());
            if let (Some(why), Verdict::Fail(fs)) = (discard(v), v) {
                let first = fs
                    .iter()
                    .find(|(k, _)| *k == Kind::GeneratorBug)
                    .map(|(_, m)| m.lines().next().unwrap_or(""))
                    .unwrap_or("");
                let reason = if why == "run" {
                    if first.contains("did not finish") {
                        "run: does not finish".to_string()
                    } else {
                        "run: dies".to_string()
                    }
                } else {
                    format!("compile: {}", crate::shrink::normalize(first))
                };
                *f.discard_reasons.entry(reason).or_insert(0) += 1;
            }
            match discard(v) {
                Some("run") => f.discarded_run += 1,
                Some(_) => f.discarded_compile += 1,
                None => {
                    let kinds = v.kinds();
                    if kinds.iter().any(|k| COMPILE_KINDS.contains(k)) {
                        f.compile_fail += 1;
                    } else {
                        f.checked += 1;
                    }
                    match v {
                        Verdict::Ok => f.pass += 1,
                        Verdict::Degenerate => f.degenerate += 1,
                        Verdict::Fail(_) => f.fail += 1,
                    }
                    for k in kinds {
                        *f.by_kind.entry(k).or_insert(0) += 1;
                    }
                }
            }
        }
        f.distinct = texts.len();
        f
    }

    pub fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "mutants: {} generated ({} distinct); discarded {} (attribute-free copy does not compile) + {} (attribute-free copy does not finish or dies at run time)",
            self.mutants, self.distinct, self.discarded_compile, self.discarded_run
        );
        for (why, n) in &self.discard_reasons {
            let _ = writeln!(s, "    discarded {n:4}  {why}");
        }
        let _ = writeln!(
            s,
            "  kept {}: {} do not compile with the attribute, {} compiled and checked: {} pass, {} degenerate, {} fail at run time",
            self.mutants - self.discarded_compile - self.discarded_run,
            self.compile_fail,
            self.checked,
            self.pass,
            self.degenerate,
            self.checked - self.pass - self.degenerate
        );
        let _ = writeln!(s, "  failing mutants: {}", self.fail);
        for (k, n) in &self.by_kind {
            let _ = writeln!(s, "    {:45} {n}", k.label());
        }
        let _ = writeln!(
            s,
            "originals: {} ({} fail)",
            self.originals, self.originals_fail
        );
        for (id, origin, k, m) in &self.originals_failed {
            let _ = writeln!(s, "  {id} {origin}: {} {m}", k.short());
        }
        s
    }

    /// One line for scripts that add up several runs.
    pub fn line(&self, seed: u64) -> String {
        let kinds: Vec<String> = self
            .by_kind
            .iter()
            .map(|(k, n)| format!("{}:{n}", k.short()))
            .collect();
        format!(
            "FIGURES seed={seed} mutants={} distinct={} discarded_compile={} discarded_run={} compile_fail={} checked={} pass={} degenerate={} fail={} originals={} originals_fail={} kinds={}",
            self.mutants,
            self.distinct,
            self.discarded_compile,
            self.discarded_run,
            self.compile_fail,
            self.checked,
            self.pass,
            self.degenerate,
            self.fail,
            self.originals,
            self.originals_fail,
            if kinds.is_empty() {
                "-".to_string()
            } else {
                kinds.join(",")
            }
        )
    }
}

/// Writes one file per failing (not discarded) program into `dir`: its verdict as comments,
/// then its attributed source. Returns their paths.
pub fn write_failures(dir: &Path, seed: u64, r: &Report) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut out = vec![];
    for (c, v) in r.failures() {
        if discard(v).is_some() {
            continue;
        }
        let path = dir.join(format!("mutant-s{seed}-{}.rs", c.id));
        let mut s = format!("// autodiff-fuzz mutant: seed {seed}, {}\n", c.origin);
        if let Verdict::Fail(fs) = v {
            for (k, m) in fs.iter().take(4) {
                let _ = writeln!(s, "// {}:", k.label());
                for l in m.lines().take(16) {
                    let _ = writeln!(s, "//   {l}");
                }
            }
        }
        s.push_str(&c.user_code());
        std::fs::write(&path, s)?;
        out.push(path);
    }
    Ok(out)
}
