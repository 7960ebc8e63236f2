//! Pullbacks of dot products, with the row-major `Mᵀ g` kernel.

use super::*;

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
