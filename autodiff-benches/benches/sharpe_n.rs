//! The Sharpe ratio of N assets, `S(w)` of `r = R w / Σw` (`portfolio::sharpe_n`, which uses
//! ndarray's `dot`), and its gradient in the N weights, for N ∈ {10, 100, 1000} over T = 1000
//! periods of one-factor-model returns (`common::factor_returns`, row-major T × N).
//!
//! ```sh
//! cargo bench --bench sharpe_n                          # full criterion run
//! cargo run --release --example bench_table             # quick run of all benches + ratio table
//! ```
//!
//! Group `sharpe_n_assets`, parameter N:
//! - `plain`: the function itself;
//! - `grad`, `value_and_grad`: what `#[differentiable]` generates;
//! - `hand`: `portfolio::sharpe_n_gradient_by_hand` (the limit in the ratio table);
//! - `hand_rows`, `hand_one_pass`: the same gradient with `Rᵀ(∂S/∂r)` accumulated over contiguous
//!   rows, and in a single pass over `R` (see `common`), to show where the time goes;
//! - `num_dual`: forward mode, N `Dual64` passes (N = 10 and 100 only);
//!   `num_dual_one_pass`: one of those passes; at N = 1000 the table extrapolates N × one pass;
//! - `reverse`: the `reverse` crate's tape (about 2 T N nodes);
//! - `central_diff`: central differences, 2N evaluations of `sharpe_n`.

mod common;

use autodiff_examples::portfolio::{
    grad_sharpe_n, sharpe_n, sharpe_n_gradient_by_hand, value_and_grad_sharpe_n,
};
use autodiff_runtime::ndarray::{Array1, ArrayView1};
use common::{
    central_component, central_n, factor_returns, n_asset_weights, sharpe_n_gradient_by_rows,
    sharpe_n_gradient_one_pass, sharpe_n_num_dual, sharpe_n_num_dual_pass, sharpe_n_reverse,
};
use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use num_dual::Dual64;
use std::hint::black_box;
use std::time::Duration;

/// The asset counts benchmarked.
const NS: [usize; 3] = [10, 100, 1000];
/// Periods (rows of the returns).
const PERIODS: usize = 1000;
/// Above this N, num-dual's N passes are not timed in full (one pass is, and the table
/// extrapolates), and the start-up check of num-dual and central differences takes a sample of
/// the components.
const FULL_FORWARD_MAX_N: usize = 100;

fn bench(c: &mut Criterion) {
    let tape = reverse::Tape::new();
    let mut group = c.benchmark_group("sharpe_n_assets");
    // Iterations take microseconds (N = 10) to seconds (central differences at N = 1000).
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    for n in NS {
        let returns = factor_returns(n, PERIODS, n as u64);
        let returns = returns.view();
        let w = n_asset_weights(n);
        let w = w.view();

        // Guard against timing the wrong thing: the peers agree with grad_sharpe_n.
        let (s, g) = value_and_grad_sharpe_n(w, returns);
        assert_eq!(s, sharpe_n(w, returns));
        assert_eq!(g, grad_sharpe_n(w, returns));
        let scale = g.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        let agree = |name: &str, v: &Array1<f64>, components: &[usize], tol: f64| {
            for &i in components {
                assert!(
                    (g[i] - v[i]).abs() <= tol * scale,
                    "N = {n}, component {i}: grad {} vs {name} {}",
                    g[i],
                    v[i]
                );
            }
        };
        let all: Vec<usize> = (0..n).collect();
        let sample: Vec<usize> = if n <= FULL_FORWARD_MAX_N {
            all.clone()
        } else {
            (0..n).step_by(97).chain([n - 1]).collect()
        };
        agree("hand", &sharpe_n_gradient_by_hand(w, returns), &all, 1e-9);
        agree(
            "hand_rows",
            &sharpe_n_gradient_by_rows(w, returns),
            &all,
            1e-9,
        );
        agree(
            "hand_one_pass",
            &sharpe_n_gradient_one_pass(w, returns),
            &all,
            1e-9,
        );
        let (rev_value, rev, _) = sharpe_n_reverse(&tape, w, returns);
        assert!(
            (rev_value - s).abs() <= 1e-13 * s.abs(),
            "{rev_value} vs {s}"
        );
        agree("reverse", &rev, &all, 1e-9);
        let mut wd: Vec<Dual64> = w.iter().map(|&x| Dual64::new(x, 0.0)).collect();
        let mut dual = Array1::zeros(n);
        let mut fd = Array1::zeros(n);
        let mut p = w.to_owned();
        for &i in &sample {
            dual[i] = sharpe_n_num_dual_pass(&mut wd, i, returns);
            fd[i] = central_component(|v: ArrayView1<f64>| sharpe_n(v, returns), &mut p, i);
        }
        agree("num_dual", &dual, &sample, 1e-9);
        agree("central_diff", &fd, &sample, 1e-6);
        if n <= FULL_FORWARD_MAX_N {
            let (dual_value, _) = sharpe_n_num_dual(w, returns);
            assert!(
                (dual_value - s).abs() <= 1e-13 * s.abs(),
                "{dual_value} vs {s}"
            );
        }

        let id = |name: &str| BenchmarkId::new(name, n);
        group.bench_function(id("plain"), |b| {
            b.iter(|| {
                let (w, r) = black_box((w, returns));
                sharpe_n(w, r)
            })
        });
        group.bench_function(id("grad"), |b| {
            b.iter(|| {
                let (w, r) = black_box((w, returns));
                grad_sharpe_n(w, r)
            })
        });
        group.bench_function(id("value_and_grad"), |b| {
            b.iter(|| {
                let (w, r) = black_box((w, returns));
                value_and_grad_sharpe_n(w, r)
            })
        });
        group.bench_function(id("hand"), |b| {
            b.iter(|| {
                let (w, r) = black_box((w, returns));
                sharpe_n_gradient_by_hand(w, r)
            })
        });
        group.bench_function(id("hand_rows"), |b| {
            b.iter(|| {
                let (w, r) = black_box((w, returns));
                sharpe_n_gradient_by_rows(w, r)
            })
        });
        group.bench_function(id("hand_one_pass"), |b| {
            b.iter(|| {
                let (w, r) = black_box((w, returns));
                sharpe_n_gradient_one_pass(w, r)
            })
        });
        if n <= FULL_FORWARD_MAX_N {
            group.bench_function(id("num_dual"), |b| {
                b.iter(|| {
                    let (w, r) = black_box((w, returns));
                    sharpe_n_num_dual(w, r)
                })
            });
        }
        group.bench_function(id("num_dual_one_pass"), |b| {
            b.iter(|| {
                let (i, r) = black_box((n / 2, returns));
                sharpe_n_num_dual_pass(&mut wd, i, r)
            })
        });
        group.bench_function(id("reverse"), |b| {
            b.iter(|| {
                let (w, r) = black_box((w, returns));
                sharpe_n_reverse(&tape, w, r)
            })
        });
        group.bench_function(id("central_diff"), |b| {
            b.iter(|| {
                let (w, r) = black_box((w, returns));
                central_n(|v| sharpe_n(v, r), w)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
