//! Pullbacks of reductions: `mean`, `sum`, `var`, `std`.

use super::*;

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
