//! Draws every figure of the post from closed-form stand-in data, to check the drawing layer
//! before generated gradients exist. Not a reproduction: the derivatives here are hand-written.
//!
//! `cargo run --example figures_demo [OUT_DIR]` (default `target/figures-demo`).

use std::error::Error;
use std::f64::consts::PI;
use std::path::PathBuf;

use autodiff_examples::figures;
use autodiff_runtime::ndarray::Array2;

const A: f64 = 0.5;
const B: f64 = 3.0;

fn linspace(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
        .collect()
}

/// `W_n(x) = Σ_{k<n} aᵏ cos(bᵏπx)`.
fn weierstrass(x: f64, n: usize) -> f64 {
    (0..n)
        .map(|k| A.powi(k as i32) * (B.powi(k as i32) * PI * x).cos())
        .sum()
}

/// `W_n'(x) = Σ_{k<n} -aᵏ bᵏ π sin(bᵏπx)`, summed from the first term.
fn weierstrass_deriv(x: f64, n: usize) -> f64 {
    (0..n)
        .map(|k| -A.powi(k as i32) * B.powi(k as i32) * PI * (B.powi(k as i32) * PI * x).sin())
        .sum()
}

/// The same derivative summed from the last term, standing in for the "switched order".
fn weierstrass_deriv_reversed(x: f64, n: usize) -> f64 {
    (0..n)
        .rev()
        .map(|k| -(A * B).powi(k as i32) * PI * (B.powi(k as i32) * PI * x).sin())
        .sum()
}

fn read_returns() -> Result<Array2<f64>, Box<dyn Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/returns.csv");
    let text = std::fs::read_to_string(path)?;
    let mut values = Vec::new();
    let mut rows = 0;
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        for field in line.split(',') {
            values.push(field.trim().parse::<f64>()?);
        }
        rows += 1;
    }
    Ok(Array2::from_shape_vec((rows, 2), values)?)
}

/// `S(θ) = mean(r)/std(r)`, `r = (R₀ + θR₁)/(1 + θ)`, population standard deviation.
fn sharpe(returns: &Array2<f64>, theta: f64) -> f64 {
    let r: Vec<f64> = returns
        .rows()
        .into_iter()
        .map(|row| (row[0] + row[1] * theta) / (1.0 + theta))
        .collect();
    let n = r.len() as f64;
    let mean = r.iter().sum::<f64>() / n;
    let var = r.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    mean / var.sqrt()
}

/// The tangency portfolio `w ∝ Σ⁻¹μ` (sample mean, ddof-0 covariance) gives `θ* = w₂/w₁`.
fn theta_star(returns: &Array2<f64>) -> f64 {
    let n = returns.nrows() as f64;
    let mu: Vec<f64> = (0..2).map(|j| returns.column(j).sum() / n).collect();
    let cov = |i: usize, j: usize| {
        returns
            .rows()
            .into_iter()
            .map(|r| (r[i] - mu[i]) * (r[j] - mu[j]))
            .sum::<f64>()
            / n
    };
    let (s00, s01, s11) = (cov(0, 0), cov(0, 1), cov(1, 1));
    // Σ⁻¹μ up to the common factor 1/det.
    let w0 = s11 * mu[0] - s01 * mu[1];
    let w1 = -s01 * mu[0] + s00 * mu[1];
    w1 / w0
}

fn main() -> Result<(), Box<dyn Error>> {
    let out: PathBuf = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/figures-demo"))
        });

    let xs = linspace(-2.0, 2.0, 10_000);
    let ws: Vec<f64> = xs.iter().map(|&x| weierstrass(x, 100)).collect();
    let dws: Vec<f64> = xs.iter().map(|&x| weierstrass_deriv(x, 100)).collect();
    println!("{}", figures::weierstrass_value(&out, &xs, &ws)?.display());
    println!(
        "{}",
        figures::weierstrass_derivative(&out, &xs, &dws)?.display()
    );

    let ns = [1usize, 2, 5, 10, 20, 30, 50, 100];
    let l1 = |f: fn(f64, usize) -> f64, n: usize| xs.iter().map(|&x| f(x, n).abs()).sum::<f64>();
    let norms: Vec<f64> = ns.iter().map(|&n| l1(weierstrass_deriv, n)).collect();
    let switched: Vec<f64> = ns
        .iter()
        .map(|&n| l1(weierstrass_deriv_reversed, n))
        .collect();
    println!(
        "{}",
        figures::derivative_norms(&out, &ns, &norms, &switched, (A * B).ln())?.display()
    );

    let returns = read_returns()?;
    println!("{}", figures::cumulative_returns(&out, &returns)?.display());

    let thetas: Vec<f64> = (0..1000)
        .map(|i| 10f64.powf(-3.0 + 6.0 * i as f64 / 999.0))
        .collect();
    let s: Vec<f64> = thetas.iter().map(|&t| sharpe(&returns, t)).collect();
    let opt = theta_star(&returns);
    println!("theta* = {opt}, S(theta*) = {}", sharpe(&returns, opt));
    println!(
        "{}",
        figures::sharpe_curve(&out, &thetas, &s, opt)?.display()
    );
    Ok(())
}
