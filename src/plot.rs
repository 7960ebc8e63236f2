//! A thin layer over plotters for the post's figures.
//!
//! A [`Figure`] is a title, two axis labels, a linear or log10 [`Scale`] per axis, named line
//! [`Series`], vertical marker lines ([`VLine`]) and boxed notes; it is saved as PNG or SVG.
//! plotters does the drawing: log axes are its `log_scale()` coordinates, dashes its
//! `DashedLineSeries`, the legend its `configure_series_labels`. What this module adds is one
//! style for every figure, axis ranges fitted to the data, tick labels written as `10³` and
//! `2×10¹⁸`, and lines broken where a point cannot be drawn (not finite, or not positive on a
//! log axis), as matplotlib breaks them.
//!
//! Text: plotters' `ttf` feature needs fontconfig and FreeType on the machine; its `ab_glyph`
//! feature needs nothing but draws only fonts registered at run time. So DejaVu Sans is bundled
//! in `assets/fonts/`, embedded with `include_bytes!` and registered on first use.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::data::float::pretty_print_float;
use plotters::element::{DashedPathElement, Drawable, PointCollection};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_backend::{BackendCoord, DrawingErrorKind};

/// DejaVu Sans 2.37 (Bitstream Vera licence, see `assets/fonts/LICENSE-DejaVu.txt`).
static DEJAVU_SANS: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");

/// The font family every text of a figure asks for; plotters' own defaults ask for it too, so
/// the bundled font is registered under this name.
pub const FONT_FAMILY: &str = "sans-serif";

const TITLE_SIZE: f64 = 28.0;
const AXIS_DESC_SIZE: f64 = 22.0;
const TEXT_SIZE: f64 = 18.0;
const X_TICKS: usize = 10;
const Y_TICKS: usize = 8;
const LEGEND_SAMPLE: i32 = 34;

/// Registers the bundled DejaVu Sans with plotters under [`FONT_FAMILY`]. Every save calls it;
/// calling it again does nothing.
pub fn register_bundled_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, DEJAVU_SANS).is_ok()
    });
    if ok { Ok(()) } else { Err(PlotError::Font) }
}

/// Everything that can go wrong while building or writing a figure.
#[derive(Debug)]
#[non_exhaustive]
pub enum PlotError {
    /// Creating or writing a file or directory failed.
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The bundled font could not be parsed (should not happen).
    Font,
    /// The input is malformed: mismatched lengths, a wrong file extension, …
    InvalidInput(String),
    /// Nothing can be drawn: no finite point (and no positive one on a log axis).
    NoData(String),
    /// plotters reported an error while drawing or encoding.
    Render(String),
}

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlotError::Io { path, source } => {
                write!(f, "I/O error on {}: {source}", path.display())
            }
            PlotError::Font => write!(f, "the bundled font could not be loaded"),
            PlotError::InvalidInput(msg) => write!(f, "invalid plot input: {msg}"),
            PlotError::NoData(msg) => write!(f, "nothing to plot: {msg}"),
            PlotError::Render(msg) => write!(f, "rendering failed: {msg}"),
        }
    }
}

impl std::error::Error for PlotError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PlotError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn render_err(e: impl fmt::Display) -> PlotError {
    PlotError::Render(e.to_string())
}

/// An sRGB colour; the named ones are matplotlib's `tab10`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `tab:blue` (C0).
    pub const BLUE: Rgb = Rgb(0x1f, 0x77, 0xb4);
    /// `tab:orange` (C1).
    pub const ORANGE: Rgb = Rgb(0xff, 0x7f, 0x0e);
    /// `tab:red` (C3).
    pub const RED: Rgb = Rgb(0xd6, 0x27, 0x28);
    /// `tab:gray` (C7).
    pub const GRAY: Rgb = Rgb(0x7f, 0x7f, 0x7f);
    /// Black.
    pub const BLACK: Rgb = Rgb(0, 0, 0);
    /// The colours given in turn to series without one of their own (matplotlib's `tab10`).
    pub const PALETTE: [Rgb; 10] = [
        Rgb::BLUE,
        Rgb::ORANGE,
        Rgb(0x2c, 0xa0, 0x2c),
        Rgb::RED,
        Rgb(0x94, 0x67, 0xbd),
        Rgb(0x8c, 0x56, 0x4b),
        Rgb(0xe3, 0x77, 0xc2),
        Rgb::GRAY,
        Rgb(0xbc, 0xbd, 0x22),
        Rgb(0x17, 0xbe, 0xcf),
    ];
}

impl From<Rgb> for RGBColor {
    fn from(Rgb(r, g, b): Rgb) -> RGBColor {
        RGBColor(r, g, b)
    }
}

/// How an axis maps values to positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Scale {
    /// Evenly spaced values.
    #[default]
    Linear,
    /// Evenly spaced powers of ten; only positive values are drawn.
    Log10,
}

impl Scale {
    fn shows(self, v: f64) -> bool {
        v.is_finite() && (self == Scale::Linear || v > 0.0)
    }
}

/// Where the legend and notes go: plotters' own positions (`UpperLeft`, `LowerRight`, …).
pub use plotters::chart::SeriesLabelPosition as Corner;

/// How a series' points are joined.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LineStyle {
    /// A continuous line.
    #[default]
    Solid,
    /// Dashes.
    Dashed,
    /// Short dashes close together.
    Dotted,
}

/// A symbol drawn at every point of a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    /// A filled circle.
    Circle,
    /// A diagonal cross.
    Cross,
    /// A filled square.
    Square,
}

/// How a series is drawn, which its legend sample repeats.
#[derive(Clone, Copy, Debug)]
struct Look {
    color: Option<Rgb>,
    width: u32,
    line: LineStyle,
    marker: Option<Marker>,
    marker_size: u32,
}

impl Look {
    fn rgb(&self) -> RGBColor {
        self.color.unwrap_or(Rgb::BLACK).into()
    }

    fn stroke(&self) -> ShapeStyle {
        self.rgb().stroke_width(self.width)
    }

    /// Dash and gap lengths in pixels, growing with the width so that thick dashes stay dashes.
    fn dashes(&self) -> (u32, u32) {
        let w = self.width.max(1);
        match self.line {
            LineStyle::Dotted => (w + w / 2, 2 * w + 2),
            _ => (5 * w + 4, 3 * w + 2),
        }
    }
}

/// A data point's marker, or a legend sample (a stretch of the line with the marker in its
/// middle), drawn by plotters' own elements. Not a composed element: that would carry the
/// backend's type, and a legend entry must be `'static`.
struct Glyph<C> {
    at: C,
    look: Look,
    line_len: i32,
}

impl<'a, C: 'a> PointCollection<'a, C> for &'a Glyph<C> {
    type Point = &'a C;
    type IntoIter = std::iter::Once<&'a C>;
    fn point_iter(self) -> Self::IntoIter {
        std::iter::once(&self.at)
    }
}

impl<C, DB: DrawingBackend> Drawable<DB> for Glyph<C> {
    fn draw<I: Iterator<Item = BackendCoord>>(
        &self,
        mut pos: I,
        backend: &mut DB,
        dim: (u32, u32),
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        let Some((x, y)) = pos.next() else {
            return Ok(());
        };
        let look = &self.look;
        if self.line_len > 0 {
            let ends = [(x, y), (x + self.line_len, y)];
            match look.line {
                LineStyle::Solid => {
                    PathElement::new(ends, look.stroke()).draw(ends.into_iter(), backend, dim)?
                }
                _ => {
                    let (dash, gap) = look.dashes();
                    DashedPathElement::new(ends, dash, gap, look.stroke()).draw(
                        ends.into_iter(),
                        backend,
                        dim,
                    )?
                }
            }
        }
        let c = (x + self.line_len / 2, y);
        let s = look.marker_size;
        let at = std::iter::once(c);
        match look.marker {
            Some(Marker::Circle) => Circle::new(c, s, look.rgb().filled()).draw(at, backend, dim),
            Some(Marker::Cross) => Cross::new(c, s, look.stroke()).draw(at, backend, dim),
            Some(Marker::Square) => {
                let s = s as i32;
                let corners = [(c.0 - s, c.1 - s), (c.0 + s, c.1 + s)];
                Rectangle::new(corners, look.rgb().filled()).draw(corners.into_iter(), backend, dim)
            }
            None => Ok(()),
        }
    }
}

/// One named line of a figure.
#[derive(Clone, Debug)]
pub struct Series {
    name: String,
    points: Vec<(f64, f64)>,
    look: Look,
}

impl Series {
    /// A solid line through `points`, labelled `name` in the legend (an empty name keeps it out
    /// of the legend).
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        let look = Look {
            color: None,
            width: 2,
            line: LineStyle::Solid,
            marker: None,
            marker_size: 5,
        };
        Series {
            name: name.into(),
            points,
            look,
        }
    }

    /// Like [`Series::new`], from separate x and y slices of equal length.
    pub fn from_xy(name: impl Into<String>, xs: &[f64], ys: &[f64]) -> Result<Self, PlotError> {
        let name = name.into();
        if xs.len() != ys.len() {
            return Err(PlotError::InvalidInput(format!(
                "series {name:?}: {} x values but {} y values",
                xs.len(),
                ys.len()
            )));
        }
        Ok(Series::new(
            name,
            xs.iter().copied().zip(ys.iter().copied()).collect(),
        ))
    }

    /// The line and marker colour (default: the next colour of [`Rgb::PALETTE`]).
    pub fn color(mut self, color: Rgb) -> Self {
        self.look.color = Some(color);
        self
    }

    /// The line width in pixels (default 2).
    pub fn width(mut self, width: u32) -> Self {
        self.look.width = width;
        self
    }

    /// How the points are joined (default [`LineStyle::Solid`]).
    pub fn line_style(mut self, line: LineStyle) -> Self {
        self.look.line = line;
        self
    }

    /// Shorthand for `line_style(LineStyle::Dashed)`.
    pub fn dashed(self) -> Self {
        self.line_style(LineStyle::Dashed)
    }

    /// Draws `marker` at every point.
    pub fn marker(mut self, marker: Marker) -> Self {
        self.look.marker = Some(marker);
        self
    }

    /// The marker radius in pixels (default 5).
    pub fn marker_size(mut self, size: u32) -> Self {
        self.look.marker_size = size;
        self
    }

    /// The runs of consecutive points that both axes can show.
    fn segments(&self, x: Scale, y: Scale) -> impl Iterator<Item = &[(f64, f64)]> {
        self.points
            .split(move |&(px, py)| !(x.shows(px) && y.shows(py)))
            .filter(|run| !run.is_empty())
    }
}

/// A vertical line across the whole plot at `x`, e.g. an optimum.
#[derive(Clone, Debug)]
pub struct VLine {
    x: f64,
    label: String,
    color: Rgb,
}

impl VLine {
    /// A red line at `x`, without label.
    pub fn new(x: f64) -> Self {
        VLine {
            x,
            label: String::new(),
            color: Rgb::RED,
        }
    }

    /// A label, written beside the top of the line and in the legend.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// The colour (default red).
    pub fn color(mut self, color: Rgb) -> Self {
        self.color = color;
        self
    }
}

/// A 2-D line plot: build it with the chained methods, then save it.
///
/// ```no_run
/// use autodiff_examples::plot::{Figure, Scale, Series, VLine};
/// let xs: Vec<f64> = (0..100).map(|i| 10f64.powf(-3.0 + 6.0 * i as f64 / 99.0)).collect();
/// let ys: Vec<f64> = xs.iter().map(|x| x / (1.0 + x * x)).collect();
/// Figure::new("x / (1 + x²)")
///     .x_label("x")
///     .y_label("y")
///     .x_scale(Scale::Log10)
///     .series(Series::from_xy("y", &xs, &ys)?)
///     .vline(VLine::new(1.0).label("maximum at x = 1"))
///     .save_png("out.png")?;
/// # Ok::<(), autodiff_examples::plot::PlotError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Figure {
    title: String,
    x_label: String,
    y_label: String,
    x_scale: Scale,
    y_scale: Scale,
    series: Vec<Series>,
    vlines: Vec<VLine>,
    notes: Vec<(Corner, String)>,
    legend: Corner,
    size: (u32, u32),
}

impl Figure {
    /// An empty 1200×800 figure with linear axes.
    pub fn new(title: impl Into<String>) -> Self {
        Figure {
            title: title.into(),
            x_label: String::new(),
            y_label: String::new(),
            x_scale: Scale::Linear,
            y_scale: Scale::Linear,
            series: Vec::new(),
            vlines: Vec::new(),
            notes: Vec::new(),
            legend: Corner::UpperRight,
            size: (1200, 800),
        }
    }

    /// The x-axis label.
    pub fn x_label(mut self, label: impl Into<String>) -> Self {
        self.x_label = label.into();
        self
    }

    /// The y-axis label.
    pub fn y_label(mut self, label: impl Into<String>) -> Self {
        self.y_label = label.into();
        self
    }

    /// The x-axis scale (default linear).
    pub fn x_scale(mut self, scale: Scale) -> Self {
        self.x_scale = scale;
        self
    }

    /// The y-axis scale (default linear).
    pub fn y_scale(mut self, scale: Scale) -> Self {
        self.y_scale = scale;
        self
    }

    /// Adds a line; series are drawn in the order added.
    pub fn series(mut self, series: Series) -> Self {
        self.series.push(series);
        self
    }

    /// Adds a vertical marker line.
    pub fn vline(mut self, vline: VLine) -> Self {
        self.vlines.push(vline);
        self
    }

    /// Writes `text` (lines split at `\n`) in a box in a corner of the plot.
    pub fn note(mut self, corner: Corner, text: impl Into<String>) -> Self {
        self.notes.push((corner, text.into()));
        self
    }

    /// Where the legend goes (default upper right). It is drawn when a series or a vertical
    /// line has a label.
    pub fn legend(mut self, corner: Corner) -> Self {
        self.legend = corner;
        self
    }

    /// The image size in pixels (default 1200×800).
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.size = (width, height);
        self
    }

    /// Renders to a PNG file; `path` must end in `.png`. The parent directory must exist.
    pub fn save_png(&self, path: impl AsRef<Path>) -> Result<(), PlotError> {
        let path = path.as_ref();
        self.save(path, "png", || BitMapBackend::new(path, self.size))
    }

    /// Renders to an SVG file; `path` must end in `.svg`. Text is written as SVG `<text>` in the
    /// generic `sans-serif` family, laid out with the bundled font's metrics.
    pub fn save_svg(&self, path: impl AsRef<Path>) -> Result<(), PlotError> {
        let path = path.as_ref();
        self.save(path, "svg", || SVGBackend::new(path, self.size))
    }

    /// Checks the input before the file is created, and removes the file if drawing fails.
    fn save<DB: DrawingBackend>(
        &self,
        path: &Path,
        ext: &str,
        backend: impl FnOnce() -> DB,
    ) -> Result<(), PlotError> {
        if !path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case(ext))
        {
            return Err(PlotError::InvalidInput(format!(
                "{} should end in .{ext}",
                path.display()
            )));
        }
        let ranges = self.ranges()?;
        // Created here so that an unwritable path is an I/O error naming it, not an encoder's.
        std::fs::File::create(path).map_err(|source| PlotError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let result = self.render(backend(), ranges);
        if result.is_err() {
            let _ = std::fs::remove_file(path);
        }
        result
    }

    /// Both axis ranges, in data units: the drawable data with a margin.
    fn ranges(&self) -> Result<(Range<f64>, Range<f64>), PlotError> {
        let (w, h) = self.size;
        if w < 200 || h < 150 {
            return Err(PlotError::InvalidInput(format!(
                "figure size {w}×{h} is too small (at least 200×150)"
            )));
        }
        let points = || {
            self.series
                .iter()
                .flat_map(|s| s.segments(self.x_scale, self.y_scale))
                .flatten()
        };
        let xs = points().map(|p| p.0).chain(self.vlines.iter().map(|v| v.x));
        let x = axis_range("x", xs, self.x_scale, 0.02)?;
        let y = axis_range("y", points().map(|p| p.1), self.y_scale, 0.05)?;
        Ok((x, y))
    }

    fn render<DB: DrawingBackend>(
        &self,
        backend: DB,
        (x, y): (Range<f64>, Range<f64>),
    ) -> Result<(), PlotError> {
        register_bundled_font()?;
        let root = backend.into_drawing_area();
        root.fill(&WHITE).map_err(render_err)?;
        let lin = |r: Range<f64>| RangedCoordf64::from(r);
        let log = |r: Range<f64>| LogCoord::from(r.log_scale());
        match (self.x_scale, self.y_scale) {
            (Scale::Linear, Scale::Linear) => self.draw(&root, lin(x), lin(y)),
            (Scale::Linear, Scale::Log10) => self.draw(&root, lin(x), log(y)),
            (Scale::Log10, Scale::Linear) => self.draw(&root, log(x), lin(y)),
            (Scale::Log10, Scale::Log10) => self.draw(&root, log(x), log(y)),
        }?;
        root.present().map_err(render_err)
    }

    fn draw<DB, X, Y>(&self, root: &DrawingArea<DB, Shift>, x: X, y: Y) -> Result<(), PlotError>
    where
        DB: DrawingBackend,
        X: Ranged<ValueType = f64> + ValueFormatter<f64>,
        Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let tick_font = (FONT_FAMILY, TEXT_SIZE).into_font();
        let tick_style = TextStyle::from(tick_font.clone());
        let x_fmt = tick_formatter(self.x_scale, &x.range());
        let y_fmt = tick_formatter(self.y_scale, &y.range());
        // Room for the y tick labels: as wide as the widest of them.
        let mut widest = 0;
        for v in y.key_points(Y_TICKS) {
            let (w, _) = root
                .estimate_text_size(&y_fmt(&v), &tick_style)
                .map_err(render_err)?;
            widest = widest.max(w);
        }
        let y_area = widest + 20 + if self.y_label.is_empty() { 0 } else { 40 };
        let (x_lo, x_hi, y_lo, y_hi) = (
            x.range().start,
            x.range().end,
            y.range().start,
            y.range().end,
        );

        let mut chart = ChartBuilder::on(root)
            .margin(15)
            .margin_right(40)
            .x_label_area_size(if self.x_label.is_empty() { 45 } else { 80 })
            .y_label_area_size(y_area)
            .caption(&self.title, (FONT_FAMILY, TITLE_SIZE))
            .build_cartesian_2d(x, y)
            .map_err(render_err)?;
        chart
            .configure_mesh()
            .x_labels(X_TICKS)
            .y_labels(Y_TICKS)
            // Light lines between the decades of a log axis; on a linear one they fall on the
            // labelled ticks.
            .x_max_light_lines(if self.x_scale == Scale::Log10 { 10 } else { 1 })
            .y_max_light_lines(if self.y_scale == Scale::Log10 { 10 } else { 1 })
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .label_style(tick_font.clone())
            .axis_desc_style((FONT_FAMILY, AXIS_DESC_SIZE))
            .bold_line_style(RGBColor(222, 222, 222))
            .light_line_style(RGBColor(244, 244, 244))
            .draw()
            .map_err(render_err)?;

        // A vertical line is drawn as a two-point series; its label also goes beside its top.
        let vlines: Vec<&VLine> = self
            .vlines
            .iter()
            .filter(|v| v.x >= x_lo && v.x <= x_hi)
            .collect();
        let vertical = vlines
            .iter()
            .map(|v| Series::new(v.label.clone(), vec![(v.x, y_lo), (v.x, y_hi)]).color(v.color));
        let mut any_label = false;
        for (i, s) in self.series.iter().cloned().chain(vertical).enumerate() {
            let palette = Rgb::PALETTE[i % Rgb::PALETTE.len()];
            let look = Look {
                color: Some(s.look.color.unwrap_or(palette)),
                ..s.look
            };
            for (j, run) in s.segments(self.x_scale, self.y_scale).enumerate() {
                let points = run.iter().copied();
                let drawn = match look.line {
                    LineStyle::Solid => chart.draw_series(LineSeries::new(points, look.stroke())),
                    _ => {
                        let (dash, gap) = look.dashes();
                        chart.draw_series(DashedLineSeries::new(points, dash, gap, look.stroke()))
                    }
                }
                .map_err(render_err)?;
                if j == 0 && !s.name.is_empty() {
                    let line_len = LEGEND_SAMPLE;
                    drawn
                        .label(s.name.as_str())
                        .legend(move |at| Glyph { at, look, line_len });
                    any_label = true;
                }
                if look.marker.is_some() {
                    let glyphs = run.iter().map(|&at| Glyph {
                        at,
                        look,
                        line_len: 0,
                    });
                    chart.draw_series(glyphs).map_err(render_err)?;
                }
            }
        }
        for v in vlines.iter().filter(|v| !v.label.is_empty()) {
            let left_half = match self.x_scale {
                Scale::Linear => v.x <= (x_lo + x_hi) / 2.0,
                Scale::Log10 => v.x <= (x_lo * x_hi).sqrt(),
            };
            let (dx, hpos) = if left_half {
                (8, HPos::Left)
            } else {
                (-8, HPos::Right)
            };
            let color = RGBColor::from(v.color);
            let style = tick_font
                .clone()
                .color(&color)
                .pos(Pos::new(hpos, VPos::Top));
            let text = Text::new(v.label.clone(), (dx, 10), style);
            chart
                .draw_series(std::iter::once(EmptyElement::at((v.x, y_hi)) + text))
                .map_err(render_err)?;
        }

        if any_label {
            chart
                .configure_series_labels()
                .position(self.legend.clone())
                .margin(12)
                .legend_area_size(LEGEND_SAMPLE + 10)
                .label_font(tick_font.clone())
                .background_style(WHITE.mix(0.9))
                .border_style(RGBColor(160, 160, 160))
                .draw()
                .map_err(render_err)?;
        }

        // The mesh draws two axes; close the frame, then the notes.
        let area = chart.plotting_area().strip_coord_spec();
        let (w, h) = area.dim_in_pixel();
        area.draw(&Rectangle::new(
            [(0, 0), (w as i32 - 1, h as i32 - 1)],
            BLACK,
        ))
        .map_err(render_err)?;
        for (corner, text) in &self.notes {
            draw_note(&area, corner, text, &tick_font)?;
        }
        Ok(())
    }
}

/// The axis range in data units: the data's extent plus `margin` of it on each side (of its
/// logarithm on a log axis); a single value gets a unit (a decade) around it.
fn axis_range(
    name: &str,
    values: impl Iterator<Item = f64>,
    scale: Scale,
    margin: f64,
) -> Result<Range<f64>, PlotError> {
    let to_axis = |v: f64| if scale == Scale::Log10 { v.log10() } else { v };
    let from_axis = |v: f64| {
        if scale == Scale::Log10 {
            10f64.powf(v)
        } else {
            v
        }
    };
    let (lo, hi) = values
        .filter(|&v| scale.shows(v))
        .map(to_axis)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        let what = if scale == Scale::Log10 {
            "finite positive"
        } else {
            "finite"
        };
        return Err(PlotError::NoData(format!("no {what} {name} value to draw")));
    }
    let pad = if hi - lo > f64::EPSILON * lo.abs().max(hi.abs()) {
        margin * (hi - lo)
    } else if scale == Scale::Log10 || lo == 0.0 {
        0.5
    } else {
        0.1 * lo.abs()
    };
    Ok(from_axis(lo - pad)..from_axis(hi + pad))
}

/// Tick labels: on a log axis `10ᵏ` or `m×10ᵏ`; on a linear one plain decimals, or `m×10ᵉ`
/// with one exponent for the whole axis when its values are very large or very small.
fn tick_formatter(scale: Scale, range: &Range<f64>) -> impl Fn(&f64) -> String + use<> {
    let biggest = range.start.abs().max(range.end.abs());
    let exponent = biggest.log10().floor() as i32;
    let common = scale == Scale::Linear && biggest > 0.0 && !(-3..5).contains(&exponent);
    move |&v: &f64| {
        let (m, e) = match scale {
            Scale::Log10 => {
                let e = (v.log10() + 1e-9).floor() as i32;
                (v / 10f64.powi(e), Some(e))
            }
            Scale::Linear if common => (v / 10f64.powi(exponent), Some(exponent)),
            Scale::Linear => (v, None),
        };
        let m = pretty_print_float(m, false).replace('-', "−");
        match e {
            _ if v == 0.0 => "0".into(),
            Some(e) if scale == Scale::Log10 && m == "1" => format!("10{}", superscript(e)),
            Some(e) => format!("{m}×10{}", superscript(e)),
            None => m,
        }
    }
}

/// `e` in superscript digits.
fn superscript(e: i32) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let digits = e.unsigned_abs().to_string();
    let digits = digits.bytes().map(|d| DIGITS[usize::from(d - b'0')]);
    (if e < 0 { Some('⁻') } else { None })
        .into_iter()
        .chain(digits)
        .collect()
}

/// A note's lines in a white box in its corner of the plotting area.
fn draw_note<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    corner: &Corner,
    text: &str,
    font: &FontDesc<'_>,
) -> Result<(), PlotError> {
    let style = TextStyle::from(font.clone());
    let mut lines = MultiLineText::<_, &str>::new((0, 0), &style);
    for line in text.lines() {
        lines.push_line(line);
    }
    let (w, h) = lines.estimate_dimension().map_err(render_err)?;
    let (pad, inset) = (10, 12);
    let (box_w, box_h) = (w + 2 * pad, h + 2 * pad);
    let (aw, ah) = area.dim_in_pixel();
    let (x0, y0) = match *corner {
        Corner::Coordinate(x, y) => (x, y),
        Corner::UpperLeft | Corner::MiddleLeft | Corner::LowerLeft => (inset, 0),
        _ => (aw as i32 - inset - box_w, 0),
    };
    let y0 = match corner {
        Corner::Coordinate(..) => y0,
        Corner::UpperLeft | Corner::UpperMiddle | Corner::UpperRight => inset,
        _ => ah as i32 - inset - box_h,
    };
    let corners = [(x0, y0), (x0 + box_w, y0 + box_h)];
    area.draw(&Rectangle::new(corners, WHITE.mix(0.9).filled()))
        .map_err(render_err)?;
    area.draw(&Rectangle::new(corners, RGBColor(160, 160, 160)))
        .map_err(render_err)?;
    lines.relocate((x0 + pad, y0 + pad));
    area.draw(&lines).map_err(render_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(scale: Scale, range: Range<f64>, values: &[f64]) -> Vec<String> {
        let f = tick_formatter(scale, &range);
        values.iter().map(f).collect()
    }

    #[test]
    fn tick_labels() {
        let log = labels(Scale::Log10, 1e-3..1e21, &[1e-3, 1.0, 1e21, 20.0]);
        assert_eq!(log, ["10⁻³", "10⁰", "10²¹", "2×10¹"]);
        let lin = labels(Scale::Linear, -2.08..2.08, &[-1.5, 0.0, 2.0]);
        assert_eq!(lin, ["−1.5", "0", "2"]);
        let big = labels(Scale::Linear, -2.2e18..2.2e18, &[-2e18, 0.0, 1.5e18]);
        assert_eq!(big, ["−2×10¹⁸", "0", "1.5×10¹⁸"]);
    }

    #[test]
    fn log_axes_use_plotters_key_points() {
        // Seventeen decades, about eight labels: plotters picks every other power of ten.
        let axis = LogCoord::from((1e4..1e21).log_scale());
        let label = tick_formatter(Scale::Log10, &axis.range());
        let labels: Vec<String> = axis.key_points(Y_TICKS).iter().map(label).collect();
        assert_eq!(labels[..3], ["10⁴", "10⁶", "10⁸"]);
        assert_eq!(labels.last().map(String::as_str), Some("10²⁰"));
    }

    #[test]
    fn lines_break_where_a_log_axis_cannot_draw() {
        let s = Series::new(
            "s",
            vec![
                (1.0, 1.0),
                (2.0, -1.0),
                (3.0, 3.0),
                (4.0, 4.0),
                (5.0, f64::NAN),
            ],
        );
        let runs: Vec<usize> = s
            .segments(Scale::Linear, Scale::Log10)
            .map(<[_]>::len)
            .collect();
        assert_eq!(runs, [1, 2]);
    }

    #[test]
    fn series_lengths_must_match() {
        let err = Series::from_xy("s", &[1.0, 2.0], &[1.0]).unwrap_err();
        assert!(matches!(err, PlotError::InvalidInput(_)));
    }

    #[test]
    fn nothing_positive_on_a_log_axis_is_an_error() {
        let fig = Figure::new("t")
            .y_scale(Scale::Log10)
            .series(Series::new("s", vec![(0.0, -1.0), (1.0, 0.0)]));
        let path = std::env::temp_dir().join("autodiff-examples-nothing-positive.png");
        assert!(matches!(fig.save_png(&path), Err(PlotError::NoData(_))));
        assert!(
            !path.exists(),
            "no file is created for a figure that cannot be drawn"
        );
    }

    #[test]
    fn wrong_extension_and_unwritable_path_are_reported() {
        let fig = Figure::new("t").series(Series::new("s", vec![(0.0, 0.0), (1.0, 1.0)]));
        assert!(matches!(
            fig.save_png("figure.jpg"),
            Err(PlotError::InvalidInput(_))
        ));
        let missing = std::env::temp_dir()
            .join("autodiff-examples-no-such-dir")
            .join("deeper")
            .join("f.png");
        assert!(matches!(fig.save_png(&missing), Err(PlotError::Io { .. })));
    }
}
