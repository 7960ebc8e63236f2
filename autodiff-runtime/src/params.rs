//! What optimizers update and gradient checks perturb: values made of a fixed set of `f64`s.

/// Parameters an optimizer can update: a fixed set of `f64` elements with element-wise access.
///
/// Every element-wise operation walks [`Params::elems`] of several values of the same shape in
/// step, so the iteration order must depend on the shape only (for arrays: the logical, row-major
/// order, whatever the memory layout).
pub trait Params: Clone {
    /// A value of the same shape with every element `0.0`.
    fn zeros_like(&self) -> Self;

    /// Whether `other` has the same shape, so the two can be walked element by element.
    fn same_shape(&self, other: &Self) -> bool;

    /// The shape, for error messages: `[]` for a scalar, `[len]` for vectors, `[rows, cols]` for
    /// matrices.
    fn dims(&self) -> Vec<usize>;

    /// The elements in a fixed order that depends on the shape only.
    fn elems(&self) -> impl Iterator<Item = &f64>;

    /// The elements, mutably, in the order of [`Params::elems`].
    fn elems_mut(&mut self) -> impl Iterator<Item = &mut f64>;
}

impl Params for f64 {
    fn zeros_like(&self) -> Self {
        0.0
    }

    fn same_shape(&self, _other: &Self) -> bool {
        true
    }

    fn dims(&self) -> Vec<usize> {
        Vec::new()
    }

    fn elems(&self) -> impl Iterator<Item = &f64> {
        std::iter::once(self)
    }

    fn elems_mut(&mut self) -> impl Iterator<Item = &mut f64> {
        std::iter::once(self)
    }
}

impl Params for Vec<f64> {
    fn zeros_like(&self) -> Self {
        vec![0.0; self.len()]
    }

    fn same_shape(&self, other: &Self) -> bool {
        self.len() == other.len()
    }

    fn dims(&self) -> Vec<usize> {
        vec![self.len()]
    }

    fn elems(&self) -> impl Iterator<Item = &f64> {
        self.iter()
    }

    fn elems_mut(&mut self) -> impl Iterator<Item = &mut f64> {
        self.iter_mut()
    }
}

impl<const N: usize> Params for [f64; N] {
    fn zeros_like(&self) -> Self {
        [0.0; N]
    }

    fn same_shape(&self, _other: &Self) -> bool {
        true
    }

    fn dims(&self) -> Vec<usize> {
        vec![N]
    }

    fn elems(&self) -> impl Iterator<Item = &f64> {
        self.iter()
    }

    fn elems_mut(&mut self) -> impl Iterator<Item = &mut f64> {
        self.iter_mut()
    }
}

/// ndarray arrays of any dimension (`Array1<f64>`, `Array2<f64>`, ...).
impl<D: ndarray::Dimension> Params for ndarray::Array<f64, D> {
    fn zeros_like(&self) -> Self {
        ndarray::Array::zeros(self.raw_dim())
    }

    fn same_shape(&self, other: &Self) -> bool {
        self.shape() == other.shape()
    }

    fn dims(&self) -> Vec<usize> {
        self.shape().to_vec()
    }

    fn elems(&self) -> impl Iterator<Item = &f64> {
        self.iter()
    }

    fn elems_mut(&mut self) -> impl Iterator<Item = &mut f64> {
        self.iter_mut()
    }
}

/// Tuples of parameters (`(Vec<f64>, f64)`, `(Array2<f64>, Array1<f64>, Array2<f64>, Array1<f64>)`,
/// ...): one optimizer state for a whole model, the way `grad_*` returns the gradient of several
/// parameters. The elements are those of each part in turn; the dims are the parts' dims one
/// after the other (a scalar part adds none).
macro_rules! tuple_params {
    ($($t:ident . $i:tt),+) => {
        impl<$($t: Params),+> Params for ($($t,)+) {
            fn zeros_like(&self) -> Self {
                ($(self.$i.zeros_like(),)+)
            }

            fn same_shape(&self, other: &Self) -> bool {
                $(self.$i.same_shape(&other.$i))&&+
            }

            fn dims(&self) -> Vec<usize> {
                let mut d = Vec::new();
                $(d.extend(self.$i.dims());)+
                d
            }

            fn elems(&self) -> impl Iterator<Item = &f64> {
                std::iter::empty()$(.chain(self.$i.elems()))+
            }

            #[allow(non_snake_case)]
            fn elems_mut(&mut self) -> impl Iterator<Item = &mut f64> {
                // One mutable borrow per part (the parts are named by their type parameters).
                let ($($t,)+) = self;
                std::iter::empty()$(.chain($t.elems_mut()))+
            }
        }
    };
}

tuple_params!(A.0, B.1);
tuple_params!(A.0, B.1, C.2);
tuple_params!(A.0, B.1, C.2, D.3);
tuple_params!(A.0, B.1, C.2, D.3, E.4);
tuple_params!(A.0, B.1, C.2, D.3, E.4, F.5);
