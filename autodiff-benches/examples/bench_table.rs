//! Runs the criterion benchmarks and prints the ratio table in Markdown.
//!
//! ```sh
//! cargo run --release -p autodiff-benches --example bench_table              # quick run (warm-up 1 s, measurement 2 s per benchmark)
//! cargo run --release -p autodiff-benches --example bench_table -- --full    # criterion's default times (slower, steadier)
//! cargo run --release -p autodiff-benches --example bench_table -- --no-run  # only print the table of the last run
//! cargo run --release -p autodiff-benches --example bench_table -- --targets # only the paired timing of the targets (~1 min)
//! ```
//!
//! The benchmarks run with `cargo bench` on the targets in [`BENCHES`]; their output goes to
//! stderr, the table to stdout. Times are criterion's median estimates, read from
//! `target/criterion/<group>/<method>/<param>/new/estimates.json`, and the fastest sample from
//! `sample.json` beside it. All ratios in a table come from one run, so a shared, noisy machine
//! shifts them less than it shifts the absolute times; the fastest-sample ratios are the least
//! disturbed by other load.

#[path = "../benches/common/mod.rs"]
mod common;

use autodiff_examples::{reference, rk4};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The bench targets run, in order.
const BENCHES: [&str; 5] = ["weierstrass", "rk4", "sharpe", "sharpe_n", "adam"];

/// The methods each workload is timed with, as criterion function ids, with their labels. The
/// last four exist for the N-asset Sharpe ratio and for Adam only.
const METHODS: [(&str, &str); 11] = [
    ("plain", "plain function"),
    ("grad", "`grad_*` (ours)"),
    ("value_and_grad", "`value_and_grad_*` (ours)"),
    ("hand", "hand-written derivative"),
    ("num_dual", "num-dual (forward)"),
    ("reverse", "`reverse` crate (tape)"),
    ("central_diff", "central differences"),
    ("hand_rows", "hand-written, Rᵀ·(∂S/∂r) over rows"),
    ("hand_one_pass", "hand-written, one pass over R"),
    ("num_dual_one_pass", "num-dual, one of the N passes"),
    (
        "optimizer_only",
        "Adam and `Run` alone (gradients replayed)",
    ),
];

/// The methods a workload may take from another one that computes the same function (the peers).
const PEER_METHODS: [&str; 4] = ["hand", "num_dual", "reverse", "central_diff"];

/// A workload: criterion group, parameter (the `BenchmarkId` value), a label.
struct Workload {
    group: &'static str,
    param: String,
    label: String,
    /// What our gradient records, for the table.
    tape: String,
    /// Where the peers' times are, if this workload's group does not time them itself
    /// (group, parameter): the same function in another form.
    peers_from: Option<(&'static str, String)>,
    /// When num-dual's full gradient is not timed: the number of passes by which its
    /// `num_dual_one_pass` time is multiplied (the table marks the result as extrapolated).
    dual_passes: Option<usize>,
}

impl Workload {
    fn new(group: &'static str, param: impl ToString, label: String, tape: String) -> Self {
        Workload {
            group,
            param: param.to_string(),
            label,
            tape,
            peers_from: None,
            dual_passes: None,
        }
    }
}

/// The N of the N-asset Sharpe benchmarks (`benches/sharpe_n.rs`), and the largest N at which
/// num-dual's N passes are timed in full.
const SHARPE_NS: [usize; 3] = [10, 100, 1000];
const SHARPE_FULL_DUAL_MAX_N: usize = 100;
/// Periods of the N-asset returns (`benches/sharpe_n.rs`).
const SHARPE_PERIODS: usize = 1000;

fn workloads() -> Vec<Workload> {
    let nothing = || "0 B (nothing recorded)".to_owned();
    let mut w: Vec<Workload> = [10, 20, 100]
        .iter()
        .map(|n| {
            Workload::new(
                "weierstrass",
                n,
                format!("Weierstrass, n = {n}, 10 000 points"),
                nothing(),
            )
        })
        .collect();
    let steps = rk4::STEPS;
    let per = rk4::RECORDED_PER_STEP;
    w.push(Workload::new(
        "rk4_lotka_volterra",
        steps,
        format!("RK4 Lotka–Volterra, {steps} steps, 6 inputs"),
        format!(
            "{} B ({steps} steps × {per} values × 8 B)",
            group_digits(steps * per * 8)
        ),
    ));
    let t = SHARPE_PERIODS;
    w.push(Workload::new(
        "sharpe_2_assets",
        t,
        format!(
            "Sharpe ratio, 2 assets, T = {}, θ = 1.3 (`sharpe_ratio`)",
            group_digits(t)
        ),
        nothing(),
    ));
    w.push(Workload {
        peers_from: Some(("sharpe_2_assets", t.to_string())),
        ..Workload::new(
            "sharpe_2_assets_loop",
            t,
            format!(
                "Sharpe ratio, 2 assets, T = {}, loop form (`sharpe_ratio_loop`; peers as above)",
                group_digits(t)
            ),
            nothing(),
        )
    });
    for n in SHARPE_NS {
        w.push(Workload {
            dual_passes: (n > SHARPE_FULL_DUAL_MAX_N).then_some(n),
            ..Workload::new(
                "sharpe_n_assets",
                n,
                format!(
                    "Sharpe ratio, N = {} assets, T = {} (`sharpe_n`)",
                    group_digits(n),
                    group_digits(t)
                ),
                nothing(),
            )
        });
    }
    w.push(Workload::new(
        "adam_sharpe",
        common::ADAM_STEPS,
        format!(
            "Adam, {} steps on the 2-asset Sharpe (grad: the run; value_and_grad: the {} gradients alone; plain: {} evaluations)",
            group_digits(common::ADAM_STEPS),
            group_digits(common::ADAM_STEPS),
            group_digits(common::ADAM_STEPS),
        ),
        nothing(),
    ));
    w
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let targets_only = args.iter().any(|a| a == "--targets");
    let run = !targets_only && !args.iter().any(|a| a == "--no-run");
    let full = args.iter().any(|a| a == "--full");
    if let Some(bad) = args
        .iter()
        .find(|a| !["--no-run", "--full", "--targets"].contains(&a.as_str()))
    {
        eprintln!("unknown argument {bad}; accepted: --full, --no-run, --targets");
        std::process::exit(2);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The workspace's target directory, one level up from this package.
    let workspace = root.parent().unwrap_or(root);
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| {
            if t.is_relative() {
                workspace.join(t)
            } else {
                t
            }
        })
        .unwrap_or_else(|| workspace.join("target"));
    let criterion_dir = target.join("criterion");

    let started = SystemTime::now();
    if run {
        let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        cmd.current_dir(root).arg("bench");
        for b in BENCHES {
            cmd.args(["--bench", b]);
        }
        cmd.arg("--");
        if !full {
            cmd.args(["--warm-up-time", "1", "--measurement-time", "2"]);
        }
        eprintln!("running {cmd:?}");
        let status = cmd
            .stdout(Stdio::from(std::io::stderr()))
            .status()
            .expect("could not start cargo bench");
        if !status.success() {
            eprintln!("cargo bench failed: {status}");
            std::process::exit(1);
        }
    }

    let paired = if run || targets_only {
        paired_targets()
    } else {
        Vec::new()
    };

    let mode = match (run, full) {
        (false, _) if targets_only => {
            "criterion columns: results of the last run; paired ratios: this run (`--targets`)"
        }
        (false, _) => "results of the last run (`--no-run`)",
        (true, false) => "quick run: warm-up 1 s, measurement 2 s per benchmark",
        (true, true) => "criterion's default warm-up and measurement times",
    };
    println!(
        "{}",
        table(&criterion_dir, mode, run.then_some(started), &paired)
    );
}

/// A median time in nanoseconds, with its 95 % confidence interval, and the fastest sample's time
/// per iteration (on a shared machine other load only ever adds time, so the fastest sample is
/// the least disturbed one).
#[derive(Clone, Copy)]
struct Estimate {
    median: f64,
    lo: f64,
    hi: f64,
    fastest: f64,
    /// Not timed: a multiple of another benchmark's time.
    extrapolated: bool,
}

impl Estimate {
    fn times(self, k: f64) -> Estimate {
        Estimate {
            median: self.median * k,
            lo: self.lo * k,
            hi: self.hi * k,
            fastest: self.fastest * k,
            extrapolated: true,
        }
    }
}

fn read_estimate(
    dir: &Path,
    group: &str,
    method: &str,
    param: &str,
    since: Option<SystemTime>,
) -> Option<Estimate> {
    let new = dir.join(group).join(method).join(param).join("new");
    let path = new.join("estimates.json");
    if let Some(since) = since {
        // A result older than this run is left over from an earlier one: don't mix runs.
        let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
        if modified < since {
            return None;
        }
    }
    let text = std::fs::read_to_string(&path).ok()?;
    let v: Value = serde_json::from_str(&text).ok()?;
    let m = &v["median"];
    let samples: Value =
        serde_json::from_str(&std::fs::read_to_string(new.join("sample.json")).ok()?).ok()?;
    let per_iter = |(t, n): (&Value, &Value)| Some(t.as_f64()? / n.as_f64()?);
    let fastest = samples["times"]
        .as_array()?
        .iter()
        .zip(samples["iters"].as_array()?)
        .map(per_iter)
        .collect::<Option<Vec<f64>>>()?
        .into_iter()
        .fold(f64::INFINITY, f64::min);
    Some(Estimate {
        median: m["point_estimate"].as_f64()?,
        lo: m["confidence_interval"]["lower_bound"].as_f64()?,
        hi: m["confidence_interval"]["upper_bound"].as_f64()?,
        fastest,
        extrapolated: false,
    })
}

/// The estimate of `method` for workload `w`: its own benchmark, or the peers' workload's, or
/// num-dual's full gradient extrapolated from one pass.
fn workload_estimate(
    dir: &Path,
    w: &Workload,
    method: &str,
    since: Option<SystemTime>,
) -> Option<Estimate> {
    let (group, param) = match &w.peers_from {
        Some((g, p)) if PEER_METHODS.contains(&method) => (*g, p.as_str()),
        _ => (w.group, w.param.as_str()),
    };
    match (method, w.dual_passes) {
        ("num_dual", Some(passes)) => read_estimate(dir, group, "num_dual_one_pass", param, since)
            .map(|e| e.times(passes as f64)),
        _ => read_estimate(dir, group, method, param, since),
    }
}

fn table(dir: &Path, mode: &str, since: Option<SystemTime>, paired: &[Paired]) -> String {
    let mut s = String::new();
    let mut line = |l: String| {
        s.push_str(&l);
        s.push('\n');
    };
    line("## Benchmarks: gradient cost ratios".to_owned());
    line(String::new());
    line(format!(
        "- machine: {} cores (nproc), {}",
        nproc(),
        cpu_model()
    ));
    line(format!(
        "- date: {} (UTC); {}",
        utc_date(SystemTime::now()),
        rustc_version()
    ));
    line(format!(
        "- {mode}; times are criterion's medians; \"fastest samples\" compares the fastest \
         sample of each benchmark (the least disturbed by other load on a shared machine)"
    ));
    line(String::new());

    let ws = workloads();
    let est = |w: &Workload, m: &str| workload_estimate(dir, w, m, since);
    let mark = |a: Estimate, b: Estimate| {
        if a.extrapolated || b.extrapolated {
            " †"
        } else {
            ""
        }
    };
    let ratio = |a: Option<Estimate>, b: Option<Estimate>| match (a, b) {
        (Some(a), Some(b)) => format!("{}{}", fmt_ratio(a.median / b.median), mark(a, b)),
        _ => "–".to_owned(),
    };
    let ratio_fastest = |a: Option<Estimate>, b: Option<Estimate>| match (a, b) {
        (Some(a), Some(b)) => format!("{}{}", fmt_ratio(a.fastest / b.fastest), mark(a, b)),
        _ => "–".to_owned(),
    };
    let time = |e: Option<Estimate>| e.map_or("–".to_owned(), |e| fmt_time(e.median));

    line("### Ratios (our `grad_*` divided by each; below 1: ours is faster)".to_owned());
    line(String::new());
    line(
        "| workload | plain | `grad_*` | grad / plain | grad / plain (fastest samples) \
         | value_and_grad / plain | grad / hand-written | grad / hand-written (fastest samples) \
         | grad / num-dual | grad / `reverse` | grad / central diff | our tape |"
            .to_owned(),
    );
    line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|".to_owned());
    for w in &ws {
        let g = est(w, "grad");
        line(format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            w.label,
            time(est(w, "plain")),
            time(g),
            ratio(g, est(w, "plain")),
            ratio_fastest(g, est(w, "plain")),
            ratio(est(w, "value_and_grad"), est(w, "plain")),
            ratio(g, est(w, "hand")),
            ratio_fastest(g, est(w, "hand")),
            ratio(g, est(w, "num_dual")),
            ratio(g, est(w, "reverse")),
            ratio(g, est(w, "central_diff")),
            w.tape,
        ));
    }
    line(String::new());

    line("### Times (median [95 % CI]) and cost relative to the plain function".to_owned());
    line(String::new());
    let mut header = "| method |".to_owned();
    let mut rule = "|---|".to_owned();
    for w in &ws {
        header.push_str(&format!(" {} |", w.label));
        rule.push_str("---:|");
    }
    line(header);
    line(rule);
    for (m, label) in METHODS {
        let mut row = format!("| {label} |");
        for w in &ws {
            let cell = match (est(w, m), est(w, "plain")) {
                (Some(e), Some(p)) if e.extrapolated => format!(
                    " {} † (extrapolated), {}× |",
                    fmt_time(e.median),
                    fmt_ratio(e.median / p.median)
                ),
                (Some(e), Some(p)) => format!(
                    " {} [{} – {}], {}× |",
                    fmt_time(e.median),
                    fmt_time(e.lo),
                    fmt_time(e.hi),
                    fmt_ratio(e.median / p.median)
                ),
                (Some(e), None) => format!(" {} |", fmt_time(e.median)),
                _ => " – |".to_owned(),
            };
            row.push_str(&cell);
        }
        line(row);
    }
    line(String::new());
    line(format!(
        "† extrapolated, not timed: num-dual's gradient at N = {} is N × the time of one \
         `Dual64` pass (`num_dual_one_pass`; every pass costs the same, and at N ≤ {} the \
         full N passes are timed and can be compared with N × one pass).",
        group_digits(SHARPE_NS[SHARPE_NS.len() - 1]),
        SHARPE_FULL_DUAL_MAX_N
    ));
    line(String::new());

    line("### Targets".to_owned());
    line(String::new());
    line(
        "The verdict is taken from the paired ratio: the two functions timed in alternation \
         (plain, grad, grad, plain, repeated), so that both see the same state of the machine; \
         the median over the rounds and, in brackets, the middle half of them. The criterion \
         columns time each function on its own, seconds apart."
            .to_owned(),
    );
    line(String::new());
    line("| target | paired ratio | criterion medians | fastest samples | |".to_owned());
    line("|---|---:|---:|---:|---|".to_owned());
    let find =
        |group: &str, param: String| ws.iter().find(|w| w.group == group && w.param == param);
    let verdict = |median: f64, fastest: f64, limit: f64| match (median <= limit, fastest <= limit)
    {
        (true, true) => "met",
        (false, false) => "missed",
        _ => "borderline (medians and fastest samples disagree)",
    };
    for p in paired {
        let criterion = p.criterion.and_then(|(group, param)| {
            let w = find(group, param.to_string())?;
            Some((est(w, "grad")?, est(w, "plain")?))
        });
        let (m, f) = match criterion {
            Some((g, pl)) => (
                fmt_ratio(g.median / pl.median),
                fmt_ratio(g.fastest / pl.fastest),
            ),
            None => ("–".to_owned(), "–".to_owned()),
        };
        let verdict = match p.limit {
            Some(limit) if p.median <= limit => "met",
            Some(_) => "missed",
            None => "(a floor, not a target)",
        };
        line(format!(
            "| {} | {} [{} – {}] | {m} | {f} | {verdict} |",
            p.what,
            fmt_ratio(p.median),
            fmt_ratio(p.q1),
            fmt_ratio(p.q3)
        ));
    }
    if paired.is_empty() {
        // `--no-run`: only criterion's numbers are on disk.
        let t = SHARPE_PERIODS.to_string();
        let n_max = SHARPE_NS[SHARPE_NS.len() - 1];
        let mut rows: Vec<(String, Option<&Workload>, f64)> = [10, 20, 100]
            .iter()
            .map(|n| {
                (
                    format!("Weierstrass, n = {n}: `grad_weierstrass` / `weierstrass` ≤ 1.05"),
                    find("weierstrass", n.to_string()),
                    1.05,
                )
            })
            .collect();
        rows.push((
            "Sharpe, 2 assets: `grad_sharpe_ratio` / `sharpe_ratio` ≤ 1.15".to_owned(),
            find("sharpe_2_assets", t),
            1.15,
        ));
        rows.push((
            format!("Sharpe, N = {n_max}: `grad_sharpe_n` / `sharpe_n` ≤ 1.5"),
            find("sharpe_n_assets", n_max.to_string()),
            1.5,
        ));
        for (what, w, limit) in rows {
            match w.and_then(|w| Some((est(w, "grad")?, est(w, "plain")?))) {
                Some((g, p)) => line(format!(
                    "| {what} | not run | {} | {} | {} |",
                    fmt_ratio(g.median / p.median),
                    fmt_ratio(g.fastest / p.fastest),
                    verdict(g.median / p.median, g.fastest / p.fastest, limit)
                )),
                None => line(format!("| {what} | not run | – | – | not measured |")),
            }
        }
    }
    line(String::new());
    line("| Adam target | medians | fastest samples | |".to_owned());
    line("|---|---:|---:|---|".to_owned());
    let adam = find("adam_sharpe", common::ADAM_STEPS.to_string());
    for (what, extra, by_difference) in [
        (
            "Adam beyond the gradients ≤ 10 %: Adam and `Run` alone (gradients replayed) / the \
             gradients alone",
            "optimizer_only",
            false,
        ),
        (
            "the same by difference: the whole run / the gradients alone − 1 (two noisy times)",
            "grad",
            true,
        ),
    ] {
        let cells = adam.and_then(|w| Some((est(w, extra)?, est(w, "value_and_grad")?)));
        match cells {
            Some((a, alone)) => {
                let shift = if by_difference { 1.0 } else { 0.0 };
                let (m, f) = (
                    a.median / alone.median - shift,
                    a.fastest / alone.fastest - shift,
                );
                let v = if by_difference {
                    "(a cross-check: the paired row above is the measure)"
                } else {
                    verdict(m, f, 0.10)
                };
                line(format!(
                    "| {what} | {:+.2} % | {:+.2} % | {v} |",
                    100.0 * m,
                    100.0 * f,
                ))
            }
            None => line(format!("| {what} | – | – | not measured |")),
        }
    }
    line(String::new());

    // Memory: what each reverse-mode method keeps for the RK4 gradient.
    let tape = reverse::Tape::new();
    let (_, _, nodes) = common::lotka_volterra_reverse(&tape, rk4::PARAMS, rk4::DT, rk4::STEPS);
    let per = rk4::RECORDED_PER_STEP;
    let steps = rk4::STEPS;
    line(format!(
        "RK4 memory for one gradient: ours records {per} values (`x`, `y`) per step, \
         {steps} × {per} × 8 B = {} B (the `Vec` may round its capacity up to a power of two); \
         the hand-written adjoint stores the same {} B of states; the `reverse` crate records \
         {} nodes of {} B = {} B; num-dual and central differences keep no tape.",
        group_digits(steps * per * 8),
        group_digits(steps * 2 * 8),
        group_digits(nodes),
        common::REVERSE_NODE_BYTES,
        group_digits(nodes * common::REVERSE_NODE_BYTES),
    ));
    line(String::new());
    if let Ok(returns) = reference::returns() {
        let n_max = SHARPE_NS[SHARPE_NS.len() - 1];
        let (_, _, two) = common::sharpe_reverse(&tape, 1.3, returns.view());
        let big = common::factor_returns(n_max, SHARPE_PERIODS, n_max as u64);
        let w = common::n_asset_weights(n_max);
        let (_, _, many) = common::sharpe_n_reverse(&tape, w.view(), big.view());
        line(format!(
            "Sharpe memory for one gradient: ours records nothing (the reverse sweep allocates \
             its adjoint arrays, {} f64s each, as it goes); the `reverse` crate records {} nodes \
             ({} B) for 2 assets and {} nodes ({} B) for N = {}.",
            group_digits(SHARPE_PERIODS),
            group_digits(two),
            group_digits(two * common::REVERSE_NODE_BYTES),
            group_digits(many),
            group_digits(many * common::REVERSE_NODE_BYTES),
            group_digits(n_max),
        ));
        line(String::new());
    }
    line(
        "Central differences: 2 evaluations per point (Weierstrass), 12 per gradient (RK4), \
         2 (Sharpe, 2 assets), 2N (N assets), 3 per Adam step (the value and the difference). \
         On the Weierstrass sums their values are far off (b^k π h is not small once k ≥ 5): \
         only their cost is compared."
            .to_owned(),
    );
    line(String::new());
    line(
        "N-asset rows: the hand-written column is `portfolio::sharpe_n_gradient_by_hand`, which \
         forms Rᵀ·(∂S/∂r) with ndarray's `R.t().dot(..)`; the two extra hand-written rows of the \
         times table form it over contiguous rows of R, and in the same single pass over R that \
         computes R·w. Adam row: the grad column is the whole run, value_and_grad the same 1000 \
         gradients alone, plain 1000 evaluations; \"Adam and `Run` alone\" replays the run's \
         gradients from a table, so it times the optimizer by itself; the peers' columns are \
         whole runs with their gradients."
            .to_owned(),
    );
    s
}

/// A ratio with two decimals, or two significant digits below 0.1 (`0.0015`).
fn fmt_ratio(r: f64) -> String {
    if !r.is_finite() || r >= 0.095 {
        format!("{r:.2}")
    } else {
        let digits = (1 - r.log10().floor() as i32).max(2) as usize;
        format!("{r:.digits$}")
    }
}

fn fmt_time(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.3} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// `16000` → `16 000`.
fn group_digits(n: usize) -> String {
    let d = n.to_string();
    let mut out = String::new();
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

fn nproc() -> String {
    std::thread::available_parallelism().map_or("?".to_owned(), |n| n.to_string())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}

fn rustc_version() -> String {
    Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or("rustc ?".to_owned(), |v| v.trim().to_owned())
}

/// `YYYY-MM-DD HH:MM` in UTC, from the civil-from-days algorithm (no date crate needed).
fn utc_date(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// A ratio measured by timing two functions in alternation.
struct Paired {
    what: String,
    /// The median, first and third quartile of the per-round ratios.
    median: f64,
    q1: f64,
    q3: f64,
    /// The target, if this is one.
    limit: Option<f64>,
    /// The criterion workload timing the same two functions (group, parameter).
    criterion: Option<(&'static str, usize)>,
}

/// `b / a` from rounds of `a b b a` (each a batch of calls lasting about 20 ms), so that slow
/// drifts of the machine's speed hit both alike; the median and quartiles over the rounds.
///
/// Never inlined: each pair of closures is compiled into its own function, so the code measured
/// (the generated gradient is `#[inline]`) does not depend on what else the caller contains.
#[inline(never)]
fn paired_ratio(mut a: impl FnMut(), mut b: impl FnMut(), rounds: usize) -> (f64, f64, f64) {
    let time = |f: &mut dyn FnMut(), iters: usize| {
        let t = std::time::Instant::now();
        for _ in 0..iters {
            f();
        }
        t.elapsed().as_secs_f64()
    };
    // Warm up, and size the batches.
    let once = time(&mut a, 1).max(time(&mut a, 1)).max(1e-9);
    let iters = ((0.02 / once) as usize).max(1);
    time(&mut b, iters);
    let mut ratios: Vec<f64> = (0..rounds)
        .map(|_| {
            let ta = time(&mut a, iters);
            let tb = time(&mut b, iters) + time(&mut b, iters);
            tb / (ta + time(&mut a, iters))
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    let at = |q: f64| ratios[((rounds - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.25), at(0.75))
}

/// The targets of the benchmark issue, each timed in alternation with its plain function, and
/// the floor of any reverse mode for the N-asset Sharpe ratio.
fn paired_targets() -> Vec<Paired> {
    use autodiff_examples::portfolio::{
        grad_sharpe_n, grad_sharpe_ratio, sharpe_n, sharpe_ratio, value_and_grad_sharpe_ratio,
    };
    use autodiff_examples::weierstrass::{A, B, grad_weierstrass, weierstrass};
    use std::hint::black_box;
    eprintln!("timing the targets in alternation (about a minute)");
    let mut out = Vec::new();
    let xs = autodiff_examples::grids::linspace(-2.0, 2.0, 10_000).to_vec();
    let mut ys = vec![0.0; xs.len()];
    for n in [10usize, 20, 100] {
        let mut ys2 = ys.clone();
        let (median, q1, q3) = paired_ratio(
            || {
                let (n, a, b) = black_box((n, A, B));
                for (y, &x) in ys.iter_mut().zip(black_box(&xs)) {
                    *y = weierstrass(x, n, a, b);
                }
                black_box(&mut ys);
            },
            || {
                let (n, a, b) = black_box((n, A, B));
                for (y, &x) in ys2.iter_mut().zip(black_box(&xs)) {
                    *y = grad_weierstrass(x, n, a, b);
                }
                black_box(&mut ys2);
            },
            if n == 100 { 15 } else { 31 },
        );
        out.push(Paired {
            what: format!("Weierstrass, n = {n}: `grad_weierstrass` / `weierstrass` ≤ 1.05"),
            median,
            q1,
            q3,
            limit: Some(1.05),
            criterion: Some(("weierstrass", n)),
        });
    }
    if let Ok(returns) = reference::returns() {
        let r = returns.view();
        // Adam: the whole run against the same 1000 gradients alone (the work beyond them).
        let thetas = common::adam_trajectory(|t| value_and_grad_sharpe_ratio(t, r));
        let mut pairs = vec![(0.0, 0.0); thetas.len()];
        let (median, q1, q3) = paired_ratio(
            || {
                for (p, &t) in pairs.iter_mut().zip(black_box(&thetas)) {
                    *p = value_and_grad_sharpe_ratio(t, black_box(r));
                }
                black_box(&mut pairs);
            },
            || {
                black_box(common::adam_sharpe(|t| {
                    value_and_grad_sharpe_ratio(t, black_box(r))
                }));
            },
            15,
        );
        out.push(Paired {
            what: "Adam, 1000 steps: the whole run / the same 1000 gradients alone ≤ 1.10"
                .to_owned(),
            median,
            q1,
            q3,
            limit: Some(1.10),
            criterion: None,
        });
        let (median, q1, q3) = paired_ratio(
            || {
                black_box(sharpe_ratio(black_box(1.3), black_box(r)));
            },
            || {
                black_box(grad_sharpe_ratio(black_box(1.3), black_box(r)));
            },
            51,
        );
        out.push(Paired {
            what: "Sharpe, 2 assets: `grad_sharpe_ratio` / `sharpe_ratio` ≤ 1.15".to_owned(),
            median,
            q1,
            q3,
            limit: Some(1.15),
            criterion: Some(("sharpe_2_assets", SHARPE_PERIODS)),
        });
    }
    let n = SHARPE_NS[SHARPE_NS.len() - 1];
    let big = common::factor_returns(n, SHARPE_PERIODS, n as u64);
    let w = common::n_asset_weights(n);
    let (r, w) = (big.view(), w.view());
    let (median, q1, q3) = paired_ratio(
        || {
            black_box(sharpe_n(black_box(w), black_box(r)));
        },
        || {
            black_box(grad_sharpe_n(black_box(w), black_box(r)));
        },
        31,
    );
    out.push(Paired {
        what: format!("Sharpe, N = {n}: `grad_sharpe_n` / `sharpe_n` ≤ 1.5"),
        median,
        q1,
        q3,
        limit: Some(1.5),
        criterion: Some(("sharpe_n_assets", n)),
    });
    // Any reverse mode reads R once more after the forward R·w (the adjoint Rᵀḡ needs ḡ, which
    // needs the mean and deviation of all of R·w): the function plus one plain read of R.
    let (median, q1, q3) = paired_ratio(
        || {
            black_box(sharpe_n(black_box(w), black_box(r)));
        },
        || {
            black_box(sharpe_n(black_box(w), black_box(r)));
            black_box(black_box(r).sum());
        },
        31,
    );
    out.push(Paired {
        what: format!(
            "floor of any reverse mode at N = {n}: (`sharpe_n` + one read of R, `R.sum()`) / \
             `sharpe_n`"
        ),
        median,
        q1,
        q3,
        limit: None,
        criterion: None,
    });
    out
}
