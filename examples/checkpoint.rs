//! What `#[checkpoint(every = k)]` buys: peak heap and time of a gradient through a long loop,
//! with and without checkpoints.
//!
//! ```sh
//! cargo run --release --example checkpoint
//! ```
//!
//! Two loops: a 10⁷-step scalar recurrence (its tape holds one `f64` per step: 80 MB), and RK4
//! over 10⁵ steps of Lotka–Volterra (two `f64`s per step: 1.6 MB). The peak heap is measured by
//! a counting allocator around each gradient call; with `k ≈ √n` it drops from `n` entries to
//! about `2 √n`, for one more forward pass over the loop.

use autodiff_examples::peak_heap::{Counting, measure};
use autodiff_runtime::differentiable;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// `p ← p · sin(a + p)` for n steps: each step's `p` is on the tape.
#[differentiable(wrt(x, a))]
pub fn recurrence(x: f64, a: f64, n: usize) -> f64 {
    let mut p = x;
    for _ in 0..n {
        p = p * (a + p).sin() + 0.5;
    }
    p
}

#[differentiable(wrt(x, a))]
pub fn recurrence_ck(x: f64, a: f64, n: usize, k: usize) -> f64 {
    let mut p = x;
    #[checkpoint(every = k)]
    for _ in 0..n {
        p = p * (a + p).sin() + 0.5;
    }
    p
}

/// RK4 for Lotka–Volterra, as `autodiff_examples::rk4`, with a checkpointed loop.
#[differentiable(wrt(alpha, beta, gamma, delta, x0, y0))]
#[allow(clippy::too_many_arguments)]
pub fn lotka_volterra_ck(
    alpha: f64,
    beta: f64,
    gamma: f64,
    delta: f64,
    x0: f64,
    y0: f64,
    dt: f64,
    steps: usize,
    k: usize,
) -> f64 {
    let mut x = x0;
    let mut y = y0;
    let mut loss = 0.0;
    #[checkpoint(every = k)]
    for _step in 0..steps {
        let k1x = alpha * x - beta * x * y;
        let k1y = delta * x * y - gamma * y;
        let x2 = x + 0.5 * dt * k1x;
        let y2 = y + 0.5 * dt * k1y;
        let k2x = alpha * x2 - beta * x2 * y2;
        let k2y = delta * x2 * y2 - gamma * y2;
        let x3 = x + 0.5 * dt * k2x;
        let y3 = y + 0.5 * dt * k2y;
        let k3x = alpha * x3 - beta * x3 * y3;
        let k3y = delta * x3 * y3 - gamma * y3;
        let x4 = x + dt * k3x;
        let y4 = y + dt * k3y;
        let k4x = alpha * x4 - beta * x4 * y4;
        let k4y = delta * x4 * y4 - gamma * y4;
        x += dt / 6.0 * (k1x + 2.0 * k2x + 2.0 * k3x + k4x);
        y += dt / 6.0 * (k1y + 2.0 * k2y + 2.0 * k3y + k4y);
        loss += dt * (x * x + y * y);
    }
    loss
}

fn main() {
    let n = 10_000_000;
    println!("| loop | checkpoint | peak heap of the gradient | time | gradient |");
    println!("|---|---|---:|---:|---|");
    let (g0, bytes0, t0) = measure(|| grad_recurrence(0.3, 0.7, n));
    println!(
        "| recurrence, n = 10^7 | none | {:.1} MB | {:.3} s | {:?} |",
        bytes0 as f64 / 1e6,
        t0,
        g0
    );
    for k in [1_000, 3_163, 100_000] {
        let (g, bytes, t) = measure(|| grad_recurrence_ck(0.3, 0.7, n, k));
        assert_eq!(g, g0, "the checkpointed gradient is the same to the bit");
        println!(
            "| recurrence, n = 10^7 | every = {k} | {:.1} kB | {:.3} s | same |",
            bytes as f64 / 1e3,
            t
        );
    }
    let p = autodiff_examples::rk4::PARAMS;
    let (dt, steps) = (autodiff_examples::rk4::DT, 100_000);
    let (g0, bytes0, t0) = measure(|| {
        autodiff_examples::rk4::grad_lotka_volterra_loss(
            p[0], p[1], p[2], p[3], p[4], p[5], dt, steps,
        )
    });
    println!(
        "| RK4, 10^5 steps | none | {:.1} kB | {:.4} s | |",
        bytes0 as f64 / 1e3,
        t0
    );
    for k in [316, 1_000] {
        let (g, bytes, t) =
            measure(|| grad_lotka_volterra_ck(p[0], p[1], p[2], p[3], p[4], p[5], dt, steps, k));
        assert_eq!(g, g0, "the checkpointed gradient is the same to the bit");
        println!(
            "| RK4, 10^5 steps | every = {k} | {:.1} kB | {:.4} s | same |",
            bytes as f64 / 1e3,
            t
        );
    }
}
