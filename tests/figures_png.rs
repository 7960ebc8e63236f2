//! Every figure function writes a complete PNG of the expected size; the plot layer's SVG output
//! carries its text. Small synthetic data, so this stays fast.

use std::f64::consts::PI;
use std::path::{Path, PathBuf};

use autodiff_examples::figures;
use autodiff_examples::plot::{Figure, PlotError, Scale, Series, VLine};
use autodiff_runtime::ndarray::Array2;

/// A fresh directory under Cargo's per-target temporary directory.
fn out_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("figures_png")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Checks the PNG signature, that the first chunk is IHDR and the last IEND, and returns the
/// width and height that IHDR declares.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.len() > 1000,
        "{}: only {} bytes",
        path.display(),
        bytes.len()
    );
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{}: not a PNG",
        path.display()
    );
    assert_eq!(&bytes[12..16], b"IHDR");
    assert_eq!(
        &bytes[bytes.len() - 8..bytes.len() - 4],
        b"IEND",
        "truncated PNG"
    );
    let be = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    (be(16), be(20))
}

fn linspace(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
        .collect()
}

#[test]
fn weierstrass_figures_are_pngs() {
    let dir = out_dir("weierstrass");
    let xs = linspace(-2.0, 2.0, 400);
    let ws: Vec<f64> = xs
        .iter()
        .map(|x| {
            (0..8)
                .map(|k| 0.5f64.powi(k) * (3f64.powi(k) * PI * x).cos())
                .sum()
        })
        .collect();
    let dws: Vec<f64> = xs
        .iter()
        .map(|x| {
            (0..8)
                .map(|k| -(1.5f64).powi(k) * PI * (3f64.powi(k) * PI * x).sin())
                .sum()
        })
        .collect();

    let path = figures::weierstrass_value(&dir, &xs, &ws).unwrap();
    assert_eq!(path, dir.join("weierstrass_value.png"));
    assert_eq!(png_size(&path), (1200, 800));

    let path = figures::weierstrass_derivative(&dir, &xs, &dws).unwrap();
    assert_eq!(path, dir.join("weierstrass_derivative.png"));
    assert_eq!(png_size(&path), (1200, 800));
}

#[test]
fn derivative_norms_is_a_png() {
    let dir = out_dir("norms");
    let ns = [1usize, 10, 100];
    let norms: Vec<f64> = ns
        .iter()
        .map(|&n| 2e4 * 1.5f64.powi(n as i32 - 1))
        .collect();
    let path = figures::derivative_norms(&dir, &ns, &norms, &norms, 1.5f64.ln()).unwrap();
    assert_eq!(path, dir.join("derivative_norms.png"));
    assert_eq!(png_size(&path), (1200, 800));

    let err = figures::derivative_norms(&dir, &ns, &norms[..2], &norms, 1.5f64.ln());
    assert!(matches!(err, Err(PlotError::InvalidInput(_))), "{err:?}");
}

#[test]
fn portfolio_figures_are_pngs() {
    let dir = out_dir("portfolio");
    let returns =
        Array2::from_shape_fn((300, 2), |(t, j)| 0.1 + (t as f64 * (0.7 + j as f64)).sin());
    let path = figures::cumulative_returns(&dir, &returns).unwrap();
    assert_eq!(path, dir.join("cumulative_returns.png"));
    assert_eq!(png_size(&path), (1200, 800));

    let thetas: Vec<f64> = linspace(-3.0, 3.0, 300)
        .into_iter()
        .map(|e| 10f64.powf(e))
        .collect();
    let sharpe: Vec<f64> = thetas
        .iter()
        .map(|t| 0.3 - 0.05 * t.ln().powi(2) / 10.0)
        .collect();
    let path = figures::sharpe_curve(&dir, &thetas, &sharpe, 2.3339).unwrap();
    assert_eq!(path, dir.join("sharpe_curve.png"));
    assert_eq!(png_size(&path), (1200, 800));
}

#[test]
fn svg_output_carries_text() {
    let dir = out_dir("svg");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("f.svg");
    let xs: Vec<f64> = (1..=50).map(f64::from).collect();
    let ys: Vec<f64> = xs.iter().map(|x| x * x).collect();
    Figure::new("Squares")
        .x_label("x")
        .y_label("x²")
        .x_scale(Scale::Log10)
        .y_scale(Scale::Log10)
        .series(Series::from_xy("x²", &xs, &ys).unwrap())
        .vline(VLine::new(7.0).label("seven"))
        .size(600, 400)
        .save_svg(&path)
        .unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(80)]);
    for text in ["Squares", "seven", "10¹"] {
        assert!(svg.contains(text), "no {text:?} in the SVG");
    }
}
