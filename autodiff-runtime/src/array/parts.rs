//! Pullbacks of parts and reshapes: columns, rows, transposes, axes, slices.

use super::*;

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
