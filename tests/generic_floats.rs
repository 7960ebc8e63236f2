//! Functions generic over the float type (`fn f<T: Float>(x: T) -> T`, num-traits' `Float`) and
//! plain `f32` functions, written as users write them: `T::one()`, `T::from(c).unwrap()`,
//! `FloatConst`, `where` clauses, `Sum`, slices, `[T; N]`, ndarray arrays of `f32`, calls
//! between them, `hessian`. Their derivatives are computed in `f64` and rounded to `T`, so at an
//! `f32` point they are exactly the `f64` derivatives at the same point, rounded; the `f64`
//! ones are checked against hand formulas and central differences at many points.

#![allow(clippy::needless_range_loop)]

mod common;

use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{Array1, array};
use autodiff_runtime::num_traits::{Float, FloatConst};
use common::splitmix_points;
use std::iter::Sum;

#[differentiable]
pub fn rosenbrock<T: Float>(x: T, y: T) -> T {
    let one = T::one();
    let hundred = T::from(100.0).unwrap();
    (one - x).powi(2) + hundred * (y - x * x).powi(2)
}

#[differentiable]
pub fn logsumexp<T: Float + Sum>(x: &[T]) -> T {
    let m = x.iter().cloned().fold(T::neg_infinity(), T::max);
    let s: T = x.iter().map(|&v| (v - m).exp()).sum();
    m + s.ln()
}

/// A `where` clause, `FloatConst`, integer-to-float conversions, a fixed array, a branch on the
/// float type, second order.
#[differentiable(hessian)]
pub fn springs<F>(p: &[F; 3], k: F) -> F
where
    F: Float + FloatConst,
{
    let mut e = F::zero();
    for i in 0..3 {
        let c = F::from(i + 1).unwrap();
        let d = p[i] - F::PI() / F::from(6).unwrap();
        if d > F::zero() {
            e = e + k * c * d.powi(2);
        } else {
            e = e + k * c * d.powi(2) * F::from(0.5).unwrap();
        }
    }
    e / (F::one() + F::one())
}

/// A generic function calling another one, with a scratch buffer.
#[differentiable]
pub fn smooth_max<T: Float + Sum>(x: &[T], temperature: T) -> T {
    let mut scaled = vec![T::zero(); x.len()];
    for i in 0..x.len() {
        scaled[i] = x[i] / temperature;
    }
    temperature * logsumexp(&scaled)
}

/// Plain `f32`, with ndarray arrays, `as f32`, an `f32` constant, and a call of a generic
/// function at `f32`.
#[differentiable]
pub fn fit32(w: &Array1<f32>, x: &Array1<f32>, y: f32) -> f32 {
    let mut p = 0.0f32;
    for i in 0..w.len() {
        p += w[i] * x[i];
    }
    let r = p - y;
    0.5 * r * r
        + 1e-2 * (std::f32::consts::PI * w[0]).sin() / (w.len() as f32)
        + rosenbrock(w[0], w[1])
}

/// An `f64` function that calls a generic one.
#[differentiable]
pub fn uses_generic(a: f64, b: f64) -> f64 {
    rosenbrock(a, b) * a
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()))
}

#[test]
fn rosenbrock_matches_the_hand_gradient_in_f64_and_f32() {
    let pts = splitmix_points(11, 40);
    for p in pts.chunks(2) {
        let (x, y) = (p[0] * 2.0, p[1] * 2.0);
        let (gx, gy) = grad_rosenbrock(x, y);
        let hx = -2.0 * (1.0 - x) - 400.0 * x * (y - x * x);
        let hy = 200.0 * (y - x * x);
        assert!(
            close(gx, hx, 1e-12) && close(gy, hy, 1e-12),
            "{gx} {hx} {gy} {hy}"
        );
        // At an f32 point: the f64 gradient at the same point, rounded.
        let (xf, yf) = (x as f32, y as f32);
        let (gxf, gyf) = grad_rosenbrock(xf, yf);
        let (gx64, gy64) = grad_rosenbrock(f64::from(xf), f64::from(yf));
        assert_eq!((gxf, gyf), (gx64 as f32, gy64 as f32));
        let (v, _) = value_and_grad_rosenbrock(xf, yf);
        assert!(close(f64::from(v), f64::from(rosenbrock(xf, yf)), 1e-5));
    }
}

#[test]
fn logsumexp_is_softmax_in_both_types() {
    for seed in 0..20 {
        let x = splitmix_points(seed, 5);
        let g = grad_logsumexp(&x);
        let z: f64 = x.iter().map(|v| v.exp()).sum();
        for i in 0..5 {
            assert!(close(g[i], x[i].exp() / z, 1e-12));
        }
        let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let g32: Vec<f32> = grad_logsumexp(&x32);
        let x64: Vec<f64> = x32.iter().map(|&v| f64::from(v)).collect();
        let g64 = grad_logsumexp(&x64);
        assert_eq!(g32, g64.iter().map(|&v| v as f32).collect::<Vec<_>>());
    }
}

#[test]
fn springs_gradient_and_hessian_match_central_differences() {
    let f = |v: &[f64]| springs(&[v[0], v[1], v[2]], v[3]);
    for seed in 0..30 {
        let v = splitmix_points(100 + seed, 4);
        let (gp, gk) = grad_springs(&[v[0], v[1], v[2]], v[3]);
        let g = [gp[0], gp[1], gp[2], gk];
        common::check("springs", &f, &g, &v);
        let h = hessian_springs(&[v[0], v[1], v[2]], v[3]);
        // Each column is the derivative of the gradient.
        for j in 0..4 {
            let at = |s: f64| {
                let mut w = v.clone();
                w[j] += s;
                let (gp, gk) = grad_springs(&[w[0], w[1], w[2]], w[3]);
                [gp[0], gp[1], gp[2], gk]
            };
            let (up, down) = (at(1e-6), at(-1e-6));
            for i in 0..4 {
                let fd = (up[i] - down[i]) / 2e-6;
                assert!(
                    close(h[[i, j]], fd, 1e-5),
                    "h[{i},{j}] {} vs {fd}",
                    h[[i, j]]
                );
            }
        }
        // At f32, the Hessian is the f64 one rounded.
        let p32 = [v[0] as f32, v[1] as f32, v[2] as f32];
        let h32 = hessian_springs(&p32, v[3] as f32);
        let h64 = hessian_springs(&p32.map(f64::from), f64::from(v[3] as f32));
        assert_eq!(h32, h64.mapv(|e| e as f32));
        // jvp along the first coordinate: the first gradient component.
        let (_, d) = jvp_springs(&[v[0], v[1], v[2]], v[3], &[1.0, 0.0, 0.0], 0.0);
        assert!(close(d, gp[0], 1e-12));
    }
}

#[test]
fn generic_calls_generic_with_a_scratch_buffer() {
    for seed in 0..20 {
        let v = splitmix_points(200 + seed, 5);
        let t = 0.5 + v[4].abs();
        let (gx, gt) = grad_smooth_max(&v[..4], t);
        let f = |w: &[f64]| smooth_max(&w[..4], w[4]);
        let mut at = v[..4].to_vec();
        at.push(t);
        let mut g = gx.clone();
        g.push(gt);
        common::check("smooth_max", &f, &g, &at);
        let x32: Vec<f32> = v[..4].iter().map(|&e| e as f32).collect();
        let (gx32, gt32) = grad_smooth_max(&x32, t as f32);
        let x64: Vec<f64> = x32.iter().map(|&e| f64::from(e)).collect();
        let (gx64, gt64) = grad_smooth_max(&x64, f64::from(t as f32));
        assert_eq!(gx32, gx64.iter().map(|&e| e as f32).collect::<Vec<_>>());
        assert_eq!(gt32, gt64 as f32);
    }
}

#[test]
fn f32_function_with_arrays_matches_central_differences_in_f64() {
    let x = array![1.0f32, -2.0];
    for seed in 0..20 {
        let v = splitmix_points(300 + seed, 3);
        let w = array![v[0] as f32, v[1] as f32];
        let (gw, gx, gy): (Array1<f32>, Array1<f32>, f32) = grad_fit32(&w, &x, v[2] as f32);
        // The same program in f64, differenced centrally.
        let f = |u: &[f64]| {
            let (w0, w1) = (u[0], u[1]);
            let p = w0 * 1.0 + w1 * -2.0;
            let r = p - u[2];
            0.5 * r * r + 1e-2 * (std::f64::consts::PI * w0).sin() / 2.0 + rosenbrock(w0, w1)
        };
        let at = [f64::from(w[0]), f64::from(w[1]), f64::from(v[2] as f32)];
        let fd = common::fd_gradient(&f, &at).expect("finite");
        for (g, e) in [gw[0], gw[1], gy].iter().zip(&fd) {
            assert!(close(f64::from(*g), *e, 1e-5), "{g} vs {e}");
        }
        let r = f64::from(w[0]) - 2.0 * f64::from(w[1]) - at[2];
        assert!(close(f64::from(gx[0]), r * at[0], 1e-6));
        assert!(close(f64::from(gx[1]), r * at[1], 1e-6));
    }
}

#[test]
fn f64_function_calls_a_generic_one() {
    for seed in 0..20 {
        let v = splitmix_points(400 + seed, 2);
        let (ga, gb) = grad_uses_generic(v[0], v[1]);
        let (rx, ry) = grad_rosenbrock(v[0], v[1]);
        let r = rosenbrock(v[0], v[1]);
        assert!(close(ga, rx * v[0] + r, 1e-12));
        assert!(close(gb, ry * v[0], 1e-12));
    }
}

/// A generic caller of a generated gradient: the wrappers are generic too.
fn descend<T: Float>(mut x: T, mut y: T, steps: usize) -> (T, T) {
    let lr = T::from(1e-3).unwrap();
    for _ in 0..steps {
        let (gx, gy) = grad_rosenbrock(x, y);
        x = x - lr * gx;
        y = y - lr * gy;
    }
    (x, y)
}

#[test]
fn gradient_descent_is_generic_too() {
    let (x, y) = descend(-1.0f32, 1.0f32, 20_000);
    let (x64, y64) = descend(-1.0f64, 1.0f64, 20_000);
    assert!(rosenbrock(x, y) < rosenbrock(-1.0f32, 1.0));
    assert!(close(f64::from(x), x64, 1e-2) && close(f64::from(y), y64, 1e-2));
}

#[differentiable]
pub fn square<T: Float>(x: T) -> T {
    x * x
}

/// A turbofish call of another generic function, a `fold` from `T::zero()`, `sum::<T>()`.
#[differentiable]
pub fn sums<T: Float + Sum>(v: &[T]) -> T {
    let s: T = v.iter().map(|&e| square::<T>(e)).sum();
    let p = v.iter().fold(T::zero(), |a, &b| a + b * b);
    s + p + v.iter().map(|&e| e * e * e).sum::<T>()
}

#[test]
fn turbofish_fold_and_sum() {
    for seed in 0..10 {
        let v = splitmix_points(600 + seed, 3);
        let g = grad_sums(&v);
        for i in 0..3 {
            assert!(close(g[i], 4.0 * v[i] + 3.0 * v[i] * v[i], 1e-12));
        }
        let v32: Vec<f32> = v.iter().map(|&e| e as f32).collect();
        let g32 = grad_sums(&v32);
        let g64 = grad_sums(&v32.iter().map(|&e| f64::from(e)).collect::<Vec<_>>());
        assert_eq!(g32, g64.iter().map(|&e| e as f32).collect::<Vec<_>>());
    }
}
