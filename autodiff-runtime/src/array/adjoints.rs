//! Adjoints: zeros of the primal's shape, adjoints made from a first contribution, and
//! accumulation that sums broadcast contributions back to the adjoint's shape.

use super::*;

// ---------------------------------------------------------------------------------------------
// Zero adjoints
// ---------------------------------------------------------------------------------------------

/// A zero adjoint of the same shape as a primal value.
pub trait ZeroAdj {
    /// The adjoint's type: owned, and of the primal's shape.
    type Adj;
    /// Zero of `self`'s shape.
    fn zero_adj(&self) -> Self::Adj;
}

/// `0` of `x`'s shape: `0.0` for `f64`, `vec![0.0; len]` for slices and `Vec`s, `[0.0; N]` for
/// fixed arrays, `Array::zeros(x.raw_dim())` for any ndarray array or view; through any number of
/// references.
#[inline]
pub fn zero_adj<T: ZeroAdj + ?Sized>(x: &T) -> T::Adj {
    x.zero_adj()
}

impl ZeroAdj for f64 {
    type Adj = f64;
    /// `0.0`.
    #[inline]
    fn zero_adj(&self) -> f64 {
        0.0
    }
}

impl ZeroAdj for [f64] {
    type Adj = Vec<f64>;
    /// `vec![0.0; len]`.
    #[inline]
    fn zero_adj(&self) -> Vec<f64> {
        vec![0.0; self.len()]
    }
}

impl ZeroAdj for Vec<f64> {
    type Adj = Vec<f64>;
    /// `vec![0.0; len]`.
    #[inline]
    fn zero_adj(&self) -> Vec<f64> {
        vec![0.0; self.len()]
    }
}

impl<const N: usize> ZeroAdj for [f64; N] {
    type Adj = [f64; N];
    /// `[0.0; N]`.
    #[inline]
    fn zero_adj(&self) -> [f64; N] {
        [0.0; N]
    }
}

impl<S: Data<Elem = f64>, D: Dimension> ZeroAdj for ArrayBase<S, D> {
    type Adj = Array<f64, D>;
    /// `Array::zeros(self.raw_dim())`.
    #[inline]
    fn zero_adj(&self) -> Array<f64, D> {
        Array::zeros(self.raw_dim())
    }
}

impl<T: ZeroAdj + ?Sized> ZeroAdj for &T {
    type Adj = T::Adj;
    /// The referent's zero adjoint.
    #[inline]
    fn zero_adj(&self) -> T::Adj {
        (**self).zero_adj()
    }
}

// ---------------------------------------------------------------------------------------------
// Adjoints created by their first contribution
// ---------------------------------------------------------------------------------------------

/// The adjoint of a primal created from its first contribution: the same value as
/// `zero_adj(x)` followed by `acc(&mut adj, &c)`, without the zero array and the extra pass
/// where it can.
///
/// The generator declares an array's adjoint this way when the reverse sweep's first use of it
/// is a contribution `ā += c` (and with [`zero_adj`] otherwise). Implemented for every primal
/// that has a [`ZeroAdj`] and the contributions the rules produce:
///
/// - ndarray arrays: an owned `Array<f64, E>` of the primal's shape becomes the adjoint as it is
///   (moved, no copy); a borrowed array of that shape is copied once; an `f64` fills an array;
///   any other shape is summed back as [`acc`] does;
/// - slices, `Vec`s, fixed arrays, and `f64`: zero, then [`acc`].
pub trait FirstAdj<C> {
    /// The adjoint's type, [`ZeroAdj::Adj`].
    type Adj;
    /// The adjoint `0 + c`, summed back to `self`'s shape.
    fn first_adj(&self, c: C) -> Self::Adj;
}

/// The adjoint of `x` whose first contribution is `c`: `zero_adj(x)` then `acc(.., &c)`, with
/// `c` moved into place when it already has `x`'s shape (see [`FirstAdj`]).
///
/// **Panics** as [`acc`] when the shapes are not broadcast-compatible.
#[inline]
pub fn first_adj<X: FirstAdj<C> + ?Sized, C>(x: &X, c: C) -> X::Adj {
    x.first_adj(c)
}

impl<S: Data<Elem = f64>, D: Dimension, E: Dimension> FirstAdj<Array<f64, E>> for ArrayBase<S, D> {
    type Adj = Array<f64, D>;
    /// `c` itself when it has `self`'s shape; otherwise summed back into zeros.
    #[inline]
    fn first_adj(&self, c: Array<f64, E>) -> Array<f64, D> {
        if c.shape() == self.shape() {
            // Same shape, hence same number of axes: the conversion is only a change of type.
            match c.into_dimensionality::<D>() {
                Ok(adj) => adj,
                Err(e) => panic!("same shape but not convertible: {e}"),
            }
        } else if let Some(b) = c.broadcast(self.raw_dim()) {
            // A smaller contribution that broadcasts (`mean_axis`): one pass, no zeros.
            b.to_owned()
        } else {
            let mut adj = self.zero_adj();
            adj.acc(&c);
            adj
        }
    }
}

impl<'c, S, D, S2, E> FirstAdj<&'c ArrayBase<S2, E>> for ArrayBase<S, D>
where
    S: Data<Elem = f64>,
    D: Dimension,
    S2: Data<Elem = f64>,
    E: Dimension,
{
    type Adj = Array<f64, D>;
    /// A copy of `c` when it has `self`'s shape; otherwise summed back into zeros.
    #[inline]
    fn first_adj(&self, c: &'c ArrayBase<S2, E>) -> Array<f64, D> {
        if c.shape() == self.shape()
            && let Ok(view) = c.view().into_dimensionality::<D>()
        {
            return view.to_owned();
        }
        if let Some(b) = c.broadcast(self.raw_dim()) {
            // A smaller contribution that broadcasts (`sum_axis`): one pass, no zeros.
            return b.to_owned();
        }
        let mut adj = self.zero_adj();
        adj.acc(c);
        adj
    }
}

impl<'c, S, D, E> FirstAdj<ArrayView<'c, f64, E>> for ArrayBase<S, D>
where
    S: Data<Elem = f64>,
    D: Dimension,
    E: Dimension,
{
    type Adj = Array<f64, D>;
    /// As for a borrowed array: a view contribution (`t()`, `sum_axis`, `insert_axis`) is
    /// copied once into the new adjoint.
    #[inline]
    fn first_adj(&self, c: ArrayView<'c, f64, E>) -> Array<f64, D> {
        self.first_adj(&c)
    }
}

impl<S: Data<Elem = f64>, D: Dimension> FirstAdj<f64> for ArrayBase<S, D> {
    type Adj = Array<f64, D>;
    /// Every element `c`.
    #[inline]
    fn first_adj(&self, c: f64) -> Array<f64, D> {
        Array::from_elem(self.raw_dim(), c)
    }
}

impl<S: Data<Elem = f64>, D: Dimension> FirstAdj<&f64> for ArrayBase<S, D> {
    type Adj = Array<f64, D>;
    /// Every element `c`.
    #[inline]
    fn first_adj(&self, c: &f64) -> Array<f64, D> {
        Array::from_elem(self.raw_dim(), *c)
    }
}

/// Slice-like primals and `f64`: zero, then [`acc`].
macro_rules! first_adj_by_acc {
    ([$($gen:tt)*] $primal:ty) => {
        impl<$($gen)* C> FirstAdj<C> for $primal
        where
            <$primal as ZeroAdj>::Adj: Acc<C>,
        {
            type Adj = <$primal as ZeroAdj>::Adj;
            /// `zero_adj(self)` then `acc(.., &c)`.
            #[inline]
            fn first_adj(&self, c: C) -> Self::Adj {
                let mut adj = self.zero_adj();
                adj.acc(&c);
                adj
            }
        }
    };
}

first_adj_by_acc!([] f64);
first_adj_by_acc!([][f64]);
first_adj_by_acc!([] Vec<f64>);
first_adj_by_acc!([const N: usize,] [f64; N]);

impl<T: FirstAdj<C> + ?Sized, C> FirstAdj<C> for &T {
    type Adj = T::Adj;
    /// The referent's.
    #[inline]
    fn first_adj(&self, c: C) -> T::Adj {
        (**self).first_adj(c)
    }
}

// ---------------------------------------------------------------------------------------------
// Accumulation with sum-back of broadcasts
// ---------------------------------------------------------------------------------------------

/// `self += g`, with `g` summed back to `self`'s shape.
///
/// If a primal `x` was broadcast to a larger shape, the adjoint of the broadcast is the sum of the
/// output's adjoint over the broadcast axes: the leading axes `x` lacks, and the axes where `x`
/// has length 1. Implemented for adjoints `f64`, `[f64]`, `Vec<f64>`, `[f64; N]` and any mutable
/// ndarray array; contributions `f64`, `[f64]`, `Vec<f64>`, `[f64; M]`, any ndarray array or
/// view, and references to any of these.
pub trait Acc<G: ?Sized> {
    /// `self += g` summed back to `self`'s shape.
    fn acc(&mut self, g: &G);
}

/// `adj += g`, with `g` summed back to `adj`'s shape (the adjoint of a broadcast).
///
/// - `f64 += f64`; `f64 += Σ g` for an array, `Vec` or slice `g`.
/// - array/`Vec`/slice/`[f64; N]` `+= f64`: to every element.
/// - array `+=` array of the same shape: elementwise. Of a larger shape: first summed over the
///   leading axes `adj` lacks and over the axes where `adj` has length 1 (keep-dims), any
///   dimension. Of a smaller shape that broadcasts to `adj`'s: broadcast, as ndarray's `+=`.
/// - `Vec`/slice/`[f64; N]` adjoints and contributions behave as 1-D arrays.
///
/// **Panics** (ndarray's broadcast panic) if the shapes are not broadcast-compatible, e.g. a
/// `Vec` adjoint and a slice of a different length.
#[inline]
pub fn acc<A: Acc<G> + ?Sized, G: ?Sized>(adj: &mut A, g: &G) {
    adj.acc(g);
}

impl<A: Acc<G> + ?Sized, G: ?Sized> Acc<&G> for A {
    /// `self += *g`.
    #[inline]
    fn acc(&mut self, g: &&G) {
        self.acc(*g);
    }
}

impl Acc<f64> for f64 {
    /// `self += g`.
    #[inline]
    fn acc(&mut self, g: &f64) {
        *self += *g;
    }
}

impl<S: Data<Elem = f64>, E: Dimension> Acc<ArrayBase<S, E>> for f64 {
    /// `self += Σ g` (the adjoint of broadcasting a scalar to `g`'s shape).
    #[inline]
    fn acc(&mut self, g: &ArrayBase<S, E>) {
        *self += g.sum();
    }
}

impl Acc<[f64]> for f64 {
    /// `self += Σ g`.
    #[inline]
    fn acc(&mut self, g: &[f64]) {
        *self += g.iter().sum::<f64>();
    }
}

impl Acc<Vec<f64>> for f64 {
    /// `self += Σ g`.
    #[inline]
    fn acc(&mut self, g: &Vec<f64>) {
        *self += g.iter().sum::<f64>();
    }
}

impl<const M: usize> Acc<[f64; M]> for f64 {
    /// `self += Σ g`.
    #[inline]
    fn acc(&mut self, g: &[f64; M]) {
        *self += g.iter().sum::<f64>();
    }
}

impl<S: DataMut<Elem = f64>, D: Dimension> Acc<f64> for ArrayBase<S, D> {
    /// `self[i] += g` for every element.
    #[inline]
    fn acc(&mut self, g: &f64) {
        let g = *g;
        match self.as_slice_memory_order_mut() {
            Some(s) => s.iter_mut().for_each(|a| *a += g),
            None => self.map_inplace(|a| *a += g),
        }
    }
}

impl<S, D, S2, E> Acc<ArrayBase<S2, E>> for ArrayBase<S, D>
where
    S: DataMut<Elem = f64>,
    D: Dimension,
    S2: Data<Elem = f64>,
    E: Dimension,
{
    /// `self += g` summed back to `self`'s shape (see [`acc`]).
    ///
    /// **Panics** if the shapes are not broadcast-compatible.
    #[inline]
    fn acc(&mut self, g: &ArrayBase<S2, E>) {
        if self.shape() == g.shape() {
            self.zip_mut_with(g, |a, &b| *a += b);
        } else {
            sum_back(&mut self.view_mut().into_dyn(), g.view().into_dyn());
        }
    }
}

/// `adj += g` summed back to `adj`'s shape, for differing shapes: recurses over the leading axes
/// of `g` that `adj` lacks, then over the first axis where `adj` has length 1 and `g` not, so each
/// piece is added without allocating; what remains is ndarray's broadcasting `+=`.
#[inline]
fn sum_back(adj: &mut ArrayViewMutD<'_, f64>, g: ArrayViewD<'_, f64>) {
    if g.ndim() > adj.ndim() {
        for sub in g.outer_iter() {
            sum_back(adj, sub);
        }
        return;
    }
    let offset = adj.ndim() - g.ndim();
    for i in 0..g.ndim() {
        if adj.shape()[offset + i] == 1 && g.shape()[i] != 1 {
            for sub in g.axis_iter(Axis(i)) {
                sum_back(adj, sub.insert_axis(Axis(i)));
            }
            return;
        }
    }
    adj.zip_mut_with(&g, |a, &b| *a += b);
}

impl<S: DataMut<Elem = f64>, D: Dimension> Acc<[f64]> for ArrayBase<S, D> {
    /// `self += g` with `g` as a 1-D array.
    #[inline]
    fn acc(&mut self, g: &[f64]) {
        self.acc(&ArrayView1::from(g));
    }
}

impl<S: DataMut<Elem = f64>, D: Dimension> Acc<Vec<f64>> for ArrayBase<S, D> {
    /// `self += g` with `g` as a 1-D array.
    #[inline]
    fn acc(&mut self, g: &Vec<f64>) {
        self.acc(&ArrayView1::from(g.as_slice()));
    }
}

impl<S: DataMut<Elem = f64>, D: Dimension, const M: usize> Acc<[f64; M]> for ArrayBase<S, D> {
    /// `self += g` with `g` as a 1-D array.
    #[inline]
    fn acc(&mut self, g: &[f64; M]) {
        self.acc(&ArrayView1::from(&g[..]));
    }
}

/// Slice-like adjoints (`[f64]`, `Vec<f64>`, `[f64; N]`) accumulate as a 1-D `ArrayViewMut1`.
macro_rules! slice_like_acc {
    ([$($gen:tt)*] $target:ty) => {
        impl<$($gen)*> Acc<f64> for $target {
            /// `self[i] += g` for every element.
            #[inline]
            fn acc(&mut self, g: &f64) {
                for a in self.iter_mut() {
                    *a += *g;
                }
            }
        }

        impl<$($gen)* S2: Data<Elem = f64>, E: Dimension> Acc<ArrayBase<S2, E>> for $target {
            /// `self += g` as a 1-D array (same length, or summed back).
            ///
            /// **Panics** if the lengths are not broadcast-compatible.
            #[inline]
            fn acc(&mut self, g: &ArrayBase<S2, E>) {
                ArrayViewMut1::from(&mut self[..]).acc(g);
            }
        }

        impl<$($gen)*> Acc<[f64]> for $target {
            /// `self[i] += g[i]`.
            ///
            /// **Panics** if the lengths differ (and `g`'s is not 1).
            #[inline]
            fn acc(&mut self, g: &[f64]) {
                ArrayViewMut1::from(&mut self[..]).acc(&ArrayView1::from(g));
            }
        }

        impl<$($gen)*> Acc<Vec<f64>> for $target {
            /// `self[i] += g[i]`.
            ///
            /// **Panics** if the lengths differ (and `g`'s is not 1).
            #[inline]
            fn acc(&mut self, g: &Vec<f64>) {
                ArrayViewMut1::from(&mut self[..]).acc(&ArrayView1::from(g.as_slice()));
            }
        }

        impl<$($gen)* const M: usize> Acc<[f64; M]> for $target {
            /// `self[i] += g[i]`.
            ///
            /// **Panics** if the lengths differ (and `g`'s is not 1).
            #[inline]
            fn acc(&mut self, g: &[f64; M]) {
                ArrayViewMut1::from(&mut self[..]).acc(&ArrayView1::from(&g[..]));
            }
        }
    };
}

slice_like_acc!([][f64]);
slice_like_acc!([] Vec<f64>);
slice_like_acc!([const N: usize,] [f64; N]);
