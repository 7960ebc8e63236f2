//! Local arrays declared in any scope: loop bodies, blocks, branches, nested loops, after early
//! exits, `while` and `loop` bodies, `match` arms, closures, `collect` in a loop; `[v; N]`
//! arrays, compound writes, 2-D arrays, arrays that are block values, and calls through the
//! pullback of a function that has them. Each gradient is checked against central differences at
//! many points (and hand formulas where short), each value against the function, bit for bit.
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
use autodiff_runtime::ndarray::{Array1, Array2, ArrayView1, s};
use common::check_many;

// ----- declared inside a loop body -----

#[differentiable]
pub fn in_loop(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for k in 0..3 {
        let mut buf = vec![0.0; x.len()];
        for i in 0..x.len() {
            buf[i] = x[i] * (k as f64 + 1.0);
        }
        for i in 0..x.len() {
            s += buf[i].sin();
        }
    }
    s
}

#[test]
fn array_declared_in_a_loop_body() {
    // s = Σ_k Σ_i sin((k + 1) x_i): ∂s/∂x_i = Σ_k (k + 1) cos((k + 1) x_i).
    let x = [0.3, -0.7, 1.1, 0.5];
    let g = grad_in_loop(&x);
    for i in 0..4 {
        let want: f64 = (1..=3).map(|k| k as f64 * (k as f64 * x[i]).cos()).sum();
        assert!((g[i] - want).abs() < 1e-13, "{} {}", g[i], want);
    }
    check_many("in_loop", 5, 1.5, 40, &|p| in_loop(p), &|p| {
        value_and_grad_in_loop(p)
    });
}

// ----- a block with a `[v; N]` array -----

#[differentiable]
pub fn in_block(x: &[f64]) -> f64 {
    let t = {
        let mut buf = [0.0; 3];
        for i in 0..3 {
            buf[i] = x[i] * x[i];
        }
        buf[0] + buf[1] * buf[2]
    };
    t
}

#[test]
fn fixed_array_declared_in_a_block() {
    for p in [[0.5, -1.2, 0.8], [1.0, 2.0, 3.0], [-0.3, 0.0, 0.7]] {
        let g = grad_in_block(&p);
        let want = [
            2.0 * p[0],
            2.0 * p[1] * p[2] * p[2],
            2.0 * p[2] * p[1] * p[1],
        ];
        for i in 0..3 {
            assert!((g[i] - want[i]).abs() < 1e-13, "{g:?} {want:?}");
        }
    }
}

// ----- declared in branches, one of them returning early -----

#[differentiable]
pub fn in_branches(x: &[f64], c: f64) -> f64 {
    let mut s = c;
    if c > 0.0 {
        let mut w = Array1::zeros(x.len());
        for i in 0..x.len() {
            w[i] = x[i] * c;
        }
        s += w.sum() * w[0];
    } else {
        let mut v = vec![0.0; 2];
        v[0] = c * c;
        v[1] = x[0].exp();
        if v[1] > 2.5 {
            return v[0] - v[1];
        }
        s -= v[0] * v[1];
    }
    s * x[1]
}

#[test]
fn arrays_declared_in_branches() {
    check_many(
        "in_branches",
        4,
        1.5,
        60,
        &|p| in_branches(&p[..3], p[3]),
        &|p| {
            let (v, (gx, gc)) = value_and_grad_in_branches(&p[..3], p[3]);
            (v, gx.into_iter().chain([gc]).collect())
        },
    );
}

// ----- declared after an early return, and after a `break` in a loop -----

#[differentiable]
pub fn after_return(x: &[f64], t: f64) -> f64 {
    if t > 0.8 {
        return t * x[0];
    }
    let mut y = vec![0.0; x.len()];
    for i in 0..x.len() {
        y[i] = (x[i] * t).sin();
    }
    let mut acc = 0.0;
    for i in 0..x.len() {
        if y[i] > 0.5 {
            return acc + y[i];
        }
        acc += y[i] * x[i];
    }
    acc
}

#[differentiable]
pub fn after_break(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for k in 0..6 {
        if s > 3.0 {
            break;
        }
        let mut y = [0.0; 4];
        for i in 0..4 {
            y[i] = x[i] * (k + 1) as f64;
        }
        s += y[0] * y[1] + y[2].exp() * y[3];
    }
    s
}

#[test]
fn arrays_declared_after_early_exits() {
    check_many(
        "after_return",
        5,
        1.3,
        60,
        &|p| after_return(&p[..4], p[4]),
        &|p| {
            let (v, (gx, gt)) = value_and_grad_after_return(&p[..4], p[4]);
            (v, gx.into_iter().chain([gt]).collect())
        },
    );
    check_many("after_break", 4, 1.0, 60, &|p| after_break(p), &|p| {
        value_and_grad_after_break(p)
    });
}

// ----- nested loops, each with its own array -----

#[differentiable]
pub fn nested(x: &[f64], a: f64) -> f64 {
    let n = x.len();
    let mut total = 0.0;
    for k in 0..3 {
        let mut row = vec![0.0; n];
        for j in 0..n {
            let mut tmp = [0.0; 2];
            tmp[0] = x[j] * a;
            tmp[1] = tmp[0].sin() + k as f64;
            row[j] = tmp[0] * tmp[1];
        }
        for j in 0..n {
            total += row[j] * row[(j + 1) % n];
        }
    }
    total
}

#[test]
fn arrays_declared_in_nested_loops() {
    check_many("nested", 5, 1.2, 40, &|p| nested(&p[..4], p[4]), &|p| {
        let (v, (gx, ga)) = value_and_grad_nested(&p[..4], p[4]);
        (v, gx.into_iter().chain([ga]).collect())
    });
}

// ----- a recurrence in an array declared in a loop body; `while` and `loop` bodies -----

#[differentiable]
pub fn recurrence_in_loop(x: &[f64], a: f64) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for k in 0..3 {
        let mut y = vec![0.0; n];
        y[0] = x[0] + k as f64;
        for i in 1..n {
            y[i] = y[i - 1] * a + x[i].sin();
        }
        s += y[n - 1] * y[n - 1];
    }
    s
}

#[differentiable]
pub fn in_while(x: &[f64], a: f64) -> f64 {
    let mut s = 0.0;
    let mut k = 0;
    while k < 4 && s < 5.0 {
        let mut y = Array1::zeros(3);
        y[0] = x[k] * a;
        y[1] = y[0] * y[0];
        y[2] = y[1].sin() - y[0];
        s += y[2] * y[2] + y.sum();
        k += 1;
    }
    let r = loop {
        let mut z = vec![0.0; 2];
        z[0] = s * a;
        z[1] = z[0].cos();
        if z[1] < 2.0 {
            break z[0] + z[1];
        }
    };
    r
}

#[test]
fn recurrences_and_while_bodies() {
    check_many(
        "recurrence_in_loop",
        5,
        1.0,
        60,
        &|p| recurrence_in_loop(&p[..4], p[4]),
        &|p| {
            let (v, (gx, ga)) = value_and_grad_recurrence_in_loop(&p[..4], p[4]);
            (v, gx.into_iter().chain([ga]).collect())
        },
    );
    check_many("in_while", 5, 1.0, 60, &|p| in_while(&p[..4], p[4]), &|p| {
        let (v, (gx, ga)) = value_and_grad_in_while(&p[..4], p[4]);
        (v, gx.into_iter().chain([ga]).collect())
    });
}

// ----- compound writes and 2-D arrays in a loop body -----

#[differentiable]
pub fn compound_2d(x: ArrayView1<f64>, s: f64) -> f64 {
    let n = x.len();
    let mut out = 0.0;
    for k in 0..2 {
        let mut m = Array2::zeros((2, n));
        let mut v = Array1::zeros(n);
        for i in 0..n {
            m[[0, i]] = x[i] * s;
            m[[1, i]] += x[i].sin();
            m[[1, i]] -= s * (k as f64);
            m[[0, i]] *= 1.0 + x[i] * x[i];
            m[[1, i]] /= 2.0 + s * s;
            v[i] = m[[0, i]] - m[[1, i]];
            v[i] += m[[1, i]] * m[[0, i]];
        }
        out += m.sum() + v.dot(&v) + m[[1, 0]] * v[n - 1];
    }
    out
}

#[test]
fn compound_writes_and_matrices_in_a_loop_body() {
    check_many(
        "compound_2d",
        5,
        1.0,
        60,
        &|p| compound_2d(Array1::from(p[..4].to_vec()).view(), p[4]),
        &|p| {
            let (v, (gx, gs)) =
                value_and_grad_compound_2d(Array1::from(p[..4].to_vec()).view(), p[4]);
            (v, gx.iter().copied().chain([gs]).collect())
        },
    );
}

// ----- arrays that are the value of a block, arrays read through views after filling -----

#[differentiable]
pub fn block_values(x: &[f64], a: f64) -> f64 {
    let n = x.len();
    let b2 = {
        let mut b = Array1::zeros(n);
        for i in 0..n {
            b[i] = x[i] * a + 1.0;
        }
        b
    };
    let mut s = 0.0;
    for k in 0..2 {
        let c = {
            let mut c = Array1::zeros(n);
            for i in 0..n {
                c[i] = b2[i] * (k as f64 + a);
            }
            c
        };
        s += c.dot(&b2) + c.slice(s![1..]).sum();
    }
    s + b2.mapv(f64::tanh).sum()
}

#[test]
fn arrays_as_block_values() {
    check_many(
        "block_values",
        5,
        1.0,
        50,
        &|p| block_values(&p[..4], p[4]),
        &|p| {
            let (v, (gx, ga)) = value_and_grad_block_values(&p[..4], p[4]);
            (v, gx.into_iter().chain([ga]).collect())
        },
    );
}

// ----- through calls: the pullback of a function with scoped arrays -----

#[differentiable]
pub fn inner_scoped(x: &[f64], c: f64) -> f64 {
    let mut s = 0.0;
    for k in 0..2 {
        let mut b = [0.0; 2];
        b[0] = x[k] * c;
        b[1] = b[0].sin();
        s += b[0] * b[1];
    }
    s
}

#[differentiable]
pub fn outer_calls(x: &[f64], c: f64) -> f64 {
    let mut t = 0.0;
    for j in 0..3 {
        let mut w = vec![0.0; 2];
        w[0] = inner_scoped(x, c + j as f64);
        w[1] = w[0] * c;
        t += w[1].cos();
    }
    t
}

#[test]
fn scoped_arrays_through_calls() {
    check_many(
        "outer_calls",
        3,
        1.0,
        50,
        &|p| outer_calls(&p[..2], p[2]),
        &|p| {
            let (v, (gx, gc)) = value_and_grad_outer_calls(&p[..2], p[2]);
            (v, gx.into_iter().chain([gc]).collect())
        },
    );
    // jvp (from the pullback here) agrees with the gradient.
    let (x, c) = ([0.4, -0.3], 0.7);
    let (gx, gc) = grad_outer_calls(&x, c);
    let (_, d) = jvp_outer_calls(&x, c, &[1.0, 0.5], 2.0);
    assert!((d - (gx[0] + 0.5 * gx[1] + 2.0 * gc)).abs() < 1e-12);
}

// ----- more scopes: `collect` in a loop, `match` arms, closures, arrays copied by an `if` -----

#[differentiable]
pub fn collect_in_loop(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for k in 0..3 {
        let z: Vec<f64> = x.iter().map(|v| v * (s + 1.0)).collect();
        s += z[k].sin();
    }
    s
}

#[differentiable]
pub fn match_and_closure(x: &[f64], mode: usize) -> f64 {
    let f = |t: f64| {
        let mut b = [0.0; 2];
        b[0] = t.sin();
        b[1] = b[0] * t;
        b[0] + b[1]
    };
    let r = match mode {
        0 => {
            let mut v = vec![0.0; 2];
            v[0] = f(x[0]);
            v[1] = v[0] * x[1];
            v[1]
        }
        _ => f(x[1]) * x[0],
    };
    r
}

/// A normalisation inside an `if` (at the top level, and in a loop): a nested loop that carries a
/// value reads the array before the `if` overwrites it, so the `if` copies the array.
#[differentiable]
pub fn normalize_if(x: &[f64], c: f64) -> f64 {
    let n = x.len();
    let mut y = vec![0.0; n];
    for i in 0..n {
        y[i] = x[i] + c;
    }
    if c > -0.5 {
        let mut m = 0.0;
        for i in 0..n {
            m += y[i] * y[i];
        }
        for i in 0..n {
            y[i] = y[i] / (1.0 + m).sqrt();
        }
    }
    let mut s = 0.0;
    for k in 0..2 {
        if x[k] > 0.0 {
            let mut m = 0.0;
            for i in 0..n {
                m += y[i].abs();
            }
            for i in 0..n {
                y[i] *= 1.0 + 0.1 * m;
            }
        }
        s += y[k] * y[n - 1];
    }
    s
}

/// An in-place update in a loop that can stop early.
#[differentiable]
pub fn descent_break(x0: &[f64], a: f64) -> f64 {
    let n = x0.len();
    let mut w = vec![0.0; n];
    for i in 0..n {
        w[i] = x0[i];
    }
    let mut it = 0;
    loop {
        let mut norm = 0.0;
        for i in 0..n {
            norm += w[i] * w[i];
        }
        if norm < 0.3 || it == 5 {
            break;
        }
        for i in 0..n {
            w[i] -= a * w[i] * norm;
        }
        it += 1;
    }
    w[0] + 2.0 * w[n - 1]
}

/// A whole use at the top level between two writes.
#[differentiable]
pub fn whole_use_between_writes(x: f64) -> f64 {
    let mut y: Array1<f64> = Array1::zeros(2);
    y[0] = x;
    let s = y.sum();
    y[1] = s * x;
    y[1]
}

#[test]
fn more_scopes_and_copies() {
    check_many(
        "collect_in_loop",
        4,
        1.0,
        40,
        &|p| collect_in_loop(p),
        &|p| value_and_grad_collect_in_loop(p),
    );
    for mode in [0, 1] {
        check_many(
            "match_and_closure",
            2,
            1.5,
            30,
            &|p| match_and_closure(p, mode),
            &|p| value_and_grad_match_and_closure(p, mode),
        );
    }
    check_many(
        "normalize_if",
        5,
        1.0,
        80,
        &|p| normalize_if(&p[..4], p[4]),
        &|p| {
            let (v, (gx, gc)) = value_and_grad_normalize_if(&p[..4], p[4]);
            (v, gx.into_iter().chain([gc]).collect())
        },
    );
    check_many(
        "descent_break",
        5,
        1.0,
        60,
        &|p| descent_break(&p[..4], 0.2 + 0.1 * p[4]),
        &|p| {
            let (v, (gx, ga)) = value_and_grad_descent_break(&p[..4], 0.2 + 0.1 * p[4]);
            (v, gx.into_iter().chain([ga * 0.1]).collect())
        },
    );
    for x in [-1.5, 0.0, 0.3, 2.0] {
        let (v, g) = value_and_grad_whole_use_between_writes(x);
        assert_eq!(v, x * x);
        assert_eq!(g, 2.0 * x);
    }
}
