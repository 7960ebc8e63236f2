//! What the generated functions of an `f32` or float-generic function call: the function is
//! differentiated in `f64` (a hidden copy of it with the float type written as `f64`), and these
//! convert its arguments to `f64` and its derivatives back to the caller's float type.

use ndarray::{Array, ArrayBase, Data, Dimension};
use num_traits::Float;

/// A number of the caller's float type, as `f64` (exact for `f32` and `f64`).
#[inline]
pub fn widen<T: Float>(x: T) -> f64 {
    x.to_f64().unwrap_or(f64::NAN)
}

/// An `f64` derivative, rounded to the caller's float type.
#[inline]
fn narrow_one<T: Float>(x: f64) -> T {
    T::from(x).unwrap_or_else(T::nan)
}

/// An array of the caller's float type as the `f64` array the hidden copy takes.
pub trait WidenAll {
    type Wide;
    fn widen_all(&self) -> Self::Wide;
}

impl<T: Float> WidenAll for [T] {
    type Wide = Vec<f64>;
    #[inline]
    fn widen_all(&self) -> Vec<f64> {
        self.iter().map(|&v| widen(v)).collect()
    }
}

impl<T: Float> WidenAll for Vec<T> {
    type Wide = Vec<f64>;
    #[inline]
    fn widen_all(&self) -> Vec<f64> {
        self.as_slice().widen_all()
    }
}

impl<T: Float, const N: usize> WidenAll for [T; N] {
    type Wide = [f64; N];
    #[inline]
    fn widen_all(&self) -> [f64; N] {
        self.map(widen)
    }
}

impl<T: Float, S: Data<Elem = T>, D: Dimension> WidenAll for ArrayBase<S, D> {
    type Wide = Array<f64, D>;
    #[inline]
    fn widen_all(&self) -> Array<f64, D> {
        self.mapv(widen)
    }
}

/// An `f64` result of the hidden copy (a value, a gradient, a Jacobian, a tuple of them) in the
/// caller's float type `T`.
pub trait Narrow<T> {
    type Out;
    fn narrow(self) -> Self::Out;
}

impl<T: Float> Narrow<T> for f64 {
    type Out = T;
    #[inline]
    fn narrow(self) -> T {
        narrow_one(self)
    }
}

impl<T> Narrow<T> for () {
    type Out = ();
    #[inline]
    fn narrow(self) {}
}

impl<T: Float> Narrow<T> for Vec<f64> {
    type Out = Vec<T>;
    #[inline]
    fn narrow(self) -> Vec<T> {
        self.into_iter().map(narrow_one).collect()
    }
}

impl<T: Float, const N: usize> Narrow<T> for [f64; N] {
    type Out = [T; N];
    #[inline]
    fn narrow(self) -> [T; N] {
        self.map(narrow_one)
    }
}

impl<T: Float, D: Dimension> Narrow<T> for Array<f64, D> {
    type Out = Array<T, D>;
    #[inline]
    fn narrow(self) -> Array<T, D> {
        self.mapv(narrow_one)
    }
}

macro_rules! narrow_tuple {
    ($($name:ident $index:tt),+) => {
        impl<T, $($name: Narrow<T>),+> Narrow<T> for ($($name,)+) {
            type Out = ($($name::Out,)+);
            #[inline]
            fn narrow(self) -> Self::Out {
                ($(self.$index.narrow(),)+)
            }
        }
    };
}

narrow_tuple!(A 0);
narrow_tuple!(A 0, B 1);
narrow_tuple!(A 0, B 1, C 2);
narrow_tuple!(A 0, B 1, C 2, D 3);
narrow_tuple!(A 0, B 1, C 2, D 3, E 4);
narrow_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);
narrow_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
narrow_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
narrow_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
narrow_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
narrow_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
narrow_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);

/// See [`Narrow`].
#[inline]
pub fn narrow<T, X: Narrow<T>>(x: X) -> X::Out {
    x.narrow()
}
