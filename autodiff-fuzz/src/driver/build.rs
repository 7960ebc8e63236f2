//! The generated crate: its files, `cargo build` with JSON diagnostics, and the attribution
//! and classification of each compile error.

use super::check::{ad_file, check_file, dual_file, plain_file};
use super::{Case, Env, Kind};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const SUPPORT: &str = include_str!("../../support/support.rs");
const SUPPORT_FWD: &str = include_str!("../../support/forward.rs");

fn write_if_changed(path: &Path, text: &str) -> std::io::Result<()> {
    if std::fs::read_to_string(path)
        .map(|old| old == text)
        .unwrap_or(false)
    {
        return Ok(());
    }
    std::fs::write(path, text)
}

pub(super) struct Crate {
    pub(super) root: PathBuf,
    pub(super) target: PathBuf,
}

pub(super) fn write_crate(
    env: &Env,
    name: &str,
    cases: &[Case],
    seed: u64,
) -> std::io::Result<Crate> {
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
    let runtime = &env.runtime;
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
    write_if_changed(&src.join("support_fwd.rs"), SUPPORT_FWD)?;
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

pub(super) fn write_main(cr: &Crate, ids: &[String]) -> std::io::Result<()> {
    let mut s = String::from("#![allow(warnings)]\nmod support;\nmod support_fwd;\n");
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
pub(super) struct Diag {
    pub(super) kind: Kind,
    pub(super) text: String,
}

/// Runs `cargo build`; returns the errors per program id, and errors that could not be
/// attributed to any program.
pub(super) fn build(
    cr: &Crate,
) -> std::io::Result<(bool, BTreeMap<String, Vec<Diag>>, Vec<String>)> {
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

pub(super) fn tail(s: &str, n: usize) -> String {
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
