//! The reference data in `data/` (described in `data/REFERENCE.md`), parsed with `csv` and serde.
//!
//! The numbers were computed outside this project (NumPy, JAX with optax, exact rational
//! arithmetic) and written in shortest round-trip form, so every float here has exactly the bits
//! the producing program had. The files are read at run time from the package's `data/` folder
//! ([`data_dir`]); each reader returns a [`ReferenceError`] naming the file when it cannot.

use std::error::Error;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use autodiff_runtime::ndarray::{Array2, array};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

/// The optimal `θ = w₂ / w₁` of the post's two-asset portfolio: the tangency portfolio
/// `w ∝ Σ⁻¹ μ` with the sample mean and ddof = 0 sample covariance of `returns.csv`.
///
/// Source: `data/REFERENCE.md` ("The closed form") and the end of `data/adam.txt`; in exact
/// arithmetic θ* = 2.33390027269952047903, of which this is the nearest `f64`.
pub const THETA_STAR: f64 = 2.3339002726995205;

/// The Sharpe ratio `S(θ*)` at [`THETA_STAR`] (population standard deviation, ddof = 0).
///
/// Source: `data/REFERENCE.md` ("The closed form") and `data/adam.txt`.
pub const S_AT_THETA_STAR: f64 = 0.37469819288481504;

/// The folder holding the reference files: `data/` in this package's source tree.
pub fn data_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/data"))
}

/// A reference file that could not be read or parsed.
#[derive(Debug)]
pub enum ReferenceError {
    /// The file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The file, or a record in it, is not what the row type expects.
    Csv {
        /// The file.
        path: PathBuf,
        /// The parser's error, with the record's position.
        source: csv::Error,
    },
}

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReferenceError::Io { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            ReferenceError::Csv { path, source } => {
                write!(f, "cannot parse {}: {source}", path.display())
            }
        }
    }
}

impl Error for ReferenceError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            ReferenceError::Io { source, .. } => Some(source),
            ReferenceError::Csv { source, .. } => Some(source),
        }
    }
}

fn parse_records<T, R>(path: &Path, reader: csv::Reader<R>) -> Result<Vec<T>, ReferenceError>
where
    T: DeserializeOwned,
    R: std::io::Read,
{
    reader
        .into_deserialize()
        .collect::<Result<Vec<T>, csv::Error>>()
        .map_err(|source| ReferenceError::Csv {
            path: path.to_owned(),
            source,
        })
}

fn read_csv<T: DeserializeOwned>(file: &str) -> Result<Vec<T>, ReferenceError> {
    let path = data_dir().join(file);
    let reader = csv::Reader::from_path(&path).map_err(|source| ReferenceError::Csv {
        path: path.clone(),
        source,
    })?;
    parse_records(&path, reader)
}

#[derive(Deserialize)]
struct ReturnRow {
    r0: f64,
    r1: f64,
}

/// `returns.csv`: the post's 1000 × 2 matrix of simulated returns (row `t`: the two assets' returns
/// at time `t`), from `np.random.seed(1)` and `np.random.multivariate_normal`.
pub fn returns() -> Result<Array2<f64>, ReferenceError> {
    let rows: Vec<ReturnRow> = read_csv("returns.csv")?;
    Ok(Array2::from_shape_fn((rows.len(), 2), |(t, j)| {
        if j == 0 { rows[t].r0 } else { rows[t].r1 }
    }))
}

/// One row of `sharpe.csv`: the Sharpe ratio and its derivative at one `θ`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct SharpeRow {
    /// `θ`, from `numpy.logspace(-3, 3, 1000)`.
    pub theta: f64,
    /// `S(θ)` from JAX in float64.
    #[serde(rename = "S_jax_f64")]
    pub s_jax_f64: f64,
    /// `dS/dθ` from `jax.grad` in float64.
    #[serde(rename = "dS_jax_f64")]
    pub ds_jax_f64: f64,
    /// `S(θ)` from NumPy in float64.
    #[serde(rename = "S_numpy_f64")]
    pub s_numpy_f64: f64,
    /// `dS/dθ` from the analytic formula in float64.
    #[serde(rename = "dS_analytic_f64")]
    pub ds_analytic_f64: f64,
    /// `S(θ)` from the post's own float32 code.
    #[serde(rename = "S_blog_f32")]
    pub s_blog_f32: f64,
    /// `dS/dθ` from the post's own float32 code.
    #[serde(rename = "dS_blog_f32")]
    pub ds_blog_f32: f64,
}

/// `sharpe.csv`: `S` and `dS/dθ` at 1000 values of `θ` spaced logarithmically over `[1e-3, 1e3]`.
pub fn sharpe() -> Result<Vec<SharpeRow>, ReferenceError> {
    read_csv("sharpe.csv")
}

/// One row of `weierstrass_f64.csv`: `W_n(x) = Σ_{k<n} a^k cos(b^k π x)` (a = 1/2, b = 3) and its
/// derivative at one `(x, n)`, computed three ways.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct WeierstrassRow {
    /// The point.
    pub x: f64,
    /// The number of terms.
    pub n: u32,
    /// `W_n(x)` from JAX in float64.
    pub value_jax_f64: f64,
    /// `W_n'(x)` from `jax.grad` in float64.
    pub deriv_jax_f64: f64,
    /// `W_n(x)` from NumPy in float64, argument formed as `(3.0^k · π) · x`.
    pub value_np_f64: f64,
    /// `W_n'(x)` from NumPy in float64: `Σ -a^k b^k π sin(b^k π x)`.
    pub deriv_np_f64: f64,
    /// The true `W_n(x)` at this binary `x`, with exact phase reduction.
    pub value_exact: f64,
    /// The true `W_n'(x)` at this binary `x`.
    pub deriv_exact: f64,
}

/// `weierstrass_f64.csv`: 209 points for each n ∈ {1, 2, 5, 10, 20, 30, 50, 100}. See
/// `data/REFERENCE.md` for how far float64 can be trusted at each `n`.
pub fn weierstrass() -> Result<Vec<WeierstrassRow>, ReferenceError> {
    read_csv("weierstrass_f64.csv")
}

/// One row of `norms.csv`: the L1 norm of `d/dx W_n` over `x = linspace(-2, 2, 10000)`.
///
/// NaN marks a computation that overflowed (the post's float32 code at large `n`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct NormRow {
    /// The number of terms.
    pub n: u32,
    /// The post's own code (float32, with `b**n` wrapping around in int32 for n ≥ 20).
    #[serde(rename = "L1_blog_f32")]
    pub l1_blog_f32: f64,
    /// The post's code with the order of summation and differentiation swapped.
    #[serde(rename = "L1_blog_f32_swapped")]
    pub l1_blog_f32_swapped: f64,
    /// The post's code in float32 with `b**n` formed in float.
    #[serde(rename = "L1_f32_bfloat")]
    pub l1_f32_bfloat: f64,
    /// JAX in float64.
    #[serde(rename = "L1_jax_f64")]
    pub l1_jax_f64: f64,
    /// JAX in float64, order swapped.
    #[serde(rename = "L1_jax_f64_swapped")]
    pub l1_jax_f64_swapped: f64,
    /// NumPy in float64.
    #[serde(rename = "L1_numpy_f64")]
    pub l1_numpy_f64: f64,
    /// Exact derivative on the float64 grid.
    #[serde(rename = "L1_exact_f64grid")]
    pub l1_exact_f64grid: f64,
    /// Exact derivative on the float32 grid.
    #[serde(rename = "L1_exact_f32grid")]
    pub l1_exact_f32grid: f64,
}

/// `norms.csv`: derivative norms for n ∈ {1, 2, 5, 10, 15, 19, 20, 21, 25, 30, 50, 100}.
pub fn norms() -> Result<Vec<NormRow>, ReferenceError> {
    read_csv("norms.csv")
}

/// One row of `norm_slopes.csv`: `(log L1(n2) - log L1(n1)) / (n2 - n1)` for one range of `n`;
/// theory says it tends to `log(ab) = log 1.5`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct NormSlopeRow {
    /// `(n1, n2)`, written `n1-n2` in the file.
    #[serde(rename = "n_range", deserialize_with = "n_range")]
    pub range: (u32, u32),
    /// From the post's own code.
    pub blog_f32: f64,
    /// From the post's code, order swapped.
    pub blog_f32_swapped: f64,
    /// From float32 with `b**n` formed in float (NaN where a norm overflowed).
    pub f32_bfloat: f64,
    /// From JAX in float64.
    pub jax_f64: f64,
    /// From the exact derivative on the float64 grid.
    pub exact_f64grid: f64,
    /// From the exact derivative on the float32 grid.
    pub exact_f32grid: f64,
    /// `log(ab) = log 1.5`, the limit.
    pub log_ab: f64,
}

fn n_range<'de, D: Deserializer<'de>>(deserializer: D) -> Result<(u32, u32), D::Error> {
    use serde::de::Error as _;
    let text = String::deserialize(deserializer)?;
    let bad = || D::Error::custom(format!("expected a range of n like `10-100`, got {text:?}"));
    let (from, to) = text.split_once('-').ok_or_else(bad)?;
    Ok((
        from.parse().map_err(|_| bad())?,
        to.parse().map_err(|_| bad())?,
    ))
}

/// `norm_slopes.csv`: log-slopes of the derivative norms over six ranges of `n`.
pub fn norm_slopes() -> Result<Vec<NormSlopeRow>, ReferenceError> {
    read_csv("norm_slopes.csv")
}

/// One row of `cov.csv`: a named 2 × 2 matrix of the portfolio example.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CovRow {
    /// `rand_2x2` (NumPy's `np.random.rand(2, 2)` after seeding), `cov_elementwise` (the
    /// post's covariance, `rand.T * rand` element-wise), `sample_cov_ddof0`, `sample_cov_ddof1`
    /// (of `returns.csv`).
    pub name: String,
    /// Entry `[0][0]`.
    pub c00: f64,
    /// Entry `[0][1]`.
    pub c01: f64,
    /// Entry `[1][0]`.
    pub c10: f64,
    /// Entry `[1][1]`.
    pub c11: f64,
}

impl CovRow {
    /// The matrix `[[c00, c01], [c10, c11]]`.
    pub fn matrix(&self) -> Array2<f64> {
        array![[self.c00, self.c01], [self.c10, self.c11]]
    }
}

/// `cov.csv`: the 2 × 2 matrices behind `returns.csv`.
pub fn cov() -> Result<Vec<CovRow>, ReferenceError> {
    read_csv("cov.csv")
}

/// One row of the table in `adam.txt`: `θ` after `step` steps of `optax.adam(0.1)` maximising the
/// Sharpe ratio from `θ = 0`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct AdamRow {
    /// The number of steps taken.
    pub step: u32,
    /// float32, each step run eagerly.
    pub theta_f32_eager: f64,
    /// float32, the step jitted.
    pub theta_f32_jitstep: f64,
    /// float64, each step run eagerly.
    pub theta_f64_eager: f64,
    /// float64, the step jitted.
    pub theta_f64_jitstep: f64,
}

/// The number of lines before the table in `adam.txt`: the run's description, the post's result,
/// a blank line.
const ADAM_PREAMBLE_LINES: usize = 3;

/// The table of `adam.txt`: `θ` every 100 steps, steps 0 to 1000.
///
/// The file has three lines of description, then a comma-separated table whose fields are padded
/// with spaces, then a blank line and a free-text summary. The table (up to the blank line) is
/// handed to `csv` with whitespace trimming.
pub fn adam() -> Result<Vec<AdamRow>, ReferenceError> {
    let path = data_dir().join("adam.txt");
    let text = fs::read_to_string(&path).map_err(|source| ReferenceError::Io {
        path: path.clone(),
        source,
    })?;
    let table: String = text
        .lines()
        .skip(ADAM_PREAMBLE_LINES)
        .take_while(|line| !line.trim().is_empty())
        .flat_map(|line| [line, "\n"])
        .collect();
    let reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(table.as_bytes());
    parse_records(&path, reader)
}

#[cfg(test)]
mod tests {
    use super::*;
    use autodiff_runtime::ndarray::ArrayView2;
    use autodiff_runtime::{check, optim};

    #[test]
    fn returns_has_the_files_first_and_last_rows() {
        let r = returns().unwrap();
        assert_eq!(r.dim(), (1000, 2));
        // The literals of the file's first and last lines: parsing keeps the exact bits.
        assert_eq!(r[[0, 0]], 0.32058312428034524);
        assert_eq!(r[[0, 1]], -0.23417310523971582);
        assert_eq!(r[[999, 0]], -0.1042112425901297);
        assert_eq!(r[[999, 1]], 0.16199184400973285);
    }

    #[test]
    fn sharpe_theta_is_numpys_logspace() {
        let rows = sharpe().unwrap();
        assert_eq!(rows.len(), 1000);
        assert_eq!(rows[0].s_jax_f64, 0.20020013827484037);
        assert_eq!(rows[999].ds_analytic_f64, -2.5957971702949287e-07);
        // The column was written by numpy.logspace(-3, 3, 1000). Our exponents follow NumPy's
        // linspace formula exactly; `10^p` is then computed by two different `pow`s (glibc's here,
        // NumPy's own loop there), each within an ulp of the exact power, so the two may differ by
        // one ulp.
        let ours = crate::grids::logspace(-3.0, 3.0, 1000);
        let ulps_apart = |a: f64, b: f64| a.to_bits().abs_diff(b.to_bits());
        for (row, t) in rows.iter().zip(ours.iter()) {
            assert!(ulps_apart(row.theta, *t) <= 1, "{} vs {t}", row.theta);
        }
        assert_eq!(ours[0], rows[0].theta);
        assert_eq!(ours[999], rows[999].theta);
    }

    #[test]
    fn weierstrass_has_209_points_for_each_n() {
        let rows = weierstrass().unwrap();
        assert_eq!(rows.len(), 8 * 209);
        for n in [1, 2, 5, 10, 20, 30, 50, 100] {
            let points: Vec<f64> = rows.iter().filter(|r| r.n == n).map(|r| r.x).collect();
            assert_eq!(points.len(), 209, "n = {n}");
            assert_eq!(points[0], -2.0);
        }
        // W_1(x) = cos(π x), exactly 1 at x = -2.
        assert_eq!(rows[0].value_exact, 1.0);
        assert_eq!(rows[1].x, -1.98);
    }

    #[test]
    fn norms_and_slopes_parse_including_nan() {
        let norms = norms().unwrap();
        let ns: Vec<u32> = norms.iter().map(|r| r.n).collect();
        assert_eq!(ns, [1, 2, 5, 10, 15, 19, 20, 21, 25, 30, 50, 100]);
        assert!(norms[11].l1_f32_bfloat.is_nan());
        assert_eq!(norms[11].l1_jax_f64, 6.606284038440598e+21);

        let slopes = norm_slopes().unwrap();
        let ranges: Vec<(u32, u32)> = slopes.iter().map(|r| r.range).collect();
        assert_eq!(
            ranges,
            [(1, 10), (10, 100), (10, 20), (20, 30), (30, 50), (50, 100)]
        );
        assert!(slopes[1].f32_bfloat.is_nan());
        for row in &slopes {
            // log 1.5, correctly rounded by both NumPy's and Rust's `log`.
            assert_eq!(row.log_ab, 1.5f64.ln());
        }
    }

    #[test]
    fn cov_rows_are_consistent_with_the_recipe() {
        let rows = cov().unwrap();
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "rand_2x2",
                "cov_elementwise",
                "sample_cov_ddof0",
                "sample_cov_ddof1"
            ]
        );
        // The post's covariance is `cov.T * cov`, element-wise: one rounded product per entry.
        let (rand, post) = (rows[0].matrix(), rows[1].matrix());
        assert_eq!(post, &rand.t() * &rand);
        // ddof = 1 is ddof = 0 scaled by n / (n - 1), up to two roundings.
        for (d0, d1) in rows[2].matrix().iter().zip(rows[3].matrix().iter()) {
            let scaled = d0 * 1000.0 / 999.0;
            assert!(
                (scaled - d1).abs() <= 2.0 * f64::EPSILON * d1.abs(),
                "{scaled} vs {d1}"
            );
        }
        // And the sample covariance is that of returns.csv (ddof = 0): sums of 1000 products,
        // good to ~1000 ε relative to the sum of their magnitudes.
        let r = returns().unwrap();
        let centred = &r - &r.mean_axis(autodiff_runtime::ndarray::Axis(0)).unwrap();
        let ours = centred.t().dot(&centred) / 1000.0;
        for (a, b) in ours.iter().zip(rows[2].matrix().iter()) {
            assert!((a - b).abs() < 1e-13, "{a} vs {b}");
        }
    }

    #[test]
    fn adam_table_has_eleven_checkpoints() {
        let rows = adam().unwrap();
        let steps: Vec<u32> = rows.iter().map(|r| r.step).collect();
        assert_eq!(steps, (0..=1000).step_by(100).collect::<Vec<_>>());
        assert_eq!(rows[0].theta_f64_eager, 0.0);
        assert_eq!(rows[1].theta_f32_eager, 2.3479344844818115);
        assert_eq!(rows[10].theta_f64_eager, 2.33390027269952);
        for row in &rows {
            assert_eq!(row.theta_f64_eager, row.theta_f64_jitstep);
        }
        // The run ends at the closed-form optimum, to the 15 digits the file prints.
        assert!((rows[10].theta_f64_eager - THETA_STAR).abs() < 1e-14);
    }

    #[test]
    fn malformed_records_are_reported_with_the_file() {
        let path = Path::new("somewhere/bad.csv");
        let text = "n_range,blog_f32,blog_f32_swapped,f32_bfloat,jax_f64,exact_f64grid,exact_f32grid,log_ab\n\
                    1to10,0,0,0,0,0,0,0\n";
        let err = parse_records::<NormSlopeRow, _>(path, csv::Reader::from_reader(text.as_bytes()))
            .unwrap_err();
        let message = err.to_string();
        assert!(message.contains("somewhere/bad.csv"), "{message}");
        assert!(message.contains("1to10"), "{message}");

        let text = "step,theta_f32_eager,theta_f32_jitstep,theta_f64_eager,theta_f64_jitstep\n\
                    100,x,0,0,0\n";
        let err = parse_records::<AdamRow, _>(path, csv::Reader::from_reader(text.as_bytes()))
            .unwrap_err();
        assert!(matches!(err, ReferenceError::Csv { .. }), "{err}");
    }

    /// `S(θ)` and `dS/dθ` for `r_t = (R_t0 + R_t1 θ) / (1 + θ)`, `S = mean(r) / std(r)` (ddof = 0),
    /// by hand: `dr_t = (R_t1 - R_t0) / (1 + θ)²`, `dμ = mean(dr)`,
    /// `dσ = mean((r - μ)(dr - dμ)) / σ`, `dS = dμ / σ - μ dσ / σ²`.
    fn sharpe_and_grad(r: ArrayView2<f64>, theta: f64) -> (f64, f64) {
        let n = r.nrows() as f64;
        let port: Vec<f64> = r
            .rows()
            .into_iter()
            .map(|row| (row[0] + row[1] * theta) / (1.0 + theta))
            .collect();
        let dport: Vec<f64> = r
            .rows()
            .into_iter()
            .map(|row| (row[1] - row[0]) / ((1.0 + theta) * (1.0 + theta)))
            .collect();
        let mu = port.iter().sum::<f64>() / n;
        let dmu = dport.iter().sum::<f64>() / n;
        let var = port.iter().map(|p| (p - mu) * (p - mu)).sum::<f64>() / n;
        let sigma = var.sqrt();
        let dsigma = port
            .iter()
            .zip(&dport)
            .map(|(p, dp)| (p - mu) * (dp - dmu))
            .sum::<f64>()
            / n
            / sigma;
        (mu / sigma, dmu / sigma - mu * dsigma / (sigma * sigma))
    }

    #[test]
    fn hand_written_sharpe_gradient_matches_the_reference_and_finite_differences() {
        let r = returns().unwrap();
        for row in &sharpe().unwrap() {
            let (s, ds) = sharpe_and_grad(r.view(), row.theta);
            // The file's columns agree with each other to ~1e-12 relative (REFERENCE.md); ours is
            // another float64 evaluation of the same sums. Where S' crosses zero, relative error
            // means nothing: there 1e-13 is 1e-12 of the largest |S'| (about 0.23).
            assert!(approx::relative_eq!(
                s,
                row.s_numpy_f64,
                epsilon = 0.0,
                max_relative = 1e-12
            ));
            assert!(approx::relative_eq!(
                ds,
                row.ds_analytic_f64,
                epsilon = 1e-13,
                max_relative = 1e-12
            ));
        }
        for row in sharpe().unwrap().iter().step_by(50) {
            let (_, ds) = sharpe_and_grad(r.view(), row.theta);
            check::derivative(
                |t| sharpe_and_grad(r.view(), t).0,
                ds,
                row.theta,
                check::Tolerance::default(),
            )
            .unwrap();
        }
        let (s, ds) = sharpe_and_grad(r.view(), THETA_STAR);
        assert!((s - S_AT_THETA_STAR).abs() < 1e-13);
        assert!(ds.abs() < 1e-12);
    }

    #[test]
    fn our_adam_reproduces_optax_trajectory() {
        let r = returns().unwrap();
        let reference = adam().unwrap();
        let trace = optim::Run::new(1000)
            .record_every(100)
            .maximize(&mut optim::Adam::new(0.1), 0.0, |t: &f64| {
                sharpe_and_grad(r.view(), *t)
            })
            .unwrap();
        // float64 evaluations of S' differ by ~1e-12 relative (REFERENCE.md), and Adam, which
        // settles at the optimum, does not amplify that: the trajectories must agree to 1e-12.
        assert_eq!(trace.history.len(), reference.len());
        for ((step, theta), row) in trace.history.iter().zip(&reference) {
            assert_eq!(*step, row.step as usize);
            assert!(
                (theta - row.theta_f64_eager).abs() < 1e-12,
                "step {step}: {theta} vs {}",
                row.theta_f64_eager
            );
        }
        assert!((trace.params - THETA_STAR).abs() < 1e-12);
    }
}
