//! What `jvp_*` calls: zero tangents for arguments that have none, and the dot product of an
//! adjoint with a tangent (a `jvp` from a gradient).

use ndarray::{Array1, Array2};

/// The tangent of an argument that carries none: `0.0` for a number, `()` for a parameter that
/// is not differentiated.
pub trait NoTangent {
    fn no_tangent() -> Self;
}

impl NoTangent for f64 {
    #[inline]
    fn no_tangent() -> f64 {
        0.0
    }
}

impl NoTangent for () {
    #[inline]
    fn no_tangent() {}
}

/// See [`NoTangent`].
#[inline]
pub fn no_tangent<T: NoTangent>() -> T {
    T::no_tangent()
}

/// `⟨adjoint, tangent⟩`: the adjoint of a parameter (as a pullback returns it) against its
/// tangent (as `jvp_*` takes it).
pub trait TangentDot<T> {
    fn tangent_dot(&self, t: T) -> f64;
}

impl TangentDot<f64> for f64 {
    #[inline]
    fn tangent_dot(&self, t: f64) -> f64 {
        self * t
    }
}

impl TangentDot<&[f64]> for Vec<f64> {
    #[inline]
    fn tangent_dot(&self, t: &[f64]) -> f64 {
        self.iter().zip(t).map(|(a, b)| a * b).sum()
    }
}

impl<const N: usize> TangentDot<&[f64; N]> for [f64; N] {
    #[inline]
    fn tangent_dot(&self, t: &[f64; N]) -> f64 {
        self.iter().zip(t).map(|(a, b)| a * b).sum()
    }
}

impl TangentDot<&Array1<f64>> for Array1<f64> {
    #[inline]
    fn tangent_dot(&self, t: &Array1<f64>) -> f64 {
        self.dot(t)
    }
}

impl TangentDot<&Array2<f64>> for Array2<f64> {
    #[inline]
    fn tangent_dot(&self, t: &Array2<f64>) -> f64 {
        self.iter().zip(t.iter()).map(|(a, b)| a * b).sum()
    }
}

/// See [`TangentDot`].
#[inline]
pub fn tangent_dot<A: TangentDot<T>, T>(a: &A, t: T) -> f64 {
    a.tangent_dot(t)
}

/// An adjoint's elements appended to a row of a Jacobian, in the logical order (row-major for
/// matrices): what `jacobian_*` builds its rows from.
pub trait FlattenInto {
    fn flatten_into(&self, out: &mut Vec<f64>);
}

impl FlattenInto for f64 {
    #[inline]
    fn flatten_into(&self, out: &mut Vec<f64>) {
        out.push(*self);
    }
}

impl FlattenInto for Vec<f64> {
    #[inline]
    fn flatten_into(&self, out: &mut Vec<f64>) {
        out.extend_from_slice(self);
    }
}

impl<const N: usize> FlattenInto for [f64; N] {
    #[inline]
    fn flatten_into(&self, out: &mut Vec<f64>) {
        out.extend_from_slice(self);
    }
}

impl FlattenInto for Array1<f64> {
    #[inline]
    fn flatten_into(&self, out: &mut Vec<f64>) {
        out.extend(self.iter());
    }
}

impl FlattenInto for Array2<f64> {
    #[inline]
    fn flatten_into(&self, out: &mut Vec<f64>) {
        out.extend(self.iter());
    }
}

/// See [`FlattenInto`].
#[inline]
pub fn flatten_into<A: FlattenInto>(a: &A, out: &mut Vec<f64>) {
    a.flatten_into(out);
}
