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
    let got = pretty(attr, item);
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
        4,
        "value_and_grad_, grad_, jvp_, pullback_:\n{out}"
    );
    for g in generated.iter().filter(|g| !g.starts_with("grad_")) {
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
