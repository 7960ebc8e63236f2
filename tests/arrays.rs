//! The array part of the contract: every parameter type, index reads, loops over elements,
//! whole-array expressions and the array methods, checked against central finite differences.
// These tests write every syntactic form the contract allows (`s = s * x`, `x as f64`, `&x[..]`,
// loops over indices ...), including the forms clippy would rewrite.
#![allow(clippy::all)]

mod common;

use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{Array1, Array2, ArrayView1, ArrayView2, array};
use common::check;
use proptest::prelude::*;

// ----- parameter types and their gradient types -----

#[differentiable]
fn slice_param(x: &[f64], y: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += (x[i] * y).sin() * x[i];
    }
    s
}

#[differentiable]
fn vec_param(x: Vec<f64>) -> f64 {
    let mut s = 1.0;
    for &v in x.iter() {
        s = s * v + 0.5;
    }
    s
}

#[differentiable]
fn fixed_param(x: [f64; 3]) -> f64 {
    x[0] * x[1] - x[2].exp() + x[0] / x[2]
}

#[differentiable]
fn view1_param(x: ArrayView1<f64>, w: &Array1<f64>) -> f64 {
    x.dot(w) + (&x * &x).sum() * w[0]
}

#[differentiable]
fn owned1_param(x: Array1<f64>) -> f64 {
    let y = x.mapv(f64::tanh);
    y.sum() + x[1] * y[0]
}

#[differentiable]
fn view2_param(m: ArrayView2<f64>, v: ArrayView1<f64>) -> f64 {
    let p = m.dot(&v);
    (&p * &p).sum() + m[[0, 1]] * m.column(1).sum() - m.row(0).mean().unwrap()
}

#[differentiable]
fn ref2_param(m: &Array2<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..m.nrows() {
        for j in 0..m.ncols() {
            s += m[[i, j]] * (i + 2 * j) as f64;
        }
    }
    s * m.shape()[0] as f64 + m.dot(m).sum()
}

#[differentiable]
fn owned2_param(m: Array2<f64>, s: f64) -> f64 {
    let a = &m * s + 1.0;
    let b = (&a / 2.0 - &m).mapv(f64::sin);
    b.var(0.0) + a.std(1.0) + (-&b).sum() * s
}

#[test]
fn gradient_types_follow_the_parameter_types() {
    let x = [0.3, -0.7, 1.1];
    let (gx, gy): (Vec<f64>, f64) = grad_slice_param(&x, 0.4);
    assert_eq!(gx.len(), 3);
    let f = |v: &[f64]| slice_param(&v[..3], v[3]);
    assert!(check(
        "slice",
        &f,
        &[gx.as_slice(), &[gy]].concat(),
        &[0.3, -0.7, 1.1, 0.4]
    ));

    let g: Vec<f64> = grad_vec_param(x.to_vec());
    assert!(check("vec", &|v: &[f64]| vec_param(v.to_vec()), &g, &x));

    let g: [f64; 3] = grad_fixed_param([0.3, 0.7, 1.1]);
    assert!(check(
        "fixed",
        &|v: &[f64]| fixed_param([v[0], v[1], v[2]]),
        &g,
        &[0.3, 0.7, 1.1]
    ));

    let (xa, wa) = (array![0.3, -0.7, 1.1], array![0.5, 0.2, -0.4]);
    let (gx, gw): (Array1<f64>, Array1<f64>) = grad_view1_param(xa.view(), &wa);
    let f = |v: &[f64]| {
        view1_param(
            Array1::from(v[..3].to_vec()).view(),
            &Array1::from(v[3..].to_vec()),
        )
    };
    let both: Vec<f64> = gx.iter().chain(gw.iter()).copied().collect();
    assert!(check("view1", &f, &both, &[0.3, -0.7, 1.1, 0.5, 0.2, -0.4]));

    let g: Array1<f64> = grad_owned1_param(xa.clone());
    assert!(check(
        "owned1",
        &|v: &[f64]| owned1_param(Array1::from(v.to_vec())),
        g.as_slice().unwrap(),
        &[0.3, -0.7, 1.1]
    ));
}

fn mat(v: &[f64], r: usize, c: usize) -> Array2<f64> {
    Array2::from_shape_vec((r, c), v.to_vec()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn matrices_match_finite_differences(v in proptest::collection::vec(-1.5f64..1.5, 12)) {
        let m = mat(&v[..6], 2, 3);
        let w = Array1::from(v[6..9].to_vec());
        let (gm, gw): (Array2<f64>, Array1<f64>) = grad_view2_param(m.view(), w.view());
        let f = |u: &[f64]| view2_param(mat(&u[..6], 2, 3).view(), Array1::from(u[6..9].to_vec()).view());
        let both: Vec<f64> = gm.iter().chain(gw.iter()).copied().collect();
        check("view2", &f, &both, &v[..9]);

        let sq = mat(&v[..9], 3, 3);
        let g: Array2<f64> = grad_ref2_param(&sq);
        check("ref2", &|u: &[f64]| ref2_param(&mat(u, 3, 3)), g.as_slice().unwrap(), &v[..9]);

        let (g, gs): (Array2<f64>, f64) = grad_owned2_param(m.clone(), v[11]);
        let f = |u: &[f64]| owned2_param(mat(&u[..6], 2, 3), u[6]);
        let both: Vec<f64> = g.iter().copied().chain([gs]).collect();
        check("owned2", &f, &both, &[&v[..6], &[v[11]]].concat());
    }
}

// ----- whole-array arithmetic in owned and & forms, with scalars -----

#[differentiable]
fn arithmetic_forms(x: ArrayView1<f64>, y: ArrayView1<f64>, s: f64) -> f64 {
    let a = &x + &y;
    let b = &a * s - &y;
    let c = b / (1.0 + s * s);
    let d = 2.0 * &c + &x / s;
    let e = s - &d;
    let f = &e * &x / &(&y + 3.0);
    f.sum() + e.mean().unwrap() * c.dot(&x)
}

#[differentiable]
fn element_loops(x: &[f64], y: ArrayView1<f64>) -> f64 {
    let mut s = 0.0;
    for v in x.iter() {
        s += v * v.sin();
    }
    for &v in &y {
        s += v.exp() * x[0];
    }
    for v in &x[..] {
        s += *v / 3.0 + v.cos();
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arithmetic_matches_finite_differences(v in proptest::collection::vec(0.1f64..2.0, 7)) {
        let f = |u: &[f64]| arithmetic_forms(
            Array1::from(u[..3].to_vec()).view(),
            Array1::from(u[3..6].to_vec()).view(),
            u[6],
        );
        let (gx, gy, gs) = grad_arithmetic_forms(
            Array1::from(v[..3].to_vec()).view(),
            Array1::from(v[3..6].to_vec()).view(),
            v[6],
        );
        let all: Vec<f64> = gx.iter().chain(gy.iter()).copied().chain([gs]).collect();
        check("arithmetic_forms", &f, &all, &v);

        let f = |u: &[f64]| element_loops(&u[..4], Array1::from(u[4..].to_vec()).view());
        let (gx, gy) = grad_element_loops(&v[..4], Array1::from(v[4..].to_vec()).view());
        let all: Vec<f64> = gx.iter().chain(gy.iter()).copied().collect();
        check("element_loops", &f, &all, &v);
    }
}

// ----- where an array's adjoint is created: by its first contribution, or as a zero before
// a loop or branch whose reverse touches it first -----

#[differentiable]
fn adjoint_creation(x: ArrayView1<f64>, m: ArrayView2<f64>, s: f64) -> f64 {
    // Used twice by one statement: created by the first contribution, then accumulated.
    let y = x.mapv(f64::sin);
    let sq = &y * &y;
    // Last used inside a loop (an element read): zeroed before the loop's reverse.
    let z = &x * s;
    let mut acc = 0.0;
    for i in 0..z.len() {
        acc += z[i] * y[i];
    }
    // Last used in a branch.
    let w = &x + 1.0;
    if s > 0.0 {
        acc += w.sum() * s;
    } else {
        acc -= w.mean().unwrap();
    }
    // A broadcast: the matrix-shaped contribution is summed back to `x`'s shape.
    let b = &m * &x;
    // Defined and used inside a loop body.
    for k in 0..2 {
        let t = &y * (k as f64 + s);
        acc += t.dot(&x);
    }
    // The statement's own adjoint moved into the operand's (`u = &v + 0.0`).
    let v = &y / s;
    let u = &v + 0.0;
    acc + sq.sum() + b.sum() * y.sum() + z.sum() + u.var(0.0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn adjoints_created_anywhere_match_finite_differences(
        v in proptest::collection::vec(-1.5f64..1.5, 10),
        s in prop_oneof![0.3f64..1.7, -1.7f64..-0.3],
    ) {
        let f = |u: &[f64]| adjoint_creation(
            Array1::from(u[..3].to_vec()).view(),
            mat(&u[3..9], 2, 3).view(),
            u[9],
        );
        let m = mat(&v[3..9], 2, 3);
        let (gx, gm, gs) = grad_adjoint_creation(Array1::from(v[..3].to_vec()).view(), m.view(), s);
        let all: Vec<f64> = gx.iter().chain(gm.iter()).copied().chain([gs]).collect();
        check("adjoint_creation", &f, &all, &[&v[..9], &[s]].concat());
    }
}

// ----- `var`/`std` contributions absorbing the broadcasts of `mean`/`sum` of the same array -----

#[differentiable]
fn moments(x: ArrayView1<f64>, m: ArrayView2<f64>, s: f64) -> f64 {
    // mean after std, and before it
    let y = &x * s;
    let z = (y.mean().unwrap() - 0.5) / y.std(0.0);
    let w = x.mapv(f64::exp);
    let q = w.std(1.0) * 2.0 + w.mean().unwrap() * w.sum();
    // only broadcasts
    let u = &x + s;
    let r = u.sum() * u.mean().unwrap();
    // two deviations of one array, and a variance beside another use of the array
    let v = &m * s;
    let t = v.std(0.0) + v.var(1.0) + (&v * 2.0).sum() + v.mean().unwrap();
    z + q + r + t
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn folded_moments_match_finite_differences(
        v in proptest::collection::vec(-1.5f64..1.5, 10),
        s in 0.3f64..1.7,
    ) {
        let f = |u: &[f64]| moments(
            Array1::from(u[..4].to_vec()).view(),
            mat(&u[4..10], 2, 3).view(),
            u[10],
        );
        let m = mat(&v[4..10], 2, 3);
        let (gx, gm, gs) = grad_moments(Array1::from(v[..4].to_vec()).view(), m.view(), s);
        let all: Vec<f64> = gx.iter().chain(gm.iter()).copied().chain([gs]).collect();
        check("moments", &f, &all, &[&v[..10], &[s]].concat());
    }
}

// ----- local arrays filled element by element, then used -----

#[differentiable(wrt(theta))]
fn sharpe_built(theta: f64, returns: ArrayView2<f64>) -> f64 {
    let t = returns.nrows();
    let mut r = Array1::zeros(t);
    for i in 0..t {
        r[i] = (returns[[i, 0]] + returns[[i, 1]] * theta) / (1.0 + theta);
    }
    r.mean().unwrap() / r.std(0.0)
}

#[differentiable]
fn fill_then_use(x: &[f64], s: f64) -> f64 {
    let n = x.len();
    let mut y = vec![0.0; n];
    let mut m = Array2::zeros((2, n));
    for i in 0..n {
        y[i] = x[i] * s;
        y[i] += x[i].sin();
        m[[0, i]] = x[i];
        m[[1, i]] -= s * x[i];
        if x[i] > 0.5 {
            y[i] = s * s;
        }
    }
    let mut t = 0.0;
    for &v in y.iter() {
        t += v * v;
    }
    t + m.sum() * m[[1, 0]]
}

#[test]
fn local_arrays_written_then_read() {
    let returns = autodiff_examples::reference::returns().expect("reference data");
    for theta in [0.1, 1.0, 2.3339, 7.0] {
        let g = grad_sharpe_built(theta, returns.view());
        let want = autodiff_examples::portfolio::grad_sharpe_ratio(theta, returns.view());
        approx::assert_relative_eq!(g, want, max_relative = 1e-12);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, max_global_rejects: 4096, ..ProptestConfig::default() })]

    #[test]
    fn element_writes_match_finite_differences(v in proptest::collection::vec(-1.0f64..1.5, 6)) {
        let f = |u: &[f64]| fill_then_use(&u[..5], u[5]);
        let (gx, gs) = grad_fill_then_use(&v[..5], v[5]);
        let all: Vec<f64> = gx.iter().copied().chain([gs]).collect();
        prop_assume!(check("fill_then_use", &f, &all, &v));
    }
}

// ----- local arrays read before they are filled: recurrences -----

#[differentiable]
fn cumulative(x: &[f64], a: f64) -> f64 {
    let n = x.len();
    let mut y = vec![0.0; n];
    y[0] = x[0];
    for i in 1..n {
        y[i] = y[i - 1] * a + x[i].sin();
    }
    let mut s = 0.0;
    for i in 0..n {
        s += y[i] * y[i];
    }
    s
}

#[differentiable]
fn rescale_in_place(x: ArrayView1<f64>, s: f64) -> f64 {
    let n = x.len();
    let mut y = Array1::zeros(n);
    for i in 0..n {
        y[i] = x[i];
    }
    let first = y[0];
    for i in 0..n {
        y[i] *= s + first;
        y[i] /= 1.0 + y[i] * y[i];
        y[i] -= 0.5 * x[i];
    }
    y[0] = y[n - 1] * y[0];
    y.sum() + (&y * s).mean().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn recurrences_match_finite_differences(v in proptest::collection::vec(-1.0f64..1.0, 6)) {
        let f = |u: &[f64]| cumulative(&u[..5], u[5]);
        let (gx, ga) = grad_cumulative(&v[..5], v[5]);
        let all: Vec<f64> = gx.iter().copied().chain([ga]).collect();
        check("cumulative", &f, &all, &v);

        let f = |u: &[f64]| rescale_in_place(Array1::from(u[..5].to_vec()).view(), u[5]);
        let (gx, gs) = grad_rescale_in_place(Array1::from(v[..5].to_vec()).view(), v[5]);
        let all: Vec<f64> = gx.iter().copied().chain([gs]).collect();
        check("rescale_in_place", &f, &all, &v);
    }
}
