//! `#[checkpoint(every = k)]` bounds the tape: the peak heap of a gradient through a loop of
//! n = 10⁵ steps drops from 8 bytes per step to about √n snapshots and one segment. One test in
//! its own binary, so that nothing else allocates while it measures.

use autodiff_examples::peak_heap::{Counting, measure};
use autodiff_runtime::differentiable;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

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

#[test]
fn checkpoints_bound_the_peak_heap() {
    let n = 100_000;
    let (g, full, _) = measure(|| grad_recurrence(0.3, 0.7, n));
    // The tape: one f64 per step.
    assert!(full >= 8 * n, "without checkpoints: {full} bytes");
    let k = 316; // ≈ √n
    let (gk, bounded, _) = measure(|| grad_recurrence_ck(0.3, 0.7, n, k));
    assert_eq!(g, gk);
    // ⌈n/k⌉ snapshots of one f64 and one segment tape of k f64s (Vec growth included).
    let bound = 2 * 8 * (n.div_ceil(k) + k);
    assert!(
        bounded <= bound,
        "with every = {k}: {bounded} bytes, bound {bound}"
    );
    assert!(full / bounded >= 50, "{full} bytes without, {bounded} with");
}
