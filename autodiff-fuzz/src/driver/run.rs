//! Runs the built batch: one process for all programs, restarted after a check that hangs or
//! dies, skipping what is done. Each check (one function of one program, from its `BEGIN` line
//! to its `RESULT`) has its own time limit (`Env::timeout`), and its `PHASE` lines say whether
//! the user's function (the attribute-free copy, its finite differences, the dual reference) or
//! the generated code was running when it hung or died: only the latter counts against the
//! macro. On Unix the process runs under `ulimit -v` (`Env::mem_limit_mb`), so a tape that grows
//! without bound ends as a crash of its own check instead of exhausting the machine.

use super::build::{Crate, tail};
use super::{Env, Kind, USER_RUNTIME, Verdict};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// `RESULT` lines of one program: (function, rest of the line, its `NOTE`s).
type Results = BTreeMap<String, Vec<(String, String, Vec<String>)>>;

/// What one process saw before it ended.
struct Pass {
    /// (program, function, phase) of the check that was running when the process stopped
    current: Option<(String, String, String)>,
    done: bool,
    timed_out: bool,
    status: Option<ExitStatus>,
    stderr: String,
}

fn spawn(env: &Env, exe: &Path, skip: &[String]) -> std::io::Result<Child> {
    let mut cmd = match env.mem_limit_mb {
        Some(mb) if cfg!(unix) => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg("ulimit -v \"$0\" 2>/dev/null; exec \"$@\"")
                .arg((mb * 1024).to_string())
                .arg(exe);
            c
        }
        _ => Command::new(exe),
    };
    cmd.args(skip)
        .env("FUZZ_POINTS", env.points.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
}

/// Runs the program once (skipping `skip`), collecting results until it ends or a check
/// exceeds the time limit.
fn pass(env: &Env, exe: &Path, skip: &[String], results: &mut Results) -> std::io::Result<Pass> {
    let mut child = spawn(env, exe, skip)?;
    let (tx, rx) = mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines() {
            let Ok(l) = l else { break };
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    let mut stderr = child.stderr.take().unwrap();
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut current: Option<(String, String, String)> = None;
    let mut done = false;
    let mut timed_out = false;
    let mut since = Instant::now();
    loop {
        let line = match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(l) => l,
            Err(RecvTimeoutError::Timeout) => {
                if since.elapsed() > env.timeout {
                    timed_out = true;
                    break;
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        let mut w = line.splitn(4, ' ');
        let (tag, id, f, rest) = (
            w.next().unwrap_or(""),
            w.next().unwrap_or("").to_string(),
            w.next().unwrap_or("").to_string(),
            w.next().unwrap_or("").to_string(),
        );
        match tag {
            "BEGIN" => {
                current = Some((id, f, "start".into()));
                since = Instant::now();
            }
            "PHASE" => {
                if let Some(c) = current.as_mut().filter(|c| c.0 == id && c.1 == f) {
                    c.2 = rest;
                }
            }
            "RESULT" => {
                results.entry(id).or_default().push((f, rest, vec![]));
                current = None;
                since = Instant::now();
            }
            "NOTE" => {
                if let Some(last) = results
                    .get_mut(&id)
                    .and_then(|v| v.iter_mut().rev().find(|x| x.0 == f))
                {
                    last.2.push(rest);
                }
            }
            "DONE" => done = true,
            _ => {}
        }
    }
    // stdout is closed or the check is out of time: the process ends now
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break Some(s);
        }
        if timed_out || Instant::now() > deadline {
            timed_out = true;
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    drop(rx);
    let _ = reader.join();
    let stderr = err_thread.join().unwrap_or_default();
    Ok(Pass {
        current,
        done,
        timed_out,
        status,
        stderr,
    })
}

/// The verdict of a check that hung or died, by the phase it was in.
fn stopped(env: &Env, f: &str, phase: &str, p: &Pass) -> (Kind, String) {
    let (kind, what) = match phase.split_whitespace().next().unwrap_or("") {
        "ad" => (
            if p.timed_out { Kind::Hang } else { Kind::Crash },
            "the generated code",
        ),
        "user" => (
            Kind::GeneratorBug,
            "the attribute-free copy (or its finite differences)",
        ),
        "reference" => (Kind::GeneratorBug, "the dual reference"),
        _ => (Kind::GeneratorBug, "the checking code"),
    };
    // how long the user's function took at this point, when the generated code was running
    let user = phase
        .split_whitespace()
        .find_map(|w| w.strip_prefix("user_us="))
        .map(|us| format!(" (the attribute-free copy took {us} us at this point)"))
        .unwrap_or_default();
    let prefix = if kind == Kind::GeneratorBug {
        USER_RUNTIME
    } else {
        ""
    };
    let msg = if p.timed_out {
        format!(
            "{prefix}{f}: {what} did not finish within {:?}{user}",
            env.timeout
        )
    } else {
        let err = tail(p.stderr.trim_end(), 4);
        format!(
            "{prefix}{f}: the process died in {what} ({}){user}{}{err}",
            p.status
                .map(|s| s.to_string())
                .unwrap_or_else(|| "killed".into()),
            if err.is_empty() { "" } else { "\n" },
        )
    };
    (kind, msg)
}

pub(super) fn run(
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
    let mut results = Results::new();
    loop {
        let p = pass(env, &exe, &skip, &mut results)?;
        if p.done && !p.timed_out {
            break;
        }
        // a hang or a crash inside `current`
        let Some((id, f, phase)) = p.current.clone() else {
            if p.timed_out {
                return Err(std::io::Error::other(
                    "the generated program timed out outside any check",
                ));
            }
            break;
        };
        let (kind, msg) = stopped(env, &f, &phase, &p);
        if env.verbose {
            eprintln!("[fuzz] {id}: {}", msg.lines().next().unwrap_or(""));
        }
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
                        "jvp" => Kind::Jvp,
                        "hvp" => Kind::Hvp,
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
