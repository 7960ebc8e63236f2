//! Finite-difference gradient checks: central differences, and a comparison of an analytic
//! gradient with them under `approx`'s `relative_eq!` semantics.
//!
//! ```
//! use autodiff_runtime::check::{self, Tolerance};
//!
//! let f = |x: &Vec<f64>| x[0] * x[0] * x[1];
//! let x = vec![1.5, -2.0];
//! let grad = vec![2.0 * x[0] * x[1], x[0] * x[0]];
//! check::gradient(f, &grad, &x, Tolerance::default())?;
//!
//! let wrong = vec![grad[0], 0.0];
//! let err = check::gradient(f, &wrong, &x, Tolerance::default()).unwrap_err();
//! assert!(err.to_string().contains("component 1"));
//! # Ok::<(), check::CheckError>(())
//! ```
//!
//! Accuracy: with step `h` the central difference has truncation error `h² |f'''| / 6` and rounding
//! error about `ε |f| / h`; the default `h = ε^(1/3) · max(1, |x|)` balances the two, leaving an
//! error of order `ε^(2/3) ≈ 4e-11` of the function's scale. The default [`Tolerance`] is set well
//! above that; a function with a large scale or near-zero components needs a larger `epsilon`.

use std::fmt;

use crate::params::Params;

/// The default step at `x`: `ε^(1/3) · max(1, |x|)`, with `ε` the machine epsilon of `f64`.
pub fn default_step(x: f64) -> f64 {
    f64::EPSILON.cbrt() * x.abs().max(1.0)
}

/// How closely an analytic gradient must match the central difference, component by component.
///
/// A component passes when `approx::relative_eq!(analytic, numeric, epsilon, max_relative)` holds:
/// `|a - n| <= epsilon`, or `|a - n| <= max_relative · max(|a|, |n|)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// The absolute tolerance, for components near zero.
    pub epsilon: f64,
    /// The tolerance relative to the larger magnitude of the two values.
    pub max_relative: f64,
}

impl Tolerance {
    /// A tolerance with the given absolute and relative parts.
    pub fn new(epsilon: f64, max_relative: f64) -> Self {
        Tolerance {
            epsilon,
            max_relative,
        }
    }
}

impl Default for Tolerance {
    /// `epsilon = 1e-8`, `max_relative = 1e-6`: about 10⁵ times the default step's error for a
    /// function of scale 1.
    fn default() -> Self {
        Tolerance::new(1e-8, 1e-6)
    }
}

/// One component where the analytic gradient and the central difference disagree.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ComponentMismatch {
    /// The component's index in [`Params::elems`] order (row-major for matrices).
    pub index: usize,
    /// The analytic value.
    pub analytic: f64,
    /// The central difference.
    pub numeric: f64,
    /// The step the central difference used.
    pub step: f64,
}

/// Why a check failed, or could not be made.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckError {
    /// A step that is not a positive finite number.
    InvalidStep(f64),
    /// The analytic gradient's shape differs from the point's.
    ShapeMismatch {
        /// The point's shape.
        point: Vec<usize>,
        /// The analytic gradient's shape.
        gradient: Vec<usize>,
    },
    /// Some components disagree beyond the tolerance.
    Mismatch {
        /// Every disagreeing component, in order.
        components: Vec<ComponentMismatch>,
        /// How many components were compared.
        checked: usize,
        /// The tolerance applied.
        tolerance: Tolerance,
    },
    /// A pullback that is not linear in the output's adjoint: `rule(x, s)` differs from
    /// `s · rule(x, 1)` in this component.
    NotLinear {
        /// The component's index in [`Params::elems`] order.
        index: usize,
        /// The scale `s` of the output adjoint.
        scale: f64,
        /// `rule(x, s)` in this component.
        scaled: f64,
        /// `s · rule(x, 1)` in this component.
        expected: f64,
    },
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::InvalidStep(h) => {
                write!(
                    f,
                    "finite-difference step must be positive and finite, got {h:e}"
                )
            }
            CheckError::ShapeMismatch { point, gradient } => write!(
                f,
                "the analytic gradient has shape {gradient:?} but the point has shape {point:?}"
            ),
            CheckError::Mismatch {
                components,
                checked,
                tolerance,
            } => {
                write!(
                    f,
                    "gradient check failed in {} of {checked} components \
                     (tolerance: epsilon = {:e}, max_relative = {:e}):",
                    components.len(),
                    tolerance.epsilon,
                    tolerance.max_relative
                )?;
                for c in components {
                    let diff = (c.analytic - c.numeric).abs();
                    let rel = diff / c.analytic.abs().max(c.numeric.abs());
                    write!(
                        f,
                        "\n  component {}: analytic = {:e}, central difference = {:e} \
                         (|difference| = {diff:e}, relative = {rel:e}, step h = {:e})",
                        c.index, c.analytic, c.numeric, c.step
                    )?;
                }
                Ok(())
            }
            CheckError::NotLinear {
                index,
                scale,
                scaled,
                expected,
            } => write!(
                f,
                "the pullback is not linear in the output's adjoint: in component {index}, \
                 rule(x, {scale}) = {scaled:e} but {scale} · rule(x, 1) = {expected:e}"
            ),
        }
    }
}

impl std::error::Error for CheckError {}

/// Checks a pullback — a custom rule (`#[custom_derivative(pullback = rule)]`) or any
/// `pullback_*` — of a scalar function at `x`: `rule(x, 1)` must match the central-difference
/// gradient of `f`, and `rule(x, s)` must be `s · rule(x, 1)` (a pullback is linear in the
/// output's adjoint).
///
/// ```
/// use autodiff_runtime::check::{self, Tolerance};
///
/// fn softplus(x: f64) -> f64 { x.exp().ln_1p() }
/// fn softplus_pullback(x: f64, d_out: f64) -> (f64,) { (d_out / (1.0 + (-x).exp()),) }
///
/// check::pullback(|x: &f64| softplus(*x), |x, d| softplus_pullback(*x, d).0, &0.3, Tolerance::default())?;
/// let wrong = |x: &f64, d: f64| d * x.exp();
/// assert!(check::pullback(|x: &f64| softplus(*x), wrong, &0.3, Tolerance::default()).is_err());
/// # Ok::<(), check::CheckError>(())
/// ```
pub fn pullback<P, F, R>(f: F, mut rule: R, x: &P, tolerance: Tolerance) -> Result<(), CheckError>
where
    P: Params,
    F: FnMut(&P) -> f64,
    R: FnMut(&P, f64) -> P,
{
    let unit = rule(x, 1.0);
    gradient(f, &unit, x, tolerance)?;
    let scale = -2.5;
    let scaled = rule(x, scale);
    for (index, (&s, &u)) in scaled.elems().zip(unit.elems()).enumerate() {
        let expected = scale * u;
        if !approx::relative_eq!(
            s,
            expected,
            epsilon = tolerance.epsilon,
            max_relative = tolerance.max_relative
        ) {
            return Err(CheckError::NotLinear {
                index,
                scale,
                scaled: s,
                expected,
            });
        }
    }
    Ok(())
}

fn step_at(x: f64, h: Option<f64>) -> Result<f64, CheckError> {
    match h {
        None => Ok(default_step(x)),
        Some(h) if h.is_finite() && h > 0.0 => Ok(h),
        Some(h) => Err(CheckError::InvalidStep(h)),
    }
}

/// Returns `(x + h, x - h, (x + h) - (x - h))`: dividing by the distance between the points
/// actually evaluated, rather than by `2h`, removes the error of rounding `x ± h`.
fn stencil(x: f64, h: f64) -> (f64, f64, f64) {
    let (plus, minus) = (x + h, x - h);
    (plus, minus, plus - minus)
}

/// The central difference `(f(x + h) - f(x - h)) / 2h` of a scalar function; `h = None` takes
/// [`default_step`].
pub fn central_difference<F>(mut f: F, x: f64, h: Option<f64>) -> Result<f64, CheckError>
where
    F: FnMut(f64) -> f64,
{
    let (plus, minus, width) = stencil(x, step_at(x, h)?);
    Ok((f(plus) - f(minus)) / width)
}

/// The central-difference gradient of `f` at `x`, for any [`Params`] (`f64`, `Vec<f64>`,
/// `[f64; N]`, `Array1<f64>`, `Array2<f64>`). `h = None` takes [`default_step`] of each component.
pub fn central_difference_params<P, F>(mut f: F, x: &P, h: Option<f64>) -> Result<P, CheckError>
where
    P: Params,
    F: FnMut(&P) -> f64,
{
    Ok(central_difference_with_steps(&mut f, x, h)?.0)
}

/// The central-difference gradient of a function of a slice (see [`central_difference_params`]).
pub fn central_difference_slice<F>(
    mut f: F,
    x: &[f64],
    h: Option<f64>,
) -> Result<Vec<f64>, CheckError>
where
    F: FnMut(&[f64]) -> f64,
{
    central_difference_params(|v: &Vec<f64>| f(v), &x.to_vec(), h)
}

/// The gradient and the step used for each component.
fn central_difference_with_steps<P, F>(
    f: &mut F,
    x: &P,
    h: Option<f64>,
) -> Result<(P, Vec<f64>), CheckError>
where
    P: Params,
    F: FnMut(&P) -> f64,
{
    let mut grad = x.zeros_like();
    let mut steps = Vec::new();
    let mut probe = x.clone();
    for (i, (&xi, gi)) in x.elems().zip(grad.elems_mut()).enumerate() {
        let step = step_at(xi, h)?;
        let (plus, minus, width) = stencil(xi, step);
        let set = |probe: &mut P, value: f64| {
            if let Some(slot) = probe.elems_mut().nth(i) {
                *slot = value;
            }
        };
        set(&mut probe, plus);
        let f_plus = f(&probe);
        set(&mut probe, minus);
        let f_minus = f(&probe);
        set(&mut probe, xi);
        *gi = (f_plus - f_minus) / width;
        steps.push(step);
    }
    Ok((grad, steps))
}

/// Compares `analytic` with the central-difference gradient of `f` at `x`.
///
/// Returns `Ok(())` when every component is within `tolerance`, otherwise a
/// [`CheckError::Mismatch`] whose message names each failing component with both values.
pub fn gradient<P, F>(f: F, analytic: &P, x: &P, tolerance: Tolerance) -> Result<(), CheckError>
where
    P: Params,
    F: FnMut(&P) -> f64,
{
    gradient_with_step(f, analytic, x, None, tolerance)
}

/// As [`gradient`], with a fixed step `h` for every component (`None`: [`default_step`] of each).
pub fn gradient_with_step<P, F>(
    mut f: F,
    analytic: &P,
    x: &P,
    h: Option<f64>,
    tolerance: Tolerance,
) -> Result<(), CheckError>
where
    P: Params,
    F: FnMut(&P) -> f64,
{
    if !analytic.same_shape(x) {
        return Err(CheckError::ShapeMismatch {
            point: x.dims(),
            gradient: analytic.dims(),
        });
    }
    let (numeric, steps) = central_difference_with_steps(&mut f, x, h)?;
    let checked = steps.len();
    let components: Vec<ComponentMismatch> = analytic
        .elems()
        .zip(numeric.elems())
        .zip(steps)
        .enumerate()
        .filter(|&(_, ((&a, &n), _))| {
            !approx::relative_eq!(
                a,
                n,
                epsilon = tolerance.epsilon,
                max_relative = tolerance.max_relative
            )
        })
        .map(|(index, ((&analytic, &numeric), step))| ComponentMismatch {
            index,
            analytic,
            numeric,
            step,
        })
        .collect();
    if components.is_empty() {
        Ok(())
    } else {
        Err(CheckError::Mismatch {
            components,
            checked,
            tolerance,
        })
    }
}

/// Compares an analytic derivative of a scalar function with its central difference at `x`.
pub fn derivative<F>(
    mut f: F,
    analytic: f64,
    x: f64,
    tolerance: Tolerance,
) -> Result<(), CheckError>
where
    F: FnMut(f64) -> f64,
{
    gradient(|x: &f64| f(*x), &analytic, &x, tolerance)
}

/// Compares an analytic gradient of a function of a slice with its central difference at `x`.
pub fn gradient_slice<F>(
    mut f: F,
    analytic: &[f64],
    x: &[f64],
    tolerance: Tolerance,
) -> Result<(), CheckError>
where
    F: FnMut(&[f64]) -> f64,
{
    gradient(
        |v: &Vec<f64>| f(v),
        &analytic.to_vec(),
        &x.to_vec(),
        tolerance,
    )
}

/// Panics with [`check::gradient`](crate::check::gradient)'s message unless the analytic gradient
/// matches the central difference.
///
/// `assert_gradient!(f, &analytic, &x)` uses [`Tolerance::default`];
/// `assert_gradient!(f, &analytic, &x, tolerance)` takes a [`Tolerance`].
///
/// ```
/// use autodiff_runtime::assert_gradient;
/// assert_gradient!(|x: &f64| x.sin(), &1.0_f64.cos(), &1.0);
/// ```
#[macro_export]
macro_rules! assert_gradient {
    ($f:expr, $analytic:expr, $x:expr $(,)?) => {
        $crate::assert_gradient!($f, $analytic, $x, $crate::check::Tolerance::default())
    };
    ($f:expr, $analytic:expr, $x:expr, $tolerance:expr $(,)?) => {
        if let ::core::result::Result::Err(error) =
            $crate::check::gradient($f, $analytic, $x, $tolerance)
        {
            ::core::panic!("{}", error);
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, array};

    fn rosenbrock(x: &[f64]) -> f64 {
        x.windows(2)
            .map(|w| 100.0 * (w[1] - w[0] * w[0]).powi(2) + (1.0 - w[0]).powi(2))
            .sum()
    }

    fn rosenbrock_grad(x: &[f64]) -> Vec<f64> {
        let mut g = vec![0.0; x.len()];
        for i in 0..x.len() - 1 {
            let r = x[i + 1] - x[i] * x[i];
            g[i] += -400.0 * x[i] * r - 2.0 * (1.0 - x[i]);
            g[i + 1] += 200.0 * r;
        }
        g
    }

    #[test]
    fn central_difference_of_sine_is_cosine_to_the_expected_accuracy() {
        // Error bound: h²/6 ≈ 6e-12 (truncation) + ε/h ≈ 4e-11 (rounding), so well under 1e-10.
        for x in [-2.0, 0.0, 0.5, 1.0, 3.0] {
            let d = central_difference(f64::sin, x, None).unwrap();
            assert!(
                (d - f64::cos(x)).abs() < 1e-10,
                "x = {x}: {d} vs {}",
                f64::cos(x)
            );
        }
        // A cubic with a fixed step: truncation h² |f'''| / 6 = h² exactly.
        let h = 1e-3;
        let d = central_difference(|x| x * x * x, 2.0, Some(h)).unwrap();
        assert!((d - (12.0 + h * h)).abs() < 1e-9);
    }

    #[test]
    fn default_step_scales_with_x() {
        let base = f64::EPSILON.cbrt();
        assert_eq!(default_step(0.0), base);
        assert_eq!(default_step(0.5), base);
        assert_eq!(default_step(-1000.0), 1000.0 * base);
    }

    #[test]
    fn slice_and_array_gradients_agree_with_the_analytic_one() {
        let x = [-1.2, 1.0, 0.3, 2.0];
        let numeric = central_difference_slice(rosenbrock, &x, None).unwrap();
        for (n, a) in numeric.iter().zip(rosenbrock_grad(&x)) {
            assert!(approx::relative_eq!(
                *n,
                a,
                epsilon = 1e-6,
                max_relative = 1e-7
            ));
        }
        let m = Array2::from_shape_vec((2, 2), x.to_vec()).unwrap();
        let numeric_m = central_difference_params(
            |m: &Array2<f64>| rosenbrock(&m.iter().copied().collect::<Vec<_>>()),
            &m,
            None,
        )
        .unwrap();
        assert_eq!(numeric_m.iter().copied().collect::<Vec<_>>(), numeric);
    }

    #[test]
    fn a_correct_gradient_passes() {
        let x = [-1.2, 1.0, 0.3, 2.0];
        gradient_slice(rosenbrock, &rosenbrock_grad(&x), &x, Tolerance::default()).unwrap();
        derivative(f64::exp, 2.0_f64.exp(), 2.0, Tolerance::default()).unwrap();
        let xa = array![0.5, -0.25];
        let f = |v: &ndarray::Array1<f64>| v[0].sin() * v[1].exp();
        let ga = array![
            0.5_f64.cos() * (-0.25_f64).exp(),
            0.5_f64.sin() * (-0.25_f64).exp()
        ];
        gradient(f, &ga, &xa, Tolerance::default()).unwrap();
        crate::assert_gradient!(f, &ga, &xa);
    }

    #[test]
    fn a_wrong_gradient_fails_and_names_the_component_and_values() {
        let x = [-1.2, 1.0, 0.3, 2.0];
        let mut wrong = rosenbrock_grad(&x);
        wrong[2] *= 1.001;
        let err = gradient_slice(rosenbrock, &wrong, &x, Tolerance::default()).unwrap_err();
        let CheckError::Mismatch {
            components,
            checked,
            ..
        } = &err
        else {
            panic!("expected a mismatch, got {err:?}");
        };
        assert_eq!(*checked, 4);
        assert_eq!(components.len(), 1);
        assert_eq!(components[0].index, 2);
        assert_eq!(components[0].analytic, wrong[2]);
        let message = err.to_string();
        assert!(message.contains("1 of 4 components"), "{message}");
        assert!(message.contains("component 2"), "{message}");
        assert!(message.contains(&format!("{:e}", wrong[2])), "{message}");
        assert!(message.contains("max_relative = 1e-6"), "{message}");

        // A sign error in a scalar derivative.
        assert!(derivative(f64::sin, -(1.0_f64.cos()), 1.0, Tolerance::default()).is_err());
    }

    #[test]
    #[should_panic(expected = "component 0")]
    fn assert_gradient_panics_on_a_wrong_gradient() {
        crate::assert_gradient!(|x: &f64| x * x, &3.0, &1.0);
    }

    #[test]
    fn bad_steps_and_shapes_are_refused() {
        for h in [0.0, -1e-3, f64::NAN, f64::INFINITY] {
            let err = central_difference(f64::sin, 1.0, Some(h)).unwrap_err();
            assert!(matches!(err, CheckError::InvalidStep(_)), "{err:?}");
        }
        let err = gradient(
            |v: &Vec<f64>| v.iter().sum(),
            &vec![1.0],
            &vec![0.0, 0.0],
            Tolerance::default(),
        )
        .unwrap_err();
        assert_eq!(
            err,
            CheckError::ShapeMismatch {
                point: vec![2],
                gradient: vec![1]
            }
        );
    }
}
