//! NumPy's `linspace` / `logspace` grids, exactly as NumPy computes them: the post's grids
//! (`x = linspace(-2, 2, 10000)`, `θ = logspace(-3, 3, 1000)`) are NumPy's, and the reference
//! numbers were computed on them.

use autodiff_runtime::ndarray::Array1;

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
    use proptest::prelude::*;

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
