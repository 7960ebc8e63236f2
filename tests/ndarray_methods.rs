//! Everyday ndarray methods: `t()`, `sum_axis`/`mean_axis`/`insert_axis` with `Axis(k)`,
//! `slice(s![..])`, `mapv` with a closure, `fold`, `from_elem`/`from_vec`, `view()`/`to_owned()`
//! and `len()` on views, alone and combined (an MLP layer, a softmax cross-entropy), checked
//! against central finite differences at many points.
#![allow(clippy::all)]

mod common;

use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{Array, Array1, Array2, ArrayView1, ArrayView2, Axis, s};
// Programs are written as users write them (`powi(2)`, `1.0 - v`, ...).
use common::check;
use proptest::prelude::*;

fn mat(v: &[f64], r: usize, c: usize) -> Array2<f64> {
    Array2::from_shape_vec((r, c), v.to_vec()).unwrap()
}

fn vec1(v: &[f64]) -> Array1<f64> {
    Array1::from(v.to_vec())
}

/// The gradients' elements, in order, as one vector.
fn flat<'a>(parts: impl IntoIterator<Item = &'a [f64]>) -> Vec<f64> {
    parts.into_iter().flatten().copied().collect()
}

// ----- t() -----

#[differentiable]
fn transposes(m: ArrayView2<f64>, w: ArrayView2<f64>, x: ArrayView1<f64>) -> f64 {
    // m: 2×3, w: 4×3, x: 4
    let a = m.dot(&w.t());
    let b = w.t().dot(&x);
    let c = m.t();
    let d = x.t();
    (&a * &a).sum() + b.dot(&b.mapv(f64::sin)) + c.dot(&m).sum() + d.dot(&x) + c[[2, 1]]
}

// ----- sum_axis, mean_axis, insert_axis -----

#[differentiable]
fn axes(m: ArrayView2<f64>, s: f64) -> f64 {
    // m: 3×4
    let r = m.sum_axis(Axis(0));
    let c = m.mean_axis(Axis(1)).unwrap();
    let q = (&m * s).mean_axis(Axis(0)).unwrap();
    let col = c.view().insert_axis(Axis(1));
    let row = r.view().insert_axis(Axis(0));
    let centred = &m - &col;
    let spread = m.var_axis(Axis(0), 1.0).sum() + (&m * s).std_axis(Axis(1), 0.0).dot(&c);
    r.dot(&q)
        + (&c * &c).sum() * s
        + m.t().sum_axis(Axis(0)).mapv(f64::exp).sum()
        + (&centred * &row).sum()
        + centred.sum_axis(Axis(1)).sum()
        + spread
}

// ----- mapv with a closure -----

#[differentiable]
fn closures(x: ArrayView1<f64>, a: f64, b: f64) -> f64 {
    let k = 3;
    let y = x.mapv(|e| e * e);
    let z = x.mapv(|e| (a * e).sin() + b / (1.0 + e * e) + k as f64);
    let w = y.mapv(|v| v.max(0.5));
    let u = x.mapv(|e| if e > a { e * b } else { e.exp() - a });
    let c = 2.0 * a;
    let t = x.mapv(|e: f64| {
        let sq = e * c;
        sq.tanh() * b
    });
    // Only captured values active: the element is a constant array.
    let ones = Array1::from_elem(x.len(), 1.0);
    let p = ones.mapv(|o| o * a * b);
    // `map` takes the element by reference.
    let m1 = x.map(|v| v * a + v.sin());
    let m2 = x.map(|&v| v.powi(2) * b);
    y.sum() + z.dot(&w) + u.sum() * a + t.sum() + p.sum() + m1.dot(&m2)
}

#[differentiable]
fn closure_on_matrix(m: ArrayView2<f64>, s: f64) -> f64 {
    let e = m.mapv(|v| (v * s).exp());
    let r = m.mapv(|v| v.max(0.0) * s);
    e.sum() + r.sum() + e.mapv(|v| v.ln_1p()).mean().unwrap()
}

#[differentiable]
fn soft_sq(t: f64, k: f64) -> f64 {
    (t * k).tanh() * t
}

/// A closure that captures a value carried by a loop (recorded for the reverse sweep), reads a
/// `&f64` element, and calls another differentiable function.
#[differentiable]
fn closures_in_loops(x: ArrayView1<f64>, y: &[f64], a: f64) -> f64 {
    let mut s = a;
    for _ in 0..3 {
        s = 0.5 * s + x.mapv(|e| (e * s).sin()).mean().unwrap();
    }
    let mut t = 0.0;
    for v in y.iter() {
        t += x.mapv(|e| e * v + soft_sq(e, a)).sum();
    }
    s + t
}

// ----- ndarray's elementwise methods -----

#[differentiable]
fn elementwise(x: ArrayView1<f64>, m: ArrayView2<f64>, p: f64) -> f64 {
    let a = x.exp() + x.sin() * x.tanh();
    let b = x.powi(3) - m.pow2().sum_axis(Axis(0));
    let c = x.mapv(|e| e * e + 1.0).powf(p).ln();
    let d = x.clamp(-0.5, p) * x.hypot(p);
    let e = m.abs().sqrt().floor() + m.cos();
    a.sum() + b.dot(&c) + d.sum() * x.sqrt().mapv(f64::ln_1p).sum() + e.sum()
}

// ----- slice -----

#[differentiable]
fn slices(x: ArrayView1<f64>, m: ArrayView2<f64>) -> f64 {
    // x: 5, m: 3×3
    let n = x.len();
    let d = &x.slice(s![1..]) - &x.slice(s![..n - 1]);
    let col: ArrayView1<f64> = m.slice(s![.., 1]);
    let blk = m.slice(s![1.., ..2]);
    let ev = x.slice(s![..;2]);
    let last = x.slice(s![-2..]);
    d.mapv(|v| v * v).sum()
        + col.dot(&col)
        + blk.sum() * ev.sum()
        + x.slice(s![1..=3]).dot(&col)
        + last.dot(&last)
        + m.slice(s![2usize, ..]).sum()
}

// ----- from_elem, from_vec, view, to_owned, len -----

#[differentiable]
fn constructors(x: ArrayView1<f64>, c: f64) -> f64 {
    let n = x.len();
    let mut y = Array1::from_elem(n, c);
    for i in 1..n {
        y[i] = y[i - 1] * 0.5 + x[i] * c;
    }
    let b = Array2::from_elem((2, n), c * c);
    let v = x.view();
    let o = x.to_owned();
    let mut h = vec![0.0; n];
    for i in 0..n {
        h[i] = x[i].sin();
    }
    let hv = Array1::from_vec(h);
    let any1 = Array::from_elem(n, c.sin());
    let any2 = Array::from_elem((n, 2), c);
    let typed =
        Array1::<f64>::from_elem(n, 2.0 * c) + Array1::<f64>::ones(n) * c - Array1::<f64>::zeros(n);
    let mut ones: Array2<f64> = Array2::ones((n, 2));
    ones[[1, 1]] = c * x[0];
    let ones_sum = ones.sum() + Array::<f64, _>::ones((2, 2)).sum() * c;
    let lens = (x.slice(s![1..]).len() + x.view().len() + any2.t().len()) as f64;
    y.sum()
        + b.dot(&x).sum()
        + v.len() as f64 * o.dot(&y)
        + hv.dot(&v)
        + x.t().len() as f64
        + any1.dot(&x)
        + x.dot(&any2).sum()
        + typed.dot(&x) * lens
        + ones_sum
}

// ----- broadcast, len_of -----

#[differentiable]
fn broadcasts(x: ArrayView1<f64>, m: ArrayView2<f64>, s: f64) -> f64 {
    // x: 3, m: 2×3
    let rows = m.len_of(Axis(0));
    let b = x.broadcast((rows, 3)).unwrap();
    let xs = &x * s;
    let c = xs.broadcast((2, x.len())).unwrap();
    let col = m.sum_axis(Axis(1)).insert_axis(Axis(1));
    let wide = col.broadcast((2, 3)).unwrap();
    (&b * &m).sum() + (&c * &c).sum() + (&wide * &b).sum() + m.len_of(Axis(1)) as f64 * s
}

// ----- fold -----

#[differentiable]
fn folds(x: ArrayView1<f64>, s: f64) -> f64 {
    let mx = x.fold(f64::NEG_INFINITY, |m, &e| m.max(e));
    let mn = x.fold(f64::INFINITY, |m, e| m.min(e * s));
    // log-sum-exp, shifted by the largest element (a captured active value)
    let lse = x.mapv(|e| (e - mx).exp()).sum().ln() + mx;
    mx * s + mn + lse
}

/// Forms a user writes: a closure that returns early, one that captures an integer, a bool and
/// a constant, one whose `let` shadows a captured name; folds whose accumulator is named like
/// the receiver, over an expression, with the element by reference.
#[differentiable]
fn closure_and_fold_forms(x: ArrayView1<f64>, s: f64) -> f64 {
    let k = 2;
    let flip = s > 0.0;
    let clipped = x.mapv(|e| {
        if e < -1.0 {
            return -1.0;
        }
        e * s
    });
    let powered = x.mapv(|e| {
        let v = if flip { e.powi(k) } else { -e } * std::f64::consts::PI;
        v + (k + 1) as f64 * e
    });
    let shadow = x.mapv(|e| {
        let s = e * 3.0;
        s * s
    });
    // A loop inside the closure (its product recorded per element).
    let looped = x.mapv(|e| {
        let mut p = 1.0;
        for j in 0..k + 1 {
            p = p * (e + j as f64 * s).cos();
        }
        p
    });
    let m = &x * s;
    let big = m.fold(f64::NEG_INFINITY, |m, &e| m.max(e));
    let total = (&x + 1.0).fold(0.0, |acc, e| acc + e * s);
    // A matrix folds in row-major order.
    let outer = Array2::from_elem((2, 2), s) * &x.slice(s![..2]);
    let mat_max = outer.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
    let mat_sum = outer.fold(0.0, |a, b| a + b * b);
    // A new array from f64 values.
    let v = Array1::from_vec(vec![s, x[0] * s, big]);
    let mut w = Array1::from_vec(vec![1.0, s]);
    w[0] = w[1] * x[1];
    clipped.sum()
        + powered.sum()
        + shadow.sum() * s
        + looped.sum()
        + big
        + total
        + mat_max
        + mat_sum
        + v.dot(&v)
        + w.sum()
}

// ----- combinations -----

/// One hidden ReLU layer and a squared loss: x is n×d, w1 h×d, b1 h, w2 h.
#[differentiable]
fn mlp(
    w1: ArrayView2<f64>,
    b1: ArrayView1<f64>,
    w2: ArrayView1<f64>,
    x: ArrayView2<f64>,
    y: ArrayView1<f64>,
) -> f64 {
    let h = (x.dot(&w1.t()) + &b1).mapv(|v| v.max(0.0));
    let pred = h.dot(&w2);
    let err = &pred - &y;
    err.mapv(|e| e * e).mean().unwrap()
}

/// Softmax cross-entropy of a linear model: x is n×d, w d×k, labels n×k (one-hot).
#[differentiable]
fn softmax_ce(w: ArrayView2<f64>, x: ArrayView2<f64>, labels: ArrayView2<f64>) -> f64 {
    let z = x.dot(&w);
    let e = z.mapv(f64::exp);
    let total = e.sum_axis(Axis(1));
    let p = &e / &total.insert_axis(Axis(1));
    -(&labels * &p.mapv(|q| q.ln()))
        .sum_axis(Axis(1))
        .mean()
        .unwrap()
}

/// Logistic regression with an L2 penalty written with `t()` and a closure.
#[differentiable]
fn logistic(w: ArrayView1<f64>, x: ArrayView2<f64>, y: ArrayView1<f64>, lambda: f64) -> f64 {
    let z = x.t().t().dot(&w);
    let p = z.mapv(|v| 1.0 / (1.0 + (-v).exp()));
    let ll = &y * &p.mapv(f64::ln) + &y.mapv(|t| 1.0 - t) * &p.mapv(|q| (1.0 - q).ln());
    -ll.mean().unwrap() + lambda * w.mapv(|v| v * v).sum()
}

// ----- programs as a user writes them -----

#[differentiable]
fn gauss_nll(mu: f64, log_sigma: f64, data: ArrayView1<f64>) -> f64 {
    let sigma = log_sigma.exp();
    let n = data.len() as f64;
    let z = data.mapv(|x| (x - mu) / sigma);
    0.5 * z.mapv(|v| v * v).sum() + n * log_sigma + 0.5 * n * (2.0 * std::f64::consts::PI).ln()
}

#[differentiable]
fn linreg(w: ArrayView1<f64>, b: f64, x: ArrayView2<f64>, y: ArrayView1<f64>) -> f64 {
    let pred = x.dot(&w) + b;
    let resid = &pred - &y;
    resid.mapv(|r| r.powi(2)).mean().unwrap() + 0.01 * w.dot(&w)
}

#[differentiable]
fn softmax_stable(w: ArrayView2<f64>, x: ArrayView2<f64>, labels: ArrayView1<f64>) -> f64 {
    let logits = x.dot(&w);
    let mx = logits.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
    let e = logits.mapv(|z| (z - mx).exp());
    let denom = e.sum_axis(Axis(1));
    let logp = &logits - mx - &denom.mapv(f64::ln).insert_axis(Axis(1));
    let mut loss = 0.0;
    for i in 0..labels.len() {
        let k = labels[i] as usize;
        loss -= logp[[i, k]];
    }
    loss / labels.len() as f64
}

#[differentiable]
fn rosen(x: ArrayView1<f64>) -> f64 {
    let a = x.slice(s![..-1]);
    let b = x.slice(s![1..]);
    let t1 = (&b - &a.mapv(|v| v * v)).mapv(|v| 100.0 * v * v);
    let t2 = a.mapv(|v| (1.0 - v).powi(2));
    t1.sum() + t2.sum()
}

#[differentiable]
fn attention(q: ArrayView2<f64>, k: ArrayView2<f64>, v: ArrayView2<f64>) -> f64 {
    let d = q.ncols() as f64;
    let scores = q.dot(&k.t()) / d.sqrt();
    let e = scores.mapv(f64::exp);
    let p = &e / &e.sum_axis(Axis(1)).insert_axis(Axis(1));
    let out = p.dot(&v);
    out.mapv(|o| o * o).sum()
}

#[differentiable]
fn batchnorm(x: ArrayView2<f64>, gamma: f64, beta: f64) -> f64 {
    let mu = x.mean_axis(Axis(0)).unwrap();
    let centered = &x - &mu;
    let var = centered.mapv(|c| c * c).mean_axis(Axis(0)).unwrap();
    let xhat = &centered / &var.mapv(|v| (v + 1e-5).sqrt());
    let y = xhat.mapv(|h| gamma * h + beta);
    y.mapv(|t| t.tanh()).sum()
}

// ----- the checks, one per function: false where the point is on a kink -----

fn case_transposes(v: &[f64]) -> bool {
    let f = |u: &[f64]| {
        transposes(
            mat(&u[..6], 2, 3).view(),
            mat(&u[6..18], 4, 3).view(),
            vec1(&u[18..22]).view(),
        )
    };
    let (gm, gw, gx) = grad_transposes(
        mat(&v[..6], 2, 3).view(),
        mat(&v[6..18], 4, 3).view(),
        vec1(&v[18..22]).view(),
    );
    assert_eq!(gm.shape(), &[2, 3]);
    assert_eq!(gw.shape(), &[4, 3]);
    let g = flat([
        gm.as_slice().unwrap(),
        gw.as_slice().unwrap(),
        gx.as_slice().unwrap(),
    ]);
    check("transposes", &f, &g, &v[..22])
}

fn case_axes(v: &[f64]) -> bool {
    let f = |u: &[f64]| axes(mat(&u[..12], 3, 4).view(), u[12]);
    let (gm, gs) = grad_axes(mat(&v[..12], 3, 4).view(), v[12]);
    check(
        "axes",
        &f,
        &flat([gm.as_slice().unwrap(), &[gs][..]]),
        &v[..13],
    )
}

fn case_closures(v: &[f64]) -> bool {
    let f = |u: &[f64]| closures(vec1(&u[..4]).view(), u[4], u[5]);
    let (gx, ga, gb) = grad_closures(vec1(&v[..4]).view(), v[4], v[5]);
    check(
        "closures",
        &f,
        &flat([gx.as_slice().unwrap(), &[ga, gb][..]]),
        &v[..6],
    )
}

fn case_closure_on_matrix(v: &[f64]) -> bool {
    let f = |u: &[f64]| closure_on_matrix(mat(&u[..4], 2, 2).view(), u[4]);
    let (gm, gs) = grad_closure_on_matrix(mat(&v[..4], 2, 2).view(), v[4]);
    check(
        "closure_on_matrix",
        &f,
        &flat([gm.as_slice().unwrap(), &[gs][..]]),
        &v[..5],
    )
}

fn case_closures_in_loops(v: &[f64]) -> bool {
    let f = |u: &[f64]| closures_in_loops(vec1(&u[..3]).view(), &u[3..5], u[5]);
    let (gx, gy, ga) = grad_closures_in_loops(vec1(&v[..3]).view(), &v[3..5], v[5]);
    check(
        "closures_in_loops",
        &f,
        &flat([gx.as_slice().unwrap(), &gy[..], &[ga][..]]),
        &v[..6],
    )
}

fn case_elementwise(v: &[f64]) -> bool {
    // x > 0 (for sqrt), p > 0
    let pt: Vec<f64> = v[..10].iter().map(|t| t.abs() + 0.1).collect();
    let f = |u: &[f64]| elementwise(vec1(&u[..3]).view(), mat(&u[3..9], 2, 3).view(), u[9]);
    let (gx, gm, gp) = grad_elementwise(vec1(&pt[..3]).view(), mat(&pt[3..9], 2, 3).view(), pt[9]);
    check(
        "elementwise",
        &f,
        &flat([gx.as_slice().unwrap(), gm.as_slice().unwrap(), &[gp][..]]),
        &pt,
    )
}

fn case_slices(v: &[f64]) -> bool {
    let f = |u: &[f64]| slices(vec1(&u[..5]).view(), mat(&u[5..14], 3, 3).view());
    let (gx, gm) = grad_slices(vec1(&v[..5]).view(), mat(&v[5..14], 3, 3).view());
    check(
        "slices",
        &f,
        &flat([gx.as_slice().unwrap(), gm.as_slice().unwrap()]),
        &v[..14],
    )
}

fn case_broadcasts(v: &[f64]) -> bool {
    let f = |u: &[f64]| broadcasts(vec1(&u[..3]).view(), mat(&u[3..9], 2, 3).view(), u[9]);
    let (gx, gm, gs) = grad_broadcasts(vec1(&v[..3]).view(), mat(&v[3..9], 2, 3).view(), v[9]);
    check(
        "broadcasts",
        &f,
        &flat([gx.as_slice().unwrap(), gm.as_slice().unwrap(), &[gs][..]]),
        &v[..10],
    )
}

fn case_constructors(v: &[f64]) -> bool {
    let f = |u: &[f64]| constructors(vec1(&u[..4]).view(), u[4]);
    let (gx, gc) = grad_constructors(vec1(&v[..4]).view(), v[4]);
    check(
        "constructors",
        &f,
        &flat([gx.as_slice().unwrap(), &[gc][..]]),
        &v[..5],
    )
}

fn case_folds(v: &[f64]) -> bool {
    let f = |u: &[f64]| folds(vec1(&u[..5]).view(), u[5]);
    let (gx, gs) = grad_folds(vec1(&v[..5]).view(), v[5]);
    check(
        "folds",
        &f,
        &flat([gx.as_slice().unwrap(), &[gs][..]]),
        &v[..6],
    )
}

fn case_closure_and_fold_forms(v: &[f64]) -> bool {
    let f = |u: &[f64]| closure_and_fold_forms(vec1(&u[..4]).view(), u[4]);
    let (gx, gs) = grad_closure_and_fold_forms(vec1(&v[..4]).view(), v[4]);
    check(
        "closure_and_fold_forms",
        &f,
        &flat([gx.as_slice().unwrap(), &[gs][..]]),
        &v[..5],
    )
}

fn case_mlp(v: &[f64]) -> bool {
    // w1 3×2, b1 3, w2 3, x 4×2, y 4
    let split = |u: &[f64]| {
        (
            mat(&u[..6], 3, 2),
            vec1(&u[6..9]),
            vec1(&u[9..12]),
            mat(&u[12..20], 4, 2),
            vec1(&u[20..24]),
        )
    };
    let f = |u: &[f64]| {
        let (a, b, c, d, e) = split(u);
        mlp(a.view(), b.view(), c.view(), d.view(), e.view())
    };
    let (a, b, c, d, e) = split(v);
    let (g1, gb, g2, gx, gy) = grad_mlp(a.view(), b.view(), c.view(), d.view(), e.view());
    let g = flat([
        g1.as_slice().unwrap(),
        gb.as_slice().unwrap(),
        g2.as_slice().unwrap(),
        gx.as_slice().unwrap(),
        gy.as_slice().unwrap(),
    ]);
    check("mlp", &f, &g, &v[..24])
}

fn case_softmax(v: &[f64], c: usize) -> bool {
    // w 2×3, x 4×2, labels 4×3 one-hot (class (i + c) % 3)
    let mut labels = Array2::zeros((4, 3));
    for i in 0..4 {
        labels[[i, (i + c) % 3]] = 1.0;
    }
    let f = |u: &[f64]| {
        softmax_ce(
            mat(&u[..6], 2, 3).view(),
            mat(&u[6..14], 4, 2).view(),
            labels.view(),
        )
    };
    let (gw, gx, _) = grad_softmax_ce(
        mat(&v[..6], 2, 3).view(),
        mat(&v[6..14], 4, 2).view(),
        labels.view(),
    );
    check(
        "softmax_ce",
        &f,
        &flat([gw.as_slice().unwrap(), gx.as_slice().unwrap()]),
        &v[..14],
    )
}

fn case_logistic(v: &[f64]) -> bool {
    // w 2, x 4×2, y 4 in {0, 1}, lambda ≥ 0
    let y = vec1(&[0.0, 1.0, 1.0, 0.0]);
    let pt: Vec<f64> = v[..10].iter().copied().chain([v[10].abs()]).collect();
    let f = |u: &[f64]| {
        logistic(
            vec1(&u[..2]).view(),
            mat(&u[2..10], 4, 2).view(),
            y.view(),
            u[10],
        )
    };
    let (gw, gx, _, gl) = grad_logistic(
        vec1(&pt[..2]).view(),
        mat(&pt[2..10], 4, 2).view(),
        y.view(),
        pt[10],
    );
    check(
        "logistic",
        &f,
        &flat([gw.as_slice().unwrap(), gx.as_slice().unwrap(), &[gl][..]]),
        &pt,
    )
}

fn case_user_programs(v: &[f64]) -> bool {
    let mut all = true;
    let f = |u: &[f64]| gauss_nll(u[0], u[1], vec1(&u[2..8]).view());
    let (gm, gs, gd) = grad_gauss_nll(v[0], v[1], vec1(&v[2..8]).view());
    all &= check(
        "gauss_nll",
        &f,
        &flat([&[gm, gs][..], gd.as_slice().unwrap()]),
        &v[..8],
    );

    let f = |u: &[f64]| {
        linreg(
            vec1(&u[..2]).view(),
            u[2],
            mat(&u[3..11], 4, 2).view(),
            vec1(&u[11..15]).view(),
        )
    };
    let (gw, gb, gx, gy) = grad_linreg(
        vec1(&v[..2]).view(),
        v[2],
        mat(&v[3..11], 4, 2).view(),
        vec1(&v[11..15]).view(),
    );
    let g = flat([
        gw.as_slice().unwrap(),
        &[gb][..],
        gx.as_slice().unwrap(),
        gy.as_slice().unwrap(),
    ]);
    all &= check("linreg", &f, &g, &v[..15]);

    let labels = vec1(&[0.0, 1.0, 1.0, 0.0]);
    let f = |u: &[f64]| {
        softmax_stable(
            mat(&u[..6], 3, 2).view(),
            mat(&u[6..18], 4, 3).view(),
            labels.view(),
        )
    };
    let (gw, gx, _) = grad_softmax_stable(
        mat(&v[..6], 3, 2).view(),
        mat(&v[6..18], 4, 3).view(),
        labels.view(),
    );
    all &= check(
        "softmax_stable",
        &f,
        &flat([gw.as_slice().unwrap(), gx.as_slice().unwrap()]),
        &v[..18],
    );

    let f = |u: &[f64]| rosen(vec1(&u[..5]).view());
    let g = grad_rosen(vec1(&v[..5]).view());
    all &= check("rosen", &f, g.as_slice().unwrap(), &v[..5]);

    let f = |u: &[f64]| {
        attention(
            mat(&u[..6], 3, 2).view(),
            mat(&u[6..14], 4, 2).view(),
            mat(&u[14..22], 4, 2).view(),
        )
    };
    let (gq, gk, gv) = grad_attention(
        mat(&v[..6], 3, 2).view(),
        mat(&v[6..14], 4, 2).view(),
        mat(&v[14..22], 4, 2).view(),
    );
    let g = flat([
        gq.as_slice().unwrap(),
        gk.as_slice().unwrap(),
        gv.as_slice().unwrap(),
    ]);
    all &= check("attention", &f, &g, &v[..22]);

    let f = |u: &[f64]| batchnorm(mat(&u[..6], 3, 2).view(), u[6], u[7]);
    let (gx, gg, gb) = grad_batchnorm(mat(&v[..6], 3, 2).view(), v[6], v[7]);
    all &= check(
        "batchnorm",
        &f,
        &flat([gx.as_slice().unwrap(), &[gg, gb][..]]),
        &v[..8],
    );
    all
}

/// Every case at `n` deterministic points in [-1.5, 1.5]; each must be checked (not on a kink)
/// at 80 % of them or more.
#[test]
fn every_construct_matches_finite_differences_at_many_points() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 * 3.0 - 1.5
    };
    let cases: [(&str, &dyn Fn(&[f64]) -> bool); 16] = [
        ("elementwise", &case_elementwise),
        ("user programs", &case_user_programs),
        ("closure_and_fold_forms", &case_closure_and_fold_forms),
        ("broadcasts", &case_broadcasts),
        ("closures_in_loops", &case_closures_in_loops),
        ("transposes", &case_transposes),
        ("axes", &case_axes),
        ("closures", &case_closures),
        ("closure_on_matrix", &case_closure_on_matrix),
        ("slices", &case_slices),
        ("constructors", &case_constructors),
        ("folds", &case_folds),
        ("mlp", &case_mlp),
        ("softmax_ce", &|v: &[f64]| case_softmax(v, 1)),
        ("logistic", &case_logistic),
        ("softmax_ce (other labels)", &|v: &[f64]| case_softmax(v, 2)),
    ];
    let n = 40;
    for (name, case) in cases {
        let checked = (0..n)
            .filter(|_| {
                let v: Vec<f64> = (0..24).map(|_| next()).collect();
                case(&v)
            })
            .count();
        assert!(
            checked * 5 >= n * 4,
            "{name}: only {checked} of {n} points were smooth"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_points_match(v in proptest::collection::vec(-1.5f64..1.5, 24), c in 0usize..3) {
        case_transposes(&v);
        case_axes(&v);
        case_closures(&v);
        case_closure_on_matrix(&v);
        case_closures_in_loops(&v);
        case_slices(&v);
        case_elementwise(&v);
        case_constructors(&v);
        case_broadcasts(&v);
        case_folds(&v);
        case_closure_and_fold_forms(&v);
        case_user_programs(&v);
        case_mlp(&v);
        case_softmax(&v, c);
        case_logistic(&v);
    }
}

/// The values are those of the function itself, bit for bit.
#[test]
fn values_are_the_functions() {
    let m = mat(
        &[
            0.3, -0.2, 0.9, 1.1, -0.7, 0.4, 0.25, 0.5, -1.0, 0.8, 0.6, -0.3,
        ],
        3,
        4,
    );
    let (v, _) = value_and_grad_axes(m.view(), 0.7);
    assert_eq!(v.to_bits(), axes(m.view(), 0.7).to_bits());
    let x = vec1(&[0.3, -0.9, 1.2, 0.1]);
    let (v, _) = value_and_grad_closures(x.view(), 0.4, -0.6);
    assert_eq!(v.to_bits(), closures(x.view(), 0.4, -0.6).to_bits());
    let (y, mm) = (
        vec1(&[0.3, 0.9, 1.2]),
        mat(&[0.2, 1.5, 0.7, 2.1, 0.4, 1.1], 2, 3),
    );
    let (v, _) = value_and_grad_elementwise(y.view(), mm.view(), 0.8);
    assert_eq!(v.to_bits(), elementwise(y.view(), mm.view(), 0.8).to_bits());
}

// ----- ranges of slices, Vecs and fixed arrays -----

#[differentiable]
fn inner(a: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..a.len() {
        s += (a[i] * w).sin();
    }
    s
}

#[differentiable]
fn std_ranges(x: &[f64], v: Vec<f64>, f: [f64; 4], w: f64) -> f64 {
    let n = x.len();
    let head = &x[..n - 1];
    let tail = &x[1..];
    let mut d = 0.0;
    for i in 0..head.len() {
        d += (tail[i] - head[i]).powi(2);
    }
    let mut t = 0.0;
    for e in v[1..=2].iter() {
        t += e * w;
    }
    d + t + inner(&f[2..], w) + inner(&x[1..3], 2.0) + v[2..].len() as f64
}

#[test]
fn ranges_of_slices_match_finite_differences() {
    let mut smooth = 0;
    for k in 0..30 {
        let p: Vec<f64> = (0..14)
            .map(|i| ((i * 7 + k * 13) as f64 * 0.731).sin() * 1.4)
            .collect();
        let f = |u: &[f64]| {
            std_ranges(
                &u[..5],
                u[5..9].to_vec(),
                [u[9], u[10], u[11], u[12]],
                u[13],
            )
        };
        let (gx, gv, gf, gw) = grad_std_ranges(
            &p[..5],
            p[5..9].to_vec(),
            [p[9], p[10], p[11], p[12]],
            p[13],
        );
        let g = flat([&gx[..], &gv[..], &gf[..], &[gw][..]]);
        smooth += check("std_ranges", &f, &g, &p) as usize;
    }
    assert!(smooth >= 25, "only {smooth} of 30 points were smooth");
}
