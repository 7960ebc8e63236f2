//! The reproduction of the post, shared by `examples/post.rs` (the whole post) and
//! `examples/weierstrass.rs` (its first half): compute with the generated gradients, compare with
//! the reference data, draw the figures.
//!
//! Every derivative here comes from code that `#[differentiable]` generated (`grad_weierstrass`,
//! `grad_w_term`); points are evaluated in parallel with [`batch::map`].

use std::error::Error;
use std::fmt;
use std::path::{Path, PathBuf};

use autodiff_runtime::batch;
use autodiff_runtime::ndarray::Array1;

use crate::figures;
use crate::plot::{Corner, Figure, LineStyle, Marker, PlotError, Rgb, Scale, Series};
use crate::reference::{self, NormRow, NormSlopeRow, ReferenceError};
use crate::weierstrass::{A, B, grad_w_term, grad_weierstrass, weierstrass, weierstrass_with};

/// The number of points of the post's grid `x = linspace(-2, 2, 10000)`.
pub const GRID_POINTS: usize = 10_000;

/// The numbers of terms at which the post computes the derivative's norm: `10**np.arange(3)`.
pub const POST_NS: [usize; 3] = [1, 10, 100];

/// The denser set of `n` drawn and tabulated here: every `n` of `norms.csv`, which includes the
/// post's three and brackets `n = 20`, where the post's own numbers go wrong.
pub const NS: [usize; 12] = [1, 2, 5, 10, 15, 19, 20, 21, 25, 30, 50, 100];

/// The post's grid, `linspace(-2, 2, 10000)`, with NumPy's rounding.
pub fn grid() -> Array1<f64> {
    batch::linspace(-2.0, 2.0, GRID_POINTS)
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

/// Anything that stops the reproduction: a reference file or a figure.
#[derive(Debug)]
pub enum PostError {
    /// A reference file could not be read.
    Reference(ReferenceError),
    /// A figure could not be drawn or written.
    Plot(PlotError),
}

impl fmt::Display for PostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PostError::Reference(e) => write!(f, "reference data: {e}"),
            PostError::Plot(e) => write!(f, "figure: {e}"),
        }
    }
}

impl Error for PostError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            PostError::Reference(e) => Some(e),
            PostError::Plot(e) => Some(e),
        }
    }
}

impl From<ReferenceError> for PostError {
    fn from(e: ReferenceError) -> Self {
        PostError::Reference(e)
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
            "{:>5} {:>19} {:>9} | {:>19} {:>9} | {:>9} {:>9} | {:>12} {:>9}",
            "n",
            "ours (grad of W_n)",
            "switched",
            "JAX f64 (ref)",
            "ours/JAX",
            "ours/exact",
            "JAX/exact",
            "post f32",
            "post/ours"
        )?;
        writeln!(
            f,
            "{:>5} {:>19} {:>9} | {:>19} {:>9} | {:>9} {:>9} | {:>12} {:>9}",
            "", "", "/ours -1", "L1_jax_f64", "-1", "-1", "-1", "L1_blog_f32", "-1"
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
                "{:>4}{mark} {:>19.12e} {:>+9.1e} | {jax:>19} {jax_rel:>9} | {ours_exact:>9} {jax_exact:>9} | {post:>12} {post_rel:>9}",
                c.n,
                c.ours,
                rel(c.switched, c.ours),
            )?;
        }
        writeln!(
            f,
            "(exact = L1_exact_f64grid. From n ~ 15 on, float64's rounding of b^k*pi*x, amplified by b^k, moves \
             ours and JAX's apart about as far as each is from the exact norm; from n = 34, b^k > 2^53.)"
        )?;
        writeln!(f)?;
        writeln!(
            f,
            "log-slope (log L1(n2) - log L1(n1)) / (n2 - n1); theory: log(ab) = {:.6}",
            (A * B).ln()
        )?;
        writeln!(
            f,
            "{:>8} {:>10} {:>10} | {:>10} {:>13} {:>10}",
            "n1-n2", "ours", "switched", "JAX f64", "exact (f64 x)", "post f32"
        )?;
        for s in &self.slopes {
            let r = &s.reference;
            writeln!(
                f,
                "{:>8} {:>10.6} {:>10.6} | {:>10.6} {:>13.6} {:>10.6}",
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

/// What [`portfolio_part`] computed and drew so far.
#[derive(Debug, Clone, PartialEq)]
pub struct PortfolioReport {
    /// The number of observations in `returns.csv`.
    pub observations: usize,
    /// The two assets' mean returns.
    pub mean_returns: [f64; 2],
    /// The PNGs written.
    pub figures: Vec<PathBuf>,
}

impl fmt::Display for PortfolioReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "returns.csv: {} observations of 2 assets, mean returns {:.4} and {:.4} \
             (the post samples them with means 0.1 and 0.09)",
            self.observations, self.mean_returns[0], self.mean_returns[1]
        )?;
        writeln!(
            f,
            "Sharpe ratio curve and Adam: not reproduced yet; they need array parameters in \
             #[differentiable] (TODO in src/post.rs)."
        )?;
        writeln!(f)?;
        writeln!(f, "figures:")?;
        for path in &self.figures {
            writeln!(f, "  {}", path.display())?;
        }
        Ok(())
    }
}

/// The post's second half, the two-asset portfolio: for now the cumulative returns
/// (`cumulative_returns.png` in `dir`).
pub fn portfolio_part(dir: impl AsRef<Path>) -> Result<PortfolioReport, PostError> {
    let dir = dir.as_ref();
    let returns = reference::returns()?;
    let observations = returns.nrows();
    let mean = |j: usize| returns.column(j).sum() / observations as f64;
    let mean_returns = [mean(0), mean(1)];
    let figures = vec![figures::cumulative_returns(dir, &returns)?];

    // ──────────────── TODO(portfolio): the Sharpe ratio and its maximisation ────────────────
    // Waits for array parameters in #[differentiable] (being added to the macro now). Do not
    // stand in a hand-written derivative: the point of the post is the generated gradient.
    //
    // Expected, in a new `src/portfolio.rs` (the post's `sharpe_ratio`):
    //
    //     #[differentiable(wrt(theta))]
    //     pub fn sharpe_ratio(theta: f64, returns: ArrayView2<f64>) -> f64
    //
    //   r = (returns.column(0) + returns.column(1) * theta) / (1 + theta);  mean(r) / std(r, ddof 0)
    //
    // generating `grad_sharpe_ratio(theta, returns) -> f64` and
    // `value_and_grad_sharpe_ratio(theta, returns) -> (f64, f64)`. Then, here:
    //   1. θ = batch::logspace(-3.0, 3.0, 1000); S = batch::map(&θ, |&t| sharpe_ratio(t, r.view()))
    //      and dS/dθ from grad_sharpe_ratio, compared with reference::sharpe() (S_jax_f64,
    //      dS_jax_f64; agree to ~1e-12 relative);
    //   2. Adam, 1000 steps, learning rate 0.1, from θ = 0, maximising S:
    //      optim::Run::new(1000).record_every(100).maximize(&mut optim::Adam::new(0.1), 0.0,
    //          |t: &f64| value_and_grad_sharpe_ratio(*t, returns.view()))
    //      compared with reference::adam() (theta_f64_eager), and the end with
    //      reference::THETA_STAR (the post prints 2.3339);
    //   3. figures::sharpe_curve(dir, θ, S, trace.params), added to `figures`;
    //   4. the numbers in PortfolioReport and its Display.
    // ─────────────────────────────────────────────────────────────────────────────────────────

    Ok(PortfolioReport {
        observations,
        mean_returns,
        figures,
    })
}
