use autodiff_fuzz::driver::{self, Env};
use autodiff_fuzz::generator::{FEATURES, Grammar};

fn usage() -> ! {
    eprintln!(
        "usage:\n  autodiff-fuzz random --seed S --count N [--scalar|--array] [--feature X ...] [--no-feature X ...] [--points P] [--show K] [--out DIR]\n  autodiff-fuzz shrink FILE\n  autodiff-fuzz mutate --seed S --count N [--show K]\n  autodiff-fuzz list-features\n  autodiff-fuzz print --seed S [--array] [--index I]\n(random, shrink, mutate: --timeout SECS, the time limit of one check, default 20)"
    );
    std::process::exit(2)
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    // `shrink FILE`: the case file's first line holds the generator's arguments
    if args.first().map(|s| s.as_str()) == Some("shrink")
        && args.len() >= 2
        && !args[1].starts_with("--")
    {
        let text = std::fs::read_to_string(&args[1]).unwrap_or_else(|e| {
            eprintln!("{}: {e}", args[1]);
            std::process::exit(2)
        });
        let first = text.lines().next().unwrap_or("");
        let Some(spec) = first.strip_prefix("// autodiff-fuzz case:") else {
            eprintln!(
                "{}: not a case file (first line `// autodiff-fuzz case: ...`)",
                args[1]
            );
            std::process::exit(2)
        };
        let file = args.remove(1);
        let extra: Vec<String> = args.drain(1..).collect();
        args.extend(spec.split_whitespace().map(|s| s.to_string()));
        args.extend(extra);
        args.push("--file".into());
        args.push(file);
    }
    let Some(cmd) = args.first() else { usage() };
    let mut seed = 1u64;
    let mut count = 50usize;
    let mut g = Grammar::default();
    let mut points = 4usize;
    let mut show = 20usize;
    let mut index = 0usize;
    let mut rest = vec![];
    let mut file: Option<String> = None;
    let mut batch = 24usize;
    let mut timeout: Option<u64> = None;
    let mut i = 1;
    while i < args.len() {
        let a = args[i].as_str();
        let mut val = || {
            i += 1;
            args.get(i).cloned().unwrap_or_else(|| usage())
        };
        match a {
            "--seed" => seed = val().parse().unwrap_or_else(|_| usage()),
            "--count" => count = val().parse().unwrap_or_else(|_| usage()),
            "--points" => points = val().parse().unwrap_or_else(|_| usage()),
            "--show" => show = val().parse().unwrap_or_else(|_| usage()),
            "--index" => index = val().parse().unwrap_or_else(|_| usage()),
            "--file" => file = Some(val()),
            "--batch" => batch = val().parse().unwrap_or_else(|_| usage()),
            "--timeout" => timeout = Some(val().parse().unwrap_or_else(|_| usage())),
            "--size" => g.size = val().parse().unwrap_or_else(|_| usage()),
            "--funcs" => g.funcs = val().parse().unwrap_or_else(|_| usage()),
            "--scalar" => g.arrays = false,
            "--array" => g.arrays = true,
            "--feature" => {
                for f in val().split(',') {
                    if let Err(e) = g.enable(f) {
                        eprintln!("{e}");
                        std::process::exit(2);
                    }
                }
            }
            "--no-feature" => {
                let f = val();
                for f in f.split(',') {
                    if let Err(e) = g.disable(f) {
                        eprintln!("{e}");
                        std::process::exit(2);
                    }
                }
            }
            _ => rest.push(a.to_string()),
        }
        i += 1;
    }
    let mut env = Env::here();
    env.points = points;
    env.verbose = true;
    if let Some(t) = timeout {
        env.timeout = std::time::Duration::from_secs(t);
    }
    match cmd.as_str() {
        "list-features" => {
            for (n, d) in FEATURES {
                println!("{n:18} {d}");
            }
            println!("fn:<name>          one math function (e.g. fn:asin)");
        }
        "print" => {
            let cases = driver::generate(&g, seed, index + 1, 'p');
            let c = &cases[index];
            println!("{}", c.user_code());
            if let driver::Unit::Gen(p) = &c.unit {
                println!(
                    "// ---- dual\n{}",
                    autodiff_fuzz::ast::pretty(&autodiff_fuzz::ast::render_module(
                        p,
                        autodiff_fuzz::ast::Mode::Dual,
                        false
                    ))
                );
            }
        }
        "shrink" => {
            let cases = driver::generate(&g, seed, index + 1, 'p');
            let case = cases.into_iter().nth(index).unwrap();
            env.verbose = false;
            let r = driver::run_batch(&env, "shrink", vec![case.clone()], 7).unwrap_or_else(|e| {
                eprintln!("error: {e}");
                std::process::exit(2)
            });
            let v = &r.cases[0].1;
            let Some(want) = autodiff_fuzz::shrink::signature(v) else {
                println!("the program does not fail (verdict {v:?}); nothing to shrink");
                return;
            };
            eprintln!("[shrink] failure: {:?} {}", want.0, want.1);
            let driver::Unit::Gen(p) = case.unit else {
                unreachable!()
            };
            let (min, mv) = autodiff_fuzz::shrink::shrink(&env, p, &want, batch, &mut |m| {
                eprintln!("[shrink] {m}")
            })
            .unwrap_or_else(|e| {
                eprintln!("error: {e}");
                std::process::exit(2)
            });
            let text = autodiff_fuzz::ast::pretty(&autodiff_fuzz::ast::render_module(
                &min,
                autodiff_fuzz::ast::Mode::Plain,
                true,
            ));
            let mut out = format!(
                "{}\n// minimised; fails with {}:\n",
                driver::case_header(&g, seed, index),
                want.0.label()
            );
            if let driver::Verdict::Fail(fs) = &mv {
                for (_, m) in fs.iter().take(4) {
                    for l in m.lines().take(12) {
                        out.push_str(&format!("//   {l}\n"));
                    }
                }
            }
            out.push_str(&text);
            let path = match &file {
                Some(f) => {
                    std::path::PathBuf::from(f.trim_end_matches(".case").to_string() + ".min.rs")
                }
                None => env.dir.join(format!(
                    "cases/min-s{seed}-{index:04}{}.rs",
                    if g.arrays { "-array" } else { "" }
                )),
            };
            let _ = std::fs::create_dir_all(path.parent().unwrap());
            std::fs::write(&path, &out).unwrap();
            println!("{out}");
            println!("written to {}", path.display());
        }
        "mutate" => {
            let cases = autodiff_fuzz::mutate::cases(&env.workspace, seed, count);
            eprintln!("[mutate] {} programs ({} mutants)", cases.len(), count);
            match driver::run_batch(&env, "mutate", cases, seed) {
                Ok(mut r) => {
                    let figures = autodiff_fuzz::mutate_report::Figures::of(&r);
                    let paths = autodiff_fuzz::mutate_report::write_failures(
                        &env.dir.join("cases"),
                        seed,
                        &r,
                    )
                    .unwrap_or_default();
                    // a mutant that plain rustc rejects, or whose attribute-free copy does not
                    // finish, is not a test: drop it
                    r.cases
                        .retain(|(_, v)| autodiff_fuzz::mutate_report::discard(v).is_none());
                    print!("{}", r.details(show));
                    if !paths.is_empty() {
                        println!(
                            "failing mutants written to {}/mutant-s{seed}-*.rs",
                            env.dir.join("cases").display()
                        );
                    }
                    println!(
                        "==================== summary (mutate, seed {seed}, {count} mutants; {} + {} discarded: not valid Rust / does not finish without the attribute)",
                        figures.discarded_compile, figures.discarded_run
                    );
                    print!("{}", r.summary());
                    print!("{}", figures.text());
                    println!("{}", figures.line(seed));
                    println!("by signature (count, kind, message, smallest programs):");
                    print!("{}", r.group_table());
                    if !r.failures().is_empty() {
                        std::process::exit(1);
                    }
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    std::process::exit(2);
                }
            }
        }
        "random" => {
            let cases = driver::generate(&g, seed, count, 'p');
            let name = if g.arrays {
                "random-array"
            } else {
                "random-scalar"
            };
            match driver::run_batch(&env, name, cases, seed) {
                Ok(r) => {
                    let tag = if g.arrays { "array" } else { "scalar" };
                    let paths = driver::write_cases(&env.dir.join("cases"), &g, seed, &r, tag)
                        .unwrap_or_default();
                    print!("{}", r.details(show));
                    if !paths.is_empty() {
                        println!(
                            "case files (for `shrink FILE`): {}/{tag}-s{seed}-*.case",
                            env.dir.join("cases").display()
                        );
                    }
                    println!(
                        "==================== summary (seed {seed}, {count} programs, {})",
                        if g.arrays { "arrays" } else { "scalar" }
                    );
                    print!("{}", r.summary());
                    println!("by signature (count, kind, message, smallest programs):");
                    print!("{}", r.group_table());
                    if !r.failures().is_empty() {
                        std::process::exit(1);
                    }
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    std::process::exit(2);
                }
            }
        }
        _ => usage(),
    }
}
