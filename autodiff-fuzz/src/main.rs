use autodiff_fuzz::driver::{self, Env};
use autodiff_fuzz::generator::{FEATURES, Grammar};

fn usage() -> ! {
    eprintln!(
        "usage:\n  autodiff-fuzz random --seed S --count N [--scalar|--array] [--no-feature X ...] [--points P] [--show K] [--out DIR]\n  autodiff-fuzz shrink FILE\n  autodiff-fuzz mutate --seed S --count N\n  autodiff-fuzz list-features\n  autodiff-fuzz print --seed S [--array] [--index I]"
    );
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else { usage() };
    let mut seed = 1u64;
    let mut count = 50usize;
    let mut g = Grammar::default();
    let mut points = 4usize;
    let mut show = 20usize;
    let mut index = 0usize;
    let mut rest = vec![];
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
            "--size" => g.size = val().parse().unwrap_or_else(|_| usage()),
            "--funcs" => g.funcs = val().parse().unwrap_or_else(|_| usage()),
            "--scalar" => g.arrays = false,
            "--array" => g.arrays = true,
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
                println!("// ---- dual\n{}", autodiff_fuzz::ast::pretty(&autodiff_fuzz::ast::render_module(p, autodiff_fuzz::ast::Mode::Dual, false)));
            }
        }
        "random" => {
            let cases = driver::generate(&g, seed, count, 'p');
            let name = if g.arrays { "random-array" } else { "random-scalar" };
            match driver::run_batch(&env, name, cases, seed) {
                Ok(r) => {
                    print!("{}", r.details(show));
                    println!("==================== summary (seed {seed}, {count} programs, {})", if g.arrays { "arrays" } else { "scalar" });
                    print!("{}", r.summary());
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
