//! The post's two-asset Sharpe ratio `S(θ)` over the reference returns (1000 periods,
//! `data/returns.csv`) and its derivative in θ, at θ = 1.3.
//!
//! ```sh
//! cargo bench --bench sharpe                            # full criterion run
//! cargo run --release --example bench_table             # quick run of all benches + ratio table
//! ```
//!
//! Group `sharpe_2_assets`, the array form (`portfolio::sharpe_ratio`):
//! - `plain`: the function itself;
//! - `grad`, `value_and_grad`: what `#[differentiable]` generates;
//! - `hand`: `S` and `dS/dθ` written by hand, two fused passes over the rows (the limit);
//! - `num_dual`: forward mode, one `Dual64` evaluation;
//! - `reverse`: the `reverse` crate's tape (reused, cleared per gradient);
//! - `central_diff`: central differences, 2 evaluations of `sharpe_ratio`.
//!
//! Group `sharpe_2_assets_loop`, the loop form (`portfolio::sharpe_ratio_loop`): `plain`, `grad`,
//! `value_and_grad` only; the peers compute the same function as above, and the ratio table
//! compares the loop form's gradient with their times from the first group.

mod common;

use autodiff_examples::portfolio::{
    grad_sharpe_ratio, grad_sharpe_ratio_loop, sharpe_ratio, sharpe_ratio_loop,
    value_and_grad_sharpe_ratio, value_and_grad_sharpe_ratio_loop,
};
use autodiff_examples::reference;
use common::{central, sharpe_and_derivative_by_hand, sharpe_num_dual, sharpe_reverse};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

/// The weight of the second asset at which the derivative is taken.
const THETA: f64 = 1.3;

fn bench(c: &mut Criterion) {
    let returns = reference::returns().expect("the reference data in data/");
    let returns = returns.view();
    let periods = returns.nrows();
    let tape = reverse::Tape::new();

    // Guard against timing the wrong thing: the peers agree with grad_sharpe_ratio.
    let (s, g) = value_and_grad_sharpe_ratio(THETA, returns);
    assert_eq!(s, sharpe_ratio(THETA, returns));
    assert_eq!(g, grad_sharpe_ratio(THETA, returns));
    let close = |a: f64, b: f64, tol: f64| (a - b).abs() <= tol * a.abs().max(b.abs());
    for (name, (sv, gv), tol) in [
        ("hand", sharpe_and_derivative_by_hand(THETA, returns), 1e-12),
        ("num_dual", sharpe_num_dual(THETA, returns), 1e-12),
        (
            "loop form",
            value_and_grad_sharpe_ratio_loop(THETA, returns),
            1e-12,
        ),
        (
            "reverse",
            {
                let (v, d, _) = sharpe_reverse(&tape, THETA, returns);
                (v, d)
            },
            1e-12,
        ),
        (
            "central_diff",
            (s, central(|t| sharpe_ratio(t, returns), THETA)),
            1e-7,
        ),
    ] {
        assert!(close(s, sv, 1e-13), "S: ours {s} vs {name} {sv}");
        assert!(close(g, gv, tol), "dS/dθ: ours {g} vs {name} {gv}");
    }

    let mut group = c.benchmark_group("sharpe_2_assets");
    group.warm_up_time(Duration::from_secs(1));
    let id = |name: &str| BenchmarkId::new(name, periods);
    group.bench_function(id("plain"), |b| {
        b.iter(|| {
            let (theta, r) = black_box((THETA, returns));
            sharpe_ratio(theta, r)
        })
    });
    group.bench_function(id("grad"), |b| {
        b.iter(|| {
            let (theta, r) = black_box((THETA, returns));
            grad_sharpe_ratio(theta, r)
        })
    });
    group.bench_function(id("value_and_grad"), |b| {
        b.iter(|| {
            let (theta, r) = black_box((THETA, returns));
            value_and_grad_sharpe_ratio(theta, r)
        })
    });
    group.bench_function(id("hand"), |b| {
        b.iter(|| {
            let (theta, r) = black_box((THETA, returns));
            sharpe_and_derivative_by_hand(theta, r)
        })
    });
    group.bench_function(id("num_dual"), |b| {
        b.iter(|| {
            let (theta, r) = black_box((THETA, returns));
            sharpe_num_dual(theta, r)
        })
    });
    group.bench_function(id("reverse"), |b| {
        b.iter(|| {
            let (theta, r) = black_box((THETA, returns));
            sharpe_reverse(&tape, theta, r)
        })
    });
    group.bench_function(id("central_diff"), |b| {
        b.iter(|| {
            let (theta, r) = black_box((THETA, returns));
            central(|t| sharpe_ratio(t, r), theta)
        })
    });
    group.finish();

    let mut group = c.benchmark_group("sharpe_2_assets_loop");
    group.warm_up_time(Duration::from_secs(1));
    group.bench_function(id("plain"), |b| {
        b.iter(|| {
            let (theta, r) = black_box((THETA, returns));
            sharpe_ratio_loop(theta, r)
        })
    });
    group.bench_function(id("grad"), |b| {
        b.iter(|| {
            let (theta, r) = black_box((THETA, returns));
            grad_sharpe_ratio_loop(theta, r)
        })
    });
    group.bench_function(id("value_and_grad"), |b| {
        b.iter(|| {
            let (theta, r) = black_box((THETA, returns));
            value_and_grad_sharpe_ratio_loop(theta, r)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
