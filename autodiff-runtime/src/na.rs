//! nalgebra vectors and matrices as parameters (feature `nalgebra`): `DVector<f64>`,
//! `SVector<f64, N>` (`Vector2<f64>`, ...), `DMatrix<f64>` and `SMatrix<f64, R, C>`
//! (`Matrix3<f64>`, ...) have adjoints of their own type, accumulate contributions, give
//! `jvp_*` tangents and are updated by the optimizers, like `Vec<f64>` and `[f64; N]`.

use crate::array::{Acc, FirstAdj, ZeroAdj};
use crate::params::Params;
use crate::tangent::{FlattenInto, TangentDot};
use nalgebra::{DMatrix, DVector, SMatrix};

impl ZeroAdj for DVector<f64> {
    type Adj = DVector<f64>;
    /// `DVector::zeros(len)`.
    #[inline]
    fn zero_adj(&self) -> DVector<f64> {
        DVector::zeros(self.len())
    }
}

impl ZeroAdj for DMatrix<f64> {
    type Adj = DMatrix<f64>;
    /// `DMatrix::zeros(nrows, ncols)`.
    #[inline]
    fn zero_adj(&self) -> DMatrix<f64> {
        DMatrix::zeros(self.nrows(), self.ncols())
    }
}

/// Also `SVector<f64, N>`, which is `SMatrix<f64, N, 1>`.
impl<const R: usize, const C: usize> ZeroAdj for SMatrix<f64, R, C> {
    type Adj = SMatrix<f64, R, C>;
    /// `SMatrix::zeros()`.
    #[inline]
    fn zero_adj(&self) -> SMatrix<f64, R, C> {
        SMatrix::zeros()
    }
}

/// `self += g` for every element, or elementwise for a vector of the same length (the
/// contributions a reverse sweep makes to a vector parameter: a number to every element, a
/// callee's adjoint of the same type).
macro_rules! vector_adjoint {
    ([$($gen:tt)*] $v:ty) => {
        impl<$($gen)*> Acc<f64> for $v {
            #[inline]
            fn acc(&mut self, g: &f64) {
                self.iter_mut().for_each(|a| *a += *g);
            }
        }

        impl<$($gen)*> Acc<$v> for $v {
            /// **Panics** when the shapes differ.
            #[inline]
            fn acc(&mut self, g: &$v) {
                assert_eq!(self.shape(), g.shape(), "adjoint and contribution shapes differ");
                self.iter_mut().zip(g.iter()).for_each(|(a, b)| *a += *b);
            }
        }

        impl<$($gen)* C> FirstAdj<C> for $v
        where
            $v: Acc<C>,
        {
            type Adj = $v;
            /// `zero_adj(self)` then `acc(.., &c)`.
            #[inline]
            fn first_adj(&self, c: C) -> $v {
                let mut adj = self.zero_adj();
                adj.acc(&c);
                adj
            }
        }

        impl<$($gen)*> TangentDot<&$v> for $v {
            #[inline]
            fn tangent_dot(&self, t: &$v) -> f64 {
                self.dot(t)
            }
        }

        impl<$($gen)*> FlattenInto for $v {
            #[inline]
            fn flatten_into(&self, out: &mut Vec<f64>) {
                out.extend(self.iter());
            }
        }

        impl<$($gen)*> Params for $v {
            fn zeros_like(&self) -> Self {
                self.zero_adj()
            }

            fn same_shape(&self, other: &Self) -> bool {
                self.shape() == other.shape()
            }

            /// `[len]` for a vector, `[rows, cols]` for a matrix.
            fn dims(&self) -> Vec<usize> {
                match self.shape() {
                    (n, 1) => vec![n],
                    (r, c) => vec![r, c],
                }
            }

            fn elems(&self) -> impl Iterator<Item = &f64> {
                self.iter()
            }

            fn elems_mut(&mut self) -> impl Iterator<Item = &mut f64> {
                self.iter_mut()
            }
        }
    };
}

vector_adjoint!([] DVector<f64>);
vector_adjoint!([] DMatrix<f64>);
vector_adjoint!([const R: usize, const K: usize,] SMatrix<f64, R, K>);

/// Empty: what a guarded computation of a vector stands for where it never ran.
impl crate::placeholder::Placeholder for DVector<f64> {
    #[inline(always)]
    fn placeholder() -> Self {
        DVector::zeros(0)
    }
}

impl crate::placeholder::Placeholder for DMatrix<f64> {
    #[inline(always)]
    fn placeholder() -> Self {
        DMatrix::zeros(0, 0)
    }
}

impl<const R: usize, const C: usize> crate::placeholder::Placeholder for SMatrix<f64, R, C> {
    #[inline(always)]
    fn placeholder() -> Self {
        SMatrix::zeros()
    }
}
