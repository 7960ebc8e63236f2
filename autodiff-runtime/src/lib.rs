//! Reverse-mode automatic differentiation for Rust by source transformation.
//!
//! Put `#[differentiable]` on an ordinary `f64` function and get, at compile time, native
//! `grad_*` and `value_and_grad_*` functions beside it:
//!
//! ```
//! use autodiff_runtime::differentiable;
//!
//! #[differentiable]
//! fn f(x: f64, y: f64) -> f64 {
//!     let mut s = 0.0;
//!     for k in 1..=3 {
//!         s += (x * k as f64).sin() * y;
//!     }
//!     s
//! }
//!
//! let (dx, dy) = grad_f(0.5, 2.0);
//! let expected_dx: f64 = (1..=3).map(|k| k as f64 * (0.5 * k as f64).cos() * 2.0).sum();
//! assert!((dx - expected_dx).abs() < 1e-12);
//! let (value, _) = value_and_grad_f(0.5, 2.0);
//! assert_eq!(value, f(0.5, 2.0));
//! # let _ = dy;
//! ```
//!
//! Iterator chains, closures, tuples and `match` are written as usual; each becomes the loop and
//! scalars a hand-written derivative would use:
//!
//! ```
//! use autodiff_runtime::differentiable;
//!
//! #[differentiable]
//! fn step(x: f64, v: f64, dt: f64) -> (f64, f64) {
//!     (x + dt * v, v - dt * x.sin())
//! }
//!
//! #[differentiable]
//! fn loss(xs: &[f64], ys: &[f64], x0: f64, mode: usize) -> f64 {
//!     let sq = |t: f64| t * t;
//!     let fit: f64 = xs.iter().zip(ys).map(|(x, y)| sq(x - y)).sum();
//!     let (mut x, mut v) = (x0, 0.0);
//!     for _ in 0..10 {
//!         (x, v) = step(x, v, 0.1);
//!     }
//!     match mode {
//!         0 => fit,
//!         _ => fit + x * x + v * v,
//!     }
//! }
//!
//! let (dxs, dys, dx0) = grad_loss(&[1.0, 2.0], &[0.5, 2.5], 0.3, 1);
//! assert_eq!(dxs, vec![1.0, -1.0]);
//! assert_eq!(dys, vec![-1.0, 1.0]);
//! let h = 1e-6;
//! let fd = (loss(&[1.0, 2.0], &[0.5, 2.5], 0.3 + h, 1) - loss(&[1.0, 2.0], &[0.5, 2.5], 0.3 - h, 1)) / (2.0 * h);
//! assert!((dx0 - fd).abs() < 1e-6);
//! ```
//!
//! Parameters kept in a struct are differentiated as one: `#[derive(Differentiable)]` on the
//! struct, `wrt` naming the parameter, and the gradient is the struct (see [`Differentiable`]):
//!
//! ```
//! use autodiff_runtime::ndarray::{Array1, array};
//! use autodiff_runtime::optim::{self, Adam};
//! use autodiff_runtime::{Differentiable, differentiable};
//!
//! #[derive(Clone, Debug, Differentiable)]
//! struct Line {
//!     w: Array1<f64>,
//!     b: f64,
//!     #[constant]
//!     name: &'static str,
//! }
//!
//! #[differentiable(wrt(line))]
//! fn sq_error(line: &Line, x: &Array1<f64>, y: f64) -> f64 {
//!     let e = line.w.dot(x) + line.b - y;
//!     e * e
//! }
//!
//! fn main() {
//!     let line = Line { w: array![1.0, -1.0], b: 0.5, name: "fit" };
//!     let x = array![2.0, 1.0];
//!     let g: Line = grad_sq_error(&line, &x, 1.0); // e = 0.5: ∂/∂w = 2e·x, ∂/∂b = 2e
//!     assert_eq!((g.w, g.b, g.name), (array![2.0, 1.0], 1.0, "fit"));
//!
//!     let mut adam = Adam::new(0.1);
//!     let fit = optim::minimize(&mut adam, line, 200, |l: &Line| value_and_grad_sq_error(l, &x, 1.0)).unwrap();
//!     assert!(sq_error(&fit.params, &x, 1.0) < 1e-6);
//! }
//! ```
//!
//! A function generic over its float type (num-traits' `Float`, re-exported as [`num_traits`]),
//! or written in `f32`, gets derivatives of its own type:
//!
//! ```
//! use autodiff_runtime::differentiable;
//! use autodiff_runtime::num_traits::Float;
//!
//! #[differentiable]
//! fn rosenbrock<T: Float>(x: T, y: T) -> T {
//!     (T::one() - x).powi(2) + T::from(100.0).unwrap() * (y - x * x).powi(2)
//! }
//!
//! let (dx, dy): (f32, f32) = grad_rosenbrock(1.5f32, 2.0);
//! assert_eq!((dx, dy), (151.0, -50.0));
//! let (dx, dy): (f64, f64) = grad_rosenbrock(1.5, 2.0);
//! assert_eq!((dx, dy), (151.0, -50.0));
//! ```
//!
//! Beside the attribute (see [`differentiable`]) the runtime has:
//!
//! - [`optim`]: Adam (optax's defaults) and SGD, with `minimize`/`maximize` loops that take any
//!   `value_and_grad_*`;
//! - [`check`]: central finite differences and gradient checks;
//! - `batch` (feature `batch`): evaluate a function or its gradient over many points on all cores (`vmap`);
//! - [`ndarray`]: the ndarray it was built with, so users need no second dependency;
//! - `nalgebra` (feature `nalgebra`): nalgebra vectors and matrices as differentiated parameters;
//! - `argmin` (feature `argmin`): a function and its generated gradient as an argmin problem.
//!
//! `optim` and `check` are default features. The feature `pretty-expansion` formats what
//! `AUTODIFF_EXPAND=f cargo build` prints (it adds prettyplease to the build).
//!
//! See the repository README for the supported syntax, how it works and the benchmarks.

extern crate self as autodiff_runtime;

#[doc(hidden)]
pub use autodiff_macros::__differentiable_with_fields;
pub use autodiff_macros::{Differentiable, custom_derivative, differentiable};

/// The value of `x`, through which no derivative flows: inside a `#[differentiable]` body, the
/// gradient treats it as a constant (as JAX's `stop_gradient`). Outside one it is the identity.
///
/// ```
/// use autodiff_runtime::{differentiable, stop_gradient};
///
/// #[differentiable]
/// fn f(x: f64) -> f64 {
///     x * stop_gradient(x)
/// }
///
/// assert_eq!(grad_f(3.0), 3.0); // d/dx (x · c) at c = x
/// ```
#[inline]
pub fn stop_gradient<T>(x: T) -> T {
    x
}
/// The nalgebra this crate was built with (feature `nalgebra`).
#[cfg(feature = "nalgebra")]
pub use nalgebra;
pub use ndarray;
/// The num-traits this crate was built with: `Float` is the bound of a float-generic
/// `#[differentiable]` function (`fn f<T: Float>(x: T) -> T`).
pub use num_traits;
#[cfg(feature = "nalgebra")]
mod na;

#[cfg(feature = "argmin")]
pub mod argmin;
#[cfg(feature = "batch")]
pub mod batch;
#[cfg(feature = "check")]
pub mod check;
#[cfg(feature = "optim")]
pub mod optim;

mod params;
pub use params::Params;

mod structs;
pub use structs::Differentiable;

mod seq;
// What generated code iterates with; not part of the user-facing API.
#[doc(hidden)]
pub use seq::{Counter, Seq, SeqIter};

#[doc(hidden)]
pub mod __rt {
    pub use crate::array::*;
    pub use crate::placeholder::*;
    pub use crate::rt::*;
    pub use crate::structs::{Fields, FixedLen, NotDerived, Probe};
    pub use crate::tangent::*;
    pub use crate::widen::*;
}
mod array;
mod placeholder;
mod rt;
mod tangent;
mod widen;
