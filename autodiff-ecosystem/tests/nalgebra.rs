//! nalgebra vectors and matrices as differentiated parameters: `DVector<f64>`, `SVector<f64, N>` and its
//! aliases, `DMatrix<f64>` and `Matrix2x3<f64>` read as `m[(i, j)]`, by value and by reference; gradients of the same type, checked against central
//! differences at many points and against hand formulas; calls between functions; `jvp_*`;
//! Adam over a `DVector`.

use autodiff_runtime::differentiable;
use nalgebra::{DMatrix, DVector, Matrix2x3, SVector, Vector3};

/// Σ 100 (x[i+1] − x[i]²)² + (1 − x[i])².
#[differentiable]
pub fn rosenbrock(x: &DVector<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    s
}

/// A spring network's energy in 3-D: fixed-size vectors, by value and by reference.
#[differentiable]
pub fn spring(a: Vector3<f64>, b: &Vector3<f64>, k: f64) -> f64 {
    let d: f64 = a.iter().zip(b.iter()).map(|(p, q)| (p - q) * (p - q)).sum();
    0.5 * k * (d.sqrt() - 1.0).powi(2)
}

/// Calls with nalgebra arguments, and an iterator chain over a `DVector`.
#[differentiable]
pub fn combined(x: &DVector<f64>, w: SVector<f64, 3>, anchor: &Vector3<f64>) -> f64 {
    let r = rosenbrock(x);
    let s: f64 = x.iter().map(|v| v.sin()).sum();
    r * 1e-2 + s * w[0] + spring(w, anchor, 2.0) + w[1] * w[2]
}

fn fd(f: &dyn Fn(&[f64]) -> f64, x: &[f64]) -> Vec<f64> {
    (0..x.len())
        .map(|i| {
            let h = 1e-5 * x[i].abs().max(1.0);
            let (mut a, mut b) = (x.to_vec(), x.to_vec());
            a[i] += h;
            b[i] -= h;
            (f(&a) - f(&b)) / (2.0 * h)
        })
        .collect()
}

fn close(got: &[f64], want: &[f64]) {
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g - w).abs() <= 1e-6 * w.abs().max(1.0),
            "{got:?} vs {want:?}"
        );
    }
}

fn points(n: usize) -> Vec<Vec<f64>> {
    let mut s: u64 = 0x1234_5678_9abc_def1;
    (0..25)
        .map(|_| {
            (0..n)
                .map(|_| {
                    s ^= s << 13;
                    s ^= s >> 7;
                    s ^= s << 17;
                    2.0 * ((s >> 11) as f64 / (1u64 << 53) as f64) - 1.0
                })
                .collect()
        })
        .collect()
}

#[test]
fn dvector_gradient_is_a_dvector() {
    for p in points(5) {
        let x = DVector::from_vec(p.clone());
        let g: DVector<f64> = grad_rosenbrock(&x);
        close(
            g.as_slice(),
            &fd(&|q| rosenbrock(&DVector::from_vec(q.to_vec())), &p),
        );
        // The hand formula.
        for i in 0..5 {
            let mut want = 0.0;
            if i + 1 < 5 {
                want += -400.0 * x[i] * (x[i + 1] - x[i] * x[i]) - 2.0 * (1.0 - x[i]);
            }
            if i > 0 {
                want += 200.0 * (x[i] - x[i - 1] * x[i - 1]);
            }
            assert!((g[i] - want).abs() <= 1e-9 * want.abs().max(1.0));
        }
        let (v, _) = value_and_grad_rosenbrock(&x);
        assert_eq!(v, rosenbrock(&x));
    }
}

#[test]
fn fixed_size_vectors_by_value_and_by_reference() {
    for p in points(7) {
        let (a, b, k) = (
            Vector3::new(p[0], p[1], p[2]),
            Vector3::new(p[3] + 2.0, p[4], p[5]),
            p[6] + 2.0,
        );
        let (ga, gb, gk): (Vector3<f64>, Vector3<f64>, f64) = grad_spring(a, &b, k);
        let f = |q: &[f64]| {
            spring(
                Vector3::new(q[0], q[1], q[2]),
                &Vector3::new(q[3], q[4], q[5]),
                q[6],
            )
        };
        let flat = [a[0], a[1], a[2], b[0], b[1], b[2], k];
        let mut got = ga.as_slice().to_vec();
        got.extend(gb.as_slice());
        got.push(gk);
        close(&got, &fd(&f, &flat));
    }
}

#[test]
fn calls_chains_and_forward_mode() {
    for p in points(7) {
        let x = DVector::from_vec(p[..4].to_vec());
        let w = SVector::<f64, 3>::new(p[4], p[5], p[6]);
        let anchor = Vector3::new(2.0, -1.0, 0.5);
        let (gx, gw, _) = grad_combined(&x, w, &anchor);
        let f = |q: &[f64]| {
            combined(
                &DVector::from_vec(q[..4].to_vec()),
                SVector::<f64, 3>::new(q[4], q[5], q[6]),
                &anchor,
            )
        };
        let mut got = gx.as_slice().to_vec();
        got.extend(gw.as_slice());
        close(&got, &fd(&f, &p));
        // jvp along a direction = gradient · direction.
        let (dx, dw) = (
            DVector::from_vec(vec![0.5, -1.0, 0.25, 2.0]),
            SVector::<f64, 3>::new(1.0, 0.0, -1.0),
        );
        let (v, t) = jvp_combined(&x, w, &anchor, &dx, &dw, &Vector3::zeros());
        assert_eq!(v, combined(&x, w, &anchor));
        let want = gx.dot(&dx) + gw.dot(&dw);
        assert!(
            (t - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{t} vs {want}"
        );
    }
}

#[test]
fn adam_updates_a_dvector() {
    use autodiff_runtime::optim::{Adam, Optimizer};
    let mut x = DVector::from_vec(vec![-1.2, 1.0, -0.5]);
    let mut adam = Adam::new(0.02);
    for _ in 0..4000 {
        let g = grad_rosenbrock(&x);
        adam.step(&mut x, &g).unwrap();
    }
    assert!(rosenbrock(&x) < 1e-3, "{x}");
}

/// `xᵀ A x + Σ sin(A[i, j])`: a `DMatrix` read element by element with `m[(i, j)]`.
#[differentiable]
pub fn quadratic(a: &DMatrix<f64>, x: &DVector<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..a.nrows() {
        for j in 0..a.ncols() {
            s += x[i] * a[(i, j)] * x[j] + a[(i, j)].sin();
        }
    }
    s
}

/// A fixed-size matrix by value, with an iterator chain over its elements (column-major).
#[differentiable]
pub fn frobenius_tanh(m: Matrix2x3<f64>, scale: f64) -> f64 {
    m.iter().map(|v| (v * scale).tanh()).sum::<f64>() + m[(1, 2)] * m[(0, 0)]
}

#[test]
fn matrix_gradients_match_finite_differences_and_the_formula() {
    for p in points(9 + 3) {
        let a = DMatrix::from_row_slice(3, 3, &p[..9]);
        let x = DVector::from_column_slice(&p[9..]);
        let (ga, gx) = grad_quadratic(&a, &x);
        assert_eq!(ga.shape(), (3, 3));
        // ∂/∂A[i, j] = x_i x_j + cos A[i, j]; ∂/∂x = (A + Aᵀ) x.
        for i in 0..3 {
            for j in 0..3 {
                let want = x[i] * x[j] + a[(i, j)].cos();
                assert!((ga[(i, j)] - want).abs() <= 1e-12 * want.abs().max(1.0));
            }
        }
        let want_x = (&a + a.transpose()) * &x;
        close(gx.as_slice(), want_x.as_slice());
        let fa = fd(
            &|v: &[f64]| quadratic(&DMatrix::from_column_slice(3, 3, v), &x),
            a.as_slice(),
        );
        close(ga.as_slice(), &fa);
    }
    for p in points(7) {
        let m = Matrix2x3::from_column_slice(&p[..6]);
        let (gm, gs) = grad_frobenius_tanh(m, p[6]);
        let fm = fd(
            &|v: &[f64]| frobenius_tanh(Matrix2x3::from_column_slice(v), p[6]),
            m.as_slice(),
        );
        close(gm.as_slice(), &fm);
        let fs = fd(&|v: &[f64]| frobenius_tanh(m, v[0]), &[p[6]]);
        close(&[gs], &fs);
    }
}

#[test]
fn adam_fits_a_matrix() {
    use autodiff_runtime::optim::{Adam, Optimizer};
    let x = DVector::from_column_slice(&[0.3, -0.7, 1.1]);
    let mut a = DMatrix::from_element(3, 3, 0.2);
    let mut opt = Adam::new(0.05);
    let start = quadratic(&a, &x);
    for _ in 0..200 {
        let (ga, _) = grad_quadratic(&a, &x);
        opt.step(&mut a, &ga).expect("same shapes");
    }
    assert!(
        quadratic(&a, &x) < start - 1.0,
        "{start} -> {}",
        quadratic(&a, &x)
    );
}
