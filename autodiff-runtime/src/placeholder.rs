//! The value of a guarded array computation on the path where an earlier `return`, `break` or
//! `continue` already jumped away: never read, but it must have the computation's type. Owned
//! arrays have `Default`; views (`x.row(i)`, `x.slice(..)`) do not, so generated code asks for
//! this trait instead, and a view gets an empty one (no data, nothing allocated).

use ndarray::{Array, ArrayView, Dimension};

/// A value of `Self` that is never read.
pub trait Placeholder {
    fn placeholder() -> Self;
}

/// `Placeholder::placeholder()` with the type left to inference (the other branch's).
#[inline(always)]
pub fn placeholder<T: Placeholder>() -> T {
    T::placeholder()
}

impl Placeholder for Vec<f64> {
    #[inline(always)]
    fn placeholder() -> Self {
        Vec::new()
    }
}

impl<const N: usize> Placeholder for [f64; N] {
    #[inline(always)]
    fn placeholder() -> Self {
        [0.0; N]
    }
}

impl<D: Dimension> Placeholder for Array<f64, D> {
    #[inline(always)]
    fn placeholder() -> Self {
        Array::from_shape_vec(empty_shape::<D>(), Vec::new()).unwrap_or_else(|_| unreachable!())
    }
}

impl<D: Dimension> Placeholder for ArrayView<'_, f64, D> {
    #[inline(always)]
    fn placeholder() -> Self {
        ArrayView::from_shape(empty_shape::<D>(), &[]).unwrap_or_else(|_| unreachable!())
    }
}

/// A shape with no elements: every axis of length 0 (a dynamic-dimensional array gets one axis).
fn empty_shape<D: Dimension>() -> D {
    D::zeros(D::NDIM.unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

    #[test]
    fn placeholders_are_empty_and_of_the_asked_type() {
        let a: Array1<f64> = placeholder();
        let b: Array2<f64> = placeholder();
        let c: ArrayView1<f64> = placeholder();
        let d: ArrayView2<f64> = placeholder();
        let v: Vec<f64> = placeholder();
        let f: [f64; 3] = placeholder();
        assert_eq!(
            (a.len(), b.dim(), c.len(), d.dim(), v.len()),
            (0, (0, 0), 0, (0, 0), 0)
        );
        assert_eq!(f, [0.0; 3]);
    }
}
