//! Evaluating a function at many points on all cores (the analogue of `jax.vmap` for plotting and
//! sweeps).
//!
//! The work is spread over rayon's global thread pool (one thread per core unless
//! `RAYON_NUM_THREADS` says otherwise). Each point is evaluated independently and the results keep
//! the input's order, so a batched map returns exactly what a sequential map would.
//!
//! ```
//! use autodiff_runtime::batch;
//!
//! let xs: Vec<f64> = (0..10_000).map(|i| -2.0 + 4.0 * i as f64 / 9_999.0).collect();
//! let ys = batch::map(&xs, |&x| x.sin());
//! assert_eq!(ys[9_999], xs[9_999].sin());
//! let squares = batch::map(&[1.0, 2.0, 3.0], |&x| x * x);
//! assert_eq!(squares, [1.0, 4.0, 9.0]);
//! ```

use ndarray::{Array, ArrayView, Dimension, Zip};
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

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, Array2};

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
}
