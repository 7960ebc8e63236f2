//! Type-blind pullback rules for `f64`, slices, `Vec<f64>`, fixed arrays and ndarray arrays.
//!
//! The macro cannot see types (see DESIGN.md), so it emits the same calls for every operand and
//! the traits here pick the implementation from the argument types:
//!
//! - [`zero_adj`] builds a zero adjoint of the primal's shape ([`ZeroAdj`]);
//! - [`acc`] adds a contribution to an adjoint, summing it back to the adjoint's shape when the
//!   primal was broadcast ([`Acc`]);
//! - [`add`], [`sub`], [`mul`], [`div`] and [`neg`] are elementwise operations on references that
//!   return owned values, broadcasting like ndarray's `&a * &b`; they first [`Lift`] each operand
//!   (an `f64` stays an `f64`, any ndarray array becomes an `ArrayView`), and the lifted pair's
//!   [`Elementwise`] impl gives the result type;
//! - reductions ([`mean_da`], [`sum_da`], [`var_da`], [`std_da`]), dot products ([`dot_da`],
//!   [`dot_db`]), column and row views ([`column_acc`], [`row_acc`]) and `mapv` ([`mapv_da`] with
//!   the derivatives in [`deriv`]) have one pullback function each; so do transposes and axes
//!   ([`t_da`], [`sum_axis_da`], [`mean_axis_da`], [`insert_axis_da`]), whose contributions are
//!   views or small arrays that broadcast into the adjoint, and `mapv` with a closure
//!   ([`map_pullback`], [`each_pullback`]: the generated pullback of the closure body, run per
//!   element).
//!
//! Panics: only where ndarray itself panics on a shape mismatch (each function says which); no
//! `Box`, `dyn` or allocation beyond the returned value. The closures passed to ndarray's `Zip`
//! and `zip_mut_with` are ordinary generic arguments, monomorphised and inlined.

use ndarray::{
    Array, Array2, ArrayBase, ArrayView, ArrayView1, ArrayView2, ArrayViewD, ArrayViewMut1,
    ArrayViewMutD, Axis, Data, DataMut, DimMax, Dimension, Ix1, Ix2, Zip,
};

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

// ---------------------------------------------------------------------------------------------
// Lifting and elementwise operations
// ---------------------------------------------------------------------------------------------

/// A cheap, borrowed form of an operand: `f64` stays `f64`, any ndarray array becomes an
/// `ArrayView`, references lift as their referent.
pub trait Lift {
    /// The lifted form.
    type Out<'a>
    where
        Self: 'a;
    /// The lifted form of `self`.
    fn lift(&self) -> Self::Out<'_>;
}

impl Lift for f64 {
    type Out<'a>
        = f64
    where
        Self: 'a;
    /// `*self`.
    #[inline]
    fn lift(&self) -> f64 {
        *self
    }
}

impl<S: Data<Elem = f64>, D: Dimension> Lift for ArrayBase<S, D> {
    type Out<'a>
        = ArrayView<'a, f64, D>
    where
        Self: 'a;
    /// `self.view()`.
    #[inline]
    fn lift(&self) -> ArrayView<'_, f64, D> {
        self.view()
    }
}

impl<T: Lift + ?Sized> Lift for &T {
    type Out<'a>
        = T::Out<'a>
    where
        Self: 'a;
    /// The referent's lift.
    #[inline]
    fn lift(&self) -> T::Out<'_> {
        (**self).lift()
    }
}

/// Elementwise arithmetic between two lifted operands (`f64` or `ArrayView`), with ndarray's
/// co-broadcasting; `Out` is `f64` for two scalars, otherwise an owned `Array` of the broadcast
/// dimension (`DimMax`).
pub trait Elementwise<Rhs> {
    /// The result type.
    type Out;
    /// `self + rhs`.
    fn add2(self, rhs: Rhs) -> Self::Out;
    /// `self - rhs`.
    fn sub2(self, rhs: Rhs) -> Self::Out;
    /// `self * rhs`.
    fn mul2(self, rhs: Rhs) -> Self::Out;
    /// `self / rhs`.
    fn div2(self, rhs: Rhs) -> Self::Out;
}

impl Elementwise<f64> for f64 {
    type Out = f64;
    #[inline]
    fn add2(self, rhs: f64) -> f64 {
        self + rhs
    }
    #[inline]
    fn sub2(self, rhs: f64) -> f64 {
        self - rhs
    }
    #[inline]
    fn mul2(self, rhs: f64) -> f64 {
        self * rhs
    }
    #[inline]
    fn div2(self, rhs: f64) -> f64 {
        self / rhs
    }
}

impl<'b, E: Dimension> Elementwise<ArrayView<'b, f64, E>> for f64 {
    type Out = Array<f64, E>;
    #[inline]
    fn add2(self, rhs: ArrayView<'b, f64, E>) -> Array<f64, E> {
        rhs.mapv(|x| self + x)
    }
    #[inline]
    fn sub2(self, rhs: ArrayView<'b, f64, E>) -> Array<f64, E> {
        rhs.mapv(|x| self - x)
    }
    #[inline]
    fn mul2(self, rhs: ArrayView<'b, f64, E>) -> Array<f64, E> {
        rhs.mapv(|x| self * x)
    }
    #[inline]
    fn div2(self, rhs: ArrayView<'b, f64, E>) -> Array<f64, E> {
        rhs.mapv(|x| self / x)
    }
}

/// With a scalar, through `mapv` (which maps a contiguous array as a slice): ndarray's
/// `&a * s` takes a slower path, 1.7× the time of `mapv` at 1000 elements.
impl<'a, D: Dimension> Elementwise<f64> for ArrayView<'a, f64, D> {
    type Out = Array<f64, D>;
    #[inline]
    fn add2(self, rhs: f64) -> Array<f64, D> {
        self.mapv(|x| x + rhs)
    }
    #[inline]
    fn sub2(self, rhs: f64) -> Array<f64, D> {
        self.mapv(|x| x - rhs)
    }
    #[inline]
    fn mul2(self, rhs: f64) -> Array<f64, D> {
        self.mapv(|x| x * rhs)
    }
    #[inline]
    fn div2(self, rhs: f64) -> Array<f64, D> {
        self.mapv(|x| x / rhs)
    }
}

impl<'a, 'b, D, E> Elementwise<ArrayView<'b, f64, E>> for ArrayView<'a, f64, D>
where
    D: Dimension + DimMax<E>,
    E: Dimension,
{
    type Out = Array<f64, <D as DimMax<E>>::Output>;
    #[inline]
    fn add2(self, rhs: ArrayView<'b, f64, E>) -> Self::Out {
        &self + &rhs
    }
    #[inline]
    fn sub2(self, rhs: ArrayView<'b, f64, E>) -> Self::Out {
        &self - &rhs
    }
    #[inline]
    fn mul2(self, rhs: ArrayView<'b, f64, E>) -> Self::Out {
        &self * &rhs
    }
    #[inline]
    fn div2(self, rhs: ArrayView<'b, f64, E>) -> Self::Out {
        &self / &rhs
    }
}

/// The result of an elementwise operation between `A` and `B`, borrowed for `'a` and `'b`.
pub type ElementwiseOut<'a, 'b, A, B> =
    <<A as Lift>::Out<'a> as Elementwise<<B as Lift>::Out<'b>>>::Out;

macro_rules! elementwise_fn {
    ($(#[$doc:meta])* $name:ident, $method:ident) => {
        $(#[$doc])*
        ///
        /// `f64` with `f64` gives `f64`; otherwise an owned `Array` of the co-broadcast shape
        /// (ndarray's `&a op &b`). **Panics** if the shapes cannot be co-broadcast.
        #[inline]
        pub fn $name<'a, 'b, A, B>(a: &'a A, b: &'b B) -> ElementwiseOut<'a, 'b, A, B>
        where
            A: Lift + ?Sized,
            B: Lift + ?Sized,
            A::Out<'a>: Elementwise<B::Out<'b>>,
        {
            a.lift().$method(b.lift())
        }
    };
}

elementwise_fn!(
    /// `a + b`, elementwise.
    add, add2
);
elementwise_fn!(
    /// `a - b`, elementwise.
    sub, sub2
);
elementwise_fn!(
    /// `a * b`, elementwise.
    mul, mul2
);
elementwise_fn!(
    /// `a / b`, elementwise.
    div, div2
);

/// Negation of a lifted operand.
pub trait Negate {
    /// The result type: `f64` or an owned `Array`.
    type Out;
    /// `-self`.
    fn neg1(self) -> Self::Out;
}

impl Negate for f64 {
    type Out = f64;
    #[inline]
    fn neg1(self) -> f64 {
        -self
    }
}

impl<'a, D: Dimension> Negate for ArrayView<'a, f64, D> {
    type Out = Array<f64, D>;
    #[inline]
    fn neg1(self) -> Array<f64, D> {
        self.mapv(|x| -x)
    }
}

/// `-a`: an `f64`, or an owned `Array` of `a`'s shape.
#[inline]
pub fn neg<'a, A>(a: &'a A) -> <A::Out<'a> as Negate>::Out
where
    A: Lift + ?Sized,
    A::Out<'a>: Negate,
{
    a.lift().neg1()
}

// ---------------------------------------------------------------------------------------------
// Reductions
// ---------------------------------------------------------------------------------------------

/// Pullback of `a.mean()`: `∂/∂aᵢ = g / n` for every element, `n = a.len()`.
#[inline]
pub fn mean_da<'a, A, D>(a: &'a A, g: f64) -> Array<f64, D>
where
    A: Lift<Out<'a> = ArrayView<'a, f64, D>> + ?Sized,
    D: Dimension,
{
    let a = a.lift();
    Array::from_elem(a.raw_dim(), g / a.len() as f64)
}

/// Pullback of `a.sum()`: `∂/∂aᵢ = g` for every element.
#[inline]
pub fn sum_da<'a, A, D>(a: &'a A, g: f64) -> Array<f64, D>
where
    A: Lift<Out<'a> = ArrayView<'a, f64, D>> + ?Sized,
    D: Dimension,
{
    Array::from_elem(a.lift().raw_dim(), g)
}

/// Pullback of `a.var(ddof)` (over all elements): `∂/∂aᵢ = g · 2 (aᵢ − ā) / (n − ddof)`.
///
/// No panic: where ndarray's `var` panics (`ddof < 0` or `ddof > n`) this returns the formula's
/// value; `ddof = n` gives ±inf/NaN.
#[inline]
pub fn var_da<'a, A, D>(a: &'a A, ddof: f64, g: f64) -> Array<f64, D>
where
    A: Lift<Out<'a> = ArrayView<'a, f64, D>> + ?Sized,
    D: Dimension,
{
    var_da_shifted(a, ddof, g, 0.0)
}

/// [`var_da`] plus `k` in every element, in the same pass: the generator folds the broadcast
/// contributions of `a.mean()` and `a.sum()` (`k`) into the variance's.
#[inline(always)]
pub fn var_da_shifted<'a, A, D>(a: &'a A, ddof: f64, g: f64, k: f64) -> Array<f64, D>
where
    A: Lift<Out<'a> = ArrayView<'a, f64, D>> + ?Sized,
    D: Dimension,
{
    let a = a.lift();
    let mean = a.sum() / a.len() as f64;
    var_da_centred(&a, mean, ddof, g, k)
}

/// [`var_da_shifted`] given `a`'s mean (`a.mean()`, which is `a.sum() / n`: the same value it
/// would compute), so one pass fewer.
#[inline(always)]
pub fn var_da_centred<'a, A, D>(a: &'a A, mean: f64, ddof: f64, g: f64, k: f64) -> Array<f64, D>
where
    A: Lift<Out<'a> = ArrayView<'a, f64, D>> + ?Sized,
    D: Dimension,
{
    let a = a.lift();
    let n = a.len() as f64;
    let scale = 2.0 * g / (n - ddof);
    a.mapv(|x| scale * (x - mean) + k)
}

/// Pullback of `s = a.std(ddof)`: `∂/∂aᵢ = g (aᵢ − ā) / ((n − ddof) s)`, given the primal `s`.
///
/// Where `s = 0` (all elements equal, e.g. a 1-element array) the standard deviation has a kink
/// like `|x|` at 0: the gradient is 0 there (as `abs`'s), not `0/0`, so that it does not spread
/// NaN into the other components of a gradient. `ddof = n` makes `s` itself NaN, and the
/// gradient too.
#[inline]
pub fn std_da<'a, A, D>(a: &'a A, ddof: f64, s: f64, g: f64) -> Array<f64, D>
where
    A: Lift<Out<'a> = ArrayView<'a, f64, D>> + ?Sized,
    D: Dimension,
{
    std_da_shifted(a, ddof, s, g, 0.0)
}

/// [`std_da`] plus `k` in every element, in the same pass (see [`var_da_shifted`]).
#[inline(always)]
pub fn std_da_shifted<'a, A, D>(a: &'a A, ddof: f64, s: f64, g: f64, k: f64) -> Array<f64, D>
where
    A: Lift<Out<'a> = ArrayView<'a, f64, D>> + ?Sized,
    D: Dimension,
{
    let a = a.lift();
    let mean = a.sum() / a.len() as f64;
    std_da_centred(&a, mean, ddof, s, g, k)
}

/// [`std_da_shifted`] given `a`'s mean (see [`var_da_centred`]).
#[inline(always)]
pub fn std_da_centred<'a, A, D>(
    a: &'a A,
    mean: f64,
    ddof: f64,
    s: f64,
    g: f64,
    k: f64,
) -> Array<f64, D>
where
    A: Lift<Out<'a> = ArrayView<'a, f64, D>> + ?Sized,
    D: Dimension,
{
    let a = a.lift();
    let n = a.len() as f64;
    let scale = if s == 0.0 { 0.0 } else { g / ((n - ddof) * s) };
    a.mapv(|x| scale * (x - mean) + k)
}

// ---------------------------------------------------------------------------------------------
// Dot products
// ---------------------------------------------------------------------------------------------

/// `outer(u, v)[i, j] = u[i] v[j]`.
#[inline]
fn outer(u: ArrayView1<'_, f64>, v: ArrayView1<'_, f64>) -> Array2<f64> {
    let mut out = Array2::zeros((u.len(), v.len()));
    Zip::from(out.rows_mut()).and(&u).for_each(|mut row, &ui| {
        row.zip_mut_with(&v, |o, &vj| *o = ui * vj);
    });
    out
}

/// The pullback of `v = a.dot(&b)` with respect to `a`, implemented on the lifted adjoint `g` of
/// `v` with the lifted `b` as parameter; the pair of dimensions picks the case.
pub trait DotDa<B> {
    /// The type of `a`'s adjoint contribution.
    type Out;
    /// `a`'s adjoint contribution.
    fn dot_da(self, b: B) -> Self::Out;
}

/// The pullback of `v = a.dot(&b)` with respect to `b`, implemented on the lifted `a` with the
/// lifted adjoint `g` of `v` as parameter.
pub trait DotDb<G> {
    /// The type of `b`'s adjoint contribution.
    type Out;
    /// `b`'s adjoint contribution.
    fn dot_db(self, g: G) -> Self::Out;
}

impl<'b> DotDa<ArrayView1<'b, f64>> for f64 {
    type Out = Array<f64, Ix1>;
    /// 1-D · 1-D: `g b`.
    #[inline]
    fn dot_da(self, b: ArrayView1<'b, f64>) -> Array<f64, Ix1> {
        &b * self
    }
}

impl<'g, 'b> DotDa<ArrayView1<'b, f64>> for ArrayView1<'g, f64> {
    type Out = Array2<f64>;
    /// 2-D · 1-D (`M w`): `outer(g, w)`.
    #[inline]
    fn dot_da(self, w: ArrayView1<'b, f64>) -> Array2<f64> {
        outer(self, w)
    }
}

impl<'g, 'b> DotDa<ArrayView2<'b, f64>> for ArrayView1<'g, f64> {
    type Out = Array<f64, Ix1>;
    /// 1-D · 2-D (`v M`): `M g`.
    #[inline]
    fn dot_da(self, m: ArrayView2<'b, f64>) -> Array<f64, Ix1> {
        m.dot(&self)
    }
}

impl<'g, 'b> DotDa<ArrayView2<'b, f64>> for ArrayView2<'g, f64> {
    type Out = Array2<f64>;
    /// 2-D · 2-D: `g Bᵀ`.
    #[inline]
    fn dot_da(self, b: ArrayView2<'b, f64>) -> Array2<f64> {
        self.dot(&b.t())
    }
}

impl<'a> DotDb<f64> for ArrayView1<'a, f64> {
    type Out = Array<f64, Ix1>;
    /// 1-D · 1-D: `g a`.
    #[inline]
    fn dot_db(self, g: f64) -> Array<f64, Ix1> {
        &self * g
    }
}

/// `out += Mᵀ g` for a row-major `M` given as its slice of `ncols`-long rows: eight rows per
/// pass over `out`, so that `out` is loaded and stored once per eight rows of `M` (one row at a
/// time, the loads and stores of `out` cost as much as reading `M`). On x86-64 CPUs with AVX2
/// the same loop is compiled a second time for AVX2 and chosen at run time: the arithmetic per
/// element, and so the result, is the same; only the vector width differs.
fn rows_transposed_times(m: &[f64], ncols: usize, g: ArrayView1<'_, f64>, out: &mut [f64]) {
    // The adjoint as a slice: itself when contiguous, else a copy.
    let copy: Vec<f64>;
    let g = match g.as_slice() {
        Some(g) => g,
        None => {
            copy = g.iter().copied().collect();
            &copy
        }
    };
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            unsafe { rows_transposed_times_avx2(m, ncols, g, out) };
            return;
        }
    }
    rows_transposed_times_body(m, ncols, g, out);
}

/// [`rows_transposed_times_body`] compiled for AVX2.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn rows_transposed_times_avx2(m: &[f64], ncols: usize, g: &[f64], out: &mut [f64]) {
    rows_transposed_times_body(m, ncols, g, out);
}

#[inline(always)]
fn rows_transposed_times_body(m: &[f64], ncols: usize, g: &[f64], out: &mut [f64]) {
    const BLOCK: usize = 8;
    let out = &mut out[..ncols];
    let rows = m.chunks_exact(ncols);
    let blocks = m.chunks_exact(ncols * BLOCK);
    let tail_rows = blocks.remainder().chunks_exact(ncols);
    for (block, gb) in blocks.zip(g.chunks_exact(BLOCK)) {
        let r: [&[f64]; BLOCK] = std::array::from_fn(|k| &block[k * ncols..(k + 1) * ncols]);
        for (j, o) in out.iter_mut().enumerate() {
            let a = (gb[0] * r[0][j] + gb[1] * r[1][j]) + (gb[2] * r[2][j] + gb[3] * r[3][j]);
            let b = (gb[4] * r[4][j] + gb[5] * r[5][j]) + (gb[6] * r[6][j] + gb[7] * r[7][j]);
            *o += a + b;
        }
    }
    let done = rows.len() - tail_rows.len();
    for (row, &gt) in tail_rows.zip(&g[done..]) {
        out.iter_mut().zip(row).for_each(|(o, x)| *o += gt * x);
    }
}

impl<'a, 'g> DotDb<ArrayView1<'g, f64>> for ArrayView2<'a, f64> {
    type Out = Array<f64, Ix1>;
    /// 2-D · 1-D (`M w`): `Mᵀ g`, formed as `Σ_t g_t M[t, :]` when `M` is stored by rows, so
    /// that it streams through contiguous rows (ndarray's `M.t().dot(&g)` would walk strided
    /// columns, about 5× slower for a 1000×1000 matrix without BLAS).
    #[inline]
    fn dot_db(self, g: ArrayView1<'g, f64>) -> Array<f64, Ix1> {
        if !self.is_standard_layout() {
            return self.t().dot(&g);
        }
        assert_eq!(
            self.nrows(),
            g.len(),
            "dot_db: the matrix has {} rows, the adjoint {} elements",
            self.nrows(),
            g.len()
        );
        let mut out = vec![0.0; self.ncols()];
        match self.as_slice() {
            Some(m) if self.ncols() > 0 => rows_transposed_times(m, self.ncols(), g, &mut out),
            _ => {
                for (row, &gt) in self.rows().into_iter().zip(g.iter()) {
                    ArrayViewMut1::from(&mut out[..]).scaled_add(gt, &row);
                }
            }
        }
        Array::from(out)
    }
}

impl<'a, 'g> DotDb<ArrayView1<'g, f64>> for ArrayView1<'a, f64> {
    type Out = Array2<f64>;
    /// 1-D · 2-D (`v M`): `outer(v, g)`.
    #[inline]
    fn dot_db(self, g: ArrayView1<'g, f64>) -> Array2<f64> {
        outer(self, g)
    }
}

impl<'a, 'g> DotDb<ArrayView2<'g, f64>> for ArrayView2<'a, f64> {
    type Out = Array2<f64>;
    /// 2-D · 2-D: `Aᵀ g`.
    #[inline]
    fn dot_db(self, g: ArrayView2<'g, f64>) -> Array2<f64> {
        self.t().dot(&g)
    }
}

/// Contribution of `v = a.dot(&b)` to `a`'s adjoint, given `v`'s adjoint `g`:
///
/// | `a` · `b`      | `g`      | result          |
/// |----------------|----------|-----------------|
/// | 1-D · 1-D      | `f64`    | `g b`           |
/// | 2-D · 1-D      | 1-D      | `outer(g, b)`   |
/// | 1-D · 2-D      | 1-D      | `b g`           |
/// | 2-D · 2-D      | 2-D      | `g bᵀ`          |
///
/// **Panics** (ndarray's `dot` panic) if the shapes are inconsistent.
#[inline]
pub fn dot_da<'g, 'b, G, B>(g: &'g G, b: &'b B) -> <G::Out<'g> as DotDa<B::Out<'b>>>::Out
where
    G: Lift + ?Sized,
    B: Lift + ?Sized,
    G::Out<'g>: DotDa<B::Out<'b>>,
{
    g.lift().dot_da(b.lift())
}

/// Contribution of `v = a.dot(&b)` to `b`'s adjoint, given `v`'s adjoint `g`:
///
/// | `a` · `b`      | `g`      | result          |
/// |----------------|----------|-----------------|
/// | 1-D · 1-D      | `f64`    | `g a`           |
/// | 2-D · 1-D      | 1-D      | `aᵀ g`          |
/// | 1-D · 2-D      | 1-D      | `outer(a, g)`   |
/// | 2-D · 2-D      | 2-D      | `aᵀ g`          |
///
/// **Panics** (ndarray's `dot` panic) if the shapes are inconsistent.
#[inline]
pub fn dot_db<'a, 'g, A, G>(a: &'a A, g: &'g G) -> <A::Out<'a> as DotDb<G::Out<'g>>>::Out
where
    A: Lift + ?Sized,
    G: Lift + ?Sized,
    A::Out<'a>: DotDb<G::Out<'g>>,
{
    a.lift().dot_db(g.lift())
}

// ---------------------------------------------------------------------------------------------
// Columns and rows
// ---------------------------------------------------------------------------------------------

/// Pullback of `m.column(j)`: `adj.column_mut(j) += g` (`g` a 1-D array, slice, `Vec` or `f64`,
/// added as [`acc`] adds).
///
/// **Panics** if `j` is out of bounds or `g`'s length is not the column's (or 1).
#[inline]
pub fn column_acc<S, G>(adj: &mut ArrayBase<S, Ix2>, j: usize, g: &G)
where
    S: DataMut<Elem = f64>,
    G: ?Sized,
    for<'x> ArrayViewMut1<'x, f64>: Acc<G>,
{
    adj.column_mut(j).acc(g);
}

/// Pullback of `m.row(i)`: `adj.row_mut(i) += g` (`g` a 1-D array, slice, `Vec` or `f64`, added
/// as [`acc`] adds).
///
/// **Panics** if `i` is out of bounds or `g`'s length is not the row's (or 1).
#[inline]
pub fn row_acc<S, G>(adj: &mut ArrayBase<S, Ix2>, i: usize, g: &G)
where
    S: DataMut<Elem = f64>,
    G: ?Sized,
    for<'x> ArrayViewMut1<'x, f64>: Acc<G>,
{
    adj.row_mut(i).acc(g);
}

// ---------------------------------------------------------------------------------------------
// mapv
// ---------------------------------------------------------------------------------------------

/// Pullback of `a.mapv(f)`: `g ⊙ a.mapv(dfdx)` with `dfdx = f'` (see [`deriv`]); `g` is an
/// array of `a`'s shape (or broadcasting to it) or an `f64`.
///
/// **Panics** if `g` does not broadcast to `a`'s shape.
#[inline]
pub fn mapv_da<'a, 'g, A, D, G>(a: &'a A, dfdx: fn(f64) -> f64, g: &'g G) -> Array<f64, D>
where
    A: Lift<Out<'a> = ArrayView<'a, f64, D>> + ?Sized,
    D: Dimension,
    G: Lift + ?Sized,
    G::Out<'g>: MapPullback<D>,
{
    g.lift().map_pullback(a.lift(), |x, g| g * dfdx(x))
}

/// Derivatives of `f64`'s unary methods, `f'(x)` under the method's name, for [`mapv_da`].
///
/// At points where the derivative does not exist they return what the formula gives (±inf or
/// NaN), except `abs` and `signum` as stated.
pub mod deriv {
    use std::f64::consts::{LN_2, LN_10, PI};

    /// d/dx sin x = cos x.
    #[inline]
    pub fn sin(x: f64) -> f64 {
        x.cos()
    }
    /// d/dx cos x = −sin x.
    #[inline]
    pub fn cos(x: f64) -> f64 {
        -x.sin()
    }
    /// d/dx tan x = 1 / cos² x.
    #[inline]
    pub fn tan(x: f64) -> f64 {
        let c = x.cos();
        1.0 / (c * c)
    }
    /// d/dx asin x = 1 / √(1 − x²).
    #[inline]
    pub fn asin(x: f64) -> f64 {
        1.0 / (1.0 - x * x).sqrt()
    }
    /// d/dx acos x = −1 / √(1 − x²).
    #[inline]
    pub fn acos(x: f64) -> f64 {
        -1.0 / (1.0 - x * x).sqrt()
    }
    /// d/dx atan x = 1 / (1 + x²).
    #[inline]
    pub fn atan(x: f64) -> f64 {
        1.0 / (1.0 + x * x)
    }
    /// d/dx sinh x = cosh x.
    #[inline]
    pub fn sinh(x: f64) -> f64 {
        x.cosh()
    }
    /// d/dx cosh x = sinh x.
    #[inline]
    pub fn cosh(x: f64) -> f64 {
        x.sinh()
    }
    /// d/dx tanh x = 1 − tanh² x.
    #[inline]
    pub fn tanh(x: f64) -> f64 {
        let t = x.tanh();
        1.0 - t * t
    }
    /// d/dx asinh x = 1 / √(x² + 1).
    #[inline]
    pub fn asinh(x: f64) -> f64 {
        1.0 / x.hypot(1.0)
    }
    /// d/dx acosh x = 1 / √(x² − 1), computed as 1 / (√(x − 1) √(x + 1)).
    #[inline]
    pub fn acosh(x: f64) -> f64 {
        1.0 / ((x - 1.0).sqrt() * (x + 1.0).sqrt())
    }
    /// d/dx atanh x = 1 / (1 − x²).
    #[inline]
    pub fn atanh(x: f64) -> f64 {
        1.0 / (1.0 - x * x)
    }
    /// d/dx eˣ = eˣ.
    #[inline]
    pub fn exp(x: f64) -> f64 {
        x.exp()
    }
    /// d/dx 2ˣ = 2ˣ ln 2.
    #[inline]
    pub fn exp2(x: f64) -> f64 {
        x.exp2() * LN_2
    }
    /// d/dx (eˣ − 1) = eˣ.
    #[inline]
    pub fn exp_m1(x: f64) -> f64 {
        x.exp()
    }
    /// d/dx ln x = 1 / x.
    #[inline]
    pub fn ln(x: f64) -> f64 {
        1.0 / x
    }
    /// d/dx ln(1 + x) = 1 / (1 + x).
    #[inline]
    pub fn ln_1p(x: f64) -> f64 {
        1.0 / (1.0 + x)
    }
    /// d/dx log₂ x = 1 / (x ln 2).
    #[inline]
    pub fn log2(x: f64) -> f64 {
        1.0 / (x * LN_2)
    }
    /// d/dx log₁₀ x = 1 / (x ln 10).
    #[inline]
    pub fn log10(x: f64) -> f64 {
        1.0 / (x * LN_10)
    }
    /// d/dx √x = 1 / (2 √x) (inf at 0).
    #[inline]
    pub fn sqrt(x: f64) -> f64 {
        0.5 / x.sqrt()
    }
    /// d/dx ∛x = 1 / (3 ∛x²) (inf at 0).
    #[inline]
    pub fn cbrt(x: f64) -> f64 {
        let c = x.cbrt();
        1.0 / (3.0 * c * c)
    }
    /// d/dx |x| = sign x, and 0 at x = 0 (as JAX); NaN for NaN.
    #[inline]
    pub fn abs(x: f64) -> f64 {
        if x == 0.0 { 0.0 } else { x.signum() }
    }
    /// d/dx sign x = 0 (everywhere, also at 0, as JAX).
    #[inline]
    pub fn signum(_x: f64) -> f64 {
        0.0
    }
    /// d/dx 1/x = −1 / x².
    #[inline]
    pub fn recip(x: f64) -> f64 {
        -1.0 / (x * x)
    }
    /// d/dx (x · 180/π) = 180/π.
    #[inline]
    pub fn to_degrees(_x: f64) -> f64 {
        180.0 / PI
    }
    /// d/dx (x · π/180) = π/180.
    #[inline]
    pub fn to_radians(_x: f64) -> f64 {
        PI / 180.0
    }
}

// ---------------------------------------------------------------------------------------------
// Transposes, axes and slices
// ---------------------------------------------------------------------------------------------

/// Pullback of `a.t()`: `ḡᵀ`, a view of the adjoint (added to `ā` as [`acc`] adds, or copied
/// into a new adjoint by [`first_adj`]).
#[inline]
pub fn t_da<S: Data<Elem = f64>, D: Dimension>(g: &ArrayBase<S, D>) -> ArrayView<'_, f64, D> {
    g.t()
}

/// Pullback of `a.sum_axis(Axis(k))`: `ḡ` with axis `k` inserted (length 1), a view that
/// broadcasts along that axis when added to `ā`.
///
/// **Panics** if `k` is greater than `g`'s number of axes.
#[inline]
pub fn sum_axis_da<S: Data<Elem = f64>, D: Dimension>(
    g: &ArrayBase<S, D>,
    k: usize,
) -> ArrayView<'_, f64, D::Larger> {
    g.view().insert_axis(Axis(k))
}

/// Pullback of `a.mean_axis(Axis(k)).unwrap()`: `ḡ / n` with axis `k` inserted (length 1),
/// `n` the length of `a` along `k`; it broadcasts along that axis when added to `ā`. Only
/// `g.len()` elements are computed.
///
/// **Panics** if `k` is not an axis of `a`.
#[inline]
pub fn mean_axis_da<'a, A, D, S>(a: &'a A, k: usize, g: &ArrayBase<S, D::Smaller>) -> Array<f64, D>
where
    A: Lift<Out<'a> = ArrayView<'a, f64, D>> + ?Sized,
    D: Dimension,
    S: Data<Elem = f64>,
{
    let n = a.lift().len_of(Axis(k)) as f64;
    let scaled = g.mapv(|x| x / n).insert_axis(Axis(k));
    match scaled.into_dimensionality::<D>() {
        Ok(s) => s,
        Err(e) => panic!("mean_axis_da: {e}"),
    }
}

/// Pullback of `a.var_axis(Axis(k), ddof)` of a matrix: `∂/∂a_ij = g_j · 2 (a_ij − m_j) / (n − ddof)`
/// along each lane `j` of axis `k` (`m_j` its mean, `n` its length).
///
/// **Panics** if `k` is not 0 or 1, or `g`'s length is not the number of lanes.
#[inline]
pub fn var_axis_da<'a, A, S>(a: &'a A, k: usize, ddof: f64, g: &ArrayBase<S, Ix1>) -> Array2<f64>
where
    A: Lift<Out<'a> = ArrayView2<'a, f64>> + ?Sized,
    S: Data<Elem = f64>,
{
    axis_moment_da(
        a.lift(),
        k,
        g.view(),
        |gj, n, _| 2.0 * gj / (n - ddof),
        None,
    )
}

/// Pullback of `s = a.std_axis(Axis(k), ddof)` of a matrix: `∂/∂a_ij = g_j (a_ij − m_j) /
/// ((n − ddof) s_j)` along each lane `j` of axis `k`, and 0 on a lane whose `s_j` is 0 (as
/// [`std_da`]).
///
/// **Panics** as [`var_axis_da`], or if `s` has not one element per lane.
#[inline]
pub fn std_axis_da<'a, A, S, S2>(
    a: &'a A,
    k: usize,
    ddof: f64,
    s: &ArrayBase<S2, Ix1>,
    g: &ArrayBase<S, Ix1>,
) -> Array2<f64>
where
    A: Lift<Out<'a> = ArrayView2<'a, f64>> + ?Sized,
    S: Data<Elem = f64>,
    S2: Data<Elem = f64>,
{
    let scale = |gj: f64, n: f64, sj: f64| {
        if sj == 0.0 {
            0.0
        } else {
            gj / ((n - ddof) * sj)
        }
    };
    axis_moment_da(a.lift(), k, g.view(), scale, Some(s.view()))
}

/// `scale(g_j, n, s_j) (a_ij − m_j)` along each lane `j` of axis `k` (`s_j` 0 when `s` is
/// `None`).
#[inline]
fn axis_moment_da(
    a: ArrayView2<'_, f64>,
    k: usize,
    g: ArrayView1<'_, f64>,
    scale: impl Fn(f64, f64, f64) -> f64,
    s: Option<ArrayView1<'_, f64>>,
) -> Array2<f64> {
    let n = a.len_of(Axis(k)) as f64;
    let zeros = Array::zeros(g.raw_dim());
    let s = s.unwrap_or(zeros.view());
    let mut out = Array2::zeros(a.raw_dim());
    Zip::from(out.lanes_mut(Axis(k)))
        .and(a.lanes(Axis(k)))
        .and(&g)
        .and(&s)
        .for_each(|mut o, x, &gj, &sj| {
            let mean = x.sum() / n;
            let c = scale(gj, n, sj);
            o.zip_mut_with(&x, |o, &x| *o = c * (x - mean));
        });
    out
}

/// Pullback of `a.insert_axis(Axis(k))`: `ḡ` without axis `k` (which has length 1).
///
/// **Panics** if `k` is not an axis of `g`.
#[inline]
pub fn insert_axis_da<S: Data<Elem = f64>, D: ndarray::RemoveAxis>(
    g: &ArrayBase<S, D>,
    k: usize,
) -> ArrayView<'_, f64, D::Smaller> {
    g.view().index_axis_move(Axis(k), 0)
}

// ---------------------------------------------------------------------------------------------
// mapv with a closure
// ---------------------------------------------------------------------------------------------

/// The adjoint `g` of `a.mapv(..)`, lifted: `f64` or an array view that broadcasts to `a`'s
/// shape. A pullback runs once per element, `f(aᵢ, gᵢ)`: the closure body's generated one, or
/// `g f'(a)` for `mapv(f64::name)` ([`mapv_da`]).
pub trait MapPullback<D: Dimension> {
    /// `[f(aᵢ, gᵢ)]`, of `a`'s shape.
    fn map_pullback<F: FnMut(f64, f64) -> f64>(
        self,
        a: ArrayView<'_, f64, D>,
        f: F,
    ) -> Array<f64, D>;
    /// `f(aᵢ, gᵢ)` for every element, for its effects (the captured values' adjoints).
    fn each_pullback<F: FnMut(f64, f64)>(self, a: ArrayView<'_, f64, D>, f: F);
}

impl<D: Dimension> MapPullback<D> for f64 {
    #[inline]
    fn map_pullback<F: FnMut(f64, f64) -> f64>(
        self,
        a: ArrayView<'_, f64, D>,
        mut f: F,
    ) -> Array<f64, D> {
        a.mapv(|x| f(x, self))
    }
    #[inline]
    fn each_pullback<F: FnMut(f64, f64)>(self, a: ArrayView<'_, f64, D>, mut f: F) {
        a.for_each(|&x| f(x, self));
    }
}

impl<'g, D: Dimension, E: Dimension> MapPullback<D> for ArrayView<'g, f64, E> {
    #[inline]
    fn map_pullback<F: FnMut(f64, f64) -> f64>(
        self,
        a: ArrayView<'_, f64, D>,
        mut f: F,
    ) -> Array<f64, D> {
        Zip::from(&a)
            .and_broadcast(&self)
            .map_collect(|&x, &g| f(x, g))
    }
    #[inline]
    fn each_pullback<F: FnMut(f64, f64)>(self, a: ArrayView<'_, f64, D>, mut f: F) {
        Zip::from(&a)
            .and_broadcast(&self)
            .for_each(|&x, &g| f(x, g));
    }
}

/// Pullback of `a.mapv(|e| body)` with respect to `a`: `f(aᵢ, ḡᵢ)` per element, where `f`
/// is the reverse of the closure body (generated), which also adds to the captured values'
/// adjoints. `g` is an array of `a`'s shape (or broadcasting to it) or an `f64`.
///
/// **Panics** if `g` does not broadcast to `a`'s shape.
#[inline]
pub fn map_pullback<'a, 'g, A, D, G, F>(a: &'a A, g: &'g G, f: F) -> Array<f64, D>
where
    A: Lift<Out<'a> = ArrayView<'a, f64, D>> + ?Sized,
    D: Dimension,
    G: Lift + ?Sized,
    G::Out<'g>: MapPullback<D>,
    F: FnMut(f64, f64) -> f64,
{
    g.lift().map_pullback(a.lift(), f)
}

/// [`map_pullback`] when `a` itself is not differentiated: only the captured values' adjoints,
/// no array is built.
#[inline]
pub fn each_pullback<'a, 'g, A, D, G, F>(a: &'a A, g: &'g G, f: F)
where
    A: Lift<Out<'a> = ArrayView<'a, f64, D>> + ?Sized,
    D: Dimension,
    G: Lift + ?Sized,
    G::Out<'g>: MapPullback<D>,
    F: FnMut(f64, f64),
{
    g.lift().each_pullback(a.lift(), f);
}

/// `Σ a ⊙ b` over all elements (with broadcasting), as one `f64` and without allocating when the
/// shapes agree: the contribution of an elementwise product to a scalar operand's adjoint
/// (`v = a * s` with `s` a scalar gives `s̄ += Σ v̄ ⊙ a`).
pub trait SumProd<Rhs> {
    /// `Σ self ⊙ rhs`.
    fn sum_prod(self, rhs: Rhs) -> f64;
}

impl SumProd<f64> for f64 {
    #[inline]
    fn sum_prod(self, rhs: f64) -> f64 {
        self * rhs
    }
}

impl<D: Dimension> SumProd<f64> for ArrayView<'_, f64, D> {
    #[inline]
    fn sum_prod(self, rhs: f64) -> f64 {
        self.sum() * rhs
    }
}

impl<D: Dimension> SumProd<ArrayView<'_, f64, D>> for f64 {
    #[inline]
    fn sum_prod(self, rhs: ArrayView<'_, f64, D>) -> f64 {
        self * rhs.sum()
    }
}

impl<'a, 'b, D1, D2> SumProd<ArrayView<'b, f64, D2>> for ArrayView<'a, f64, D1>
where
    D1: Dimension + ndarray::DimMax<D2>,
    D2: Dimension,
    ArrayView<'a, f64, D1>:
        Elementwise<ArrayView<'b, f64, D2>, Out = Array<f64, <D1 as ndarray::DimMax<D2>>::Output>>,
{
    #[inline]
    fn sum_prod(self, rhs: ArrayView<'b, f64, D2>) -> f64 {
        if self.shape() == rhs.shape() {
            same_shape_dot(&self, &rhs)
        } else {
            self.mul2(rhs).sum()
        }
    }
}

/// `Σ a ⊙ b` for two arrays of the same shape, pairing elements in logical order whatever the
/// memory layouts, with eight partial sums so that the loop vectorises (a single running sum is
/// one dependent chain of additions: several times slower at these sizes).
fn same_shape_dot<D1: Dimension, D2: Dimension>(
    a: &ArrayView<'_, f64, D1>,
    b: &ArrayView<'_, f64, D2>,
) -> f64 {
    if let (Some(x), Some(y)) = (a.as_slice(), b.as_slice()) {
        return slice_dot(x, y);
    }
    if let (Ok(x), Ok(y)) = (
        a.view().into_dimensionality::<Ix1>(),
        b.view().into_dimensionality::<Ix1>(),
    ) {
        // Strided 1-D views, e.g. columns of a row-major matrix.
        assert_eq!(x.len(), y.len());
        // SAFETY: `lanes_dot` calls `term(i)` only for `i < x.len() == y.len()`.
        return lanes_dot(x.len(), |i| unsafe { x.uget(i) * y.uget(i) });
    }
    Zip::from(a.view().into_dyn())
        .and(b.view().into_dyn())
        .fold(0.0, |s, &x, &y| s + x * y)
}

/// `Σ x ⊙ y` over two slices of the same length, with eight interleaved partial sums (the same
/// additions in the same order whatever the vector width).
#[inline(always)]
fn slice_dot(x: &[f64], y: &[f64]) -> f64 {
    let mut partial = [0.0; 8];
    let (xs, ys) = (x.chunks_exact(8), y.chunks_exact(8));
    let tail: f64 = (xs.remainder().iter().zip(ys.remainder()))
        .map(|(x, y)| x * y)
        .sum();
    for (xc, yc) in xs.zip(ys) {
        for k in 0..8 {
            partial[k] += xc[k] * yc[k];
        }
    }
    partial.iter().sum::<f64>() + tail
}

/// `Σ_{i < n} term(i)` with eight interleaved partial sums.
#[inline(always)]
fn lanes_dot(n: usize, term: impl Fn(usize) -> f64) -> f64 {
    const LANES: usize = 8;
    let mut partial = [0.0; LANES];
    let whole = n - n % LANES;
    let mut i = 0;
    while i < whole {
        for (lane, p) in partial.iter_mut().enumerate() {
            *p += term(i + lane);
        }
        i += LANES;
    }
    let mut total = partial.iter().sum::<f64>();
    for j in whole..n {
        total += term(j);
    }
    total
}

/// `Σ a ⊙ b`: see [`SumProd`].
#[inline]
pub fn sum_prod<'a, 'b, A, B>(a: &'a A, b: &'b B) -> f64
where
    A: Lift + ?Sized,
    B: Lift + ?Sized,
    A::Out<'a>: SumProd<B::Out<'b>>,
{
    a.lift().sum_prod(b.lift())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AVX2 build of `Mᵀ g` gives exactly the portable build's result (where the CPU has
    /// AVX2; elsewhere both calls take the portable path).
    #[test]
    fn transposed_product_is_the_same_with_and_without_avx2() {
        for (rows, cols) in [(19, 5), (64, 33), (8, 1), (3, 7)] {
            let m: Vec<f64> = (0..rows * cols)
                .map(|i| ((i * 37) % 101) as f64 / 7.0 - 6.0)
                .collect();
            let g: Vec<f64> = (0..rows).map(|i| (i as f64 * 0.61).sin()).collect();
            let mut portable = vec![0.25; cols];
            rows_transposed_times_body(&m, cols, &g, &mut portable);
            let mut dispatched = vec![0.25; cols];
            rows_transposed_times(&m, cols, ArrayView1::from(&g[..]), &mut dispatched);
            assert_eq!(portable, dispatched, "{rows}×{cols}");
        }
    }
}
