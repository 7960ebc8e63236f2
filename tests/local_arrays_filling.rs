//! Local arrays read while they are being filled, inside nested loops and branches: a scratch
//! buffer refilled by every iteration of an outer loop and read in a nested loop, RK4 stages and
//! a state array updated in place every step, recurrences inside branches and nested loops, whole
//! uses between writes, arrays copied by the loop or `if` that overwrites them. Each gradient is
//! checked against central differences at many points (or against the same computation written
//! with scalars), each value against the function, bit for bit.
#![allow(
    clippy::all,
    unused_mut,
    unused_variables,
    unused_assignments,
    dead_code,
    clippy::needless_range_loop
)]

mod common;

use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use common::{check_many, splitmix_points};

// ----- a scratch buffer at the top level, refilled by every iteration, read in a nested loop -----

#[differentiable]
pub fn mixture(x: &[f64], mu: ArrayView2<f64>, a: ArrayView2<f64>) -> f64 {
    let d = x.len();
    let mut xc = vec![0.0; d];
    let mut s = 0.0;
    for k in 0..mu.nrows() {
        for i in 0..d {
            xc[i] = x[i] - mu[[k, i]];
        }
        let mut q = 0.0;
        for i in 0..d {
            for j in 0..d {
                q += xc[i] * a[[i, j]] * xc[j];
            }
        }
        s += (-0.5 * q).exp();
    }
    s.ln()
}

#[test]
fn scratch_buffer_reused_by_an_outer_loop() {
    let (d, k) = (3, 4);
    let split = |p: &[f64]| {
        let x = p[..d].to_vec();
        let mu = Array2::from_shape_vec((k, d), p[d..d + k * d].to_vec()).unwrap();
        // A positive definite matrix: I + 0.3 P.
        let mut a = Array2::from_shape_vec((d, d), p[d + k * d..].to_vec()).unwrap();
        for i in 0..d {
            a[[i, i]] += 2.0;
        }
        (x, mu, a)
    };
    let dim = d + k * d + d * d;
    check_many(
        "mixture",
        dim,
        0.6,
        30,
        &|p| {
            let (x, mu, a) = split(p);
            mixture(&x, mu.view(), a.view())
        },
        &|p| {
            let (x, mu, a) = split(p);
            let (v, (gx, gmu, ga)) = value_and_grad_mixture(&x, mu.view(), a.view());
            (v, gx.into_iter().chain(gmu).chain(ga).collect())
        },
    );
}

// ----- RK4 with a state array updated in place, a stage matrix and a scratch vector -----

#[differentiable]
pub fn rk4_arrays(y0: &[f64], p: &[f64], h: f64, steps: usize) -> f64 {
    let mut y = vec![0.0; 2];
    y[0] = y0[0];
    y[1] = y0[1];
    let mut k = Array2::zeros((4, 2));
    let mut tmp = [0.0; 2];
    for _ in 0..steps {
        for s in 0..4 {
            let c = if s == 3 { 1.0 } else { 0.5 };
            for j in 0..2 {
                tmp[j] = if s == 0 {
                    y[j]
                } else {
                    y[j] + c * h * k[[s - 1, j]]
                };
            }
            k[[s, 0]] = p[0] * tmp[0] - p[1] * tmp[0] * tmp[1];
            k[[s, 1]] = p[2] * tmp[0] * tmp[1] - p[3] * tmp[1];
        }
        for j in 0..2 {
            y[j] += h / 6.0 * (k[[0, j]] + 2.0 * k[[1, j]] + 2.0 * k[[2, j]] + k[[3, j]]);
        }
    }
    y[0] * y[1]
}

/// The same integrator with scalars: its gradient is the reference.
#[differentiable]
pub fn rk4_scalars(y0: &[f64], p: &[f64], h: f64, steps: usize) -> f64 {
    let mut u = y0[0];
    let mut v = y0[1];
    for _ in 0..steps {
        let k1u = p[0] * u - p[1] * u * v;
        let k1v = p[2] * u * v - p[3] * v;
        let (u2, v2) = (u + 0.5 * h * k1u, v + 0.5 * h * k1v);
        let k2u = p[0] * u2 - p[1] * u2 * v2;
        let k2v = p[2] * u2 * v2 - p[3] * v2;
        let (u3, v3) = (u + 0.5 * h * k2u, v + 0.5 * h * k2v);
        let k3u = p[0] * u3 - p[1] * u3 * v3;
        let k3v = p[2] * u3 * v3 - p[3] * v3;
        let (u4, v4) = (u + h * k3u, v + h * k3v);
        let k4u = p[0] * u4 - p[1] * u4 * v4;
        let k4v = p[2] * u4 * v4 - p[3] * v4;
        u += h / 6.0 * (k1u + 2.0 * k2u + 2.0 * k3u + k4u);
        v += h / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v);
    }
    u * v
}

/// Stage array declared in the step loop, stages written by literal index.
#[differentiable]
pub fn rk4_stage_in_loop(y0: f64, a: f64, h: f64, steps: usize) -> f64 {
    let mut y = y0;
    for _ in 0..steps {
        let mut k = [0.0; 4];
        k[0] = (a * y).sin();
        k[1] = (a * (y + 0.5 * h * k[0])).sin();
        k[2] = (a * (y + 0.5 * h * k[1])).sin();
        k[3] = (a * (y + h * k[2])).sin();
        y += h / 6.0 * (k[0] + 2.0 * k[1] + 2.0 * k[2] + k[3]);
    }
    y
}

/// The same stage array at the top level: its reads and writes use literal indices, so a read
/// of `k[0]` is not overwritten by the later `k[1] = ..` of the same step.
#[differentiable]
pub fn rk4_stage_top(y0: f64, a: f64, h: f64, steps: usize) -> f64 {
    let mut y = y0;
    let mut k = [0.0; 4];
    for _ in 0..steps {
        k[0] = (a * y).sin();
        k[1] = (a * (y + 0.5 * h * k[0])).sin();
        k[2] = (a * (y + 0.5 * h * k[1])).sin();
        k[3] = (a * (y + h * k[2])).sin();
        y += h / 6.0 * (k[0] + 2.0 * k[1] + 2.0 * k[2] + k[3]);
    }
    y
}

#[test]
fn rk4_with_arrays_updated_every_step() {
    for q in 0..12 {
        let r = splitmix_points(q, 8);
        let y0 = [1.0 + 0.3 * r[0], 0.8 + 0.3 * r[1]];
        let p = [
            1.1 + 0.2 * r[2],
            0.4 + 0.1 * r[3],
            0.3 + 0.1 * r[4],
            0.9 + 0.2 * r[5],
        ];
        let h = 0.05 + 0.02 * r[6];
        let (va, (gy, gp, gh)) = value_and_grad_rk4_arrays(&y0, &p, h, 25);
        let (vs, (sy, sp, sh)) = value_and_grad_rk4_scalars(&y0, &p, h, 25);
        assert_eq!(va.to_bits(), rk4_arrays(&y0, &p, h, 25).to_bits());
        assert!((va - vs).abs() < 1e-12 * vs.abs());
        for (a, b) in gy
            .iter()
            .chain(&gp)
            .chain([&gh])
            .zip(sy.iter().chain(&sp).chain([&sh]))
        {
            assert!((a - b).abs() < 1e-10 * (1.0 + b.abs()), "{a} {b}");
        }
    }
    check_many(
        "rk4_stage_in_loop",
        3,
        1.0,
        40,
        &|p| rk4_stage_in_loop(p[0], p[1], 0.1 + 0.05 * p[2], 20),
        &|p| {
            let (v, (gy, ga, gh)) =
                value_and_grad_rk4_stage_in_loop(p[0], p[1], 0.1 + 0.05 * p[2], 20);
            (v, vec![gy, ga, gh * 0.05])
        },
    );
    for q in 0..20 {
        let r = splitmix_points(q + 100, 3);
        let (y0, a, h) = (r[0], r[1] * 2.0, 0.1 + 0.05 * r[2]);
        let (v1, g1) = value_and_grad_rk4_stage_top(y0, a, h, 20);
        let (v2, g2) = value_and_grad_rk4_stage_in_loop(y0, a, h, 20);
        assert_eq!(v1.to_bits(), v2.to_bits());
        assert_eq!((g1.0, g1.1, g1.2), (g2.0, g2.1, g2.2));
    }
}

// ----- a state array updated in place after whole and nested reads (copied every iteration) -----

#[differentiable]
pub fn descent(x0: &[f64], a: f64) -> f64 {
    let n = x0.len();
    let mut w = vec![0.0; n];
    for i in 0..n {
        w[i] = x0[i];
    }
    for _ in 0..4 {
        let mut norm = 0.0;
        for i in 0..n {
            norm += w[i] * w[i];
        }
        let scale = a / (1.0 + norm.sqrt());
        for i in 0..n {
            w[i] -= scale * w[i] * w[(i + 1) % n];
        }
    }
    let mut s = 0.0;
    for i in 0..n {
        s += w[i] * (i as f64 + 1.0);
    }
    s
}

#[differentiable]
pub fn whole_uses_while_filling(x: ArrayView1<f64>, a: f64) -> f64 {
    let n = x.len();
    let mut y = Array1::zeros(n);
    y[0] = x[0];
    let s0 = y.sum();
    y[1] = s0 * a;
    let mut t = 0.0;
    for k in 0..3 {
        let m = y.mean().unwrap();
        let d = y.dot(&x);
        for i in 0..n {
            y[i] = (y[i] - m) * a + x[i] * d.tanh();
        }
        t += y.std(0.0) + y[k];
    }
    t + s0
}

#[test]
fn arrays_updated_in_place_after_reads_anywhere() {
    check_many("descent", 5, 1.0, 60, &|p| descent(&p[..4], p[4]), &|p| {
        let (v, (gx, ga)) = value_and_grad_descent(&p[..4], p[4]);
        (v, gx.into_iter().chain([ga]).collect())
    });
    check_many(
        "whole_uses_while_filling",
        5,
        1.0,
        60,
        &|p| whole_uses_while_filling(Array1::from(p[..4].to_vec()).view(), p[4]),
        &|p| {
            let (v, (gx, ga)) =
                value_and_grad_whole_uses_while_filling(Array1::from(p[..4].to_vec()).view(), p[4]);
            (v, gx.iter().copied().chain([ga]).collect())
        },
    );
}

// ----- reads inside branches and nested loops while the array is filled -----

/// A recurrence inside a branch of a top-level loop: the read is recorded, not the array.
#[differentiable]
pub fn recurrence_in_branch(x: f64, n: usize) -> f64 {
    let mut y: Array1<f64> = Array1::zeros(n);
    for i in 1..n {
        if i % 2 == 0 {
            y[i] = y[i - 1] * x + 1.0;
        } else {
            y[i] = x * y[i - 1].cos();
        }
    }
    y.sum()
}

/// A recurrence in a nested loop over a buffer declared at the top level and refilled by each
/// iteration of the outer loop, whose carried sum reads it.
#[differentiable]
pub fn nested_recurrence(x: &[f64], a: f64) -> f64 {
    let n = x.len();
    let mut y = vec![0.0; n];
    let mut s = 0.0;
    for k in 0..3 {
        y[0] = x[0] * (k as f64 + 1.0);
        for i in 1..n {
            y[i] = (y[i - 1] * a).sin() + x[i];
        }
        let mut p = 1.0;
        for i in 0..n {
            p *= 1.0 + 0.1 * y[i];
        }
        s += p;
    }
    s
}

/// Reads in a nested loop that carries a value, before writes in the same iteration.
#[differentiable]
pub fn read_then_write_nested(x: &[f64]) -> f64 {
    let n = x.len();
    let mut y = vec![0.0; n];
    for i in 0..n {
        y[i] = x[i];
    }
    let mut out = 0.0;
    for step in 0..3 {
        let mut m = f64::NEG_INFINITY;
        for i in 0..n {
            m = m.max(y[i]);
        }
        if m > 0.0 {
            for i in 0..n {
                y[i] = (y[i] - m).exp() * x[(i + step) % n];
            }
        } else {
            y[step % n] = m * m;
        }
        out += y[0] + m;
    }
    out
}

/// Two restored arrays read and written in the same loops.
#[differentiable]
pub fn two_arrays(x: &[f64], a: f64) -> f64 {
    let n = x.len();
    let mut u = vec![0.0; n];
    let mut v: Vec<f64> = vec![0.0; n];
    for i in 0..n {
        u[i] = x[i];
    }
    for _ in 0..3 {
        for i in 1..n {
            v[i] = u[i - 1] * a + v[i - 1].sin();
            u[i] = v[i] * u[i];
        }
        v[0] = u[n - 1];
    }
    let mut s = 0.0;
    for i in 0..n {
        s += u[i] * v[i];
    }
    s
}

/// A read in a chain's closure after `filter` (an `if` the user did not write), before a later
/// write (autodiff-fuzz FINDINGS R3, once refused).
#[differentiable]
pub fn read_in_filtered_chain(x: &[f64], t: f64) -> f64 {
    let mut y = vec![0.0; 3];
    y[1] = t * 2.0;
    let s = (0..3usize)
        .filter(|&i| t > x[i])
        .fold(0.0, |a, i| a + y[i] * y[i]);
    y[0] = t;
    s + y[0] * x[0]
}

#[test]
fn reads_inside_branches_and_nested_loops_while_filling() {
    check_many(
        "read_in_filtered_chain",
        4,
        1.0,
        40,
        &|p| read_in_filtered_chain(&p[..3], p[3]),
        &|p| {
            let (v, (gx, gt)) = value_and_grad_read_in_filtered_chain(&p[..3], p[3]);
            (v, gx.into_iter().chain([gt]).collect())
        },
    );
    for n in [1, 2, 5, 8] {
        check_many(
            "recurrence_in_branch",
            1,
            1.2,
            30,
            &|p| recurrence_in_branch(p[0], n),
            &|p| {
                let (v, g) = value_and_grad_recurrence_in_branch(p[0], n);
                (v, vec![g])
            },
        );
    }
    check_many(
        "nested_recurrence",
        5,
        1.0,
        60,
        &|p| nested_recurrence(&p[..4], p[4]),
        &|p| {
            let (v, (gx, ga)) = value_and_grad_nested_recurrence(&p[..4], p[4]);
            (v, gx.into_iter().chain([ga]).collect())
        },
    );
    check_many(
        "read_then_write_nested",
        4,
        1.0,
        60,
        &|p| read_then_write_nested(p),
        &|p| value_and_grad_read_then_write_nested(p),
    );
    check_many(
        "two_arrays",
        5,
        0.9,
        60,
        &|p| two_arrays(&p[..4], p[4]),
        &|p| {
            let (v, (gx, ga)) = value_and_grad_two_arrays(&p[..4], p[4]);
            (v, gx.into_iter().chain([ga]).collect())
        },
    );
}

// ----- a writable copy of an array: `let mut y = x.clone();`, `x.to_owned()`, `let mut y = x;` -----

/// An `Array1` parameter cloned into a state updated in place (each element reads a neighbour
/// that may already be updated).
#[differentiable]
pub fn cloned_state(x: &Array1<f64>) -> f64 {
    let mut y = x.clone();
    for i in 0..y.len() {
        y[i] = y[i] * 2.0 + x[i] * y[(i + 1) % 3];
    }
    y.sum()
}

/// A `Vec` parameter cloned and a matrix copied with `to_owned()`, both written in one loop.
#[differentiable]
pub fn cloned_vec_and_matrix(x: Vec<f64>, m: ArrayView2<f64>) -> f64 {
    let mut y = x.clone();
    let mut w = m.to_owned();
    for i in 0..y.len() {
        y[i] = y[i].sin() * w[[0, i]];
        w[[1, i]] *= y[i];
    }
    y.iter().sum::<f64>() + w.sum()
}

/// A local array cloned, then the clone moved into a third array (`let mut u = t;`).
#[differentiable]
pub fn clone_then_move(x: &[f64]) -> f64 {
    let mut s = vec![0.0; x.len()];
    for i in 0..x.len() {
        s[i] = x[i] * x[i];
    }
    let mut t = s.clone();
    t[0] += 1.0;
    let mut u = t;
    u[1] *= 3.0;
    u.iter().sum::<f64>() + s[0] * u[2]
}

#[test]
fn writable_copies_of_arrays() {
    check_many(
        "cloned_state",
        3,
        1.0,
        30,
        &|p| cloned_state(&Array1::from(p.to_vec())),
        &|p| {
            let (v, g) = value_and_grad_cloned_state(&Array1::from(p.to_vec()));
            (v, g.to_vec())
        },
    );
    check_many(
        "cloned_vec_and_matrix",
        9,
        1.0,
        30,
        &|p| {
            let m = Array2::from_shape_vec((2, 3), p[3..].to_vec()).unwrap();
            cloned_vec_and_matrix(p[..3].to_vec(), m.view())
        },
        &|p| {
            let m = Array2::from_shape_vec((2, 3), p[3..].to_vec()).unwrap();
            let (v, (gx, gm)) = value_and_grad_cloned_vec_and_matrix(p[..3].to_vec(), m.view());
            (v, gx.into_iter().chain(gm.iter().copied()).collect())
        },
    );
    check_many(
        "clone_then_move",
        3,
        1.0,
        30,
        &|p| clone_then_move(p),
        &|p| value_and_grad_clone_then_move(p),
    );
    // The value against the same in-place update written with scalars.
    let x = [0.3, -0.2, 0.7];
    let scalar = |x: &[f64]| {
        let (mut y0, mut y1, mut y2) = (x[0], x[1], x[2]);
        y0 = y0 * 2.0 + x[0] * y1;
        y1 = y1 * 2.0 + x[1] * y2;
        y2 = y2 * 2.0 + x[2] * y0;
        y0 + y1 + y2
    };
    assert_eq!(cloned_state(&Array1::from(x.to_vec())), scalar(&x));
}
