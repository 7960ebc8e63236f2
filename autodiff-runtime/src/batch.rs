//! Evaluating a function at many points on all cores (the analogue of `jax.vmap` for plotting and
//! sweeps), and NumPy's `linspace` / `logspace` grids.
//!
//! The work is spread over rayon's global thread pool (one thread per core unless
//! `RAYON_NUM_THREADS` says otherwise). Each point is evaluated independently and the results keep
//! the input's order, so a batched map returns exactly what a sequential map would.
//!
//! ```
//! use autodiff_runtime::batch;
//!
//! let xs = batch::linspace(-2.0, 2.0, 10_000);
//! let ys = batch::map_array(&xs, |x| x.sin());
//! assert_eq!(ys[9_999], 2.0_f64.sin());
//! let squares = batch::map(&[1.0, 2.0, 3.0], |&x| x * x);
//! assert_eq!(squares, [1.0, 4.0, 9.0]);
//! ```

use ndarray::{Array, Array1, ArrayView, Dimension, Zip};
use rayon::prelude::*;

/// Applies `f` to every item in parallel and collects the results in the items' order.
///
/// `items` is anything rayon can iterate in parallel: `&[f64]` and `&Vec<f64>` (items `&f64`),
/// `Vec<T>` (items `T`), ranges, `&Array1<f64>` and other ndarray arrays, ….
pub fn map<I, F, T>(items: I, f: F) -> Vec<T>
where
    I: IntoParallelIterator,
    F: Fn(I::Item) -> T + Sync + Send,
    T: Send,
{
    items.into_par_iter().map(f).collect()
}

/// Applies `f` to every element of an array (any dimension, any layout) in parallel, returning an
/// array of the same shape.
pub fn map_array<'a, D, F, T>(x: impl Into<ArrayView<'a, f64, D>>, f: F) -> Array<T, D>
where
    D: Dimension,
    F: Fn(f64) -> T + Sync + Send,
    T: Send,
{
    Zip::from(x.into()).par_map_collect(|&v| f(v))
}

/// `num` evenly spaced points from `start` to `stop` inclusive, as `numpy.linspace(start, stop,
/// num)` computes them: `start + i * step` with `step = (stop - start) / (num - 1)` (multiply,
/// then add; no fused multiply-add), and the last point set to exactly `stop`.
///
/// When the step underflows to zero, NumPy computes `start + (i / (num - 1)) * (stop - start)`
/// instead, and so does this. `num = 1` gives `[start]`, `num = 0` an empty array.
///
/// This differs from `ndarray::Array1::linspace`, whose last point is `start + (num - 1) * step`
/// and can miss `stop` by a rounding.
pub fn linspace(start: f64, stop: f64, num: usize) -> Array1<f64> {
    let delta = stop - start;
    let mut points: Array1<f64> = if num > 1 {
        let div = (num - 1) as f64;
        let step = delta / div;
        if step == 0.0 {
            (0..num).map(|i| (i as f64 / div) * delta + start).collect()
        } else {
            (0..num).map(|i| i as f64 * step + start).collect()
        }
    } else {
        (0..num).map(|i| i as f64 * delta + start).collect()
    };
    if num > 1 {
        points[num - 1] = stop;
    }
    points
}

/// `num` points spaced evenly on a log scale from `10^start` to `10^stop`, as
/// `numpy.logspace(start, stop, num)`: `10^p` for each `p` of [`linspace`]`(start, stop, num)`.
pub fn logspace(start: f64, stop: f64, num: usize) -> Array1<f64> {
    linspace(start, stop, num).mapv_into(|p| 10f64.powf(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;
    use proptest::prelude::*;

    /// Costly enough, and irregular enough, that a mix-up of order or values would show.
    fn bumpy(x: f64) -> f64 {
        (0..50)
            .map(|k| (k as f64 * x).cos() / (1.0 + k as f64))
            .sum()
    }

    #[test]
    fn parallel_map_equals_the_sequential_map_exactly() {
        let xs: Vec<f64> = (0..20_000).map(|i| i as f64 * 1e-3 - 7.0).collect();
        let sequential: Vec<f64> = xs.iter().map(|&x| bumpy(x)).collect();
        assert_eq!(map(&xs, |&x| bumpy(x)), sequential);
        assert_eq!(map(xs.as_slice(), |&x| bumpy(x)), sequential);
        assert_eq!(map(xs.clone(), bumpy), sequential);
        let arr = Array1::from(xs.clone());
        assert_eq!(map(&arr, |&x| bumpy(x)), sequential);
        assert_eq!(map_array(&arr, bumpy).to_vec(), sequential);
        // Other output types, and indices, come back in order too.
        assert_eq!(
            map(0..1000usize, |i| i * 2),
            (0..1000).map(|i| i * 2).collect::<Vec<_>>()
        );
    }

    #[test]
    fn map_array_keeps_shape_and_logical_order_for_any_layout() {
        let m = Array2::from_shape_fn((300, 70), |(i, j)| i as f64 - 0.5 * j as f64);
        let transposed = m.t();
        let mapped = map_array(transposed, bumpy);
        assert_eq!(mapped.shape(), &[70, 300]);
        assert_eq!(mapped, transposed.mapv(bumpy));
        let strided = m.slice(ndarray::s![..;3, 1..;2]);
        assert_eq!(map_array(strided, bumpy), strided.mapv(bumpy));
    }

    #[test]
    fn linspace_has_numpys_endpoints_and_spacing() {
        let xs = linspace(-2.0, 2.0, 10_000);
        assert_eq!(xs.len(), 10_000);
        assert_eq!(xs[0], -2.0);
        assert_eq!(xs[9_999], 2.0);
        // NumPy's definition (numpy/_core/function_base.py): `arange(num) * step + start`, then
        // the last point overwritten with `stop`.
        let step = 4.0 / 9_999.0;
        for (i, &x) in xs.iter().enumerate().take(9_999) {
            assert_eq!(x, i as f64 * step + -2.0);
        }
        // Consecutive points differ by the step up to their roundings: each point rounds a product
        // below 4 (half an ulp: 2^-51) and a sum below 2 in magnitude (2^-53), so two points
        // differ from the exact spacing by at most 2 · 1.25 · 2^-51 = 5 ε.
        for w in xs.as_slice().unwrap().windows(2) {
            assert!((w[1] - w[0] - step).abs() <= 5.0 * f64::EPSILON, "{w:?}");
        }
        assert_eq!(linspace(0.0, 1.0, 5).to_vec(), [0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(linspace(3.0, 7.0, 1).to_vec(), [3.0]);
        assert!(linspace(3.0, 7.0, 0).is_empty());
        assert_eq!(linspace(1.5, 1.5, 3).to_vec(), [1.5, 1.5, 1.5]);
    }

    #[test]
    fn linspace_handles_a_step_that_underflows() {
        // (stop - start) / 2 underflows to 0 here; NumPy then divides the index first.
        let tiny = f64::from_bits(1);
        let xs = linspace(0.0, tiny, 3);
        assert_eq!(xs.to_vec(), [0.0, 0.0, tiny]);
    }

    #[test]
    fn logspace_is_ten_to_the_linspace() {
        let ys = logspace(-3.0, 3.0, 1000);
        assert_eq!(ys.len(), 1000);
        assert_eq!(ys[0], 1e-3);
        assert_eq!(ys[999], 1e3);
        let ps = linspace(-3.0, 3.0, 1000);
        for (y, p) in ys.iter().zip(ps.iter()) {
            assert_eq!(*y, 10f64.powf(*p));
        }
        assert_eq!(logspace(0.0, 2.0, 3).to_vec(), [1.0, 10.0, 100.0]);
    }

    proptest! {
        #[test]
        fn linspace_is_monotone_with_exact_endpoints(
            start in -1e6f64..1e6, span in 1e-6f64..1e6, num in 2usize..500,
        ) {
            let stop = start + span;
            let xs = linspace(start, stop, num);
            prop_assert_eq!(xs.len(), num);
            prop_assert_eq!(xs[0], start);
            prop_assert_eq!(xs[num - 1], stop);
            for w in xs.as_slice().unwrap().windows(2) {
                prop_assert!(w[0] <= w[1], "{:?}", w);
            }
        }
    }
}
