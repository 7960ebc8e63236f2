//! Iterator chains cost what the loop costs: the gradient of a function written with
//! `iter().zip().map().sum()` beside the same function written as an index loop and beside a
//! hand-written gradient, for n = 10 000.
//!
//! ```sh
//! cargo bench --bench idioms
//! ```
//!
//! - `sq_dist`: Σ (xᵢ − yᵢ)², gradient w.r.t. both arrays;
//! - `gaussian_nll`: Σ (xᵢ − μ)² / (2σ²) + n log σ, gradient w.r.t. μ, log σ (the data constant).

use autodiff_runtime::differentiable;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

#[differentiable]
pub fn sq_dist_chain(x: &[f64], y: &[f64]) -> f64 {
    x.iter()
        .zip(y.iter())
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
}

#[differentiable]
pub fn sq_dist_loop(x: &[f64], y: &[f64]) -> f64 {
    let mut s = -0.0;
    for i in 0..x.len().min(y.len()) {
        s += (x[i] - y[i]).powi(2);
    }
    s
}

fn sq_dist_hand(x: &[f64], y: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let n = x.len().min(y.len());
    let mut gx = vec![0.0; x.len()];
    let mut gy = vec![0.0; y.len()];
    for i in 0..n {
        let d = 2.0 * (x[i] - y[i]);
        gx[i] = d;
        gy[i] = -d;
    }
    (gx, gy)
}

#[differentiable(wrt(mu, log_sigma))]
pub fn nll_chain(data: &[f64], mu: f64, log_sigma: f64) -> f64 {
    let sigma = log_sigma.exp();
    let ss = data.iter().map(|&x| (x - mu).powi(2)).sum::<f64>();
    ss / (2.0 * sigma * sigma) + data.len() as f64 * log_sigma
}

#[differentiable(wrt(mu, log_sigma))]
pub fn nll_loop(data: &[f64], mu: f64, log_sigma: f64) -> f64 {
    let sigma = log_sigma.exp();
    let mut ss = -0.0;
    #[allow(clippy::needless_range_loop)] // the index loop is what this bench compares with
    for i in 0..data.len() {
        ss += (data[i] - mu).powi(2);
    }
    ss / (2.0 * sigma * sigma) + data.len() as f64 * log_sigma
}

fn nll_hand(data: &[f64], mu: f64, log_sigma: f64) -> (f64, f64) {
    let s2 = (2.0 * log_sigma).exp();
    let (mut d, mut ss) = (0.0, 0.0);
    for &x in data {
        d += x - mu;
        ss += (x - mu) * (x - mu);
    }
    (-d / s2, -ss / s2 + data.len() as f64)
}

fn bench(c: &mut Criterion) {
    let n = 10_000;
    let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
    let y: Vec<f64> = (0..n).map(|i| (i as f64 * 0.11).cos()).collect();
    // Guard against timing the wrong thing: the three gradients agree.
    let (a, b) = (grad_sq_dist_chain(&x, &y), grad_sq_dist_loop(&x, &y));
    assert_eq!(a, b);
    assert_eq!(a, sq_dist_hand(&x, &y));
    let (m, l) = grad_nll_chain(&x, 0.1, -0.3);
    let (hm, hl) = nll_hand(&x, 0.1, -0.3);
    assert!((m - hm).abs() < 1e-9 * hm.abs() && (l - hl).abs() < 1e-9 * hl.abs());

    let mut group = c.benchmark_group("idioms_sq_dist_10000");
    group.warm_up_time(Duration::from_secs(1));
    group.bench_function("plain_chain", |bn| {
        bn.iter(|| sq_dist_chain(black_box(&x), black_box(&y)))
    });
    group.bench_function("grad_chain", |bn| {
        bn.iter(|| grad_sq_dist_chain(black_box(&x), black_box(&y)))
    });
    group.bench_function("grad_loop", |bn| {
        bn.iter(|| grad_sq_dist_loop(black_box(&x), black_box(&y)))
    });
    group.bench_function("hand", |bn| {
        bn.iter(|| sq_dist_hand(black_box(&x), black_box(&y)))
    });
    group.finish();

    let mut group = c.benchmark_group("idioms_gaussian_nll_10000");
    group.warm_up_time(Duration::from_secs(1));
    group.bench_function("plain_chain", |bn| {
        bn.iter(|| nll_chain(black_box(&x), black_box(0.1), black_box(-0.3)))
    });
    group.bench_function("grad_chain", |bn| {
        bn.iter(|| grad_nll_chain(black_box(&x), black_box(0.1), black_box(-0.3)))
    });
    group.bench_function("grad_loop", |bn| {
        bn.iter(|| grad_nll_loop(black_box(&x), black_box(0.1), black_box(-0.3)))
    });
    group.bench_function("hand", |bn| {
        bn.iter(|| nll_hand(black_box(&x), black_box(0.1), black_box(-0.3)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
