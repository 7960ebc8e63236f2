//! The reproduction of the post, shared by `examples/post.rs` (the whole post) and
//! `examples/weierstrass.rs` (its first half): compute with the generated gradients, compare with
//! the reference data, draw the figures.
//!
//! Every derivative here comes from code that `#[differentiable]` generated (`grad_weierstrass`,
//! `grad_w_term`, `grad_sharpe_ratio`, `value_and_grad_sharpe_ratio`); points are evaluated in
//! parallel with [`batch::map`].

use std::error::Error;
use std::fmt;
use std::path::{Path, PathBuf};

use autodiff_runtime::batch;
use autodiff_runtime::ndarray::Array1;
use autodiff_runtime::optim::{Adam, OptimError, Run};

use crate::figures;
use crate::plot::{Corner, Figure, LineStyle, Marker, PlotError, Rgb, Scale, Series};
use crate::portfolio::{grad_sharpe_ratio, sharpe_ratio, value_and_grad_sharpe_ratio};
use crate::reference::{
    self, NormRow, NormSlopeRow, ReferenceError, S_AT_THETA_STAR, SharpeRow, THETA_STAR,
};
use crate::weierstrass::{A, B, grad_w_term, grad_weierstrass, weierstrass, weierstrass_with};

/// The number of points of the post's grid `x = linspace(-2, 2, 10000)`.
pub const GRID_POINTS: usize = 10_000;

/// The numbers of terms at which the post computes the derivative's norm: `10**np.arange(3)`.
pub const POST_NS: [usize; 3] = [1, 10, 100];

/// The denser set of `n` drawn and tabulated here: every `n` of `norms.csv`, which includes the
/// post's three and brackets `n = 20`, where the post's own numbers go wrong.
pub const NS: [usize; 12] = [1, 2, 5, 10, 15, 19, 20, 21, 25, 30, 50, 100];

/// `‖dW_n/dx‖₁` from NumPy in float64 on NumPy's own grid `numpy.linspace(-2, 2, 10000)`
/// (derivative `Σ -a^k b^k π sin((b^k π) x)`, NumPy 2.4), computed outside this project. The JAX
/// column of `norms.csv` was computed on `jnp.linspace`'s grid, which differs from NumPy's in the
/// last bit at some points; these show that on NumPy's grid, ours, NumPy agrees with us.
pub const NUMPY_GRID_NORMS: [(usize, f64); 2] =
    [(15, 7255141.740821382), (50, 1.0403258452830188e13)];

/// The post's grid, `linspace(-2, 2, 10000)`, with NumPy's rounding.
pub fn grid() -> Array1<f64> {
    crate::grids::linspace(-2.0, 2.0, GRID_POINTS)
}

/// `‖dW_n/dx‖₁ = Σ_i |W_n'(x_i)|` with `W_n'` from the generated `grad_weierstrass`
/// (differentiating the sum). The points are evaluated in parallel; the sum runs in grid order,
/// so the result does not depend on the number of threads.
pub fn derivative_l1_norm(xs: &[f64], n: usize) -> f64 {
    l1(&batch::map(xs, |&x| grad_weierstrass(x, n, A, B)))
}

/// The same norm with summation and differentiation switched, as the post's second loop:
/// `Σ_k grad_w_term(x, k)`, the sum of the generated derivatives of the terms.
pub fn derivative_l1_norm_switched(xs: &[f64], n: usize) -> f64 {
    l1(&batch::map(xs, |&x| {
        weierstrass_with(x, n, A, B, grad_w_term)
    }))
}

fn l1(values: &[f64]) -> f64 {
    values.iter().map(|v| v.abs()).sum()
}

/// `(log L1(n2) - log L1(n1)) / (n2 - n1)`, the growth rate per term that `norm_slopes.csv`
/// tabulates; for `W_n` it tends to `log(ab)`.
pub fn log_slope((n1, norm1): (usize, f64), (n2, norm2): (usize, f64)) -> f64 {
    (norm2.ln() - norm1.ln()) / (n2 as f64 - n1 as f64)
}

/// Anything that stops the reproduction: a reference file, a figure or the optimizer.
#[derive(Debug)]
pub enum PostError {
    /// A reference file could not be read.
    Reference(ReferenceError),
    /// A figure could not be drawn or written.
    Plot(PlotError),
    /// The optimizer refused its input.
    Optim(OptimError),
    /// The sampler refused its covariance.
    Sample(crate::sample::SampleError),
    /// The reference data lacks something the reproduction needs.
    Missing(&'static str),
}

impl fmt::Display for PostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PostError::Reference(e) => write!(f, "reference data: {e}"),
            PostError::Plot(e) => write!(f, "figure: {e}"),
            PostError::Optim(e) => write!(f, "optimizer: {e}"),
            PostError::Sample(e) => write!(f, "sampler: {e}"),
            PostError::Missing(what) => write!(f, "reference data: no {what}"),
        }
    }
}

impl Error for PostError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            PostError::Reference(e) => Some(e),
            PostError::Plot(e) => Some(e),
            PostError::Optim(e) => Some(e),
            PostError::Sample(e) => Some(e),
            PostError::Missing(_) => None,
        }
    }
}

impl From<ReferenceError> for PostError {
    fn from(e: ReferenceError) -> Self {
        PostError::Reference(e)
    }
}

impl From<OptimError> for PostError {
    fn from(e: OptimError) -> Self {
        PostError::Optim(e)
    }
}

impl From<PlotError> for PostError {
    fn from(e: PlotError) -> Self {
        PostError::Plot(e)
    }
}

/// One `n`: our two norms and the reference's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NormComparison {
    /// The number of terms.
    pub n: usize,
    /// Ours, float64, differentiating the sum ([`derivative_l1_norm`]).
    pub ours: f64,
    /// Ours, float64, summing the terms' derivatives ([`derivative_l1_norm_switched`]).
    pub switched: f64,
    /// `norms.csv`, when it has this `n`.
    pub reference: Option<NormRow>,
}

/// One range of `n`: our log-slope and the reference's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlopeComparison {
    /// Ours, from [`NormComparison::ours`].
    pub ours: f64,
    /// Ours, from [`NormComparison::switched`].
    pub switched: f64,
    /// `norm_slopes.csv`: the range and the reference's slopes.
    pub reference: NormSlopeRow,
}

/// What [`weierstrass_part`] computed and drew. `Display` prints it as the examples show it.
#[derive(Debug, Clone, PartialEq)]
pub struct WeierstrassReport {
    /// One row per `n` of [`NS`].
    pub norms: Vec<NormComparison>,
    /// One row per range of `norm_slopes.csv`.
    pub slopes: Vec<SlopeComparison>,
    /// The PNGs written, in the order drawn.
    pub figures: Vec<PathBuf>,
}

/// The post's first half: `W_100` and its derivative on the post's grid, the derivative's L1 norm
/// for every `n` of [`NS`] both ways (differentiating the sum, summing the derivatives), compared
/// with `norms.csv` and `norm_slopes.csv`. Writes four PNGs into `dir` (created if missing):
/// `weierstrass_value.png`, `weierstrass_derivative.png`, `derivative_norms.png` (the post's
/// log-log plot, both orders) and `norms_vs_post.png` (ours against the post's float32 numbers).
pub fn weierstrass_part(dir: impl AsRef<Path>) -> Result<WeierstrassReport, PostError> {
    let dir = dir.as_ref();
    let xs = grid();
    let xs = xs.as_slice().expect("linspace returns a contiguous array");
    let terms = figures::WEIERSTRASS_N;
    let mut drawn = Vec::new();

    let values = batch::map(xs, |&x| weierstrass(x, terms, A, B));
    let derivatives = batch::map(xs, |&x| grad_weierstrass(x, terms, A, B));
    drawn.push(figures::weierstrass_value(dir, xs, &values)?);
    drawn.push(figures::weierstrass_derivative(dir, xs, &derivatives)?);

    let reference_norms = reference::norms()?;
    let norms: Vec<NormComparison> = NS
        .iter()
        .map(|&n| NormComparison {
            n,
            ours: derivative_l1_norm(xs, n),
            switched: derivative_l1_norm_switched(xs, n),
            reference: reference_norms.iter().find(|r| r.n as usize == n).copied(),
        })
        .collect();
    let at = |n: u32| norms.iter().find(|c| c.n == n as usize);
    let slopes = reference::norm_slopes()?
        .into_iter()
        .filter_map(|reference| {
            let (lo, hi) = (at(reference.range.0)?, at(reference.range.1)?);
            Some(SlopeComparison {
                ours: log_slope((lo.n, lo.ours), (hi.n, hi.ours)),
                switched: log_slope((lo.n, lo.switched), (hi.n, hi.switched)),
                reference,
            })
        })
        .collect();

    let ns: Vec<usize> = norms.iter().map(|c| c.n).collect();
    let ours: Vec<f64> = norms.iter().map(|c| c.ours).collect();
    let switched: Vec<f64> = norms.iter().map(|c| c.switched).collect();
    let log_ab = (A * B).ln();
    drawn.push(figures::derivative_norms(
        dir, &ns, &ours, &switched, log_ab,
    )?);
    drawn.push(norms_vs_post(dir, &norms, log_ab)?);

    Ok(WeierstrassReport {
        norms,
        slopes,
        figures: drawn,
    })
}

/// `norms_vs_post.png`: our float64 norms against the post's own float32 numbers from
/// `norms.csv`, on a log y axis over a linear n axis, where `(ab)ⁿ` is a straight line.
fn norms_vs_post(dir: &Path, norms: &[NormComparison], log_ab: f64) -> Result<PathBuf, PlotError> {
    std::fs::create_dir_all(dir).map_err(|source| PlotError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let path = dir.join("norms_vs_post.png");
    let ours: Vec<(f64, f64)> = norms.iter().map(|c| (c.n as f64, c.ours)).collect();
    let column = |pick: fn(&NormRow) -> f64| -> Vec<(f64, f64)> {
        norms
            .iter()
            .filter_map(|c| Some((c.n as f64, pick(c.reference.as_ref()?))))
            .collect()
    };
    let (n_last, norm_last) = ours.last().copied().unwrap_or((1.0, 1.0));
    let post_plateau = norms
        .last()
        .and_then(|c| Some(format!("{:.2e}", c.reference?.l1_blog_f32)))
        .unwrap_or_else(|| "?".into());
    let trend: Vec<(f64, f64)> = (0..=100)
        .map(|i| {
            let n = 1.0 + (n_last - 1.0) * i as f64 / 100.0;
            (n, norm_last * (log_ab * (n - n_last)).exp())
        })
        .collect();
    Figure::new(
        "‖dWₙ/dx‖₁ on linspace(−2, 2, 10000): float64 here against the post's float32 code",
    )
    .x_label("n (number of terms in the sum)")
    .y_label("‖dWₙ/dx‖₁")
    .y_scale(Scale::Log10)
    .legend(Corner::UpperLeft)
    .series(
        Series::new("ours, float64 (generated grad_weierstrass)", ours)
            .color(Rgb::BLUE)
            .width(4)
            .marker(Marker::Circle)
            .marker_size(7),
    )
    .series(
        Series::new(
            "JAX float64 (reference, norms.csv)",
            column(|r| r.l1_jax_f64),
        )
        .color(Rgb::ORANGE)
        .dashed()
        .marker(Marker::Cross)
        .marker_size(8),
    )
    .series(
        Series::new(
            "the post's own code, float32 (norms.csv)",
            column(|r| r.l1_blog_f32),
        )
        .color(Rgb::RED)
        .width(2)
        .marker(Marker::Square)
        .marker_size(5),
    )
    // Last, so that it shows on top of the float64 curves it runs along.
    .series(
        Series::new(
            format!("(ab)ⁿ through our n = {n_last}: log-slope log(ab) = {log_ab:.4}"),
            trend,
        )
        .color(Rgb::BLACK)
        .width(2)
        .line_style(LineStyle::Dotted),
    )
    .note(
        Corner::LowerRight,
        format!(
            "The post computes b**n in int32 inside jax.jit: 3²⁰ > 2³¹ − 1 wraps around,\n\
                 so every term from k = 20 on has a wrong frequency; its norm stops at {}.",
            post_plateau
        ),
    )
    .save_png(&path)?;
    Ok(path)
}

impl fmt::Display for WeierstrassReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rel = |a: f64, b: f64| (a - b) / b;
        writeln!(
            f,
            "L1 norm of dW_n/dx over linspace(-2, 2, {GRID_POINTS}), a = {A}, b = {B} \
             (* = the post's n)"
        )?;
        writeln!(
            f,
            "ours: differentiating the sum (grad_weierstrass); switched: summing the terms' derivatives;"
        )?;
        writeln!(
            f,
            "JAX: the reference in float64; exact: exact arithmetic on the float64 grid; post: the post's \
             float32 code; a vs b: a / b - 1"
        )?;
        writeln!(
            f,
            "{:>5} {:>19} {:>16} | {:>19} {:>11} | {:>13} {:>12} | {:>12} {:>12}",
            "n",
            "ours",
            "switched vs ours",
            "JAX",
            "ours vs JAX",
            "ours vs exact",
            "JAX vs exact",
            "post",
            "post vs ours"
        )?;
        for c in &self.norms {
            let mark = if POST_NS.contains(&c.n) { "*" } else { " " };
            let cells = match &c.reference {
                Some(r) => [
                    format!("{:.12e}", r.l1_jax_f64),
                    format!("{:+.1e}", rel(c.ours, r.l1_jax_f64)),
                    format!("{:+.1e}", rel(c.ours, r.l1_exact_f64grid)),
                    format!("{:+.1e}", rel(r.l1_jax_f64, r.l1_exact_f64grid)),
                    format!("{:.5e}", r.l1_blog_f32),
                    format!("{:+.1e}", rel(r.l1_blog_f32, c.ours)),
                ],
                None => std::array::from_fn(|_| "-".to_string()),
            };
            let [jax, jax_rel, ours_exact, jax_exact, post, post_rel] = cells;
            writeln!(
                f,
                "{:>4}{mark} {:>19.12e} {:>+16.1e} | {jax:>19} {jax_rel:>11} | {ours_exact:>13} {jax_exact:>12} | {post:>12} {post_rel:>12}",
                c.n,
                c.ours,
                rel(c.switched, c.ours),
            )?;
        }
        let on_numpys_grid: Vec<String> = NUMPY_GRID_NORMS
            .iter()
            .filter_map(|&(n, numpy)| {
                let ours = self.norms.iter().find(|c| c.n == n)?.ours;
                Some(format!(
                    "n = {n}: NumPy {numpy:e}, ours {ours:e} ({:+.0e})",
                    rel(ours, numpy)
                ))
            })
            .collect();
        writeln!(
            f,
            "Ours and JAX part from n ~ 15 because of the grid: ours is numpy.linspace's, \
             on which NumPy's float64 norms agree with ours to ~1e-14:"
        )?;
        writeln!(f, "{}.", on_numpys_grid.join("; "))?;
        writeln!(
            f,
            "JAX's column is on jnp.linspace's grid, a last bit off NumPy's at some points; an ulp of x shifts term k's \
             phase by b^k*pi*ulp, and beyond k ~ 15 that changes the norm at the printed level."
        )?;
        writeln!(f)?;
        writeln!(
            f,
            "log-slope (log L1(n2) - log L1(n1)) / (n2 - n1); theory: log(ab) = {:.6}",
            (A * B).ln()
        )?;
        writeln!(
            f,
            "{:>8} {:>10} {:>10} | {:>10} {:>10} {:>10}",
            "n1-n2", "ours", "switched", "JAX", "exact", "post"
        )?;
        for s in &self.slopes {
            let r = &s.reference;
            writeln!(
                f,
                "{:>8} {:>10.6} {:>10.6} | {:>10.6} {:>10.6} {:>10.6}",
                format!("{}-{}", r.range.0, r.range.1),
                s.ours,
                s.switched,
                r.jax_f64,
                r.exact_f64grid,
                r.blog_f32,
            )?;
        }
        writeln!(f)?;
        let last = self.norms.last();
        let post_plateau = last.and_then(|c| Some(c.reference?.l1_blog_f32));
        let slope_10_100 = self.slopes.iter().find(|s| s.reference.range == (10, 100));
        if let (Some(last), Some(plateau), Some(slope)) = (last, post_plateau, slope_10_100) {
            writeln!(
                f,
                "Why the post's numbers differ: its jitted `b**n` is int32 and 3^20 > 2^31 - 1 wraps around, so from the \
                 term k = 20 on the frequencies are wrong: its norm stalls at {plateau:.3e}, slope 10-100 {:.3}.",
                slope.reference.blog_f32
            )?;
            writeln!(
                f,
                "(Below n = 20 the gap is float32 rounding.) In float64 the norm keeps growing like (ab)^n: {:.3e} at \
                 n = {}, slope 10-100 {:.3}, log(ab) = {:.3}.",
                last.ours,
                last.n,
                slope.ours,
                (A * B).ln()
            )?;
        }
        writeln!(f)?;
        writeln!(f, "figures:")?;
        for path in &self.figures {
            writeln!(f, "  {}", path.display())?;
        }
        Ok(())
    }
}

/// The number of points of the post's θ grid `logspace(-3, 3, 1000)`.
pub const SHARPE_POINTS: usize = 1000;

/// The post's Adam run: `optax.adam(1e-1)`, 1000 steps from θ = 0.
pub const ADAM_LEARNING_RATE: f64 = 0.1;
/// The number of Adam steps the post takes.
pub const ADAM_STEPS: usize = 1000;
/// How often `adam.txt` records θ.
pub const ADAM_RECORD_EVERY: usize = 100;

/// The optimum the post prints: `Array([2.3339], dtype=float32)`.
pub const POST_THETA: f64 = 2.3339;

/// The post's θ grid, `logspace(-3, 3, 1000)`, as NumPy computes it (up to an ulp from `pow`).
pub fn theta_grid() -> Array1<f64> {
    crate::grids::logspace(-3.0, 3.0, SHARPE_POINTS)
}

/// `S(θ)` and `dS/dθ` on [`theta_grid`] against `sharpe.csv`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SharpeComparison {
    /// The number of points compared (ours and the file's, row by row).
    pub points: usize,
    /// The points where our θ and the file's are not the same `f64` (they are then an ulp
    /// apart: NumPy's `pow` and ours may round `10^p` differently).
    pub theta_mismatches: usize,
    /// `max |S / S_jax_f64 - 1|` over the grid.
    pub max_rel_s: f64,
    /// `max |dS / dS_jax_f64 - 1|` over the grid.
    pub max_rel_ds: f64,
    /// The θ at which `max_rel_ds` is reached.
    pub worst_ds_theta: f64,
}

/// One recorded Adam step: our θ and `adam.txt`'s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamComparison {
    /// The number of steps taken.
    pub step: usize,
    /// Our θ after `step` steps.
    pub ours: f64,
    /// `theta_f64_eager` of `adam.txt` at this step, when it has the step.
    pub reference: Option<f64>,
}

/// What [`portfolio_part`] computed and drew. `Display` prints it as the examples show it.
#[derive(Debug, Clone, PartialEq)]
pub struct PortfolioReport {
    /// The number of observations in `returns.csv`.
    pub observations: usize,
    /// The two assets' mean returns.
    pub mean_returns: [f64; 2],
    /// `S(θ)` and `dS/dθ` against JAX float64.
    pub sharpe: SharpeComparison,
    /// θ every [`ADAM_RECORD_EVERY`] steps of Adam, ours next to optax's.
    pub adam: Vec<AdamComparison>,
    /// θ after [`ADAM_STEPS`] steps.
    pub theta: f64,
    /// `S` at [`PortfolioReport::theta`].
    pub sharpe_at_theta: f64,
    /// The PNGs written, in the order drawn.
    pub figures: Vec<PathBuf>,
}

/// The post's second half, the two-asset portfolio: the cumulative returns of `returns.csv`;
/// `S(θ)` and `dS/dθ` on `θ = logspace(-3, 3, 1000)` from the generated `sharpe_ratio` and
/// `grad_sharpe_ratio` (in parallel), compared with `sharpe.csv`; Adam maximising `S` from θ = 0
/// with the generated `value_and_grad_sharpe_ratio`, compared with `adam.txt` and the closed-form
/// optimum. Writes `cumulative_returns.png` and `sharpe_curve.png` into `dir` (created if missing).
pub fn portfolio_part(dir: impl AsRef<Path>) -> Result<PortfolioReport, PostError> {
    let dir = dir.as_ref();
    let owned = reference::returns()?;
    let mut drawn = vec![figures::cumulative_returns(dir, &owned)?];
    let returns = owned.view();
    let observations = returns.nrows();
    let mean = |j: usize| returns.column(j).sum() / observations as f64;
    let mean_returns = [mean(0), mean(1)];

    let thetas = theta_grid();
    let thetas = thetas
        .as_slice()
        .expect("logspace returns a contiguous array");
    let s = batch::map(thetas, |&t| sharpe_ratio(t, returns));
    let ds = batch::map(thetas, |&t| grad_sharpe_ratio(t, returns));
    let sharpe = compare_sharpe(thetas, &s, &ds, &reference::sharpe()?);

    let trace = Run::new(ADAM_STEPS)
        .record_every(ADAM_RECORD_EVERY)
        .maximize(&mut Adam::new(ADAM_LEARNING_RATE), 0.0, |t: &f64| {
            value_and_grad_sharpe_ratio(*t, returns)
        })?;
    let reference_adam = reference::adam()?;
    let adam = trace
        .history
        .iter()
        .map(|&(step, ours)| AdamComparison {
            step,
            ours,
            reference: reference_adam
                .iter()
                .find(|r| r.step as usize == step)
                .map(|r| r.theta_f64_eager),
        })
        .collect();
    let theta = trace.params;
    drawn.push(figures::sharpe_curve(dir, thetas, &s, theta)?);

    Ok(PortfolioReport {
        observations,
        mean_returns,
        sharpe,
        adam,
        theta,
        sharpe_at_theta: sharpe_ratio(theta, returns),
        figures: drawn,
    })
}

fn compare_sharpe(
    thetas: &[f64],
    s: &[f64],
    ds: &[f64],
    reference: &[SharpeRow],
) -> SharpeComparison {
    let rel = |a: f64, b: f64| ((a - b) / b).abs();
    let mut comparison = SharpeComparison {
        points: 0,
        theta_mismatches: 0,
        max_rel_s: 0.0,
        max_rel_ds: 0.0,
        worst_ds_theta: f64::NAN,
    };
    for (((&theta, &s), &ds), row) in thetas.iter().zip(s).zip(ds).zip(reference) {
        comparison.points += 1;
        if theta != row.theta {
            comparison.theta_mismatches += 1;
        }
        // A NaN difference is kept as the maximum, so that it shows.
        let rel_s = rel(s, row.s_jax_f64);
        if rel_s.is_nan() || rel_s > comparison.max_rel_s {
            comparison.max_rel_s = rel_s;
        }
        let rel_ds = rel(ds, row.ds_jax_f64);
        if rel_ds.is_nan() || rel_ds > comparison.max_rel_ds {
            comparison.max_rel_ds = rel_ds;
            comparison.worst_ds_theta = theta;
        }
    }
    comparison
}

impl fmt::Display for PortfolioReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "returns.csv: {} observations of 2 assets, mean returns {:.4} and {:.4} \
             (the post samples them with means 0.1 and 0.09)",
            self.observations, self.mean_returns[0], self.mean_returns[1]
        )?;
        writeln!(f)?;
        let c = &self.sharpe;
        writeln!(
            f,
            "S(θ) = mean(r) / std(r), r = (R0 + θ R1) / (1 + θ), at θ = logspace(-3, 3, {SHARPE_POINTS}) \
             with the generated sharpe_ratio / grad_sharpe_ratio (batch::map):"
        )?;
        writeln!(
            f,
            "  against sharpe.csv (JAX float64, {} points): max |S/S_jax - 1| = {:.1e}, \
             max |dS/dS_jax - 1| = {:.1e} (at θ = {:.4})",
            c.points, c.max_rel_s, c.max_rel_ds, c.worst_ds_theta
        )?;
        writeln!(
            f,
            "  (our θ is the file's at {} points, an ulp away at the other {}: two libms' 10^p)",
            c.points - c.theta_mismatches,
            c.theta_mismatches
        )?;
        writeln!(f)?;
        writeln!(
            f,
            "Adam(learning rate {ADAM_LEARNING_RATE}), {ADAM_STEPS} steps from θ = 0 maximising S, \
             gradient from the generated value_and_grad_sharpe_ratio:"
        )?;
        writeln!(
            f,
            "{:>6} {:>20} {:>20} {:>10}",
            "step", "θ ours", "θ optax f64", "ours-optax"
        )?;
        for row in &self.adam {
            let (reference, diff) = match row.reference {
                Some(r) => (format!("{r}"), format!("{:+.1e}", row.ours - r)),
                None => ("-".to_string(), "-".to_string()),
            };
            writeln!(
                f,
                "{:>6} {:>20} {reference:>20} {diff:>10}",
                row.step,
                format!("{}", row.ours),
            )?;
        }
        writeln!(
            f,
            "final θ = {} | the post: {POST_THETA} (float32, 4 decimals) | closed form θ* = {THETA_STAR} \
             | θ - θ* = {:+.1e}",
            self.theta,
            self.theta - THETA_STAR
        )?;
        writeln!(
            f,
            "S(θ) = {} | S(θ*) = {S_AT_THETA_STAR} | S(θ) - S(θ*) = {:+.1e}",
            self.sharpe_at_theta,
            self.sharpe_at_theta - S_AT_THETA_STAR
        )?;
        writeln!(f)?;
        writeln!(f, "figures:")?;
        for path in &self.figures {
            writeln!(f, "  {}", path.display())?;
        }
        Ok(())
    }
}

/// The post's data recipe run through our own sampler: `returns ~ N(μ, Σ)` with
/// μ = [0.1, 0.09] and the post's element-wise covariance `cov.T * cov` of `rand(2, 2)`
/// (`cov_elementwise` in the reference), 1000 draws, seeded. NumPy's random stream cannot be
/// reproduced, so the numbers differ from `returns.csv`'s; the recipe and the method are the same.
#[derive(Debug, Clone)]
pub struct RecipeReport {
    /// The seed of the draw.
    pub seed: u64,
    /// Sample means of the two columns.
    pub means: [f64; 2],
    /// Sample covariance (ddof = 0), row-major.
    pub cov: [f64; 4],
    /// Adam's optimum of the Sharpe ratio on the drawn returns (1000 steps, learning rate 0.1).
    pub theta: f64,
    /// The Sharpe ratio there.
    pub sharpe: f64,
}

/// Draws the post's data recipe with [`crate::sample::MultivariateNormal`] and
/// maximises the Sharpe ratio on it with Adam and the generated gradient.
pub fn recipe_part(seed: u64) -> Result<RecipeReport, PostError> {
    use crate::sample::MultivariateNormal;
    use crate::sample::rand::SeedableRng;
    use autodiff_runtime::ndarray::{Array1, Axis};
    let cov = reference::cov()?
        .into_iter()
        .find(|row| row.name == "cov_elementwise")
        .map(|row| row.matrix())
        .ok_or(PostError::Missing("cov_elementwise row in cov.csv"))?;
    let mvn =
        MultivariateNormal::new(Array1::from(vec![0.1, 0.09]), cov).map_err(PostError::Sample)?;
    let mut rng = crate::sample::rand::rngs::StdRng::seed_from_u64(seed);
    let returns = mvn.sample_n(&mut rng, 1000);
    let means = returns
        .mean_axis(Axis(0))
        .map(|m| [m[0], m[1]])
        .unwrap_or([f64::NAN; 2]);
    let centred = &returns - &Array1::from(means.to_vec());
    let c = centred.t().dot(&centred) / returns.nrows() as f64;
    let trace = autodiff_runtime::optim::Run::new(1000).maximize(
        &mut autodiff_runtime::optim::Adam::new(0.1),
        0.0,
        |t: &f64| crate::portfolio::value_and_grad_sharpe_ratio(*t, returns.view()),
    )?;
    Ok(RecipeReport {
        seed,
        means,
        cov: [c[[0, 0]], c[[0, 1]], c[[1, 0]], c[[1, 1]]],
        theta: trace.params,
        sharpe: crate::portfolio::sharpe_ratio(trace.params, returns.view()),
    })
}

impl std::fmt::Display for RecipeReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "The post's recipe drawn with our sampler (MultivariateNormal, Cholesky, seed {}): 1000 draws of N([0.1, 0.09], cov.T * cov)",
            self.seed
        )?;
        writeln!(
            f,
            "  sample means {:.4} {:.4}, sample covariance [[{:.4}, {:.5}], [{:.5}, {:.4}]] (the recipe's: [[0.1739, 0.00008], [0.00008, 0.0914]])",
            self.means[0], self.means[1], self.cov[0], self.cov[1], self.cov[2], self.cov[3]
        )?;
        writeln!(
            f,
            "  Adam's optimum on these returns: θ = {:.4}, S = {:.4} (different data from returns.csv, NumPy's stream cannot be reproduced)",
            self.theta, self.sharpe
        )
    }
}
