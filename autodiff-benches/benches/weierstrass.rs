//! The Weierstrass partial sum `W_n(x) = Σ_{k<n} a^k cos(b^k π x)` (a = 1/2, b = 3) and its
//! derivative in x, over the 10 000 points `linspace(-2, 2, 10000)`, sequentially, for
//! n ∈ {10, 20, 100}.
//!
//! ```sh
//! cargo bench --bench weierstrass                       # full criterion run
//! cargo run --release --example bench_table             # quick run of all benches + ratio table
//! ```
//!
//! Each benchmark evaluates one method at every point and writes the results to a buffer:
//! - `plain`: the function itself (`weierstrass`);
//! - `grad`, `value_and_grad`: what `#[differentiable]` generates;
//! - `hand`: the derivative written by hand (`weierstrass_derivative_by_hand`), the limit;
//! - `num_dual`: forward mode, one `Dual64` evaluation of the same sum;
//! - `reverse`: the `reverse` crate's tape (one tape reused across points, cleared per point);
//! - `central_diff`: central differences, 2 evaluations of `weierstrass` per point.
//!
//! `n`, `a`, `b` and the points go through `black_box` once per iteration, so nothing is
//! constant-folded or hoisted out of the timed loop; the buffer is `black_box`ed after it.

mod common;

use autodiff_examples::weierstrass::{
    A, B, grad_weierstrass, value_and_grad_weierstrass, weierstrass, weierstrass_derivative_by_hand,
};
use common::{central, weierstrass_num_dual, weierstrass_reverse};
use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

/// The term counts benchmarked.
const NS: [usize; 3] = [10, 20, 100];
/// Points per evaluation.
const POINTS: usize = 10_000;

/// Writes `f(x)` for every point to `out`.
#[inline(always)]
fn over_points<T>(xs: &[f64], out: &mut [T], f: impl Fn(f64) -> T) {
    for (o, &x) in out.iter_mut().zip(xs) {
        *o = f(x);
    }
}

fn bench(c: &mut Criterion) {
    let xs = autodiff_examples::grids::linspace(-2.0, 2.0, POINTS).to_vec();
    let mut out = vec![0.0; POINTS];
    let mut out2 = vec![(0.0, 0.0); POINTS];
    let tape = reverse::Tape::new();

    let mut group = c.benchmark_group("weierstrass");
    // Iterations take milliseconds to a few hundred (n = 100): flat sampling with few samples.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    for n in NS {
        // Guard against timing the wrong thing: the peers agree with grad_weierstrass, to
        // rounding relative to the sum of the terms' magnitudes `π Σ (ab)^k`.
        let scale: f64 = (0..n)
            .map(|k| std::f64::consts::PI * (A * B).powi(k as i32))
            .sum();
        for x in xs.iter().step_by(997).copied() {
            let g = grad_weierstrass(x, n, A, B);
            for (name, v) in [
                ("hand", weierstrass_derivative_by_hand(x, n, A, B)),
                ("num_dual", weierstrass_num_dual(x, n, A, B)),
                ("reverse", weierstrass_reverse(&tape, x, n, A, B)),
            ] {
                assert!(
                    (g - v).abs() <= 1e-12 * scale,
                    "n = {n}, x = {x}: grad {g} vs {name} {v}"
                );
            }
        }

        group.bench_with_input(BenchmarkId::new("plain", n), &n, |bch, &n| {
            bch.iter(|| {
                let (n, a, b) = black_box((n, A, B));
                over_points(black_box(&xs), &mut out, |x| weierstrass(x, n, a, b));
                black_box(&mut out);
            })
        });
        group.bench_with_input(BenchmarkId::new("grad", n), &n, |bch, &n| {
            bch.iter(|| {
                let (n, a, b) = black_box((n, A, B));
                over_points(black_box(&xs), &mut out, |x| grad_weierstrass(x, n, a, b));
                black_box(&mut out);
            })
        });
        group.bench_with_input(BenchmarkId::new("value_and_grad", n), &n, |bch, &n| {
            bch.iter(|| {
                let (n, a, b) = black_box((n, A, B));
                over_points(black_box(&xs), &mut out2, |x| {
                    value_and_grad_weierstrass(x, n, a, b)
                });
                black_box(&mut out2);
            })
        });
        group.bench_with_input(BenchmarkId::new("hand", n), &n, |bch, &n| {
            bch.iter(|| {
                let (n, a, b) = black_box((n, A, B));
                over_points(black_box(&xs), &mut out, |x| {
                    weierstrass_derivative_by_hand(x, n, a, b)
                });
                black_box(&mut out);
            })
        });
        group.bench_with_input(BenchmarkId::new("num_dual", n), &n, |bch, &n| {
            bch.iter(|| {
                let (n, a, b) = black_box((n, A, B));
                over_points(black_box(&xs), &mut out, |x| {
                    weierstrass_num_dual(x, n, a, b)
                });
                black_box(&mut out);
            })
        });
        group.bench_with_input(BenchmarkId::new("reverse", n), &n, |bch, &n| {
            bch.iter(|| {
                let (n, a, b) = black_box((n, A, B));
                over_points(black_box(&xs), &mut out, |x| {
                    weierstrass_reverse(&tape, x, n, a, b)
                });
                black_box(&mut out);
            })
        });
        group.bench_with_input(BenchmarkId::new("central_diff", n), &n, |bch, &n| {
            bch.iter(|| {
                let (n, a, b) = black_box((n, A, B));
                over_points(black_box(&xs), &mut out, |x| {
                    central(|x| weierstrass(x, n, a, b), x)
                });
                black_box(&mut out);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
