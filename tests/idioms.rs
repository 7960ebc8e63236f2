//! The Rust people write: iterator chains and closures, tuples, `match`, `if let` / `let else`,
//! helpers that return tuples — written as a user writes them, each checked against central
//! differences at many points and its value against the plain function, bit for bit.

mod common;

use autodiff_runtime::differentiable;
use common::{check, points};

/// Checks `grad` against central differences at many points; at least half must be smooth.
fn check_many(
    name: &str,
    n: usize,
    scale: f64,
    f: &dyn Fn(&[f64]) -> f64,
    grad: &dyn Fn(&[f64]) -> Vec<f64>,
) {
    let pts = points(n, 40, scale);
    let used = pts.iter().filter(|x| check(name, f, &grad(x), x)).count();
    assert!(used >= 20, "{name}: only {used} of 40 points were smooth");
}

// ----- iterator chains -----

#[differentiable(wrt(w, b))]
pub fn logistic_loss(w: &[f64], b: f64, xs: &[f64], ys: &[f64], dim: usize) -> f64 {
    let n = ys.len();
    let loss: f64 = (0..n)
        .map(|i| {
            let z = xs[i * dim..(i + 1) * dim]
                .iter()
                .zip(w.iter())
                .map(|(x, w)| x * w)
                .sum::<f64>()
                + b;
            let p = 1.0 / (1.0 + (-z).exp());
            -(ys[i] * p.ln() + (1.0 - ys[i]) * (1.0 - p).ln())
        })
        .sum();
    loss / n as f64
}

#[differentiable]
pub fn gaussian_nll(data: &[f64], mu: f64, log_sigma: f64) -> f64 {
    let sigma = log_sigma.exp();
    let n = data.len() as f64;
    let ss = data.iter().map(|&x| (x - mu).powi(2)).sum::<f64>();
    ss / (2.0 * sigma * sigma) + n * log_sigma
}

#[differentiable]
pub fn rosenbrock(x: &[f64]) -> f64 {
    x.windows(2)
        .map(|w| 100.0 * (w[1] - w[0] * w[0]).powi(2) + (1.0 - w[0]).powi(2))
        .sum()
}

#[differentiable]
pub fn softmax_cross_entropy(logits: &[f64], label: usize) -> f64 {
    let m = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = logits.iter().map(|v| (v - m).exp()).collect();
    let s: f64 = e.iter().sum();
    -(e[label] / s).ln()
}

#[differentiable]
pub fn positions(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for (i, v) in x.iter().enumerate() {
        s += (i as f64 + 1.0) * v.sin();
    }
    for &v in x.iter().rev().skip(1) {
        s = 0.5 * s + v;
    }
    for v in x {
        s += v * v;
    }
    let tail: f64 = x
        .iter()
        .enumerate()
        .rev()
        .step_by(2)
        .map(|(i, v)| i as f64 * v)
        .sum();
    let positive = x.iter().filter(|v| **v > 0.0).map(|v| v.exp()).sum::<f64>();
    let small = x.iter().copied().filter(|&v| v < 0.5).count() as f64;
    s + tail
        + positive * small
        + x.iter()
            .take(3)
            .zip(x.iter().skip(1))
            .fold(0.0, |a, (p, q)| a + p * q)
}

#[differentiable]
pub fn range_sums(x: f64, n: usize) -> f64 {
    let a = (0..n).map(|i| (i as f64 * x).sin()).sum::<f64>();
    let b = (1..=n)
        .rev()
        .step_by(2)
        .map(|i| x / i as f64)
        .product::<f64>();
    let any_big = (0..n).any(|i| i as f64 * x > 2.0);
    if any_big { a + b } else { a - b }
}

#[test]
fn iterator_chains_match_central_differences() {
    let dim = 3;
    let xs: Vec<f64> = points(1, 12, 1.5).into_iter().map(|p| p[0]).collect();
    let ys = [1.0, 0.0, 1.0, 1.0];
    check_many(
        "logistic_loss",
        4,
        1.0,
        &|p| logistic_loss(&p[..3], p[3], &xs, &ys, dim),
        &|p| {
            let (gw, gb) = grad_logistic_loss(&p[..3], p[3], &xs, &ys, dim);
            let mut g = gw;
            g.push(gb);
            g
        },
    );
    let data = [0.3, -1.2, 0.7, 2.0, 0.1, 1.1];
    check_many(
        "gaussian_nll",
        2,
        1.0,
        &|p| gaussian_nll(&data, p[0], p[1]),
        &|p| {
            let (_, gm, gs) = grad_gaussian_nll(&data, p[0], p[1]);
            vec![gm, gs]
        },
    );
    check_many("rosenbrock", 5, 1.5, &|p| rosenbrock(p), &|p| {
        grad_rosenbrock(p)
    });
    check_many("softmax", 5, 3.0, &|p| softmax_cross_entropy(p, 2), &|p| {
        grad_softmax_cross_entropy(p, 2)
    });
    check_many("positions", 6, 1.0, &|p| positions(p), &|p| {
        grad_positions(p)
    });
    for n in [0, 1, 4, 7] {
        check_many("range_sums", 1, 1.0, &|p| range_sums(p[0], n), &|p| {
            vec![grad_range_sums(p[0], n)]
        });
    }
}

#[test]
fn iterator_chains_keep_the_value() {
    for p in points(6, 20, 2.0) {
        assert_eq!(
            value_and_grad_positions(&p).0.to_bits(),
            positions(&p).to_bits()
        );
        assert_eq!(
            value_and_grad_rosenbrock(&p).0.to_bits(),
            rosenbrock(&p).to_bits()
        );
        assert_eq!(
            value_and_grad_gaussian_nll(&p, 0.3, -0.2).0.to_bits(),
            gaussian_nll(&p, 0.3, -0.2).to_bits()
        );
    }
    // `sum` starts from -0.0, as `f64`'s does: an empty sum is -0.0.
    assert_eq!(
        value_and_grad_rosenbrock(&[1.0]).0.to_bits(),
        (-0.0f64).to_bits()
    );
}

/// Rosenbrock's gradient by hand.
#[test]
fn windows_match_the_hand_derived_gradient() {
    for x in points(5, 10, 1.5) {
        let g = grad_rosenbrock(&x);
        let mut want = vec![0.0; x.len()];
        for i in 0..x.len() - 1 {
            let t = x[i + 1] - x[i] * x[i];
            want[i] += -400.0 * x[i] * t - 2.0 * (1.0 - x[i]);
            want[i + 1] += 200.0 * t;
        }
        for (a, b) in g.iter().zip(&want) {
            assert!(
                (a - b).abs() <= 1e-10 * (1.0 + b.abs()),
                "{g:?} vs {want:?}"
            );
        }
    }
}

// ----- closures -----

#[differentiable]
pub fn with_closures(x: f64, y: f64) -> f64 {
    let k = 3.0 * y * y + 0.5;
    let sq = |t: f64| t * t * k;
    // Shadowing after the definition does not change what the closure reads.
    let k = 100.0;
    let norm = |a: f64, b: f64| (sq(a) + sq(b)).sqrt();
    let twice = |t: f64| {
        let u = t * 2.0;
        u.sin()
    };
    norm(x, y) + twice(x) + k
}

#[test]
fn closures_match_central_differences() {
    check_many(
        "with_closures",
        2,
        2.0,
        &|p| with_closures(p[0], p[1]),
        &|p| {
            let (a, b) = grad_with_closures(p[0], p[1]);
            vec![a, b]
        },
    );
}

// ----- tuples and helpers that return them -----

#[differentiable]
pub fn spring_step(x: f64, v: f64, dt: f64, k: f64) -> (f64, f64) {
    let a = -k * x - 0.1 * v * v.abs();
    (x + dt * v, v + dt * a)
}

/// RK4 for the pendulum, the state carried as a tuple.
#[differentiable]
pub fn pendulum_rhs(theta: f64, omega: f64, g_over_l: f64) -> (f64, f64) {
    (omega, -g_over_l * theta.sin())
}

#[differentiable]
pub fn pendulum(theta0: f64, omega0: f64, g_over_l: f64, steps: usize) -> f64 {
    let dt = 0.01;
    let (mut th, mut om) = (theta0, omega0);
    for _ in 0..steps {
        let (k1a, k1b) = pendulum_rhs(th, om, g_over_l);
        let (k2a, k2b) = pendulum_rhs(th + 0.5 * dt * k1a, om + 0.5 * dt * k1b, g_over_l);
        let (k3a, k3b) = pendulum_rhs(th + 0.5 * dt * k2a, om + 0.5 * dt * k2b, g_over_l);
        let (k4a, k4b) = pendulum_rhs(th + dt * k3a, om + dt * k3b, g_over_l);
        th += dt / 6.0 * (k1a + 2.0 * k2a + 2.0 * k3a + k4a);
        om += dt / 6.0 * (k1b + 2.0 * k2b + 2.0 * k3b + k4b);
    }
    th * th + om
}

#[differentiable]
pub fn simulate(x0: f64, v0: f64, k: f64, n: usize) -> f64 {
    let (mut x, mut v) = (x0, v0);
    for _ in 0..n {
        (x, v) = spring_step(x, v, 0.01, k);
    }
    let (e, _) = spring_step(x, v, 0.5, k);
    let (a, b) = (x, v);
    let (a, b) = (b, a); // swaps: both parts are read before either is bound
    x * x + v * v + e + a * 2.0 - b
}

#[differentiable]
pub fn recurrence(state: [f64; 2], n: usize) -> f64 {
    let [a0, b0] = state;
    let (mut a, mut b) = (a0, b0);
    for _ in 0..n {
        (a, b) = (b, a + 0.5 * b.sin());
    }
    a * b
}

#[test]
fn tuples_match_central_differences() {
    check_many(
        "simulate",
        3,
        1.0,
        &|p| simulate(p[0], p[1], 2.0 + p[2], 50),
        &|p| {
            let (a, b, c) = grad_simulate(p[0], p[1], 2.0 + p[2], 50);
            vec![a, b, c]
        },
    );
    check_many(
        "pendulum",
        3,
        1.0,
        &|p| pendulum(p[0], p[1], 9.0 + p[2], 40),
        &|p| {
            let (a, b, c) = grad_pendulum(p[0], p[1], 9.0 + p[2], 40);
            vec![a, b, c]
        },
    );
    check_many(
        "recurrence",
        2,
        1.0,
        &|p| recurrence([p[0], p[1]], 9),
        &|p| grad_recurrence([p[0], p[1]], 9).to_vec(),
    );
    for p in points(3, 10, 1.0) {
        assert_eq!(
            value_and_grad_pendulum(p[0], p[1], 9.0, 40).0.to_bits(),
            pendulum(p[0], p[1], 9.0, 40).to_bits()
        );
    }
}

/// The pullback of a helper with two outputs takes a pair of output adjoints.
#[test]
fn pullback_of_a_tuple_helper() {
    let (x, v, dt, k) = (0.7, -0.3, 0.1, 2.0);
    let (dx, dv, ddt, dk) = pullback_spring_step(x, v, dt, k, (1.0, 0.0));
    // ∂(x + dt v)/∂(x, v, dt, k) = (1, dt, v, 0)
    assert_eq!((dx, dv, ddt, dk), (1.0, dt, v, 0.0));
    let (dx, dv, ddt, dk) = pullback_spring_step(x, v, dt, k, (0.0, 1.0));
    // ∂(v + dt (−k x − 0.1 v |v|)) = (−dt k, 1 − 0.2 dt |v|, a, −dt x)
    let a = -k * x - 0.1 * v * v.abs();
    assert!((dx + dt * k).abs() < 1e-15);
    assert!((dv - (1.0 - 0.2 * dt * v.abs())).abs() < 1e-15);
    assert!((ddt - a).abs() < 1e-15 && (dk + dt * x).abs() < 1e-15);
}

// ----- whole programs -----

/// MLP with one hidden layer, weights flattened in slices, written with chains and closures.
#[differentiable(wrt(w1, b1, w2, b2))]
#[allow(clippy::too_many_arguments)]
pub fn mlp_loss(
    w1: &[f64],
    b1: &[f64],
    w2: &[f64],
    b2: f64,
    xs: &[f64],
    ys: &[f64],
    d: usize,
    h: usize,
) -> f64 {
    let relu = |z: f64| z.max(0.0);
    let n = ys.len();
    let mut total = 0.0;
    for (i, y) in ys.iter().enumerate() {
        let x = &xs[i * d..(i + 1) * d];
        let mut out = b2;
        for j in 0..h {
            let z: f64 = w1[j * d..(j + 1) * d]
                .iter()
                .zip(x.iter())
                .map(|(w, x)| w * x)
                .sum::<f64>()
                + b1[j];
            out += w2[j] * relu(z);
        }
        total += (out - y).powi(2);
    }
    total / n as f64
}

/// Projectile with drag: state as tuples, early exit when it hits the ground.
#[differentiable]
pub fn projectile(v0: f64, angle: f64, drag: f64) -> f64 {
    let (mut x, mut y) = (0.0, 0.0);
    let (mut vx, mut vy) = (v0 * angle.cos(), v0 * angle.sin());
    let dt = 0.01;
    for _ in 0..10_000 {
        let speed = (vx * vx + vy * vy).sqrt();
        let (ax, ay) = (-drag * speed * vx, -9.81 - drag * speed * vy);
        (vx, vy) = (vx + dt * ax, vy + dt * ay);
        (x, y) = (x + dt * vx, y + dt * vy);
        if y < 0.0 {
            break;
        }
    }
    x
}

/// Long recurrence with fold.
#[differentiable]
pub fn logistic_map(r: f64, x0: f64, n: usize) -> f64 {
    (0..n).fold(x0, |x, _| r * x * (1.0 - x))
}

/// Gaussian log-likelihood with mean and variance from chains.
#[differentiable]
pub fn gauss(data: &[f64], mu: f64, sigma: f64) -> f64 {
    let n = data.len() as f64;
    let ll: f64 = data
        .iter()
        .map(|x| {
            let z = (x - mu) / sigma;
            -0.5 * z * z - sigma.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
        })
        .sum();
    -ll / n
}

/// Softmax cross-entropy, log-sum-exp, written with max fold and chains; early continue.
#[differentiable]
pub fn lse(z: &[f64], mask: &[bool]) -> f64 {
    let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut s = 0.0;
    for (i, v) in z.iter().enumerate() {
        if !mask[i] {
            continue;
        }
        s += (v - m).exp();
    }
    m + s.ln()
}

/// Nested loops with early return from the inner loop.
#[differentiable]
pub fn search(x: &[f64], t: f64) -> f64 {
    let mut acc = 0.0;
    for (i, a) in x.iter().enumerate() {
        for b in x.iter().skip(i + 1) {
            let d = (a - b).abs();
            if d < t {
                return acc + d;
            }
            acc += d * 0.1;
        }
    }
    acc
}

/// Match on mode inside a loop with closures.
#[differentiable]
pub fn modes(x: &[f64], mode: u8) -> f64 {
    let f = |v: f64| match mode {
        0 => v.sin(),
        1 => v * v,
        _ => v.exp(),
    };
    x.iter().map(|&v| f(v)).sum::<f64>()
}

#[test]
fn programs_as_users_write_them() {
    let (d, h) = (2, 3);
    let xs = [0.5, -1.0, 1.5, 0.2, -0.3, 0.8];
    let ys = [1.0, 0.0, 0.5];
    check_many(
        "mlp_loss",
        13,
        1.0,
        &|p| mlp_loss(&p[..6], &p[6..9], &p[9..12], p[12], &xs, &ys, d, h),
        &|p| {
            let (a, b, c, e) = grad_mlp_loss(&p[..6], &p[6..9], &p[9..12], p[12], &xs, &ys, d, h);
            [a, b, c, vec![e]].concat()
        },
    );
    check_many(
        "projectile",
        3,
        1.0,
        &|p| projectile(20.0 + p[0], 0.7 + 0.3 * p[1], 0.01 + 0.005 * p[2]),
        &|p| {
            let (a, b, c) = grad_projectile(20.0 + p[0], 0.7 + 0.3 * p[1], 0.01 + 0.005 * p[2]);
            vec![a, 0.3 * b, 0.005 * c]
        },
    );
    check_many(
        "logistic_map",
        2,
        0.1,
        &|p| logistic_map(3.2 + p[0], 0.3 + p[1], 20),
        &|p| {
            let (a, b) = grad_logistic_map(3.2 + p[0], 0.3 + p[1], 20);
            vec![a, b]
        },
    );
    let data = [0.3, -1.2, 0.7, 2.0];
    check_many("gauss", 2, 0.5, &|p| gauss(&data, p[0], 1.3 + p[1]), &|p| {
        let (_, a, b) = grad_gauss(&data, p[0], 1.3 + p[1]);
        vec![a, b]
    });
    let mask = [true, false, true, true];
    check_many("lse", 4, 2.0, &|p| lse(p, &mask), &|p| grad_lse(p, &mask));
    for t in [0.05, 0.5, 2.0] {
        check_many("search", 4, 2.0, &|p| search(p, t), &|p| {
            grad_search(p, t).0
        });
    }
    for mode in 0..3 {
        check_many("modes", 4, 1.0, &|p| modes(p, mode), &|p| {
            grad_modes(p, mode)
        });
    }
}

// ----- match, if let, let else -----

#[derive(Clone, Copy)]
pub enum Kind {
    Sine,
    Scaled(usize),
    Power { k: usize },
}

pub enum Config {
    Plain,
    Weighted(f64),
}

#[differentiable]
pub fn with_patterns(x: f64, kind: Kind, opt: Option<usize>, cfg: &Config, mode: i32) -> f64 {
    let base = match kind {
        Kind::Sine => x.sin(),
        Kind::Scaled(n) if n > 2 => x * n as f64,
        Kind::Scaled(_) => x * x,
        Kind::Power { k } => x.powi(k as i32),
    };
    let extra = if let Some(m) = opt { m as f64 * x } else { 0.0 };
    let shaped = match mode {
        0 => base,
        1 | 2 => base * base,
        -5..=-1 => base.exp(),
        _ => -base,
    };
    let Config::Weighted(w) = cfg else {
        return shaped + extra;
    };
    let magnitude = match x {
        v if v > 0.0 => v,
        v => -v,
    };
    (shaped + extra) * w + magnitude + if matches!(kind, Kind::Sine) { 1.0 } else { 0.0 }
}

#[test]
fn patterns_match_central_differences() {
    let kinds = [
        Kind::Sine,
        Kind::Scaled(3),
        Kind::Scaled(1),
        Kind::Power { k: 3 },
    ];
    for kind in kinds {
        for opt in [None, Some(2)] {
            for cfg in [Config::Plain, Config::Weighted(1.5)] {
                for mode in [0, 2, -3, 7] {
                    let f = |p: &[f64]| with_patterns(p[0], kind, opt, &cfg, mode);
                    check_many("with_patterns", 1, 1.0, &f, &|p| {
                        vec![grad_with_patterns(p[0], kind, opt, &cfg, mode)]
                    });
                    let x = 0.37;
                    assert_eq!(
                        value_and_grad_with_patterns(x, kind, opt, &cfg, mode)
                            .0
                            .to_bits(),
                        with_patterns(x, kind, opt, &cfg, mode).to_bits()
                    );
                }
            }
        }
    }
}

// ----- found by the random-program tester -----

#[differentiable]
pub fn method_on_a_sum(x: &[f64], t: f64) -> f64 {
    x.iter().sum::<f64>().sin() + (0..3).map(|i| i as f64 * t).sum::<f64>().cos()
}

#[differentiable]
pub fn skip_after_a_part(x: &[f64]) -> f64 {
    x[1..3].iter().skip(1).sum::<f64>()
        + x.iter()
            .zip(x[0..2].iter().skip(1))
            .map(|(a, b)| a * b)
            .sum::<f64>()
}

#[test]
fn methods_on_chain_results_and_skips_after_parts() {
    check_many(
        "method_on_a_sum",
        4,
        1.0,
        &|p| method_on_a_sum(&p[..3], p[3]),
        &|p| {
            let (g, t) = grad_method_on_a_sum(&p[..3], p[3]);
            [g, vec![t]].concat()
        },
    );
    check_many(
        "skip_after_a_part",
        3,
        1.0,
        &|p| skip_after_a_part(p),
        &|p| grad_skip_after_a_part(p),
    );
}

/// `sin_cos` in both forms, destructured, in a loop (a rotation), and assigned to a pair.
#[differentiable(hessian)]
pub fn rotate_point(x: f64, y: f64, theta: f64) -> f64 {
    let (mut px, mut py) = (x, y);
    for k in 0..3 {
        let (s, c) = (theta * (k as f64 + 1.0)).sin_cos();
        (px, py) = (c * px - s * py, s * px + c * py);
    }
    let (a, b) = f64::sin_cos(px * py);
    let (mut u, mut v) = (px, py);
    if theta > 0.5 {
        (u, v) = theta.sin_cos();
    }
    px + 2.0 * py + a * b + u * v
}

#[test]
fn sin_cos_pairs() {
    check_many(
        "rotate_point",
        3,
        2.0,
        &|v: &[f64]| rotate_point(v[0], v[1], v[2]),
        &|v: &[f64]| {
            let (a, b, c) = grad_rotate_point(v[0], v[1], v[2]);
            vec![a, b, c]
        },
    );
}

// ----- `first()`, `last()` and `get(i)` of a slice or array -----

/// `*x.last().unwrap()`, `x.first().copied().unwrap()`, `if let Some(v) = x.get(i)` and
/// `if let Some(&w) = x.get(i + 1)` (past the end for the last indices).
#[differentiable]
pub fn ends_and_checked_reads(
    x: &[f64],
    a: &autodiff_runtime::ndarray::Array1<f64>,
    i: usize,
) -> f64 {
    let last = *x.last().unwrap();
    let first = x.first().copied().unwrap();
    let l2 = a.last().unwrap();
    let f2 = *a.first().unwrap() * l2;
    let got = if let Some(v) = x.get(i) {
        *v * 2.0
    } else {
        0.0
    };
    let mut next = 0.0;
    if let Some(&w) = x.get(i + 1) {
        next = w.sin();
    }
    last * first + f2 + x.last().unwrap().sin() + got + next
}

#[test]
fn first_last_and_get() {
    for i in 0..4 {
        check_many(
            "ends_and_checked_reads",
            5,
            1.0,
            &|p| {
                let a = autodiff_runtime::ndarray::Array1::from(p[3..].to_vec());
                ends_and_checked_reads(&p[..3], &a, i)
            },
            &|p| {
                let a = autodiff_runtime::ndarray::Array1::from(p[3..].to_vec());
                let (gx, ga) = grad_ends_and_checked_reads(&p[..3], &a, i);
                gx.into_iter().chain(ga).collect()
            },
        );
    }
    // By hand at one point, i = 1: d/dx0 = x2, d/dx1 = 2, d/dx2 = x0 + cos x2 + cos x2.
    let x = [0.3, 0.5, -0.7];
    let a = autodiff_runtime::ndarray::Array1::from(vec![0.2, 0.9]);
    let (gx, ga) = grad_ends_and_checked_reads(&x, &a, 1);
    let c = (-0.7_f64).cos();
    assert_eq!(gx, vec![-0.7, 2.0, 0.3 + c + c]);
    assert_eq!(ga.to_vec(), vec![0.9, 0.2]);
}

// ----- labelled loops: `break 'outer` and `continue 'outer` from nested loops -----

/// Stops both loops at the first product above `tol`.
#[differentiable]
pub fn products_until(x: &[f64], tol: f64) -> f64 {
    let mut acc = 0.0;
    'outer: for i in 0..x.len() {
        for j in 0..x.len() {
            if x[i] * x[j] > tol {
                break 'outer;
            }
            acc += x[i] * x[j];
        }
    }
    acc
}

/// Skips the rest of a row (a `while` inside a labelled `for`) at its first negative entry.
#[differentiable]
pub fn rows_until_negative(m: &[f64], n: usize) -> f64 {
    let mut s = 0.0;
    'rows: for i in 0..n {
        let mut k = 0;
        while k < n {
            let v = m[i * n + k];
            if v < 0.0 {
                continue 'rows;
            }
            s += v.sqrt() * (k as f64 + 1.0);
            k += 1;
        }
        s += 1.0;
    }
    s
}

/// Three levels: `break 'a` from the innermost loop, `continue 'b` from it too.
#[differentiable]
pub fn three_levels(x: f64) -> f64 {
    let mut t = x;
    'a: loop {
        'b: for _ in 0..5 {
            for _ in 0..3 {
                t = t * 1.1 + 0.01;
                if t > 3.0 {
                    break 'a;
                }
                if t > 2.0 {
                    continue 'b;
                }
                t += 0.1;
            }
        }
        t *= 0.9;
    }
    t * t
}

#[test]
fn labelled_breaks_and_continues() {
    for tol in [0.2, 0.5, 2.0] {
        check_many(
            "products_until",
            4,
            1.0,
            &|x| products_until(x, tol),
            &|x| grad_products_until(x, tol).0,
        );
    }
    // By hand for x = (0.3, 0.5, 0.9, 1.2), tol = 0.2: the terms before 0.3·0.9 > 0.2 are
    // x0² + x0 x1, so the gradient is (2 x0 + x1, x0, 0, 0).
    let (g, _) = grad_products_until(&[0.3, 0.5, 0.9, 1.2], 0.2);
    assert!((g[0] - 1.1).abs() < 1e-15 && (g[1] - 0.3).abs() < 1e-15 && g[2] == 0.0);
    check_many(
        "rows_until_negative",
        9,
        1.0,
        &|m| rows_until_negative(m, 3),
        &|m| grad_rows_until_negative(m, 3),
    );
    check_many("three_levels", 1, 1.0, &|x| three_levels(x[0]), &|x| {
        vec![grad_three_levels(x[0])]
    });
}

// ----- variables holding tuples -----

#[differentiable]
pub fn leapfrog(p: f64, q: f64, dt: f64) -> (f64, f64) {
    (p + dt * q, q - dt * p.sin())
}

/// A state kept in one tuple variable: taken apart, reassigned whole, read by field.
#[differentiable]
pub fn tuple_state(x: f64, v: f64) -> f64 {
    let mut state = (x, v);
    for _ in 0..10 {
        let (p, q) = state;
        state = (p + 0.1 * q, q - 0.1 * p.sin());
    }
    state.0 * state.1
}

/// A typed tuple from a call, updated by calls and by a compound assignment to one part, then
/// chosen by a branch (one side the variable, the other a literal), then shadowed.
#[differentiable]
pub fn tuple_from_calls(x: f64, v: f64) -> f64 {
    let mut s: (f64, f64) = leapfrog(x, v, 0.1);
    for _ in 0..5 {
        s = leapfrog(s.0, s.1, 0.1);
        s.1 *= 0.99;
    }
    let best = if s.0 > 0.0 { s } else { (s.1, s.0) };
    assert!(best.0.is_finite(), "{:?} {}", best, best.1);
    let s = best.0 + 2.0 * best.1;
    s * s
}

#[test]
fn tuple_variables() {
    check_many("tuple_state", 2, 1.0, &|p| tuple_state(p[0], p[1]), &|p| {
        let (a, b) = grad_tuple_state(p[0], p[1]);
        vec![a, b]
    });
    check_many(
        "tuple_from_calls",
        2,
        1.0,
        &|p| tuple_from_calls(p[0], p[1]),
        &|p| {
            let (a, b) = grad_tuple_from_calls(p[0], p[1]);
            vec![a, b]
        },
    );
    // One step by hand: state = (x + 0.1 v, v − 0.1 sin x), value = s0 s1.
    let one = |x: f64, v: f64| {
        let (s0, s1) = (x + 0.1 * v, v - 0.1 * x.sin());
        (s1 * 1.0 + s0 * (-0.1 * x.cos()), s1 * 0.1 + s0)
    };
    #[differentiable]
    fn one_step(x: f64, v: f64) -> f64 {
        let mut state = (x, v);
        state = (state.0 + 0.1 * state.1, state.1 - 0.1 * state.0.sin());
        state.0 * state.1
    }
    let (gx, gv) = grad_one_step(0.4, 0.3);
    let (wx, wv) = one(0.4, 0.3);
    assert!((gx - wx).abs() < 1e-15 && (gv - wv).abs() < 1e-15);
}

// ----- checked reads with a default, and loops over a matrix's rows and columns -----

#[differentiable]
pub fn reads_or_default(x: &[f64], i: usize) -> f64 {
    x.get(i).copied().unwrap_or(0.5) * 2.0
        + x.first().cloned().unwrap_or(0.0) * x.last().copied().unwrap_or(1.0)
}

#[differentiable]
pub fn rows_and_columns(m: &autodiff_runtime::ndarray::Array2<f64>) -> f64 {
    let mut s = 0.0;
    for row in m.rows() {
        s += row.sum().sin();
    }
    for col in m.columns() {
        s += col.dot(&col).sqrt();
    }
    s
}

#[test]
fn defaults_and_matrix_rows() {
    for i in 0..4 {
        check_many(
            "reads_or_default",
            3,
            1.0,
            &|x| reads_or_default(x, i),
            &|x| grad_reads_or_default(x, i),
        );
    }
    // Past the end the default carries no derivative: d/dx = (x2, 0, x0).
    let g = grad_reads_or_default(&[0.3, -0.6, 0.8], 7);
    assert_eq!(g, vec![0.8, 0.0, 0.3]);
    check_many(
        "rows_and_columns",
        6,
        1.0,
        &|p| {
            let m = autodiff_runtime::ndarray::Array2::from_shape_vec((2, 3), p.to_vec()).unwrap();
            rows_and_columns(&m)
        },
        &|p| {
            let m = autodiff_runtime::ndarray::Array2::from_shape_vec((2, 3), p.to_vec()).unwrap();
            grad_rows_and_columns(&m).iter().copied().collect()
        },
    );
}
