//! Expansion snapshots: what small functions expand to, pretty-printed, compared with the files
//! in `tests/expand/`. Set `AUTODIFF_BLESS=1` to rewrite the snapshots after an intended change.

use proc_macro2::TokenStream;

pub fn pretty(attr: TokenStream, item: TokenStream) -> String {
    let out = crate::expand::differentiable(attr, item);
    match syn::parse2::<syn::File>(out.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => out.to_string(),
    }
}

fn snapshot(name: &str, attr: TokenStream, item: TokenStream) {
    snapshot_text(name, pretty(attr, item));
}

fn snapshot_text(name: &str, got: String) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/expand")
        .join(format!("{name}.rs"));
    if std::env::var_os("AUTODIFF_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing snapshot {}; run with AUTODIFF_BLESS=1",
            path.display()
        )
    });
    assert_eq!(
        want, got,
        "expansion of `{name}` changed; review and re-bless with AUTODIFF_BLESS=1"
    );
}

#[test]
fn loop_with_call_records_nothing() {
    snapshot(
        "weierstrass",
        quote::quote!(wrt(x)),
        quote::quote! {
            pub fn weierstrass(x: f64, n: usize, a: f64, b: f64) -> f64 {
                let mut res = 0.0;
                for k in 0..n {
                    res += w_term(x, k, a, b);
                }
                res
            }
        },
    );
}

/// A `while` loop's exit flag is known in the reverse sweep from the iteration's position: its
/// integer counter is not recorded (the tape holds `s` alone, as the `for` form's does).
#[test]
fn while_counter_is_not_recorded() {
    snapshot(
        "while_counter",
        quote::quote!(),
        quote::quote! {
            pub fn w(x: f64, n: usize) -> f64 {
                let mut s = x;
                let mut k = 0;
                while k < n {
                    s = (s * x).sin();
                    k += 1;
                }
                s
            }
        },
    );
}

/// An order-free loop replays its carried values forward in the reverse sweep instead of
/// recording them: least squares' running power `mul` (read by `x[j] * mul`'s pullback) is
/// multiplied again, not put on a tape (GradBench's llsq, issue 13).
#[test]
fn running_power_is_replayed_not_recorded() {
    snapshot(
        "llsq_replay",
        quote::quote!(),
        quote::quote! {
            pub fn llsq(x: &[f64], n: usize) -> f64 {
                let mut sum = 0.0;
                for i in 0..n {
                    let t = -1.0 + 2.0 * i as f64 / (n - 1) as f64;
                    let mut inner = t.signum();
                    let mut mul = 1.0;
                    for j in 0..x.len() {
                        inner -= x[j] * mul;
                        mul *= t;
                    }
                    sum += inner * inner;
                }
                sum / 2.0
            }
        },
    );
}

/// Log-sum-exp: the running max's reverse runs forward without a tape (the winner is the
/// element equal to the final max; GradBench's lse, issue 13). The `exp` of the sum's loop is
/// computed again: storing it measured slower (1.28 M elements: 21.5 ms against 14.8 ms, the
/// store's 10 MB of fresh pages cost more than the second `exp`).
#[test]
fn running_max_replayed() {
    snapshot(
        "lse_replay",
        quote::quote!(),
        quote::quote! {
            pub fn logsumexp(x: &[f64]) -> f64 {
                let m = x.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let s: f64 = x.iter().map(|v| (v - m).exp()).sum();
                m + s.ln()
            }
        },
    );
}

/// Array adjoints are created by their first contribution (`first_adj`), not zeroed then
/// accumulated; `r_bar`'s last contribution moves the statement's own adjoint in.
#[test]
fn array_adjoints_from_first_contribution() {
    snapshot(
        "sharpe",
        quote::quote!(wrt(theta)),
        quote::quote! {
            pub fn sharpe_ratio(theta: f64, returns: ArrayView2<f64>) -> f64 {
                let r = (&returns.column(0) + &(&returns.column(1) * theta)) / (1.0 + theta);
                r.mean().unwrap() / r.std(0.0)
            }
        },
    );
}

#[test]
fn straight_line() {
    snapshot(
        "straight_line",
        quote::quote!(),
        quote::quote! {
            fn f(x: f64, y: f64) -> f64 {
                let z = x * y + x.sin();
                z / y
            }
        },
    );
}

#[test]
fn product_loop_records_its_carried_value() {
    snapshot(
        "product_loop",
        quote::quote!(),
        quote::quote! {
            fn f(x: f64, n: usize) -> f64 {
                let mut p = 1.0;
                for k in 1..n {
                    p = p * (x + k as f64).sin();
                }
                p
            }
        },
    );
}

#[test]
fn branch_and_early_return() {
    snapshot(
        "early_return",
        quote::quote!(),
        quote::quote! {
            fn f(x: f64) -> f64 {
                let mut s = x;
                while s < 10.0 {
                    if s < 0.0 {
                        return -s;
                    }
                    s = s * s + 1.0;
                }
                s
            }
        },
    );
}

#[test]
fn refused_input_keeps_the_function_and_stubs() {
    snapshot(
        "refused",
        quote::quote!(wrt(x)),
        quote::quote! {
            fn f(x: f64, v: &[f64]) -> f64 {
                let c = unsafe { x * 2.0 };
                c
            }
        },
    );
}

/// An iterator chain is the loop a user would write: a counter over the shorter array, the
/// closure inlined, an accumulator starting at `-0.0` (as `f64`'s `Sum`), no tape.
#[test]
fn iterator_chain_is_a_loop() {
    snapshot(
        "iterator_chain",
        quote::quote!(),
        quote::quote! {
            pub fn sq_dist(x: &[f64], y: &[f64]) -> f64 {
                x.iter().zip(y.iter()).map(|(a, b)| (a - b).powi(2)).sum::<f64>()
            }
        },
    );
}

/// A helper with two outputs gets a pullback taking a pair of adjoints; its caller's tuple
/// assignment reads the parts of the call's result and hands their adjoints back as a pair.
#[test]
fn tuple_state_update() {
    snapshot(
        "tuple_step",
        quote::quote!(),
        quote::quote! {
            fn step(x: f64, v: f64, dt: f64) -> (f64, f64) {
                (x + dt * v, v - dt * x)
            }
        },
    );
    snapshot(
        "tuple_simulate",
        quote::quote!(wrt(x0, v0)),
        quote::quote! {
            fn simulate(x0: f64, v0: f64, n: usize) -> f64 {
                let (mut x, mut v) = (x0, v0);
                for _ in 0..n {
                    (x, v) = step(x, v, 0.01);
                }
                x * v
            }
        },
    );
}

/// `match` is an `if` chain on `matches!`; a name bound to the whole value differentiates
/// through it.
#[test]
fn match_is_an_if_chain() {
    snapshot(
        "match_arms",
        quote::quote!(wrt(x)),
        quote::quote! {
            fn f(x: f64, mode: usize) -> f64 {
                match mode {
                    0 => x.sin(),
                    1 | 2 => x * x,
                    n if n > 10 => x * n as f64,
                    _ => x,
                }
            }
        },
    );
}

/// Pure scalar `let`s are emitted longest chain first: in the Weierstrass term, `b^k` (which
/// feeds the cosine, and the sine of the reverse sweep) before `a^k`, in every generated
/// function; the user's function keeps its written order.
#[test]
fn long_chains_are_scheduled_first() {
    let out = pretty(
        quote::quote!(wrt(x)),
        quote::quote! {
            pub fn w_term(x: f64, n: usize, a: f64, b: f64) -> f64 {
                a.powf(n as f64) * (b.powf(n as f64) * PI * x).cos()
            }
        },
    );
    let generated: Vec<&str> = out.split("pub fn ").skip(2).collect();
    assert_eq!(
        generated.len(),
        5,
        "value_and_grad_, grad_, jvp_, vjp_, pullback_:\n{out}"
    );
    // grad_ and vjp_ call the others.
    for g in generated
        .iter()
        .filter(|g| !g.starts_with("grad_") && !g.starts_with("vjp_"))
    {
        let (a, b) = (g.find("f64::powf(a,"), g.find("f64::powf(b,"));
        assert!(
            matches!((a, b), (Some(a), Some(b)) if b < a),
            "b.powf should come first in:\n{g}"
        );
    }
    let user = out.split("pub fn ").nth(1).unwrap();
    assert!(user.find("a.powf(") < user.find("b.powf("));
}

/// Debugging macros stay where they were written, in the forward sweep of value_and_grad_ only:
/// variables renamed to their current versions, inline captures passed as named arguments, and
/// nothing of them in the reverse sweep (the loop body recomputed there) or in pullback_.
#[test]
fn debugging_macros() {
    snapshot(
        "debug_macros",
        quote::quote!(),
        quote::quote! {
            fn f(x: f64, n: usize) -> f64 {
                let mut p = x;
                for i in 0..n {
                    p = p * x;
                    println!("{i}: {p:.3} {}", p * 2.0);
                    assert!(p.is_finite(), "p = {p}");
                }
                dbg!(p) + x
            }
        },
    );
}

/// A dense ReLU layer written with everyday ndarray: `t()` and its pullback (a transposed view
/// of the adjoint), and `mapv` with a closure, whose body's pullback runs per element inside
/// one pass (`map_pullback`) and sums the captured value's adjoint.
#[test]
fn ndarray_methods_and_mapv_closure() {
    snapshot(
        "dense_layer",
        quote::quote!(wrt(w, leak)),
        quote::quote! {
            pub fn dense(w: ArrayView2<f64>, x: ArrayView2<f64>, leak: f64) -> f64 {
                let h = x.dot(&w.t()).mapv(|v| if v > 0.0 { v } else { leak * v });
                h.sum_axis(Axis(0)).mean().unwrap()
            }
        },
    );
}

/// Expansion time against the length of a straight-line body (issue 9, item 6): prints the
/// time per statement for growing lengths, which stays flat when expansion is linear. A
/// measurement, not a test: `cargo test -p autodiff-macros --release --lib -- --ignored
/// --nocapture expansion_time`.
#[test]
#[ignore]
fn expansion_time_grows_linearly() {
    for n in std::env::var("EXPANSION_SIZES")
        .map(|s| {
            s.split(',')
                .map(|x| x.parse().unwrap())
                .collect::<Vec<usize>>()
        })
        .unwrap_or(vec![500, 1000, 2000, 4000, 8000])
    {
        let mut body = String::from("let mut s = x;");
        for k in 0..n {
            if k % 3 == 0 {
                body.push_str("s = (s * y).sin() + 0.5;");
            } else if k % 3 == 1 {
                body.push_str("let t = s * 1.5 + y;");
            } else {
                body.push_str("s = s + t.cos();");
            }
        }
        let item: TokenStream = format!("pub fn f(x: f64, y: f64) -> f64 {{ {body} s }}")
            .parse()
            .unwrap();
        let start = std::time::Instant::now();
        let out = crate::expand::differentiable(TokenStream::new(), item);
        let t = start.elapsed();
        println!(
            "{n:6} statements: {:8.1} ms, {:6.1} µs per statement, {} tokens out",
            t.as_secs_f64() * 1e3,
            t.as_secs_f64() * 1e6 / n as f64,
            out.into_iter().count()
        );
    }
}

/// `crate = path` roots every runtime path of the generated code at `path` (for a renamed
/// dependency), arrays and loops included.
#[test]
fn crate_path_replaces_the_runtime_path() {
    let out = pretty(
        quote::quote!(wrt(x), crate = ad),
        quote::quote! {
            pub fn f(x: &[f64], n: usize) -> f64 {
                let mut s = 0.0;
                for i in 0..n { if x[i] > 0.0 { s += x[i].sin(); } else { break; } }
                s
            }
        },
    );
    assert!(!out.contains("autodiff_runtime"), "{out}");
    assert!(out.contains("ad::__rt::"), "{out}");
    let default = pretty(
        quote::quote!(wrt(x)),
        quote::quote! { pub fn f(x: &[f64]) -> f64 { x[0] * x[1] } },
    );
    assert!(default.contains("::autodiff_runtime::"));
}

/// The IR that lowering makes of a function, compared with `tests/expand/<name>.ir` (and checked
/// by the verifier): how jumps become flags and guards, and where versions of a variable meet.
fn ir_snapshot(name: &str, item: TokenStream) {
    let func: syn::ItemFn = syn::parse2(item.clone()).unwrap();
    let mut errors = crate::error::Errors::default();
    let ir = crate::lower::lower_fn(&func, &crate::names::Namer::for_item(&item), &mut errors)
        .expect("lowers");
    crate::ir::verify(&ir).unwrap();
    let got = crate::ir::dump(&ir);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/expand")
        .join(format!("{name}.ir"));
    if std::env::var_os("AUTODIFF_BLESS").is_some() {
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing {}; run with AUTODIFF_BLESS=1", path.display()));
    assert_eq!(
        want, got,
        "IR of `{name}` changed; review and re-bless with AUTODIFF_BLESS=1"
    );
}

#[test]
fn ir_of_early_exits_and_loops() {
    ir_snapshot(
        "early_exit",
        quote::quote! {
            pub fn f(x: f64, n: usize) -> f64 {
                let mut s = x;
                for i in 0..n {
                    if s > 10.0 { return s; }
                    s = s * x + i as f64;
                }
                let mut k = 0;
                while k < 3 { s = s.sin(); k += 1; }
                s
            }
        },
    );
}

/// The verifier catches a value used outside the scope of its definition.
#[test]
fn verifier_catches_out_of_scope_values() {
    let item = quote::quote! {
        pub fn f(x: f64, c: bool) -> f64 { let t = if c { x * 2.0 } else { x }; t }
    };
    let func: syn::ItemFn = syn::parse2(item.clone()).unwrap();
    let mut errors = crate::error::Errors::default();
    let mut ir =
        crate::lower::lower_fn(&func, &crate::names::Namer::for_item(&item), &mut errors).unwrap();
    crate::ir::verify(&ir).unwrap();
    // Return a value defined inside the branch instead of the merge.
    let inner = ir
        .body
        .stmts
        .iter()
        .find_map(|s| match s {
            crate::ir::Stmt::If(i) => i.then_block.stmts.iter().find_map(|s| match s {
                crate::ir::Stmt::Let(l) => Some(l.dst),
                _ => None,
            }),
            _ => None,
        })
        .unwrap();
    ir.results = vec![crate::ir::Operand::Val(inner)];
    let e = crate::ir::verify(&ir).unwrap_err();
    assert!(e.contains("not defined there"), "{e}");
}

/// A 5 000-term flat expression and 1 000 early returns expand (issue 9: plain rustc compiles
/// both; the macro must not overflow its stack on them). Run on a thread with the stack rustc
/// gives a proc macro's thread (8 MiB).
#[test]
fn very_long_bodies_expand() {
    let run = || {
        let terms: Vec<String> = (1..=5000).map(|k| format!("x * {k}.0")).collect();
        let flat: TokenStream = format!("pub fn flat(x: f64) -> f64 {{ {} }}", terms.join(" + "))
            .parse()
            .unwrap();
        let out = crate::expand::differentiable(TokenStream::new(), flat);
        assert!(!out.to_string().contains("compile_error"));
        let rets: String = (0..1000)
            .map(|_| "if s > 1e300 { return s; } s = (s * y).sin() + 0.5;")
            .collect();
        let rets: TokenStream =
            format!("pub fn rets(x: f64, y: f64) -> f64 {{ let mut s = x; {rets} s }}")
                .parse()
                .unwrap();
        let out = crate::expand::differentiable(TokenStream::new(), rets);
        assert!(!out.to_string().contains("compile_error"));
    };
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(run)
        .unwrap()
        .join()
        .unwrap();
}

/// Local arrays in any scope: `buf`, declared in the loop body, is filled again by the reverse
/// sweep's recomputation of each iteration (nothing recorded for it); `w`, updated in place after
/// a nested loop that carries a value reads it, is copied at the start of every iteration
/// (`snapshot0`) and put back before the iteration is recomputed, and its in-place update
/// records the elements it overwrites and the reads that the update overwrites.
#[test]
fn local_arrays_in_any_scope() {
    snapshot(
        "local_arrays",
        quote::quote!(),
        quote::quote! {
            fn f(x: &[f64], a: f64) -> f64 {
                let n = x.len();
                let mut w = vec![0.0; n];
                let mut s = 0.0;
                for k in 0..3 {
                    let mut buf = [0.0; 2];
                    buf[0] = x[k] * a;
                    buf[1] = buf[0].sin();
                    let mut norm = 0.0;
                    for i in 0..n {
                        norm += w[i] * w[i];
                    }
                    for i in 0..n {
                        w[i] = w[i] * norm.tanh() + buf[1];
                    }
                    s += buf[0] * norm;
                }
                s
            }
        },
    );
}

/// A struct parameter (as the derive's field list calls back with it): the flat function with
/// one parameter per differentiated field, its expansion, and the wrappers that take and return
/// the struct. The constant field `n` is read from the struct itself.
#[test]
fn struct_parameter_is_flattened() {
    let out = crate::structs::with_fields(quote::quote! {
        { w: array1, b: f64, n: constant }
        (m) (wrt(m)) {
            pub fn predict(m: &Linear, x: &Array1<f64>) -> f64 {
                (m.w.dot(x) + m.b).tanh() * m.n as f64
            }
        }
        []
    });
    let text = match syn::parse2::<syn::File>(out.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => out.to_string(),
    };
    snapshot_text("struct_param", text);
}
