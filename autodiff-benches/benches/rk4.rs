//! RK4 integration of Lotka–Volterra over 1000 steps (`autodiff_examples::rk4`), and the gradient
//! of its trajectory loss with respect to the 4 parameters and the 2 initial values.
//!
//! ```sh
//! cargo bench --bench rk4                               # full criterion run
//! cargo run --release --example bench_table             # quick run of all benches + ratio table
//! ```
//!
//! - `plain`: the loss itself (`lotka_volterra_loss`);
//! - `grad`, `value_and_grad`: what `#[differentiable]` generates (its tape: the state `x, y` per
//!   step, see `rk4::RECORDED_PER_STEP`);
//! - `hand`: the discrete adjoint of RK4 written by hand (`lotka_volterra_adjoint`), the limit;
//! - `num_dual`: forward mode, one pass with 6 derivative lanes (`DualSVec64<6>`);
//! - `reverse`: the `reverse` crate's tape (reused, cleared per gradient);
//! - `central_diff`: central differences, 12 evaluations of the loss.

mod common;

use autodiff_examples::rk4::{
    DT, PARAMS, STEPS, grad_lotka_volterra_loss, lotka_volterra_adjoint, lotka_volterra_loss,
    value_and_grad_lotka_volterra_loss,
};
use common::{central6, lotka_volterra_num_dual, lotka_volterra_reverse};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

fn loss(p: [f64; 6], dt: f64, steps: usize) -> f64 {
    let [alpha, beta, gamma, delta, x0, y0] = p;
    lotka_volterra_loss(alpha, beta, gamma, delta, x0, y0, dt, steps)
}

fn grad(p: [f64; 6], dt: f64, steps: usize) -> [f64; 6] {
    let [alpha, beta, gamma, delta, x0, y0] = p;
    let g = grad_lotka_volterra_loss(alpha, beta, gamma, delta, x0, y0, dt, steps);
    [g.0, g.1, g.2, g.3, g.4, g.5]
}

fn bench(c: &mut Criterion) {
    let tape = reverse::Tape::new();
    // Guard against timing the wrong thing: the peers agree with grad_lotka_volterra_loss.
    let g = grad(PARAMS, DT, STEPS);
    let [alpha, beta, gamma, delta, x0, y0] = PARAMS;
    for (name, v) in [
        (
            "hand",
            lotka_volterra_adjoint(alpha, beta, gamma, delta, x0, y0, DT, STEPS).1,
        ),
        ("num_dual", lotka_volterra_num_dual(PARAMS, DT, STEPS).1),
        (
            "reverse",
            lotka_volterra_reverse(&tape, PARAMS, DT, STEPS).1,
        ),
    ] {
        for i in 0..6 {
            assert!(
                (g[i] - v[i]).abs() <= 1e-9 * g[i].abs().max(1.0),
                "component {i}: grad {} vs {name} {}",
                g[i],
                v[i]
            );
        }
    }

    let mut group = c.benchmark_group("rk4_lotka_volterra");
    group.warm_up_time(Duration::from_secs(1));
    let id = |name: &str| BenchmarkId::new(name, STEPS);
    group.bench_function(id("plain"), |b| {
        b.iter(|| {
            let (p, dt, steps) = black_box((PARAMS, DT, STEPS));
            loss(p, dt, steps)
        })
    });
    group.bench_function(id("grad"), |b| {
        b.iter(|| {
            let (p, dt, steps) = black_box((PARAMS, DT, STEPS));
            grad(p, dt, steps)
        })
    });
    group.bench_function(id("value_and_grad"), |b| {
        b.iter(|| {
            let ([alpha, beta, gamma, delta, x0, y0], dt, steps) = black_box((PARAMS, DT, STEPS));
            value_and_grad_lotka_volterra_loss(alpha, beta, gamma, delta, x0, y0, dt, steps)
        })
    });
    group.bench_function(id("hand"), |b| {
        b.iter(|| {
            let ([alpha, beta, gamma, delta, x0, y0], dt, steps) = black_box((PARAMS, DT, STEPS));
            lotka_volterra_adjoint(alpha, beta, gamma, delta, x0, y0, dt, steps)
        })
    });
    group.bench_function(id("num_dual"), |b| {
        b.iter(|| {
            let (p, dt, steps) = black_box((PARAMS, DT, STEPS));
            lotka_volterra_num_dual(p, dt, steps)
        })
    });
    group.bench_function(id("reverse"), |b| {
        b.iter(|| {
            let (p, dt, steps) = black_box((PARAMS, DT, STEPS));
            lotka_volterra_reverse(&tape, p, dt, steps)
        })
    });
    group.bench_function(id("central_diff"), |b| {
        b.iter(|| {
            let (p, dt, steps) = black_box((PARAMS, DT, STEPS));
            central6(|q| loss(q, dt, steps), p)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
