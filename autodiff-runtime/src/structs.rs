//! Structs of parameters: what `#[derive(Differentiable)]` implements.

use crate::params::Params;

/// A struct of parameters, made by `#[derive(Differentiable)]` (see the derive's documentation):
/// its fields of type `f64`, `Vec<f64>`, `[f64; N]`, `Array1<f64>` and `Array2<f64>` are
/// differentiated, its `#[constant]` fields are not.
///
/// A `#[differentiable(wrt(m, ..))]` function taking `m: &Mlp` or `m: Mlp` returns the gradient
/// with respect to `m` as an `Mlp` (each differentiated field holds the derivative with respect
/// to that field; each constant field a clone of the parameter's), and the optimizers update it
/// with one state ([`Params`]).
///
/// ```
/// use autodiff_runtime::{Differentiable, Params};
///
/// #[derive(Clone, Debug, PartialEq, Differentiable)]
/// struct Line {
///     slope: f64,
///     intercept: f64,
///     #[constant]
///     name: &'static str,
/// }
///
/// let mut total = Line { slope: 0.0, intercept: 0.0, name: "fit" };
/// for g in [Line { slope: 1.0, intercept: 2.0, name: "fit" }, Line { slope: 0.5, intercept: -1.0, name: "fit" }] {
///     total.accumulate(&g);
/// }
/// assert_eq!(total, Line { slope: 1.5, intercept: 1.0, name: "fit" });
/// assert_eq!(total.zeros_like(), Line { slope: 0.0, intercept: 0.0, name: "fit" });
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not derive Differentiable, so it cannot be a differentiated parameter",
    label = "differentiated as a parameter struct",
    note = "add `#[derive(Clone, Differentiable)]` to the definition of `{Self}`; or, for a parameter, leave it out of `wrt` to read its fields as constants, and for a field of a parameter struct, mark it `#[constant]`"
)]
pub trait Differentiable: Params {
    /// Adds `other`'s differentiated fields into `self`'s, element by element (summing the
    /// gradients of a mini-batch, say); constant fields are left as they are.
    ///
    /// # Panics
    ///
    /// When a field of `other` has another shape than `self`'s (as ndarray's `+=` does).
    fn accumulate(&mut self, other: &Self) {
        assert!(
            self.same_shape(other),
            "accumulate: shapes differ ({:?} and {:?})",
            self.dims(),
            other.dims()
        );
        for (a, b) in self.elems_mut().zip(other.elems()) {
            *a += *b;
        }
    }
}

/// What the generated functions of a `#[differentiable]` function with a struct parameter call:
/// references to the differentiated fields, in declaration order, and the struct made of their
/// gradients (the constant fields cloned from a parameter).
#[doc(hidden)]
pub trait Fields {
    type Refs<'a>
    where
        Self: 'a;
    type Grads;
    fn refs(&self) -> Self::Refs<'_>;
    fn assemble(&self, grads: Self::Grads) -> Self;
}

/// The length of the `[f64; N]` field at position `I`, so that generated signatures can name
/// it wherever the struct can be named.
#[doc(hidden)]
pub trait FixedLen<const I: usize> {
    const LEN: usize;
}

/// Whether a type derives `Differentiable`, as a constant: `Probe::<T>::DERIVED` is the
/// inherent constant when `T: Differentiable` and [`NotDerived`]'s otherwise (an inherent item
/// whose bounds do not hold is not a candidate).
#[doc(hidden)]
pub struct Probe<T: ?Sized>(core::marker::PhantomData<T>);

#[doc(hidden)]
pub trait NotDerived {
    const DERIVED: bool = false;
}

impl<T: ?Sized> NotDerived for Probe<T> {}

impl<T: Differentiable> Probe<T> {
    #[doc(hidden)]
    pub const DERIVED: bool = true;
}
