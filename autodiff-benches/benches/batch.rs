//! Sequential against parallel evaluation of the generated gradient: `grad_weierstrass` with
//! n = 100 terms at the post's 10 000 points, one by one and with `batch::map` (rayon, one thread
//! per core unless `RAYON_NUM_THREADS` says otherwise).
//!
//! `cargo bench --bench batch`

use std::hint::black_box;

use autodiff_examples::post::grid;
use autodiff_examples::weierstrass::{A, B, grad_weierstrass};
use autodiff_runtime::batch;
use criterion::{Criterion, criterion_group, criterion_main};

const N: usize = 100;

fn sequential_vs_batch(c: &mut Criterion) {
    let xs = grid().to_vec();
    let mut group = c.benchmark_group("grad_weierstrass n=100, 10000 points");
    // One pass over the grid is a million term derivatives, most of them sin and cos of large
    // arguments: about 0.1 s sequentially.
    group.sample_size(20);
    group.bench_function("sequential", |b| {
        b.iter(|| {
            black_box(&xs)
                .iter()
                .map(|&x| grad_weierstrass(x, N, A, B))
                .collect::<Vec<f64>>()
        })
    });
    group.bench_function("batch::map", |b| {
        b.iter(|| batch::map(black_box(&xs), |&x| grad_weierstrass(x, N, A, B)))
    });
    group.finish();
}

criterion_group!(benches, sequential_vs_batch);
criterion_main!(benches);
