//! The benchmark kernels (`src/kernels.rs`): the generated gradients agree with the
//! hand-written ones the benchmarks time them against, and with central differences.

mod common;

use autodiff_examples::kernels::*;
use common::{check, splitmix_points};

#[test]
fn llsq_matches_hand_and_finite_differences() {
    for (seed, (m, n)) in [(1, 2), (3, 7), (8, 16), (12, 50), (1, 1)]
        .into_iter()
        .enumerate()
    {
        let x: Vec<f64> = splitmix_points(seed as u64, m)
            .iter()
            .map(|v| 0.7 * v)
            .collect();
        let n = n.max(2);
        let (value, g) = value_and_grad_llsq(&x, n);
        assert_eq!(value, llsq(&x, n));
        let hand = llsq_gradient_by_hand(&x, n);
        for (a, b) in g.iter().zip(&hand) {
            let scale = hand.iter().map(|v| v.abs()).fold(1.0, f64::max);
            assert!(
                (a - b).abs() <= 1e-12 * scale,
                "m={m} n={n}: {g:?} vs {hand:?}"
            );
        }
        assert!(
            check("llsq", &|v| llsq(v, n), &g, &x),
            "llsq not smooth at {x:?}"
        );
    }
}

#[test]
fn logsumexp_matches_softmax_and_finite_differences() {
    for (seed, n) in [1, 2, 5, 33, 200].into_iter().enumerate() {
        let x: Vec<f64> = splitmix_points(100 + seed as u64, n)
            .iter()
            .map(|v| 20.0 * v)
            .collect();
        let g = grad_logsumexp(&x);
        let hand = logsumexp_gradient_by_hand(&x);
        for (a, b) in g.iter().zip(&hand) {
            // The program's own derivative also routes `1 − Σ softmax` (zero up to rounding)
            // through the max to its argument.
            assert!((a - b).abs() <= 1e-13, "n={n}: {g:?} vs {hand:?}");
        }
        assert!(check("logsumexp", &|v| logsumexp(v), &g, &x));
    }
    // Ties in the max: the derivative is still the softmax.
    let x = [1.0, 3.0, 3.0, -2.0];
    let (g, hand) = (grad_logsumexp(&x), logsumexp_gradient_by_hand(&x));
    for (a, b) in g.iter().zip(&hand) {
        assert!((a - b).abs() <= 1e-15, "{g:?} vs {hand:?}");
    }
}
