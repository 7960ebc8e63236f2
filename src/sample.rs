//! Random data: a multivariate normal distribution, sampled through its Cholesky factor.
//!
//! Built on `rand` 0.10 and `rand_distr` 0.6: draws are `mean + L z` with `z` a vector of
//! [`StandardNormal`] draws and `L` the lower Cholesky factor of the covariance (`L Lᵀ = Σ`).
//! Seed a generator for reproducible data:
//!
//! ```
//! use autodiff_runtime::ndarray::array;
//! use autodiff_examples::sample::MultivariateNormal;
//! use autodiff_examples::sample::rand::{SeedableRng, rngs::StdRng};
//!
//! let mvn = MultivariateNormal::new(array![0.1, 0.09], array![[0.17, 1e-4], [1e-4, 0.09]])?;
//! let mut rng = StdRng::seed_from_u64(1);
//! let returns = mvn.sample_n(&mut rng, 1000); // 1000 rows, 2 columns
//! assert_eq!(returns.dim(), (1000, 2));
//! # Ok::<(), autodiff_examples::sample::SampleError>(())
//! ```
//!
//! The draws are not NumPy's: `numpy.random.multivariate_normal` factors the covariance by SVD and
//! uses its own generator, so the same seed gives different numbers. The distribution is the same.

use std::fmt;

use autodiff_runtime::ndarray::{Array1, Array2, ArrayView2};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// The `rand` the sampler is built on, so the examples, tests and benchmarks seed a generator of
/// the matching version (`sample::rand::rngs::StdRng`).
pub use rand;
/// The `rand_distr` the sampler is built on.
pub use rand_distr;

/// How far `a[i][j]` and `a[j][i]` may differ, relative to the larger of the entries and the two
/// diagonal entries, for the matrix still to count as symmetric (a covariance computed as `Xᵀ X`
/// with different summation orders is symmetric only up to rounding).
pub const SYMMETRY_TOLERANCE: f64 = 1e-10;

/// Why a mean and covariance were refused.
#[derive(Debug, Clone, PartialEq)]
pub enum SampleError {
    /// The covariance is not square.
    NotSquare {
        /// Its number of rows.
        rows: usize,
        /// Its number of columns.
        cols: usize,
    },
    /// The mean's length differs from the covariance's size.
    DimensionMismatch {
        /// The mean's length.
        mean: usize,
        /// The covariance's number of rows.
        cov: usize,
    },
    /// An entry of the mean (`col` is `None`) or of the covariance is NaN or infinite.
    NotFinite {
        /// The row (for the mean: the index).
        row: usize,
        /// The column, or `None` for the mean.
        col: Option<usize>,
    },
    /// `a[row][col]` and `a[col][row]` differ beyond [`SYMMETRY_TOLERANCE`].
    NotSymmetric {
        /// The row of the upper-triangle entry.
        row: usize,
        /// Its column.
        col: usize,
        /// `a[row][col]`.
        upper: f64,
        /// `a[col][row]`.
        lower: f64,
    },
    /// The Cholesky factorisation met a pivot that is not positive: the matrix is not positive
    /// definite (it may be only semi-definite, or indefinite).
    NotPositiveDefinite {
        /// The index of the failing pivot.
        pivot: usize,
        /// The pivot's value, `a[k][k] - Σ_{j<k} L[k][j]²`.
        value: f64,
    },
}

impl fmt::Display for SampleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SampleError::NotSquare { rows, cols } => {
                write!(f, "covariance must be square, got {rows}×{cols}")
            }
            SampleError::DimensionMismatch { mean, cov } => write!(
                f,
                "mean has length {mean} but the covariance is {cov}×{cov}"
            ),
            SampleError::NotFinite { row, col: None } => {
                write!(f, "mean[{row}] is not finite")
            }
            SampleError::NotFinite {
                row,
                col: Some(col),
            } => write!(f, "covariance[{row}][{col}] is not finite"),
            SampleError::NotSymmetric {
                row,
                col,
                upper,
                lower,
            } => write!(
                f,
                "covariance is not symmetric: [{row}][{col}] = {upper:e} but [{col}][{row}] = {lower:e}"
            ),
            SampleError::NotPositiveDefinite { pivot, value } => write!(
                f,
                "covariance is not positive definite: Cholesky pivot {pivot} is {value:e}"
            ),
        }
    }
}

impl std::error::Error for SampleError {}

/// The lower Cholesky factor `L` of a symmetric positive definite matrix: `L Lᵀ = a`, with a
/// positive diagonal.
///
/// Checks that `a` is square, finite and symmetric (within [`SYMMETRY_TOLERANCE`]), then runs the
/// Cholesky–Banachiewicz recurrence on the lower triangle:
/// `L[i][j] = (a[i][j] - Σ_{k<j} L[i][k] L[j][k]) / L[j][j]` and
/// `L[i][i] = sqrt(a[i][i] - Σ_{k<i} L[i][k]²)`, refusing a pivot that is not positive.
pub fn cholesky<'a>(a: impl Into<ArrayView2<'a, f64>>) -> Result<Array2<f64>, SampleError> {
    let a = a.into();
    let (rows, cols) = a.dim();
    if rows != cols {
        return Err(SampleError::NotSquare { rows, cols });
    }
    if let Some(((row, col), _)) = a.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(SampleError::NotFinite {
            row,
            col: Some(col),
        });
    }
    for row in 0..rows {
        for col in row + 1..cols {
            let (upper, lower) = (a[[row, col]], a[[col, row]]);
            let scale = upper
                .abs()
                .max(lower.abs())
                .max(a[[row, row]].abs())
                .max(a[[col, col]].abs());
            if (upper - lower).abs() > SYMMETRY_TOLERANCE * scale {
                return Err(SampleError::NotSymmetric {
                    row,
                    col,
                    upper,
                    lower,
                });
            }
        }
    }
    let n = rows;
    let mut l = Array2::<f64>::zeros((n, n));
    for i in 0..n {
        for j in 0..=i {
            let dot: f64 = (0..j).map(|k| l[[i, k]] * l[[j, k]]).sum();
            let s = a[[i, j]] - dot;
            if i == j {
                if s.is_nan() || s <= 0.0 {
                    return Err(SampleError::NotPositiveDefinite { pivot: i, value: s });
                }
                l[[i, i]] = s.sqrt();
            } else {
                l[[i, j]] = s / l[[j, j]];
            }
        }
    }
    Ok(l)
}

/// A multivariate normal distribution `N(mean, cov)`.
#[derive(Debug, Clone, PartialEq)]
pub struct MultivariateNormal {
    mean: Array1<f64>,
    chol: Array2<f64>,
}

impl MultivariateNormal {
    /// The distribution with this mean and covariance; the covariance must be symmetric positive
    /// definite (see [`cholesky`]).
    pub fn new(mean: Array1<f64>, cov: Array2<f64>) -> Result<Self, SampleError> {
        let (rows, cols) = cov.dim();
        if rows != cols {
            return Err(SampleError::NotSquare { rows, cols });
        }
        if mean.len() != rows {
            return Err(SampleError::DimensionMismatch {
                mean: mean.len(),
                cov: rows,
            });
        }
        if let Some(row) = mean.iter().position(|v| !v.is_finite()) {
            return Err(SampleError::NotFinite { row, col: None });
        }
        let chol = cholesky(&cov)?;
        Ok(MultivariateNormal { mean, chol })
    }

    /// The number of variables.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// The mean.
    pub fn mean(&self) -> &Array1<f64> {
        &self.mean
    }

    /// The lower Cholesky factor `L` of the covariance (`L Lᵀ = cov`).
    pub fn cholesky_factor(&self) -> &Array2<f64> {
        &self.chol
    }

    /// One draw: `mean + L z`, `z` being `dim()` standard normal draws taken in order.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Array1<f64> {
        let mut out = Array1::zeros(self.dim());
        let mut z = vec![0.0; self.dim()];
        self.fill(rng, &mut z, out.iter_mut());
        out
    }

    /// `n` draws, one per row of an `n × dim()` array; row `k` is what the `k`-th of `n`
    /// successive [`MultivariateNormal::sample`] calls would return.
    pub fn sample_n<R: Rng + ?Sized>(&self, rng: &mut R, n: usize) -> Array2<f64> {
        let mut out = Array2::zeros((n, self.dim()));
        let mut z = vec![0.0; self.dim()];
        for mut row in out.rows_mut() {
            self.fill(rng, &mut z, row.iter_mut());
        }
        out
    }

    fn fill<'a, R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        z: &mut [f64],
        out: impl Iterator<Item = &'a mut f64>,
    ) {
        for zi in z.iter_mut() {
            *zi = StandardNormal.sample(rng);
        }
        for ((o, mean), l_row) in out.zip(&self.mean).zip(self.chol.rows()) {
            let lz: f64 = l_row.iter().zip(z.iter()).map(|(l, z)| l * z).sum();
            *o = mean + lz;
        }
    }
}

impl Distribution<Array1<f64>> for MultivariateNormal {
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Array1<f64> {
        MultivariateNormal::sample(self, rng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use autodiff_runtime::ndarray::{Axis, array};
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    /// The classic example with an integer factor: L = [[2, 0, 0], [6, 1, 0], [-8, 5, 3]].
    fn wiki_matrix() -> Array2<f64> {
        array![
            [4.0, 12.0, -16.0],
            [12.0, 37.0, -43.0],
            [-16.0, -43.0, 98.0]
        ]
    }

    /// The post's covariance: the `cov_elementwise` row of the reference `cov.csv`.
    fn post_cov() -> Array2<f64> {
        array![
            [0.17390735240615365, 8.238698236649483e-05],
            [8.238698236649483e-05, 0.09140498447418667]
        ]
    }

    #[test]
    fn cholesky_of_a_known_matrix() {
        let l = cholesky(&wiki_matrix()).unwrap();
        // Every intermediate is a small integer, so the factor is exact.
        assert_eq!(
            l,
            array![[2.0, 0.0, 0.0], [6.0, 1.0, 0.0], [-8.0, 5.0, 3.0]]
        );
    }

    #[test]
    fn cholesky_reconstructs_the_posts_covariance() {
        let cov = post_cov();
        let l = cholesky(&cov).unwrap();
        assert_eq!(l[[0, 1]], 0.0);
        let back = l.dot(&l.t());
        // Each entry of L Lᵀ is a sum of at most two rounded products of rounded factors: a few
        // ulps of the diagonal scale.
        for (b, c) in back.iter().zip(cov.iter()) {
            assert!((b - c).abs() <= 8.0 * f64::EPSILON * 0.2, "{b} vs {c}");
        }
    }

    #[test]
    fn matrices_that_are_not_spd_are_refused() {
        // Eigenvalues 3 and -1.
        let err = cholesky(&array![[1.0, 2.0], [2.0, 1.0]]).unwrap_err();
        assert_eq!(
            err,
            SampleError::NotPositiveDefinite {
                pivot: 1,
                value: -3.0
            }
        );
        // Semi-definite: rank one.
        let err = cholesky(&array![[1.0, 1.0], [1.0, 1.0]]).unwrap_err();
        assert!(
            matches!(err, SampleError::NotPositiveDefinite { pivot: 1, .. }),
            "{err}"
        );
        let err = cholesky(&array![[-1.0, 0.0], [0.0, 1.0]]).unwrap_err();
        assert!(
            matches!(err, SampleError::NotPositiveDefinite { pivot: 0, .. }),
            "{err}"
        );
        let err = cholesky(&array![[2.0, 1.0], [0.5, 2.0]]).unwrap_err();
        assert!(
            matches!(err, SampleError::NotSymmetric { row: 0, col: 1, .. }),
            "{err}"
        );
        let err = cholesky(&array![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]).unwrap_err();
        assert_eq!(err, SampleError::NotSquare { rows: 2, cols: 3 });
        let err = cholesky(&array![[1.0, f64::NAN], [f64::NAN, 1.0]]).unwrap_err();
        assert_eq!(
            err,
            SampleError::NotFinite {
                row: 0,
                col: Some(1)
            }
        );

        let err = MultivariateNormal::new(array![0.0], post_cov()).unwrap_err();
        assert_eq!(err, SampleError::DimensionMismatch { mean: 1, cov: 2 });
        let err = MultivariateNormal::new(array![0.0, f64::INFINITY], post_cov()).unwrap_err();
        assert_eq!(err, SampleError::NotFinite { row: 1, col: None });
        assert!(err.to_string().contains("mean[1]"));
    }

    /// Checks the sample mean and the sample covariance about the true mean against the true
    /// moments, within `k` standard errors. For Gaussian draws the standard errors are exact:
    /// `sqrt(Σ_ii / n)` for a mean, and `sqrt((Σ_ii Σ_jj + Σ_ij²) / n)` for
    /// `(1/n) Σ_t (x_ti - μ_i)(x_tj - μ_j)` (Isserlis' theorem).
    fn assert_moments(draws: &Array2<f64>, mean: &Array1<f64>, cov: &Array2<f64>, k: f64) {
        let n = draws.nrows() as f64;
        let sample_mean = draws.mean_axis(Axis(0)).unwrap();
        for i in 0..mean.len() {
            let se = (cov[[i, i]] / n).sqrt();
            let err = (sample_mean[i] - mean[i]).abs();
            assert!(
                err < k * se,
                "mean[{i}]: {} vs {}, {:.2} SE",
                sample_mean[i],
                mean[i],
                err / se
            );
        }
        let centred = draws - mean;
        let sample_cov = centred.t().dot(&centred) / n;
        for i in 0..mean.len() {
            for j in 0..mean.len() {
                let se = ((cov[[i, i]] * cov[[j, j]] + cov[[i, j]].powi(2)) / n).sqrt();
                let err = (sample_cov[[i, j]] - cov[[i, j]]).abs();
                assert!(
                    err < k * se,
                    "cov[{i}][{j}]: {} vs {}, {:.2} SE",
                    sample_cov[[i, j]],
                    cov[[i, j]],
                    err / se
                );
            }
        }
    }

    #[test]
    fn moments_of_the_posts_recipe_match_within_five_standard_errors() {
        let mean = array![0.1, 0.09];
        let mvn = MultivariateNormal::new(mean.clone(), post_cov()).unwrap();
        let draws = mvn.sample_n(&mut StdRng::seed_from_u64(2024), 200_000);
        assert_eq!(draws.dim(), (200_000, 2));
        assert_moments(&draws, &mean, &post_cov(), 5.0);
    }

    #[test]
    fn moments_of_a_strongly_correlated_distribution_match() {
        // Correlations near ±0.9 (and a factor that is far from its transpose) would expose a
        // factor applied the wrong way round.
        let mean = array![1.0, -2.0, 0.5];
        let mvn = MultivariateNormal::new(mean.clone(), wiki_matrix()).unwrap();
        let draws = mvn.sample_n(&mut StdRng::seed_from_u64(7), 200_000);
        assert_moments(&draws, &mean, &wiki_matrix(), 5.0);
    }

    #[test]
    fn sample_n_rows_are_successive_samples() {
        let mvn = MultivariateNormal::new(array![0.1, 0.09], post_cov()).unwrap();
        let block = mvn.sample_n(&mut StdRng::seed_from_u64(3), 5);
        let mut rng = StdRng::seed_from_u64(3);
        for row in block.rows() {
            assert_eq!(row, mvn.sample(&mut rng));
        }
        // The `Distribution` impl draws the same values.
        let mut rng = StdRng::seed_from_u64(3);
        let first: Array1<f64> = Distribution::sample(&mvn, &mut rng);
        assert_eq!(first, block.row(0));
        // Seeded runs repeat; different seeds differ.
        assert_eq!(block, mvn.sample_n(&mut StdRng::seed_from_u64(3), 5));
        assert_ne!(block, mvn.sample_n(&mut StdRng::seed_from_u64(4), 5));
    }
}
