//! The random-program differential test that `cargo test --workspace` runs: a fixed set of
//! seeds, scalar and array programs, built into one generated crate and checked against
//! dual numbers. Every failure is reported with its program text.
//!
//! `AUTODIFF_FUZZ_SEEDS=1-20 AUTODIFF_FUZZ_COUNT=100 cargo test -p autodiff-fuzz --release -- --ignored`
//! runs many more (the ignored test `many_seeds`).

use autodiff_fuzz::driver::{self, Case, Env};
use autodiff_fuzz::generator::Grammar;

fn run(scalar_seeds: &[u64], array_seeds: &[u64], count: usize, name: &str) {
    let env = Env::here();
    let mut cases: Vec<Case> = vec![];
    let scalar = Grammar::default();
    let arrays = Grammar {
        arrays: true,
        ..Grammar::default()
    };
    for (k, &s) in scalar_seeds.iter().enumerate() {
        for mut c in driver::generate(&scalar, s, count, 'p') {
            c.id = format!("p{}{}", k, &c.id[1..]);
            cases.push(c);
        }
    }
    for (k, &s) in array_seeds.iter().enumerate() {
        for mut c in driver::generate(&arrays, s, count, 'a') {
            c.id = format!("a{}{}", k, &c.id[1..]);
            cases.push(c);
        }
    }
    let report =
        driver::run_batch(&env, name, cases, 1).expect("building or running the generated crate");
    eprintln!("{}", report.summary());
    if !report.failures().is_empty() {
        eprintln!("{}", report.details(usize::MAX));
        eprintln!("by signature:\n{}", report.group_table());
        panic!(
            "{} of {} generated programs fail; see above (program text with each failure)\n{}",
            report.failures().len(),
            report.cases.len(),
            report.summary()
        );
    }
}

#[test]
fn fixed_seeds() {
    run(&[101, 102, 103], &[201, 202], 12, "ci");
}

fn seeds_from_env() -> Vec<u64> {
    let spec = std::env::var("AUTODIFF_FUZZ_SEEDS").unwrap_or_else(|_| "1-5".into());
    let mut out = vec![];
    for part in spec.split(',') {
        if let Some((a, b)) = part.split_once('-') {
            let (a, b): (u64, u64) = (a.trim().parse().unwrap(), b.trim().parse().unwrap());
            out.extend(a..=b);
        } else if !part.trim().is_empty() {
            out.push(part.trim().parse().unwrap());
        }
    }
    out
}

#[test]
#[ignore = "many seeds: minutes; run with --ignored"]
fn many_seeds() {
    let seeds = seeds_from_env();
    let count: usize = std::env::var("AUTODIFF_FUZZ_COUNT")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100);
    run(&seeds, &seeds, count, "ci-many");
}
