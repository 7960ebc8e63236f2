//! The committed figures in `docs/figures/` are what the post's reproduction draws now; every
//! figure function writes a complete PNG of the expected size; the plot layer's SVG output carries
//! its text.

use std::f64::consts::PI;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use autodiff_examples::plot::{Figure, PlotError, Scale, Series, VLine};
use autodiff_examples::{figures, post};
use autodiff_runtime::ndarray::Array2;

/// A fresh directory under Cargo's per-target temporary directory.
fn out_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("figures_png")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The width and height of a PNG that decodes.
fn png_size(path: &Path) -> (u32, u32) {
    decode(path).0
}

/// A pixel differs when one of its channels moves by more than this (of 255): the faint edges of
/// antialiased text and lines may shift a little between rasterisers.
const CHANNEL_TOLERANCE: u8 = 32;

/// The fraction of a figure's pixels that may differ from the committed copy: room for text
/// rendered slightly differently, far less than a changed curve, tick or label moves (the stale
/// `weierstrass_derivative.png` this test was written for differed in 13 % of its pixels). What it
/// lets through is a change of fewer pixels: a 60×60 block painted into a figure (0.4 %), or one
/// figure's tick labels rewritten (about 0.06 %).
const MAX_DIFFERING: f64 = 0.005;

/// The command that regenerates `docs/figures/`.
const REGENERATE: &str = "cargo run --release --example post docs/figures";

/// Every PNG in `docs/figures/` is drawn again by the post's reproduction itself
/// (`post::weierstrass_part` and `post::portfolio_part`, the post's grids and the reference data)
/// and compared pixel by pixel with the committed copy: 4 to 8 s in the dev profile (most of it the
/// norms at opt-level 0 and decoding twelve PNGs), about 1 s with `--release`.
#[test]
fn committed_figures_are_up_to_date() {
    let dir = out_dir("reproduction");
    let mut fresh = post::weierstrass_part(&dir).unwrap().figures;
    fresh.extend(post::portfolio_part(&dir).unwrap().figures);
    let committed_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/figures");

    let mut drawn: Vec<String> = fresh.iter().map(|p| file_name(p)).collect();
    let mut committed: Vec<String> = std::fs::read_dir(&committed_dir)
        .unwrap()
        .map(|entry| file_name(&entry.unwrap().path()))
        .filter(|name| name.ends_with(".png"))
        .collect();
    drawn.sort();
    committed.sort();
    assert_eq!(
        committed, drawn,
        "docs/figures/ should hold exactly the figures the post draws ({REGENERATE})"
    );

    let mut stale = Vec::new();
    for path in &fresh {
        let name = file_name(path);
        let fraction = differing_fraction(&committed_dir.join(&name), path);
        eprintln!("{name}: {:.3} % of the pixels differ", 100.0 * fraction);
        if fraction > MAX_DIFFERING {
            stale.push(format!(
                "{name}: {:.2} % of the pixels differ",
                100.0 * fraction
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "docs/figures/ is stale (more than {} % of the pixels differ from what the post draws now, \
         in {}):\n  {}\nregenerate it with `{REGENERATE}`",
        100.0 * MAX_DIFFERING,
        dir.display(),
        stale.join("\n  ")
    );
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// The fraction of pixels that differ between two PNGs of the same size (1.0 if the sizes
/// differ). Grey counts as equal red, green and blue; alpha is not compared.
fn differing_fraction(a: &Path, b: &Path) -> f64 {
    let (size_a, a_channels, a) = decode(a);
    let (size_b, b_channels, b) = decode(b);
    if size_a != size_b {
        return 1.0;
    }
    let colour = |p: &[u8], k: usize| if p.len() < 3 { p[0] } else { p[k] };
    let differing = a
        .chunks_exact(a_channels)
        .zip(b.chunks_exact(b_channels))
        .filter(|(p, q)| (0..3).any(|k| colour(p, k).abs_diff(colour(q, k)) > CHANNEL_TOLERANCE))
        .count();
    differing as f64 / (f64::from(size_a.0) * f64::from(size_a.1))
}

/// The image's size, its number of channels and its pixels, 8 bits per channel, row by row.
fn decode(path: &Path) -> ((u32, u32), usize, Vec<u8>) {
    let file = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut decoder = png::Decoder::new(BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder
        .read_info()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader
        .next_frame(&mut buf)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    buf.truncate(info.buffer_size());
    let channels = info.color_type.samples();
    ((info.width, info.height), channels, buf)
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
