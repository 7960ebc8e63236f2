//! Pullbacks of `mapv`: with a math function (the derivative table) and with a closure.

use super::*;

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
