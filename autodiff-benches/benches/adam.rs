//! The post's optimisation: 1000 steps of Adam (optax's defaults, learning rate 0.1) maximising the
//! two-asset Sharpe ratio from θ = 0, with `autodiff_runtime::optim::{Adam, Run}`.
//!
//! ```sh
//! cargo bench --bench adam                              # full criterion run
//! cargo run --release --example bench_table             # quick run of all benches + ratio table
//! ```
//!
//! Group `adam_sharpe`, parameter the number of steps; the method ids are the table's columns:
//! - `plain`: 1000 evaluations of `sharpe_ratio` at the θ Adam visits;
//! - `grad`: the whole run, Adam with `value_and_grad_sharpe_ratio`;
//! - `value_and_grad`: 1000 calls of `value_and_grad_sharpe_ratio` alone at the θ Adam visits,
//!   so `grad / value_and_grad − 1` is what Adam and `Run` cost beyond the gradients;
//! - `optimizer_only`: the whole run with the gradients replayed from a table (the same values at
//!   the same θ, so the same steps): what Adam and `Run` cost by themselves, measured directly;
//! - `hand`, `num_dual`, `reverse`, `central_diff`: the whole run with each peer's gradient
//!   (central differences: 3 evaluations per step, the value and the two of the difference).

mod common;

use autodiff_examples::portfolio::{sharpe_ratio, value_and_grad_sharpe_ratio};
use autodiff_examples::reference;
use common::{
    ADAM_STEPS, adam_sharpe, adam_trajectory, central, sharpe_and_derivative_by_hand,
    sharpe_num_dual, sharpe_reverse,
};
use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let returns = reference::returns().expect("the reference data in data/");
    let returns = returns.view();
    let tape = reverse::Tape::new();

    // Guard against timing the wrong thing: the run ends at the closed-form optimum, and every
    // peer's run ends where ours does.
    let ours = adam_sharpe(|t| value_and_grad_sharpe_ratio(t, returns));
    assert!(
        (ours - reference::THETA_STAR).abs() <= 1e-9,
        "{ours} vs θ* {}",
        reference::THETA_STAR
    );
    for (name, theta, tol) in [
        (
            "hand",
            adam_sharpe(|t| sharpe_and_derivative_by_hand(t, returns)),
            1e-9,
        ),
        (
            "num_dual",
            adam_sharpe(|t| sharpe_num_dual(t, returns)),
            1e-9,
        ),
        (
            "reverse",
            adam_sharpe(|t| {
                let (v, d, _) = sharpe_reverse(&tape, t, returns);
                (v, d)
            }),
            1e-9,
        ),
        (
            "central_diff",
            adam_sharpe(|t| {
                (
                    sharpe_ratio(t, returns),
                    central(|u| sharpe_ratio(u, returns), t),
                )
            }),
            1e-6,
        ),
    ] {
        assert!(
            (theta - ours).abs() <= tol,
            "θ: ours {ours} vs {name} {theta}"
        );
    }
    let thetas = adam_trajectory(|t| value_and_grad_sharpe_ratio(t, returns));
    assert_eq!(thetas.len(), ADAM_STEPS);
    let replay: Vec<(f64, f64)> = thetas
        .iter()
        .map(|&t| value_and_grad_sharpe_ratio(t, returns))
        .collect();
    let replayed = |replay: &[(f64, f64)]| {
        let mut k = 0;
        adam_sharpe(|_| {
            k += 1;
            replay[k - 1]
        })
    };
    assert_eq!(replayed(&replay), ours);
    let mut values = vec![0.0; ADAM_STEPS];
    let mut pairs = vec![(0.0, 0.0); ADAM_STEPS];

    let mut group = c.benchmark_group("adam_sharpe");
    // An iteration is 1000 gradients: milliseconds, up to a tenth of a second for `reverse`.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    let id = |name: &str| BenchmarkId::new(name, ADAM_STEPS);
    group.bench_function(id("plain"), |b| {
        b.iter(|| {
            let r = black_box(returns);
            for (v, &t) in values.iter_mut().zip(black_box(&thetas)) {
                *v = sharpe_ratio(t, r);
            }
            black_box(&mut values);
        })
    });
    group.bench_function(id("grad"), |b| {
        b.iter(|| {
            let r = black_box(returns);
            adam_sharpe(|t| value_and_grad_sharpe_ratio(t, r))
        })
    });
    group.bench_function(id("value_and_grad"), |b| {
        b.iter(|| {
            let r = black_box(returns);
            for (p, &t) in pairs.iter_mut().zip(black_box(&thetas)) {
                *p = value_and_grad_sharpe_ratio(t, r);
            }
            black_box(&mut pairs);
        })
    });
    group.bench_function(id("optimizer_only"), |b| {
        b.iter(|| replayed(black_box(&replay)))
    });
    group.bench_function(id("hand"), |b| {
        b.iter(|| {
            let r = black_box(returns);
            adam_sharpe(|t| sharpe_and_derivative_by_hand(t, r))
        })
    });
    group.bench_function(id("num_dual"), |b| {
        b.iter(|| {
            let r = black_box(returns);
            adam_sharpe(|t| sharpe_num_dual(t, r))
        })
    });
    group.bench_function(id("reverse"), |b| {
        b.iter(|| {
            let r = black_box(returns);
            adam_sharpe(|t| {
                let (v, d, _) = sharpe_reverse(&tape, t, r);
                (v, d)
            })
        })
    });
    group.bench_function(id("central_diff"), |b| {
        b.iter(|| {
            let r = black_box(returns);
            adam_sharpe(|t| (sharpe_ratio(t, r), central(|u| sharpe_ratio(u, r), t)))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
