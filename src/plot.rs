//! A small line-plot layer on top of plotters, enough for the post's figures.
//!
//! A [`Figure`] holds a title, axis labels, a linear or log10 scale per axis, named line
//! [`Series`], optional vertical marker lines ([`VLine`]) and text annotations. It renders to PNG
//! ([`Figure::save_png`]), SVG ([`Figure::save_svg`]) or an RGB buffer ([`Figure::render_rgb`]).
//!
//! Text is drawn with DejaVu Sans, bundled in `assets/fonts/` and embedded with `include_bytes!`;
//! it is registered with plotters' `ab_glyph` renderer on first use, so no system font,
//! fontconfig or FreeType is needed.
//!
//! Log axes are drawn by plotting `log10` of the data on a linear axis and labelling the ticks
//! with the original values (`10⁻³`, `10²`, `2×10¹`, …). Points that a log axis cannot show
//! (zero, negative) and non-finite points are left out, and the line is broken there, as
//! matplotlib does.

use std::error::Error as StdError;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::element::{Drawable, PointCollection};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_backend::{BackendCoord, DrawingErrorKind};

/// DejaVu Sans 2.37 (Bitstream Vera licence, see `assets/fonts/LICENSE-DejaVu.txt`).
static DEJAVU_SANS: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");

/// The font family every text element of a figure asks for. plotters' own defaults (legend,
/// axis labels) also ask for `"sans-serif"`, so the bundled font is registered under that name.
pub const FONT_FAMILY: &str = "sans-serif";

const TITLE_SIZE: f64 = 28.0;
const AXIS_DESC_SIZE: f64 = 22.0;
const TICK_LABEL_SIZE: f64 = 18.0;
const LEGEND_SIZE: f64 = 18.0;
const TEXT_SIZE: f64 = 18.0;

/// Registers the bundled DejaVu Sans with plotters under [`FONT_FAMILY`] and `"DejaVu Sans"`.
///
/// Called by every render method; calling it again is cheap and does nothing.
pub fn register_bundled_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        [FONT_FAMILY, "DejaVu Sans"].iter().all(|name| {
            plotters::style::register_font(name, FontStyle::Normal, DEJAVU_SANS).is_ok()
        })
    });
    if ok { Ok(()) } else { Err(PlotError::Font) }
}

/// Everything that can go wrong while building or writing a figure.
#[derive(Debug)]
#[non_exhaustive]
pub enum PlotError {
    /// Creating, opening or writing a file or directory failed.
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The bundled font could not be parsed (should not happen).
    Font,
    /// The input is malformed: mismatched lengths, a wrong file extension, an empty range, …
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

impl StdError for PlotError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            PlotError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl PlotError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        PlotError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

fn render_err<E: StdError + Send + Sync>(e: DrawingAreaErrorKind<E>) -> PlotError {
    PlotError::Render(e.to_string())
}

/// An sRGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// matplotlib's `tab:blue` (C0).
    pub const BLUE: Rgb = Rgb(0x1f, 0x77, 0xb4);
    /// matplotlib's `tab:orange` (C1).
    pub const ORANGE: Rgb = Rgb(0xff, 0x7f, 0x0e);
    /// matplotlib's `tab:green` (C2).
    pub const GREEN: Rgb = Rgb(0x2c, 0xa0, 0x2c);
    /// matplotlib's `tab:red` (C3).
    pub const RED: Rgb = Rgb(0xd6, 0x27, 0x28);
    /// matplotlib's `tab:purple` (C4).
    pub const PURPLE: Rgb = Rgb(0x94, 0x67, 0xbd);
    /// matplotlib's `tab:brown` (C5).
    pub const BROWN: Rgb = Rgb(0x8c, 0x56, 0x4b);
    /// matplotlib's `tab:pink` (C6).
    pub const PINK: Rgb = Rgb(0xe3, 0x77, 0xc2);
    /// matplotlib's `tab:gray` (C7).
    pub const GRAY: Rgb = Rgb(0x7f, 0x7f, 0x7f);
    /// matplotlib's `tab:olive` (C8).
    pub const OLIVE: Rgb = Rgb(0xbc, 0xbd, 0x22);
    /// matplotlib's `tab:cyan` (C9).
    pub const CYAN: Rgb = Rgb(0x17, 0xbe, 0xcf);
    /// Black.
    pub const BLACK: Rgb = Rgb(0, 0, 0);
    /// The colour cycle given to series without a colour of their own (matplotlib's `tab10`).
    pub const PALETTE: [Rgb; 10] = [
        Rgb::BLUE,
        Rgb::ORANGE,
        Rgb::GREEN,
        Rgb::RED,
        Rgb::PURPLE,
        Rgb::BROWN,
        Rgb::PINK,
        Rgb::GRAY,
        Rgb::OLIVE,
        Rgb::CYAN,
    ];

    fn to_plotters(self) -> RGBColor {
        RGBColor(self.0, self.1, self.2)
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
    /// The axis coordinate of `v`, or `None` where the axis cannot show it.
    fn apply(self, v: f64) -> Option<f64> {
        match self {
            Scale::Linear if v.is_finite() => Some(v),
            Scale::Log10 if v.is_finite() && v > 0.0 => Some(v.log10()),
            _ => None,
        }
    }
}

/// A corner of the plotting area, for the legend and for notes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Corner {
    /// Top left.
    UpperLeft,
    /// Top right.
    #[default]
    UpperRight,
    /// Bottom left.
    LowerLeft,
    /// Bottom right.
    LowerRight,
}

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
    /// No line: markers only (give the series a [`Marker`]).
    None,
}

/// A symbol drawn at every point of a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    /// A filled circle.
    Circle,
    /// An open circle.
    Ring,
    /// A diagonal cross.
    Cross,
    /// A filled square.
    Square,
    /// A filled triangle.
    Triangle,
}

/// One named line of a figure.
#[derive(Clone, Debug)]
pub struct Series {
    name: String,
    points: Vec<(f64, f64)>,
    color: Option<Rgb>,
    width: u32,
    line: LineStyle,
    marker: Option<Marker>,
    marker_size: u32,
}

impl Series {
    /// A solid line through `points`, labelled `name` in the legend (an empty name keeps it out
    /// of the legend).
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            name: name.into(),
            points,
            color: None,
            width: 2,
            line: LineStyle::Solid,
            marker: None,
            marker_size: 5,
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
        let points = xs.iter().copied().zip(ys.iter().copied()).collect();
        Ok(Series::new(name, points))
    }

    /// The line and marker colour (default: the next colour of [`Rgb::PALETTE`]).
    pub fn color(mut self, color: Rgb) -> Self {
        self.color = Some(color);
        self
    }

    /// The line width in pixels (default 2).
    pub fn width(mut self, width: u32) -> Self {
        self.width = width;
        self
    }

    /// How the points are joined (default [`LineStyle::Solid`]).
    pub fn line_style(mut self, line: LineStyle) -> Self {
        self.line = line;
        self
    }

    /// Shorthand for `line_style(LineStyle::Dashed)`.
    pub fn dashed(self) -> Self {
        self.line_style(LineStyle::Dashed)
    }

    /// Draws `marker` at every point.
    pub fn marker(mut self, marker: Marker) -> Self {
        self.marker = Some(marker);
        self
    }

    /// The marker radius in pixels (default 5).
    pub fn marker_size(mut self, size: u32) -> Self {
        self.marker_size = size;
        self
    }

    /// The legend label.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The data points, as given.
    pub fn points(&self) -> &[(f64, f64)] {
        &self.points
    }
}

/// A vertical line across the whole plot at `x`, e.g. an optimum.
#[derive(Clone, Debug)]
pub struct VLine {
    x: f64,
    label: String,
    color: Rgb,
    width: u32,
    line: LineStyle,
}

impl VLine {
    /// A solid red line at `x`, without label.
    pub fn new(x: f64) -> Self {
        VLine {
            x,
            label: String::new(),
            color: Rgb::RED,
            width: 2,
            line: LineStyle::Solid,
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

    /// The width in pixels (default 2).
    pub fn width(mut self, width: u32) -> Self {
        self.width = width;
        self
    }

    /// The line style (default solid).
    pub fn line_style(mut self, line: LineStyle) -> Self {
        self.line = line;
        self
    }
}

#[derive(Clone, Debug)]
struct Annotation {
    x: f64,
    y: f64,
    text: String,
}

#[derive(Clone, Debug)]
struct Note {
    corner: Corner,
    text: String,
}

/// A 2-D line plot: build it with the chained methods, then render it.
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
    x_range: Option<(f64, f64)>,
    y_range: Option<(f64, f64)>,
    series: Vec<Series>,
    vlines: Vec<VLine>,
    annotations: Vec<Annotation>,
    notes: Vec<Note>,
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
            x_range: None,
            y_range: None,
            series: Vec::new(),
            vlines: Vec::new(),
            annotations: Vec::new(),
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

    /// Fixes the x range (data units) instead of fitting the data with a small margin.
    pub fn x_range(mut self, lo: f64, hi: f64) -> Self {
        self.x_range = Some((lo, hi));
        self
    }

    /// Fixes the y range (data units) instead of fitting the data with a small margin.
    pub fn y_range(mut self, lo: f64, hi: f64) -> Self {
        self.y_range = Some((lo, hi));
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

    /// Writes `text` next to the data point `(x, y)`, which is marked with a small dot.
    pub fn annotate(mut self, x: f64, y: f64, text: impl Into<String>) -> Self {
        self.annotations.push(Annotation {
            x,
            y,
            text: text.into(),
        });
        self
    }

    /// Writes `text` (several lines allowed, split at `\n`) in a box in a corner of the plot.
    pub fn note(mut self, corner: Corner, text: impl Into<String>) -> Self {
        self.notes.push(Note {
            corner,
            text: text.into(),
        });
        self
    }

    /// Where the legend goes (default upper right). The legend is drawn when at least one
    /// series or vertical line has a label.
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
        check_extension(path, "png")?;
        let plan = self.plan()?;
        create_file(path)?;
        let result = (|| {
            let root = BitMapBackend::new(path, self.size).into_drawing_area();
            self.draw_on(&root, &plan)?;
            root.present().map_err(render_err)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(path);
        }
        result
    }

    /// Renders to an SVG file; `path` must end in `.svg`. Text is written as SVG `<text>` in the
    /// generic `sans-serif` family (so the viewer's font draws it), laid out with the metrics of
    /// the bundled DejaVu Sans.
    pub fn save_svg(&self, path: impl AsRef<Path>) -> Result<(), PlotError> {
        let path = path.as_ref();
        check_extension(path, "svg")?;
        let plan = self.plan()?;
        create_file(path)?;
        let result = (|| {
            let root = SVGBackend::new(path, self.size).into_drawing_area();
            self.draw_on(&root, &plan)?;
            root.present().map_err(render_err)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(path);
        }
        result
    }

    /// Renders into memory: `width × height × 3` bytes of RGB, row by row from the top.
    pub fn render_rgb(&self) -> Result<Vec<u8>, PlotError> {
        let plan = self.plan()?;
        let (w, h) = self.size;
        let mut buf = vec![0u8; w as usize * h as usize * 3];
        {
            let root = BitMapBackend::with_buffer(&mut buf, self.size).into_drawing_area();
            self.draw_on(&root, &plan)?;
            root.present().map_err(render_err)?;
        }
        Ok(buf)
    }

    /// Checks the input and works out the axes, before any file is touched.
    fn plan(&self) -> Result<Plan, PlotError> {
        register_bundled_font()?;
        let (w, h) = self.size;
        if w < 200 || h < 150 {
            return Err(PlotError::InvalidInput(format!(
                "figure size {w}×{h} is too small (at least 200×150)"
            )));
        }
        let segments: Vec<Vec<Vec<(f64, f64)>>> = self
            .series
            .iter()
            .map(|s| split_segments(&s.points, self.x_scale, self.y_scale))
            .collect();

        let mut xs = Extent::default();
        let mut ys = Extent::default();
        for p in segments.iter().flatten().flatten() {
            xs.add(p.0);
            ys.add(p.1);
        }
        for v in &self.vlines {
            if let Some(x) = self.x_scale.apply(v.x) {
                xs.add(x);
            }
        }
        for a in &self.annotations {
            if let (Some(x), Some(y)) = (self.x_scale.apply(a.x), self.y_scale.apply(a.y)) {
                xs.add(x);
                ys.add(y);
            }
        }
        let x_range = axis_range("x", xs, self.x_range, self.x_scale, 0.02)?;
        let y_range = axis_range("y", ys, self.y_range, self.y_scale, 0.05)?;
        Ok(Plan {
            segments,
            x: Axis::new(self.x_scale, x_range, 10),
            y: Axis::new(self.y_scale, y_range, 8),
        })
    }

    fn draw_on<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        plan: &Plan,
    ) -> Result<(), PlotError> {
        let black = BLACK;
        root.fill(&WHITE).map_err(render_err)?;

        // Room for the y tick labels: measure the widest one.
        let tick_font = (FONT_FAMILY, TICK_LABEL_SIZE).into_font();
        let mut widest = 0u32;
        for v in &plan.y.bold {
            let (w, _) = root
                .estimate_text_size(&plan.y.label(*v), &TextStyle::from(tick_font.clone()))
                .map_err(render_err)?;
            widest = widest.max(w);
        }
        let desc_room = if self.y_label.is_empty() { 0 } else { 40 };
        let y_area = widest + 20 + desc_room;
        let x_area = if self.x_label.is_empty() { 45 } else { 80 };

        let mut builder = ChartBuilder::on(root);
        builder
            .margin(15)
            .margin_right(40)
            .x_label_area_size(x_area)
            .y_label_area_size(y_area);
        if !self.title.is_empty() {
            builder.caption(&self.title, (FONT_FAMILY, TITLE_SIZE));
        }
        let mut chart = builder
            .build_cartesian_2d(plan.x.clone(), plan.y.clone())
            .map_err(render_err)?;

        let x_fmt = |v: &f64| plan.x.label(*v);
        let y_fmt = |v: &f64| plan.y.label(*v);
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .label_style((FONT_FAMILY, TICK_LABEL_SIZE))
            .axis_desc_style((FONT_FAMILY, AXIS_DESC_SIZE))
            .bold_line_style(RGBColor(222, 222, 222).stroke_width(1))
            .light_line_style(RGBColor(242, 242, 242).stroke_width(1))
            .axis_style(black.stroke_width(1))
            .draw()
            .map_err(render_err)?;

        let mut any_label = false;
        for (i, (series, segments)) in self.series.iter().zip(&plan.segments).enumerate() {
            let color = series
                .color
                .unwrap_or(Rgb::PALETTE[i % Rgb::PALETTE.len()])
                .to_plotters();
            let style = color.stroke_width(series.width);
            let mut labelled = series.name.is_empty();
            for segment in segments {
                let mut drawn = false;
                match series.line {
                    LineStyle::Solid => {
                        let anno = chart
                            .draw_series(LineSeries::new(segment.iter().copied(), style))
                            .map_err(render_err)?;
                        if !labelled {
                            anno.label(series.name.as_str())
                                .legend(move |p| Glyph::legend(p, series, color));
                            labelled = true;
                        }
                        drawn = true;
                    }
                    LineStyle::Dashed | LineStyle::Dotted => {
                        let (dash, gap) = dash_pattern(series.line, series.width);
                        let anno = chart
                            .draw_series(DashedLineSeries::new(
                                segment.iter().copied(),
                                dash,
                                gap,
                                style,
                            ))
                            .map_err(render_err)?;
                        if !labelled {
                            anno.label(series.name.as_str())
                                .legend(move |p| Glyph::legend(p, series, color));
                            labelled = true;
                        }
                        drawn = true;
                    }
                    LineStyle::None => {}
                }
                if let Some(marker) = series.marker {
                    let anno = chart
                        .draw_series(
                            segment
                                .iter()
                                .map(|&p| Glyph::marker(p, series, marker, color)),
                        )
                        .map_err(render_err)?;
                    if !labelled && !drawn {
                        anno.label(series.name.as_str())
                            .legend(move |p| Glyph::legend(p, series, color));
                        labelled = true;
                    }
                }
            }
            any_label |= !series.name.is_empty() && !segments.is_empty();
        }

        let text_font = (FONT_FAMILY, TEXT_SIZE).into_font();
        for v in &self.vlines {
            let Some(x) = plan.x.scale.apply(v.x) else {
                continue;
            };
            if x < plan.x.lo || x > plan.x.hi {
                continue;
            }
            let color = v.color.to_plotters();
            let style = color.stroke_width(v.width);
            let line = [(x, plan.y.lo), (x, plan.y.hi)];
            let anno = match v.line {
                LineStyle::Dashed | LineStyle::Dotted => {
                    let (dash, gap) = dash_pattern(v.line, v.width);
                    chart.draw_series(DashedLineSeries::new(line, dash, gap, style))
                }
                _ => chart.draw_series(LineSeries::new(line, style)),
            }
            .map_err(render_err)?;
            if !v.label.is_empty() {
                let glyph = Series::new("", Vec::new())
                    .width(v.width)
                    .line_style(v.line);
                anno.label(v.label.as_str())
                    .legend(move |p| Glyph::legend(p, &glyph, color));
                any_label = true;
                // Beside the line, near the top, on the side with more room.
                let right = x <= (plan.x.lo + plan.x.hi) / 2.0;
                let (dx, hpos) = if right {
                    (8, HPos::Left)
                } else {
                    (-8, HPos::Right)
                };
                let style = text_font
                    .clone()
                    .color(&color)
                    .pos(Pos::new(hpos, VPos::Top));
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at((x, plan.y.hi))
                            + Text::new(v.label.clone(), (dx, 10), style),
                    ))
                    .map_err(render_err)?;
            }
        }

        for a in &self.annotations {
            let (Some(x), Some(y)) = (plan.x.scale.apply(a.x), plan.y.scale.apply(a.y)) else {
                continue;
            };
            let style = text_font
                .clone()
                .color(&black)
                .pos(Pos::new(HPos::Left, VPos::Bottom));
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((x, y))
                        + Circle::new((0, 0), 3, black.filled())
                        + Text::new(a.text.clone(), (6, -4), style),
                ))
                .map_err(render_err)?;
        }

        if any_label {
            chart
                .configure_series_labels()
                .position(match self.legend {
                    Corner::UpperLeft => SeriesLabelPosition::UpperLeft,
                    Corner::UpperRight => SeriesLabelPosition::UpperRight,
                    Corner::LowerLeft => SeriesLabelPosition::LowerLeft,
                    Corner::LowerRight => SeriesLabelPosition::LowerRight,
                })
                .margin(12)
                .legend_area_size(44)
                .label_font((FONT_FAMILY, LEGEND_SIZE))
                .background_style(WHITE.mix(0.9))
                .border_style(RGBColor(160, 160, 160))
                .draw()
                .map_err(render_err)?;
        }

        // A frame around the plotting area, and the corner notes.
        let area = chart.plotting_area().strip_coord_spec();
        let (w, h) = area.dim_in_pixel();
        let (w, h) = (w as i32, h as i32);
        area.draw(&Rectangle::new(
            [(0, 0), (w - 1, h - 1)],
            black.stroke_width(1),
        ))
        .map_err(render_err)?;
        for note in &self.notes {
            draw_note(&area, note, &text_font)?;
        }
        Ok(())
    }
}

/// What [`Figure::plan`] works out: the drawable segments and both axes.
struct Plan {
    segments: Vec<Vec<Vec<(f64, f64)>>>,
    x: Axis,
    y: Axis,
}

/// Splits a series into runs of points that both axes can show, in axis coordinates.
fn split_segments(points: &[(f64, f64)], xs: Scale, ys: Scale) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    for &(x, y) in points {
        match (xs.apply(x), ys.apply(y)) {
            (Some(x), Some(y)) => current.push((x, y)),
            _ => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[derive(Clone, Copy, Debug)]
struct Extent {
    lo: f64,
    hi: f64,
}

impl Default for Extent {
    fn default() -> Self {
        Extent {
            lo: f64::INFINITY,
            hi: f64::NEG_INFINITY,
        }
    }
}

impl Extent {
    fn add(&mut self, v: f64) {
        self.lo = self.lo.min(v);
        self.hi = self.hi.max(v);
    }
    fn is_empty(&self) -> bool {
        self.lo > self.hi
    }
}

/// The axis range in axis coordinates: the user's range, or the data's plus a margin.
fn axis_range(
    name: &str,
    data: Extent,
    fixed: Option<(f64, f64)>,
    scale: Scale,
    margin: f64,
) -> Result<(f64, f64), PlotError> {
    if let Some((lo, hi)) = fixed {
        let (Some(a), Some(b)) = (scale.apply(lo), scale.apply(hi)) else {
            return Err(PlotError::InvalidInput(format!(
                "{name} range ({lo}, {hi}) cannot be shown on a {scale:?} axis"
            )));
        };
        if a >= b {
            return Err(PlotError::InvalidInput(format!(
                "{name} range ({lo}, {hi}) is empty or reversed"
            )));
        }
        return Ok((a, b));
    }
    if data.is_empty() {
        let what = match scale {
            Scale::Linear => "finite",
            Scale::Log10 => "finite positive",
        };
        return Err(PlotError::NoData(format!("no {what} {name} value to draw")));
    }
    let (lo, hi) = (data.lo, data.hi);
    if hi - lo <= f64::EPSILON * lo.abs().max(hi.abs()).max(1e-300) {
        // A single value: show a unit (or one decade) around it.
        let half = match scale {
            Scale::Log10 => 0.5,
            Scale::Linear if lo == 0.0 => 1.0,
            Scale::Linear => 0.1 * lo.abs(),
        };
        return Ok((lo - half, hi + half));
    }
    let pad = margin * (hi - lo);
    Ok((lo - pad, hi + pad))
}

/// One axis: its range and ticks in axis coordinates, and how to label them.
#[derive(Clone, Debug)]
struct Axis {
    scale: Scale,
    lo: f64,
    hi: f64,
    /// Ticks with labels and grid lines.
    bold: Vec<f64>,
    /// Grid lines without labels (log axes only).
    light: Vec<f64>,
    /// Linear axes: a common power of ten for very large or small labels.
    exponent: Option<i32>,
    /// Linear axes: digits after the decimal point.
    decimals: usize,
}

impl Axis {
    fn new(scale: Scale, (lo, hi): (f64, f64), target: usize) -> Axis {
        match scale {
            Scale::Linear => {
                let step = nice_step(hi - lo, target);
                let bold = ticks_in(lo, hi, step);
                let biggest = bold.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                let exponent = if biggest >= 1e5 || (biggest > 0.0 && biggest < 1e-3) {
                    Some(biggest.log10().floor() as i32)
                } else {
                    None
                };
                let scaled_step = step / 10f64.powi(exponent.unwrap_or(0));
                Axis {
                    scale,
                    lo,
                    hi,
                    bold,
                    light: Vec::new(),
                    exponent,
                    decimals: decimals_for(scaled_step),
                }
            }
            Scale::Log10 => {
                let (bold, light) = log_ticks(lo, hi);
                Axis {
                    scale,
                    lo,
                    hi,
                    bold,
                    light,
                    exponent: None,
                    decimals: 0,
                }
            }
        }
    }

    /// The tick label for axis coordinate `v`.
    fn label(&self, v: f64) -> String {
        match self.scale {
            Scale::Linear => format_linear(v, self.exponent, self.decimals),
            Scale::Log10 => format_pow10(v),
        }
    }
}

/// The axis as a plotters coordinate: linear in axis coordinates, with our ticks as its key
/// points (bold: labelled ticks and grid lines; light: the fainter grid lines).
impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let t = (v - self.lo) / (self.hi - self.lo);
        let len = f64::from(limit.1 - limit.0);
        if !t.is_finite() {
            return if t > 0.0 { limit.1 } else { limit.0 };
        }
        // As plotters' own f64 coordinate rounds.
        if len >= 0.0 {
            limit.0 + (len * t + 1e-3).floor() as i32
        } else {
            limit.0 + (len * t - 1e-3).ceil() as i32
        }
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.bold.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// A step of 1, 2, 2.5 or 5 times a power of ten giving about `target` ticks over `span`.
fn nice_step(span: f64, target: usize) -> f64 {
    let raw = span / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 2.5 {
        2.5
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// The multiples of `step` in `[lo, hi]`.
fn ticks_in(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

/// The fewest decimals that write `step` (and so its multiples) exactly.
fn decimals_for(step: f64) -> usize {
    (0..=12)
        .find(|&d| {
            let s = step * 10f64.powi(d as i32);
            (s - s.round()).abs() < 1e-6 * s.abs().max(1.0)
        })
        .unwrap_or(12)
}

/// Bold and light ticks of a log10 axis over `[lo, hi]` (in decades).
fn log_ticks(lo: f64, hi: f64) -> (Vec<f64>, Vec<f64>) {
    let kmin = (lo - 1e-9).ceil() as i32;
    let kmax = (hi + 1e-9).floor() as i32;
    let in_range = |v: f64| v >= lo - 1e-9 && v <= hi + 1e-9;
    let between = |ms: &[f64]| -> Vec<f64> {
        let mut out = Vec::new();
        for k in (lo.floor() as i32)..=(hi.ceil() as i32) {
            for &m in ms {
                let v = k as f64 + m.log10();
                if in_range(v) {
                    out.push(v);
                }
            }
        }
        out
    };
    if kmax - kmin >= 1 {
        let decades = kmax - kmin;
        let step = [1, 2, 3, 4, 5, 10, 20, 25, 50, 100]
            .into_iter()
            .find(|s| decades / s < 9)
            .unwrap_or(100);
        let bold: Vec<f64> = (kmin..=kmax)
            .filter(|k| k.rem_euclid(step) == 0)
            .map(f64::from)
            .collect();
        let light = if step == 1 {
            if hi - lo <= 12.0 {
                between(&[2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
            } else {
                Vec::new()
            }
        } else {
            (kmin..=kmax)
                .filter(|k| k.rem_euclid(step) != 0)
                .map(f64::from)
                .collect()
        };
        return (bold, light);
    }
    // Less than a decade: label 1, 2, 5 (or every digit) times powers of ten.
    let mut bold = between(&[1.0, 2.0, 5.0]);
    if bold.len() < 3 {
        bold = between(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    }
    let light = between(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
        .into_iter()
        .filter(|v| !bold.iter().any(|b| (b - v).abs() < 1e-9))
        .collect();
    (bold, light)
}

const SUPERSCRIPT_DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];

/// `e` in superscript digits, with a superscript minus for negative `e`.
fn superscript(e: i32) -> String {
    let mut s = String::new();
    if e < 0 {
        s.push('⁻');
    }
    for c in e.unsigned_abs().to_string().chars() {
        let d = c.to_digit(10).unwrap_or(0) as usize;
        s.push(SUPERSCRIPT_DIGITS[d]);
    }
    s
}

/// ASCII hyphen to the typographic minus sign matplotlib uses.
fn minus(s: String) -> String {
    s.replace('-', "−")
}

/// A linear-axis label: plain decimals, or `m×10ᵉ` with a common exponent.
fn format_linear(v: f64, exponent: Option<i32>, decimals: usize) -> String {
    match exponent {
        None => {
            let s = format!("{v:.decimals$}");
            if s.trim_start_matches('-')
                .chars()
                .all(|c| c == '0' || c == '.')
            {
                "0".into()
            } else {
                minus(s)
            }
        }
        Some(e) => {
            let m = v / 10f64.powi(e);
            let s = format!("{m:.decimals$}");
            if s.trim_start_matches('-')
                .chars()
                .all(|c| c == '0' || c == '.')
            {
                "0".into()
            } else {
                minus(format!("{s}×10{}", superscript(e)))
            }
        }
    }
}

/// A log-axis label for axis coordinate `v` (the value is `10^v`): `10ᵏ` or `m×10ᵏ`.
fn format_pow10(v: f64) -> String {
    let k = v.round();
    if (v - k).abs() < 1e-6 {
        return format!("10{}", superscript(k as i32));
    }
    let e = (v + 1e-9).floor();
    let m = 10f64.powf(v - e);
    let m = if (m - m.round()).abs() < 1e-6 {
        format!("{}", m.round())
    } else {
        format!("{m:.1}")
    };
    format!("{m}×10{}", superscript(e as i32))
}

fn dash_pattern(line: LineStyle, width: u32) -> (f64, f64) {
    let w = f64::from(width.max(1));
    match line {
        LineStyle::Dotted => (1.5 * w, 2.0 * w + 2.0),
        _ => (5.0 * w + 4.0, 3.0 * w + 2.0),
    }
}

/// A legend sample or a data-point marker: an optional short line starting at the anchor, and
/// an optional marker (in the middle of the line, or at the anchor when there is no line).
/// Drawn with the backend's primitives, so any line style and marker combine in one type.
struct Glyph<C> {
    at: C,
    line: LineStyle,
    line_len: i32,
    marker: Option<Marker>,
    marker_size: i32,
    color: RGBColor,
    width: u32,
}

impl<C> Glyph<C> {
    /// The marker alone, for a data point.
    fn marker(at: C, series: &Series, marker: Marker, color: RGBColor) -> Self {
        Glyph {
            at,
            line: LineStyle::None,
            line_len: 0,
            marker: Some(marker),
            marker_size: series.marker_size as i32,
            color,
            width: series.width,
        }
    }

    /// A legend sample in the series' style.
    fn legend(at: C, series: &Series, color: RGBColor) -> Self {
        Glyph {
            at,
            line: series.line,
            line_len: 34,
            marker: series.marker,
            marker_size: series.marker_size as i32,
            color,
            width: series.width,
        }
    }
}

impl<'a, C: 'a> PointCollection<'a, C> for &'a Glyph<C> {
    type Point = &'a C;
    type IntoIter = std::iter::Once<&'a C>;
    fn point_iter(self) -> std::iter::Once<&'a C> {
        std::iter::once(&self.at)
    }
}

impl<C, DB: DrawingBackend> Drawable<DB> for Glyph<C> {
    fn draw<I: Iterator<Item = BackendCoord>>(
        &self,
        mut pos: I,
        backend: &mut DB,
        _parent_dim: (u32, u32),
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        let Some((x, y)) = pos.next() else {
            return Ok(());
        };
        let stroke = self.color.stroke_width(self.width.max(1));
        let fill = self.color.filled();
        match self.line {
            LineStyle::Solid => backend.draw_line((x, y), (x + self.line_len, y), &stroke)?,
            LineStyle::Dashed | LineStyle::Dotted => {
                let (dash, gap) = dash_pattern(self.line, self.width);
                let mut t = 0.0;
                while t < f64::from(self.line_len) {
                    let end = (t + dash).min(f64::from(self.line_len));
                    backend.draw_line((x + t as i32, y), (x + end as i32, y), &stroke)?;
                    t += dash + gap;
                }
            }
            LineStyle::None => {}
        }
        let Some(marker) = self.marker else {
            return Ok(());
        };
        let (cx, cy) = if self.line == LineStyle::None {
            (x, y)
        } else {
            (x + self.line_len / 2, y)
        };
        let s = self.marker_size.max(1);
        match marker {
            Marker::Circle => backend.draw_circle((cx, cy), s as u32, &fill, true)?,
            Marker::Ring => {
                backend.draw_circle((cx, cy), s as u32, &WHITE.filled(), true)?;
                backend.draw_circle((cx, cy), s as u32, &stroke, false)?;
            }
            Marker::Cross => {
                backend.draw_line((cx - s, cy - s), (cx + s, cy + s), &stroke)?;
                backend.draw_line((cx - s, cy + s), (cx + s, cy - s), &stroke)?;
            }
            Marker::Square => backend.draw_rect((cx - s, cy - s), (cx + s, cy + s), &fill, true)?,
            Marker::Triangle => {
                let h = s + 1;
                backend.fill_polygon([(cx, cy - h), (cx - h, cy + h), (cx + h, cy + h)], &fill)?
            }
        }
        Ok(())
    }
}

/// Draws a note's lines in a white box in its corner of the plotting area.
fn draw_note<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    note: &Note,
    font: &FontDesc<'_>,
) -> Result<(), PlotError> {
    let lines: Vec<&str> = note.text.lines().collect();
    if lines.is_empty() {
        return Ok(());
    }
    let pad = 10i32;
    let line_h = (TEXT_SIZE * 1.35) as i32;
    let mut width = 0i32;
    for line in &lines {
        let (w, _) = area
            .estimate_text_size(line, &TextStyle::from(font.clone()))
            .map_err(render_err)?;
        width = width.max(w as i32);
    }
    let box_w = width + 2 * pad;
    let box_h = line_h * lines.len() as i32 + 2 * pad;
    let (aw, ah) = area.dim_in_pixel();
    let (aw, ah) = (aw as i32, ah as i32);
    let inset = 12;
    let (x0, y0) = match note.corner {
        Corner::UpperLeft => (inset, inset),
        Corner::UpperRight => (aw - inset - box_w, inset),
        Corner::LowerLeft => (inset, ah - inset - box_h),
        Corner::LowerRight => (aw - inset - box_w, ah - inset - box_h),
    };
    let corners = [(x0, y0), (x0 + box_w, y0 + box_h)];
    area.draw(&Rectangle::new(corners, WHITE.mix(0.9).filled()))
        .map_err(render_err)?;
    area.draw(&Rectangle::new(
        corners,
        RGBColor(160, 160, 160).stroke_width(1),
    ))
    .map_err(render_err)?;
    let style = font
        .clone()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Top));
    for (i, line) in lines.iter().enumerate() {
        area.draw(&Text::new(
            *line,
            (x0 + pad, y0 + pad + i as i32 * line_h),
            style.clone(),
        ))
        .map_err(render_err)?;
    }
    Ok(())
}

fn check_extension(path: &Path, ext: &str) -> Result<(), PlotError> {
    let ok = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext));
    if ok {
        Ok(())
    } else {
        Err(PlotError::InvalidInput(format!(
            "{} should end in .{ext}",
            path.display()
        )))
    }
}

/// Creates (truncates) the output file up front, so an unwritable path is reported as an I/O
/// error with its path rather than as an encoder error.
fn create_file(path: &Path) -> Result<(), PlotError> {
    std::fs::File::create(path)
        .map(drop)
        .map_err(|e| PlotError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_labels_are_powers_of_ten() {
        assert_eq!(format_pow10(0.0), "10⁰");
        assert_eq!(format_pow10(-3.0), "10⁻³");
        assert_eq!(format_pow10(21.0), "10²¹");
        assert_eq!(format_pow10(2f64.log10() + 1.0), "2×10¹");
        assert_eq!(format_pow10(1000f64.log10()), "10³");
    }

    #[test]
    fn log_ticks_cover_decades() {
        let (bold, light) = log_ticks(-3.1, 3.1);
        assert_eq!(bold, vec![-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]);
        assert!(light.iter().any(|v| (v - 2f64.log10()).abs() < 1e-12));
        // 22 decades: thinned to at most 9 labels, the rest become light lines.
        let (bold, light) = log_ticks(-0.2, 22.0);
        assert!(bold.len() <= 9 && bold.len() >= 4, "{bold:?}");
        assert!(bold.iter().all(|v| v.fract() == 0.0));
        assert!(!light.is_empty());
        // Less than a decade still gets labels.
        let (bold, _) = log_ticks(2f64.log10(), 8f64.log10());
        assert!(bold.len() >= 3, "{bold:?}");
    }

    #[test]
    fn linear_labels() {
        let a = Axis::new(Scale::Linear, (-2.08, 2.08), 10);
        let labels: Vec<String> = a.bold.iter().map(|v| a.label(*v)).collect();
        assert_eq!(
            labels,
            [
                "−2.0", "−1.5", "−1.0", "−0.5", "0", "0.5", "1.0", "1.5", "2.0"
            ]
        );
        let a = Axis::new(Scale::Linear, (-2.2e18, 2.2e18), 8);
        let labels: Vec<String> = a.bold.iter().map(|v| a.label(*v)).collect();
        assert!(labels.contains(&"0".to_string()), "{labels:?}");
        assert!(
            labels.iter().all(|l| l == "0" || l.contains("×10¹⁸")),
            "{labels:?}"
        );
        let a = Axis::new(Scale::Linear, (0.0, 1000.0), 10);
        assert_eq!(a.label(200.0), "200");
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
        assert!(matches!(fig.render_rgb(), Err(PlotError::NoData(_))));
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

    #[test]
    fn title_text_is_drawn() {
        // The caption band must hold dark pixels: text renders with the bundled font alone.
        let fig = Figure::new("Title")
            .size(400, 300)
            .series(Series::new("", vec![(0.0, 0.0), (1.0, 1.0)]));
        let rgb = fig.render_rgb().unwrap();
        let dark_in_top_band = rgb[..400 * 40 * 3].chunks(3).filter(|p| p[0] < 100).count();
        assert!(dark_in_top_band > 20, "{dark_in_top_band} dark pixels");
    }
}
