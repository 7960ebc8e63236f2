//! Kernels of the standard AD benchmarks (GradBench), written as users write them
//! (`autodiff_examples::kernels`), beside a hand-written gradient of each.
//!
//! ```sh
//! cargo bench -p autodiff-benches --bench kernels
//! ```
//!
//! - `llsq`: GradBench's linear least squares, m = 128 coefficients, n = 4 096 and 16 384
//!   points (the larger one is where recording the running power used to fall out of cache);
//! - `lse`: GradBench's log-sum-exp, n = 1 280 000 (its largest default workload).
//!
//! Methods: `plain` (the function), `grad` (ours), `hand` (the hand-written gradient).

use autodiff_examples::kernels::*;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let m = 128;
    let x: Vec<f64> = (0..m).map(|j| 0.3 * ((j as f64) * 0.7).sin()).collect();
    let mut group = c.benchmark_group("kernels_llsq");
    group.warm_up_time(Duration::from_secs(1));
    group.sample_size(20);
    for n in [4096, 16_384] {
        // Guard against timing the wrong thing: the two gradients agree.
        let (g, h) = (grad_llsq(&x, n), llsq_gradient_by_hand(&x, n));
        let scale = h.iter().fold(1.0_f64, |a, v| a.max(v.abs()));
        assert!(
            g.iter()
                .zip(&h)
                .all(|(a, b)| (a - b).abs() <= 1e-10 * scale)
        );
        let id = |name: &str| BenchmarkId::new(name, format!("{m}x{n}"));
        group.bench_function(id("plain"), |b| {
            b.iter(|| llsq(black_box(&x), black_box(n)))
        });
        group.bench_function(id("grad"), |b| {
            b.iter(|| grad_llsq(black_box(&x), black_box(n)))
        });
        group.bench_function(id("hand"), |b| {
            b.iter(|| llsq_gradient_by_hand(black_box(&x), black_box(n)))
        });
    }
    group.finish();

    let n = 1_280_000;
    let x: Vec<f64> = (0..n).map(|i| 3.0 * ((i as f64) * 0.37).sin()).collect();
    let (g, h) = (grad_logsumexp(&x), logsumexp_gradient_by_hand(&x));
    assert!(g.iter().zip(&h).all(|(a, b)| (a - b).abs() <= 1e-12));
    let mut group = c.benchmark_group("kernels_lse");
    group.warm_up_time(Duration::from_secs(1));
    group.sample_size(20);
    let id = |name: &str| BenchmarkId::new(name, n);
    group.bench_function(id("plain"), |b| b.iter(|| logsumexp(black_box(&x))));
    group.bench_function(id("grad"), |b| b.iter(|| grad_logsumexp(black_box(&x))));
    group.bench_function(id("hand"), |b| {
        b.iter(|| logsumexp_gradient_by_hand(black_box(&x)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
