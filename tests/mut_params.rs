//! `&mut` out-parameters of `#[differentiable]` helpers, called as C++ reference code calls
//! them: RK4 with an `ode_fun(p, y, &mut z)` helper called four times per step into scratch
//! arrays declared outside the loop, `let mut y = y0.to_vec()`, a `&mut f64` accumulator in a
//! loop and in a branch, a helper that reads what it writes under a branch, fixed
//! arrays and `Array1`. Each gradient is checked against central differences at many points.

// Written as C++ reference code is written: index loops, `&mut Vec` out-parameters.
#![allow(clippy::needless_range_loop, clippy::ptr_arg, clippy::manual_memcpy)]

mod common;

use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{Array1, Array2};
use common::splitmix_points;

/// Lotka–Volterra, as the C++ reference writes it.
#[differentiable]
pub fn ode_fun(p: &[f64], y: &[f64], z: &mut [f64]) {
    z[0] = p[0] * y[0] - p[1] * y[0] * y[1];
    z[1] = -p[2] * y[1] + p[3] * y[0] * y[1];
}

#[differentiable]
pub fn accumulate(a: f64, s: &mut f64) {
    *s += a * a;
}

/// Reads what it writes, under a branch.
#[differentiable]
pub fn decay(rate: f64, v: &mut Vec<f64>) {
    for i in 0..v.len() {
        if v[i] <= 10.0 {
            v[i] = v[i] * (-rate).exp() + rate * 0.1;
        }
    }
}

#[differentiable]
pub fn rotate(theta: f64, q: &mut [f64; 2]) {
    let (c, s) = (theta.cos(), theta.sin());
    let x = q[0];
    q[0] = c * x - s * q[1];
    q[1] = s * x + c * q[1];
}

#[differentiable]
pub fn scale_all(k: f64, a: &mut Array1<f64>) {
    for i in 0..a.len() {
        a[i] *= k;
    }
}

#[differentiable]
pub fn rk4(p: &[f64], y0: &[f64], dt: f64, steps: usize) -> f64 {
    let n = y0.len();
    let mut y = y0.to_vec();
    let mut k1 = vec![0.0; n];
    let mut k2 = vec![0.0; n];
    let mut k3 = vec![0.0; n];
    let mut k4 = vec![0.0; n];
    let mut tmp = vec![0.0; n];
    let mut energy = 0.0;
    for _ in 0..steps {
        ode_fun(p, &y, &mut k1);
        for i in 0..n {
            tmp[i] = y[i] + 0.5 * dt * k1[i];
        }
        ode_fun(p, &tmp, &mut k2);
        for i in 0..n {
            tmp[i] = y[i] + 0.5 * dt * k2[i];
        }
        ode_fun(p, &tmp, &mut k3);
        for i in 0..n {
            tmp[i] = y[i] + dt * k3[i];
        }
        ode_fun(p, &tmp, &mut k4);
        for i in 0..n {
            y[i] += dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
        if y[0] > y[1] {
            accumulate(y[0] * 1e-2, &mut energy);
        }
    }
    y[0] + y[1] + energy
}

#[differentiable]
pub fn mixed(rate: f64, theta: f64, k: f64, x: &[f64]) -> f64 {
    let mut v = vec![0.0; x.len()];
    for i in 0..x.len() {
        v[i] = x[i];
    }
    let mut q = [1.0, 0.5];
    let mut a = Array1::zeros(3);
    for round in 0..3 {
        decay(rate, &mut v);
        rotate(theta * (round as f64 + 1.0), &mut q);
        a[round] = v[round % v.len()] + q[0];
        scale_all(k, &mut a);
    }
    let mut s = 0.0;
    for i in 0..3 {
        accumulate(a[i], &mut s);
    }
    s + q[1] * v[0]
}

#[test]
fn rk4_with_an_out_parameter_matches_central_differences() {
    for seed in 0..20 {
        let r = splitmix_points(seed, 6);
        let p = [
            1.0 + 0.2 * r[0],
            0.1 + 0.02 * r[1],
            1.5 + 0.2 * r[2],
            0.075 + 0.01 * r[3],
        ];
        let y0 = [10.0 + r[4], 5.0 + r[5]];
        let (gp, gy0, gdt) = grad_rk4(&p, &y0, 0.01, 60);
        let f = |v: &[f64]| rk4(&v[..4], &v[4..6], v[6], 60);
        let at = [p[0], p[1], p[2], p[3], y0[0], y0[1], 0.01];
        let g = [gp[0], gp[1], gp[2], gp[3], gy0[0], gy0[1], gdt];
        common::check("rk4", &f, &g, &at);
    }
}

#[test]
fn helpers_writing_vecs_fixed_arrays_array1_and_numbers() {
    let mut used = 0;
    for seed in 0..40 {
        let r = splitmix_points(50 + seed, 7);
        let x = [r[3] * 3.0, r[4] * 3.0, r[5], r[6]];
        let (grate, gtheta, gk, gx) = grad_mixed(r[0].abs(), r[1], 0.5 + r[2].abs(), &x);
        let f = |v: &[f64]| mixed(v[0], v[1], v[2], &v[3..]);
        let at = [r[0].abs(), r[1], 0.5 + r[2].abs(), x[0], x[1], x[2], x[3]];
        let g = [grate, gtheta, gk, gx[0], gx[1], gx[2], gx[3]];
        if common::check("mixed", &f, &g, &at) {
            used += 1;
        }
    }
    assert!(used >= 30, "only {used} smooth points");
}

#[test]
fn the_helper_itself_is_unchanged() {
    let mut z = [0.0; 2];
    ode_fun(&[1.0, 0.1, 1.5, 0.075], &[10.0, 5.0], &mut z);
    assert_eq!(z, [10.0 - 5.0, -7.5 + 3.75]);
    let mut s = 1.0;
    accumulate(2.0, &mut s);
    assert_eq!(s, 5.0);
}

/// `fill`, `assign` and `copy_from_slice` into local arrays, in a loop, as numerical code resets
/// and copies its buffers.
#[differentiable]
pub fn buffers(x: &[f64], w: &Array1<f64>, c: f64) -> f64 {
    let n = x.len();
    let mut prev = vec![0.0; n];
    let mut cur = vec![0.0; n];
    let mut a = Array1::zeros(w.len());
    let mut m = Array2::zeros((2, 2));
    let mut s = 0.0;
    for round in 0..3 {
        cur.fill(c * round as f64);
        for i in 0..n {
            cur[i] += x[i] * prev[i] + x[i];
        }
        prev.copy_from_slice(&cur);
        a.assign(w);
        a[round % w.len()] *= c;
        m.fill(a[0]);
        m[[1, 1]] += s;
        s += prev[0] * m[[1, 1]] + a.sum();
    }
    s
}

#[test]
fn fill_assign_and_copy_match_central_differences() {
    for seed in 0..20 {
        let r = splitmix_points(500 + seed, 6);
        let (gx, gw, gc) = grad_buffers(&r[..3], &Array1::from(r[3..5].to_vec()), r[5]);
        let f = |v: &[f64]| buffers(&v[..3], &Array1::from(v[3..5].to_vec()), v[5]);
        let g = [gx[0], gx[1], gx[2], gw[0], gw[1], gc];
        common::check("buffers", &f, &g, &r);
    }
}

/// The LSTM cell as ADBench's C++ writes it: two out-parameters, the hidden and the cell state.
#[differentiable]
pub fn lstm_model(
    hsize: usize,
    weight: &[f64],
    bias: &[f64],
    hidden: &mut [f64],
    cell: &mut [f64],
    input: &[f64],
) {
    let mut gates = vec![0.0; 4 * hsize];
    for i in 0..hsize {
        gates[i] = 1.0 / (1.0 + (-(input[i] * weight[i] + bias[i])).exp());
        gates[hsize + i] = 1.0 / (1.0 + (-(hidden[i] * weight[hsize + i] + bias[hsize + i])).exp());
        gates[2 * hsize + i] =
            1.0 / (1.0 + (-(input[i] * weight[2 * hsize + i] + bias[2 * hsize + i])).exp());
        gates[3 * hsize + i] = (hidden[i] * weight[3 * hsize + i] + bias[3 * hsize + i]).tanh();
    }
    for i in 0..hsize {
        cell[i] = cell[i] * gates[i] + gates[hsize + i] * gates[3 * hsize + i];
    }
    for i in 0..hsize {
        hidden[i] = gates[2 * hsize + i] * cell[i].tanh();
    }
}

#[differentiable]
pub fn rescale(k: f64, part: &mut [f64]) {
    for i in 0..part.len() {
        part[i] *= k;
    }
}

/// The hidden and cell states in their own arrays, then a range of the hidden state rescaled in
/// place (`&mut h[1..]`).
#[differentiable]
pub fn lstm_run(weight: &[f64], bias: &[f64], state0: &[f64], inputs: &[f64], b: usize) -> f64 {
    let start = state0[..b].to_vec();
    let mut hidden = start.to_vec();
    let mut cell = state0[b..].to_vec();
    let mut total = 0.0;
    for t in 0..inputs.len() / b {
        let x = &inputs[t * b..(t + 1) * b];
        lstm_model(b, weight, bias, &mut hidden, &mut cell, x);
        rescale(0.9, &mut hidden[1..]);
        for i in 0..b {
            total += hidden[i] * (i as f64 + 1.0);
        }
    }
    total + cell[b - 1]
}

#[test]
fn lstm_with_two_out_parameters_as_ranges_of_the_state() {
    let b = 2;
    for seed in 0..10 {
        let r = splitmix_points(700 + seed, 8 + 8 + 4 + 6);
        let (w, bi, s0, xs) = (&r[..8], &r[8..16], &r[16..20], &r[20..26]);
        let (gw, gb, gs, gx) = grad_lstm_run(w, bi, s0, xs, b);
        let f = |v: &[f64]| lstm_run(&v[..8], &v[8..16], &v[16..20], &v[20..26], b);
        let g: Vec<f64> = [gw, gb, gs, gx].concat();
        common::check("lstm_run", &f, &g, &r);
    }
}

/// A helper that writes its state and returns a value, used in expressions.
#[differentiable]
pub fn step_loss(w: &[f64], s: &mut [f64], x: &[f64]) -> f64 {
    let mut loss = 0.0;
    for i in 0..s.len() {
        s[i] = (s[i] * w[i] + x[i]).tanh();
        loss += (s[i] - x[i]).powi(2);
    }
    loss
}

#[differentiable]
pub fn unroll(w: &[f64], s0: &[f64], xs: &[f64]) -> f64 {
    let n = s0.len();
    let mut s = s0.to_vec();
    let mut total = 0.0;
    for t in 0..xs.len() / n {
        total += step_loss(w, &mut s, &xs[t * n..(t + 1) * n]);
    }
    let last = step_loss(w, &mut s, &xs[..n]);
    total + last * s[0]
}

#[test]
fn a_helper_that_writes_and_returns() {
    for seed in 0..10 {
        let r = splitmix_points(800 + seed, 2 + 2 + 6);
        let (gw, gs, gx) = grad_unroll(&r[..2], &r[2..4], &r[4..]);
        let f = |v: &[f64]| unroll(&v[..2], &v[2..4], &v[4..]);
        let g: Vec<f64> = [gw, gs, gx].concat();
        common::check("unroll", &f, &g, &r);
    }
}

/// ADBench's `lstm_predict` as a Rust port writes it: the state of every layer in one array,
/// split into its hidden and cell halves with `split_at_mut`, the prediction written into an
/// out-parameter.
#[differentiable]
pub fn lstm_predict(
    l: usize,
    b: usize,
    main_params: &[f64],
    extra_params: &[f64],
    state: &mut [f64],
    x: &[f64],
    x2: &mut [f64],
) {
    for i in 0..b {
        x2[i] = x[i] * extra_params[i];
    }
    for layer in 0..l {
        let at = 2 * layer * b;
        let (hidden, cell) = state[at..at + 2 * b].split_at_mut(b);
        let w = &main_params[layer * 8 * b..];
        let mut xp = x2.to_vec();
        lstm_model(b, &w[..4 * b], &w[4 * b..8 * b], hidden, cell, &xp[..b]);
        // C++'s `xp = hidden` between layers: the buffer takes the hidden state.
        xp = hidden.to_vec();
        for i in 0..b {
            x2[i] = xp[i];
        }
    }
    for i in 0..b {
        x2[i] = x2[i] * extra_params[b + i] + extra_params[2 * b + i];
    }
}

#[differentiable]
pub fn lstm_objective(
    main_params: &[f64],
    extra_params: &[f64],
    state0: &[f64],
    sequence: &[f64],
) -> f64 {
    let (l, b) = (2, 2);
    let mut state = state0.to_vec();
    let mut ypred = vec![0.0; b];
    let mut total = 0.0;
    for t in 0..sequence.len() / b - 1 {
        lstm_predict(
            l,
            b,
            main_params,
            extra_params,
            &mut state,
            &sequence[t * b..(t + 1) * b],
            &mut ypred,
        );
        for i in 0..b {
            total += (ypred[i] - sequence[(t + 1) * b + i]).powi(2);
        }
    }
    total
}

#[test]
fn lstm_predict_with_split_at_mut_as_the_port_writes_it() {
    for seed in 0..8 {
        let r = splitmix_points(900 + seed, 32 + 6 + 8 + 6);
        let (mp, ep, s0, seq) = (&r[..32], &r[32..38], &r[38..46], &r[46..]);
        let (gm, ge, gs, gq) = grad_lstm_objective(mp, ep, s0, seq);
        let f = |v: &[f64]| lstm_objective(&v[..32], &v[32..38], &v[38..46], &v[46..]);
        let g: Vec<f64> = [gm, ge, gs, gq].concat();
        common::check("lstm_objective", &f, &g, &r);
    }
}

/// A buffer given a new value each iteration, as C++ assigns one vector to another.
#[differentiable]
pub fn carry_buffer(x: &[f64], k: f64) -> f64 {
    let mut xp = x.to_vec();
    let mut s = vec![0.0; x.len()];
    let mut total = 0.0;
    for round in 0..3 {
        for i in 0..s.len() {
            s[i] = (xp[i] * k).sin() + round as f64;
        }
        xp = s.to_vec();
        total += xp[0];
        if round == 1 {
            xp = x[..].to_vec();
        }
    }
    total + xp[1]
}

#[test]
fn a_buffer_reassigned_in_a_loop() {
    for seed in 0..10 {
        let r = splitmix_points(950 + seed, 4);
        let (gx, gk) = grad_carry_buffer(&r[..3], r[3]);
        let f = |v: &[f64]| carry_buffer(&v[..3], v[3]);
        common::check("carry_buffer", &f, &[gx[0], gx[1], gx[2], gk], &r);
    }
}
