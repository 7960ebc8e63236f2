//! The post's figures, one function each, drawn from plain data.
//!
//! Every function takes the numbers to plot and an output directory (created if missing), writes
//! one 1200×800 PNG with a fixed name into it and returns that file's path. None of them computes
//! anything about the Weierstrass function or the portfolio: callers pass values, derivatives
//! and norms from wherever they come (the generated gradients, a hand-written formula, the
//! reference data).

use std::path::{Path, PathBuf};

use autodiff_runtime::ndarray::{Array2, Axis};

use crate::plot::{Corner, Figure, LineStyle, Marker, PlotError, Rgb, Scale, Series, VLine};

/// The number of terms of the Weierstrass sum the post plots, `W_100`; the titles of
/// [`weierstrass_value`] and [`weierstrass_derivative`] name it.
pub const WEIERSTRASS_N: usize = 100;

/// [`derivative_norms`] draws its `∝ (ab)ⁿ` reference this factor below the data's last point.
pub const REFERENCE_OFFSET: f64 = 0.1;

/// `dir/name`, after creating `dir`.
fn output_path(dir: &Path, name: &str) -> Result<PathBuf, PlotError> {
    std::fs::create_dir_all(dir).map_err(|source| PlotError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    Ok(dir.join(name))
}

fn check_len(what: &str, expected: usize, got: usize) -> Result<(), PlotError> {
    if expected == got {
        Ok(())
    } else {
        Err(PlotError::InvalidInput(format!(
            "{what}: expected {expected} values, got {got}"
        )))
    }
}

/// `weierstrass_value.png`: `W_100(x) = Σ_{k<100} aᵏ cos(bᵏπx)` (a = 1/2, b = 3) against `x`,
/// in the post on `x = linspace(-2, 2, 10000)`.
pub fn weierstrass_value(
    dir: impl AsRef<Path>,
    xs: &[f64],
    ws: &[f64],
) -> Result<PathBuf, PlotError> {
    let path = output_path(dir.as_ref(), "weierstrass_value.png")?;
    Figure::new("Weierstrass function W₁₀₀(x) = Σ aᵏ cos(bᵏπx) over k = 0…99,  a = 1/2, b = 3")
        .x_label("x")
        .y_label("W₁₀₀(x)")
        .series(Series::from_xy("", xs, ws)?.width(1).color(Rgb::BLUE))
        .save_png(&path)?;
    Ok(path)
}

/// `weierstrass_derivative.png`: `dW_100/dx` against `x`.
pub fn weierstrass_derivative(
    dir: impl AsRef<Path>,
    xs: &[f64],
    dws: &[f64],
) -> Result<PathBuf, PlotError> {
    let path = output_path(dir.as_ref(), "weierstrass_derivative.png")?;
    Figure::new("Derivative dW₁₀₀/dx = −π Σ (ab)ᵏ sin(bᵏπx) over k = 0…99")
        .x_label("x")
        .y_label("dW₁₀₀/dx")
        .series(Series::from_xy("", xs, dws)?.width(1).color(Rgb::BLUE))
        .save_png(&path)?;
    Ok(path)
}

/// `derivative_norms.png`: the L1 norm of `dW_n/dx` over the x grid against `n`, on a log y
/// axis over a linear `n` axis. (The post draws `plt.loglog(ns, norms)`; the norm grows like
/// `(ab)ⁿ = exp(n·log(ab))`, exponential in `n`, which these axes show as a straight line.)
///
/// - `norms`: differentiating the sum (the gradient of `W_n`);
/// - `norms_switched`: summing the derivatives of the terms (the post's "switched order").
///
/// The two coincide, so the first is drawn as a thick line with filled circles and the second
/// dashed with crosses on top. A reference line `C·exp(slope_log_ab·n)`, i.e. `C·(ab)ⁿ` for
/// `slope_log_ab = log(ab) = ln 1.5`, runs a factor [`REFERENCE_OFFSET`] below the point with the
/// largest `n` (below, so that it does not hide under the data).
pub fn derivative_norms(
    dir: impl AsRef<Path>,
    ns: &[usize],
    norms: &[f64],
    norms_switched: &[f64],
    slope_log_ab: f64,
) -> Result<PathBuf, PlotError> {
    check_len("derivative_norms: norms", ns.len(), norms.len())?;
    check_len(
        "derivative_norms: norms_switched",
        ns.len(),
        norms_switched.len(),
    )?;
    if !slope_log_ab.is_finite() {
        return Err(PlotError::InvalidInput(format!(
            "derivative_norms: slope_log_ab = {slope_log_ab} is not finite"
        )));
    }
    let path = output_path(dir.as_ref(), "derivative_norms.png")?;
    let nf: Vec<f64> = ns.iter().map(|&n| n as f64).collect();

    let mut fig = Figure::new("L1 norm of dWₙ/dx on linspace(−2, 2, 10000)")
        .x_label("n (number of terms in the sum)")
        .y_label("‖dWₙ/dx‖₁")
        .y_scale(Scale::Log10)
        .legend(Corner::UpperLeft)
        .series(
            Series::from_xy("d/dx of the sum  (grad of Wₙ)", &nf, norms)?
                .color(Rgb::BLUE)
                .width(4)
                .marker(Marker::Circle)
                .marker_size(8),
        )
        .series(
            Series::from_xy(
                "sum of d/dx of each term  (switched order)",
                &nf,
                norms_switched,
            )?
            .color(Rgb::ORANGE)
            .width(2)
            .dashed()
            .marker(Marker::Cross)
            .marker_size(8),
        );

    // Anchored at the largest n with a drawable norm; on these axes two points draw it exactly.
    let anchor = nf
        .iter()
        .zip(norms)
        .filter(|(_, v)| v.is_finite() && **v > 0.0)
        .max_by(|a, b| a.0.total_cmp(b.0));
    let (lo, hi) = nf
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &n| {
            (lo.min(n), hi.max(n))
        });
    if let Some((&n0, &v0)) = anchor
        && hi > lo
    {
        let at = |n: f64| (n, REFERENCE_OFFSET * v0 * (slope_log_ab * (n - n0)).exp());
        fig = fig.series(
            Series::new(
                format!(
                    "reference ∝ (ab)ⁿ, log-slope log(ab) = {slope_log_ab:.3} per unit n \
                     (×{REFERENCE_OFFSET})"
                ),
                vec![at(lo), at(hi)],
            )
            .color(Rgb::GRAY)
            .width(2)
            .line_style(LineStyle::Dotted),
        );
    }
    fig.save_png(&path)?;
    Ok(path)
}

/// `cumulative_returns.png`: the cumulative sum over time of each column of `returns`
/// (rows are observations, columns assets), as the post's `plt.plot(returns.cumsum(axis=0))`.
pub fn cumulative_returns(
    dir: impl AsRef<Path>,
    returns: &Array2<f64>,
) -> Result<PathBuf, PlotError> {
    let path = output_path(dir.as_ref(), "cumulative_returns.png")?;
    let mut fig = Figure::new("Cumulative returns (running sum of each asset's returns)")
        .x_label("t (observation)")
        .y_label("cumulative return up to t")
        .legend(Corner::UpperLeft);
    for (j, column) in returns.axis_iter(Axis(1)).enumerate() {
        let mut total = 0.0;
        let points = column
            .iter()
            .enumerate()
            .map(|(t, r)| {
                total += r;
                (t as f64, total)
            })
            .collect();
        fig = fig.series(Series::new(format!("asset {}", j + 1), points));
    }
    fig.save_png(&path)?;
    Ok(path)
}

/// `sharpe_curve.png`: the Sharpe ratio `S(θ)` of the portfolio with weights `(1, θ)/(1 + θ)`
/// on a log θ axis (the post's `plt.semilogx`), with a red vertical line at `theta_opt`, the
/// optimum Adam found.
pub fn sharpe_curve(
    dir: impl AsRef<Path>,
    thetas: &[f64],
    sharpe: &[f64],
    theta_opt: f64,
) -> Result<PathBuf, PlotError> {
    let path = output_path(dir.as_ref(), "sharpe_curve.png")?;
    Figure::new("Sharpe ratio of the portfolio with weights (1, θ) / (1 + θ)")
        .x_label("θ (weight of asset 2 relative to asset 1)")
        .y_label("S(θ) = mean(r) / std(r)")
        .x_scale(Scale::Log10)
        .legend(Corner::LowerRight)
        .series(Series::from_xy("S(θ)", thetas, sharpe)?.color(Rgb::BLUE))
        .vline(
            VLine::new(theta_opt)
                .color(Rgb::RED)
                .label(format!("Adam optimum θ = {theta_opt:.4}")),
        )
        .save_png(&path)?;
    Ok(path)
}
