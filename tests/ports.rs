//! The standard AD benchmark problems (GradBench / ADBench), written as a Rust programmer
//! porting the C++ reference would write them: index loops, flattened parameter slices,
//! scratch buffers reused across iterations, small helpers returning arrays. Each gradient is
//! checked against central differences at several points.

// Written as the C++ reference is written: index loops over flattened arrays, the C++
// signatures' many parameters, and element-by-element copies (a #[differentiable] body has no
// `copy_from_slice`).
#![allow(
    clippy::needless_range_loop,
    clippy::too_many_arguments,
    clippy::manual_memcpy
)]

mod common;

use autodiff_runtime::differentiable;
use common::{check, splitmix_points};

// ---------------------------------------------------------------------------------------------
// 1. lse: log-sum-exp with the max shift.

#[differentiable]
pub fn lse(x: &[f64]) -> f64 {
    let mut m = x[0];
    for i in 1..x.len() {
        if x[i] > m {
            m = x[i];
        }
    }
    let mut s = 0.0;
    for i in 0..x.len() {
        s += (x[i] - m).exp();
    }
    m + s.ln()
}

// ---------------------------------------------------------------------------------------------
// 2. llsq: linear least squares (GradBench).

#[differentiable(wrt(x))]
pub fn llsq(x: &[f64], n: usize) -> f64 {
    let m = x.len();
    let mut sum = 0.0;
    for i in 0..n {
        let ti = -1.0 + 2.0 * i as f64 / (n as f64 - 1.0);
        let target = ti.signum();
        let mut inner = 0.0;
        let mut mul = 1.0;
        for j in 0..m {
            inner += x[j] * mul;
            mul *= ti;
        }
        let r = target - inner;
        sum += r * r;
    }
    0.5 * sum
}

// ---------------------------------------------------------------------------------------------
// 3. gmm: Gaussian mixture log-likelihood with the Wishart prior (ADBench).

#[differentiable]
pub fn logsumexp(v: &[f64]) -> f64 {
    let mut mx = v[0];
    for i in 1..v.len() {
        if v[i] > mx {
            mx = v[i];
        }
    }
    let mut semx = 0.0;
    for i in 0..v.len() {
        semx += (v[i] - mx).exp();
    }
    semx.ln() + mx
}

pub fn log_gamma_distrib(a: f64, p: usize) -> f64 {
    let mut out = 0.25 * (p * (p - 1)) as f64 * std::f64::consts::PI.ln();
    for j in 1..=p {
        out += libm::lgamma(a + 0.5 * (1.0 - j as f64));
    }
    out
}

#[differentiable(wrt(alphas, means, icf))]
pub fn gmm_objective(
    d: usize,
    k: usize,
    n: usize,
    alphas: &[f64],
    means: &[f64],
    icf: &[f64],
    x: &[f64],
    wishart_gamma: f64,
    wishart_m: usize,
) -> f64 {
    let constant = -(n as f64) * d as f64 * 0.5 * (2.0 * std::f64::consts::PI).ln();
    let icf_sz = d * (d + 1) / 2;

    // preprocess_qs
    let mut qdiags = vec![0.0; d * k];
    let mut sum_qs = vec![0.0; k];
    for ik in 0..k {
        sum_qs[ik] = 0.0;
        for id in 0..d {
            let q = icf[ik * icf_sz + id];
            sum_qs[ik] += q;
            qdiags[ik * d + id] = q.exp();
        }
    }

    let mut xcentered = vec![0.0; d];
    let mut qxcentered = vec![0.0; d];
    let mut main_term = vec![0.0; k];
    let mut slse = 0.0;
    for ix in 0..n {
        for ik in 0..k {
            // subtract
            for id in 0..d {
                xcentered[id] = x[ix * d + id] - means[ik * d + id];
            }
            // Qtimesx: lower-triangular Q (diagonal exp'd) times xcentered
            for id in 0..d {
                qxcentered[id] = qdiags[ik * d + id] * xcentered[id];
            }
            let mut lparamsidx = 0;
            for i in 0..d {
                for j in i + 1..d {
                    qxcentered[j] += icf[ik * icf_sz + d + lparamsidx] * xcentered[i];
                    lparamsidx += 1;
                }
            }
            // sqnorm
            let mut sqn = 0.0;
            for id in 0..d {
                sqn += qxcentered[id] * qxcentered[id];
            }
            main_term[ik] = alphas[ik] + sum_qs[ik] - 0.5 * sqn;
        }
        slse += logsumexp(&main_term);
    }
    let lse_alphas = logsumexp(alphas);
    let mut err = constant + slse - n as f64 * lse_alphas;

    // log_wishart_prior
    let nn = d + wishart_m + 1;
    let c = (nn * d) as f64 * (wishart_gamma.ln() - 0.5 * 2.0_f64.ln())
        - log_gamma_distrib(0.5 * nn as f64, d);
    let mut prior = 0.0;
    for ik in 0..k {
        let mut frobenius = 0.0;
        for id in 0..d {
            frobenius += qdiags[ik * d + id] * qdiags[ik * d + id];
        }
        for i in d..icf_sz {
            frobenius += icf[ik * icf_sz + i] * icf[ik * icf_sz + i];
        }
        prior += 0.5 * wishart_gamma * wishart_gamma * frobenius - wishart_m as f64 * sum_qs[ik];
    }
    err += prior - k as f64 * c;
    err
}

// The same objective with the C++ reference's helpers: `subtract`, `qtimesx` and `sqnorm`
// called on parts of the flattened arrays, writing into the scratch buffers.

#[differentiable]
pub fn subtract(d: usize, x: &[f64], y: &[f64], out: &mut [f64]) {
    for id in 0..d {
        out[id] = x[id] - y[id];
    }
}

#[differentiable]
pub fn qtimesx(d: usize, qdiag: &[f64], ltri: &[f64], x: &[f64], out: &mut [f64]) {
    for id in 0..d {
        out[id] = qdiag[id] * x[id];
    }
    let mut lparamsidx = 0;
    for i in 0..d {
        for j in i + 1..d {
            out[j] += ltri[lparamsidx] * x[i];
            lparamsidx += 1;
        }
    }
}

#[differentiable]
pub fn sqnorm(d: usize, x: &[f64]) -> f64 {
    let mut res = x[0] * x[0];
    for i in 1..d {
        res += x[i] * x[i];
    }
    res
}

#[differentiable(wrt(alphas, means, icf))]
pub fn gmm_objective_helpers(
    d: usize,
    k: usize,
    n: usize,
    alphas: &[f64],
    means: &[f64],
    icf: &[f64],
    x: &[f64],
    wishart_gamma: f64,
    wishart_m: usize,
) -> f64 {
    let constant = -(n as f64) * d as f64 * 0.5 * (2.0 * std::f64::consts::PI).ln();
    let icf_sz = d * (d + 1) / 2;

    let mut qdiags = vec![0.0; d * k];
    let mut sum_qs = vec![0.0; k];
    for ik in 0..k {
        sum_qs[ik] = 0.0;
        for id in 0..d {
            let q = icf[ik * icf_sz + id];
            sum_qs[ik] += q;
            qdiags[ik * d + id] = q.exp();
        }
    }

    let mut xcentered = vec![0.0; d];
    let mut qxcentered = vec![0.0; d];
    let mut main_term = vec![0.0; k];
    let mut slse = 0.0;
    for ix in 0..n {
        for ik in 0..k {
            subtract(d, &x[ix * d..], &means[ik * d..], &mut xcentered);
            qtimesx(
                d,
                &qdiags[ik * d..],
                &icf[ik * icf_sz + d..],
                &xcentered,
                &mut qxcentered,
            );
            main_term[ik] = alphas[ik] + sum_qs[ik] - 0.5 * sqnorm(d, &qxcentered);
        }
        slse += logsumexp(&main_term);
    }
    let lse_alphas = logsumexp(alphas);
    let mut err = constant + slse - n as f64 * lse_alphas;

    let nn = d + wishart_m + 1;
    let c = (nn * d) as f64 * (wishart_gamma.ln() - 0.5 * 2.0_f64.ln())
        - log_gamma_distrib(0.5 * nn as f64, d);
    let mut prior = 0.0;
    for ik in 0..k {
        let frobenius = sqnorm(d, &qdiags[ik * d..]) + sqnorm(icf_sz - d, &icf[ik * icf_sz + d..]);
        prior += 0.5 * wishart_gamma * wishart_gamma * frobenius - wishart_m as f64 * sum_qs[ik];
    }
    err += prior - k as f64 * c;
    err
}

// ---------------------------------------------------------------------------------------------
// 4. lstm (ADBench): l layers, hidden size b, sequence length c.

// REWRITE: natural form a plain `fn sigmoid` (no attribute). Error (rustc, at each call in
// `lstm_model`): "cannot find function `pullback_sigmoid` in this scope".
#[differentiable]
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

// REWRITE (at the time of writing): the natural form is the C++ signature, `fn lstm_model(hsize,
// weight, bias, hidden: &mut [f64], cell: &mut [f64], input)`, called on `split_at_mut` halves of
// the state; two `&mut` parameters and `split_at_mut` were refused then. Both work now: that
// form is tested in `tests/mut_params.rs` (`lstm_predict_with_split_at_mut_as_the_port_writes_it`);
// this file keeps the single-state variant as a second shape.
#[differentiable]
pub fn lstm_model(
    hsize: usize,
    weight: &[f64],
    bias: &[f64],
    s: &mut [f64],
    hidden_at: usize,
    input: &[f64],
) {
    let cell_at = hidden_at + hsize;
    let mut gates = vec![0.0; 4 * hsize];
    for i in 0..hsize {
        gates[i] = sigmoid(input[i] * weight[i] + bias[i]);
        gates[hsize + i] = sigmoid(s[hidden_at + i] * weight[hsize + i] + bias[hsize + i]);
        gates[2 * hsize + i] = sigmoid(input[i] * weight[2 * hsize + i] + bias[2 * hsize + i]);
        gates[3 * hsize + i] =
            (s[hidden_at + i] * weight[3 * hsize + i] + bias[3 * hsize + i]).tanh();
    }
    for i in 0..hsize {
        s[cell_at + i] = s[cell_at + i] * gates[i] + gates[hsize + i] * gates[3 * hsize + i];
    }
    for i in 0..hsize {
        s[hidden_at + i] = gates[2 * hsize + i] * s[cell_at + i].tanh();
    }
}

#[differentiable(wrt(main_params, extra_params))]
pub fn lstm_objective(
    l: usize,
    c: usize,
    b: usize,
    main_params: &[f64],
    extra_params: &[f64],
    state: &[f64],
    sequence: &[f64],
) -> f64 {
    let mut total = 0.0;
    let mut count = 0;
    let mut s = state.to_vec();
    let mut ypred = vec![0.0; b];
    let mut ynorm = vec![0.0; b];
    let mut xp = vec![0.0; b];
    for t in 0..c - 1 {
        let input = &sequence[t * b..(t + 1) * b];
        // REWRITE (at the time of writing): the natural form calls a helper `lstm_predict(..,
        // &mut s, input, &mut ypred)` writing the state and the prediction (two `&mut`
        // parameters, refused then, accepted now: see `tests/mut_params.rs`), and reassigns
        // `xp = hidden.to_vec()` in the loop (an array carried across iterations: still
        // refused). Inlined here, `xp` a buffer copied into.
        for i in 0..b {
            xp[i] = input[i] * extra_params[i];
        }
        for layer in 0..l {
            let i = 2 * layer * b;
            lstm_model(
                b,
                &main_params[i * 4..],
                &main_params[(i + b) * 4..],
                &mut s,
                i,
                &xp,
            );
            for j in 0..b {
                xp[j] = s[i + j];
            }
        }
        for i in 0..b {
            ypred[i] = xp[i] * extra_params[b + i] + extra_params[2 * b + i];
        }
        let lse = logsumexp(&ypred);
        for i in 0..b {
            ynorm[i] = ypred[i] - lse;
        }
        let ground_truth = &sequence[(t + 1) * b..(t + 2) * b];
        for i in 0..b {
            total += ground_truth[i] * ynorm[i];
        }
        count += b;
    }
    -total / count as f64
}

// ---------------------------------------------------------------------------------------------
// 5. ba: one bundle-adjustment reprojection residual (ADBench). cam = [rot(3), C(3), f, x0, y0,
// k1, k2].

#[differentiable]
pub fn rodrigues(rot: &[f64], x: &[f64]) -> [f64; 3] {
    let sqtheta = rot[0] * rot[0] + rot[1] * rot[1] + rot[2] * rot[2];
    if sqtheta != 0.0 {
        let theta = sqtheta.sqrt();
        let costheta = theta.cos();
        let sintheta = theta.sin();
        let theta_inverse = 1.0 / theta;
        let w = [
            rot[0] * theta_inverse,
            rot[1] * theta_inverse,
            rot[2] * theta_inverse,
        ];
        let w_cross_x = [
            w[1] * x[2] - w[2] * x[1],
            w[2] * x[0] - w[0] * x[2],
            w[0] * x[1] - w[1] * x[0],
        ];
        let tmp = (1.0 - costheta) * (w[0] * x[0] + w[1] * x[1] + w[2] * x[2]);
        let mut out = [0.0; 3];
        for i in 0..3 {
            out[i] = x[i] * costheta + w_cross_x[i] * sintheta + w[i] * tmp;
        }
        out
    } else {
        [
            x[0] + rot[1] * x[2] - rot[2] * x[1],
            x[1] + rot[2] * x[0] - rot[0] * x[2],
            x[2] + rot[0] * x[1] - rot[1] * x[0],
        ]
    }
}

#[differentiable]
pub fn project(cam: &[f64], x: &[f64]) -> [f64; 2] {
    let xo = [x[0] - cam[3], x[1] - cam[4], x[2] - cam[5]];
    let xcam: [f64; 3] = rodrigues(&cam[0..3], &xo);
    let mut proj = [xcam[0] / xcam[2], xcam[1] / xcam[2]];
    // radial_distort
    let rsq = proj[0] * proj[0] + proj[1] * proj[1];
    let l = 1.0 + cam[9] * rsq + cam[10] * rsq * rsq;
    proj[0] *= l;
    proj[1] *= l;
    [proj[0] * cam[6] + cam[7], proj[1] * cam[6] + cam[8]]
}

#[differentiable(wrt(cam, x, w))]
pub fn ba_objective(cam: &[f64], x: &[f64], w: f64, feat: &[f64]) -> f64 {
    let proj: [f64; 2] = project(cam, x);
    let e0 = w * proj[0] - feat[0];
    let e1 = w * proj[1] - feat[1];
    let we = 1.0 - w * w;
    e0 * e0 + e1 * e1 + we * we
}

// ---------------------------------------------------------------------------------------------
// 6. det by minors (GradBench det): recursion over the remaining columns.

// REWRITE: the natural form passes the remaining columns as an index vector,
// `fn det_of_minor(a: &[f64], n: usize, row: usize, cols: &[usize]) -> f64`, with
// `let mut sub = cols.to_vec(); sub.remove(j);` and `let cols: Vec<usize> = (0..n).collect();`
// in `det`. Refused: "method `remove` is not supported on an array in a #[differentiable]
// function; ..." and "`collect` is supported on chains over arrays without `filter` (the length
// must be known before the loop); write the loop that fills the array". Filling the index
// vectors by loops (`let mut sub: Vec<usize> = vec![0; m - 1];`) is refused too ("local arrays
// of integers are not supported ..."; it used to pass the macro and fail in generated code). So
// the columns still free are a bit mask.
#[differentiable(wrt(a))]
pub fn det_of_minor(a: &[f64], n: usize, row: usize, used: usize) -> f64 {
    if row == n - 1 {
        for j in 0..n {
            if used & (1 << j) == 0 {
                return a[row * n + j];
            }
        }
    }
    let mut det = 0.0;
    let mut sign = 1.0;
    for j in 0..n {
        if used & (1 << j) == 0 {
            det += sign * a[row * n + j] * det_of_minor(a, n, row + 1, used | (1 << j));
            sign = -sign;
        }
    }
    det
}

#[differentiable]
pub fn det(a: &[f64]) -> f64 {
    let n = (a.len() as f64).sqrt() as usize;
    det_of_minor(a, n, 0, 0)
}

// ---------------------------------------------------------------------------------------------
// Tests.

fn concat(parts: &[&[f64]]) -> Vec<f64> {
    parts.iter().flat_map(|p| p.iter().copied()).collect()
}

#[test]
fn lse_matches_central_differences() {
    for seed in 0..10 {
        let x: Vec<f64> = splitmix_points(seed, 7).iter().map(|v| 3.0 * v).collect();
        let (v, g) = value_and_grad_lse(&x);
        assert_eq!(v.to_bits(), lse(&x).to_bits());
        assert!(check("lse", &|p: &[f64]| lse(p), &g, &x));
    }
}

#[test]
fn llsq_matches_central_differences() {
    let n = 9;
    for seed in 0..10 {
        let x = splitmix_points(100 + seed, 5);
        let g = grad_llsq(&x, n);
        assert!(check("llsq", &|p: &[f64]| llsq(p, n), &g, &x));
    }
}

#[test]
fn gmm_matches_central_differences() {
    let (d, k, n) = (3, 4, 5);
    let icf_sz = d * (d + 1) / 2;
    let (gamma, m) = (1.3, 2);
    for seed in 0..8 {
        let r = splitmix_points(200 + seed, k + k * d + k * icf_sz + n * d);
        let alphas = &r[..k];
        let means = &r[k..k + k * d];
        let icf: Vec<f64> = r[k + k * d..k + k * d + k * icf_sz]
            .iter()
            .map(|v| 0.5 * v)
            .collect();
        let x: Vec<f64> = r[k + k * d + k * icf_sz..]
            .iter()
            .map(|v| 2.0 * v)
            .collect();
        let (ga, gm, gi) = grad_gmm_objective(d, k, n, alphas, means, &icf, &x, gamma, m);
        let f = |p: &[f64]| {
            gmm_objective(
                d,
                k,
                n,
                &p[..k],
                &p[k..k + k * d],
                &p[k + k * d..],
                &x,
                gamma,
                m,
            )
        };
        let at = concat(&[alphas, means, &icf]);
        let g = concat(&[&ga, &gm, &gi]);
        assert!(check("gmm", &f, &g, &at));

        let (ha, hm, hi) = grad_gmm_objective_helpers(d, k, n, alphas, means, &icf, &x, gamma, m);
        let fh = |p: &[f64]| {
            gmm_objective_helpers(
                d,
                k,
                n,
                &p[..k],
                &p[k..k + k * d],
                &p[k + k * d..],
                &x,
                gamma,
                m,
            )
        };
        let h = concat(&[&ha, &hm, &hi]);
        assert!(check("gmm_objective_helpers", &fh, &h, &at));
    }
}

#[test]
fn lstm_matches_central_differences() {
    let (l, b, c) = (2, 3, 4);
    for seed in 0..8 {
        let r = splitmix_points(300 + seed, 8 * l * b + 3 * b + 2 * l * b + c * b);
        let main = &r[..8 * l * b];
        let extra = &r[8 * l * b..8 * l * b + 3 * b];
        let state = &r[8 * l * b + 3 * b..8 * l * b + 3 * b + 2 * l * b];
        let seq = &r[8 * l * b + 3 * b + 2 * l * b..];
        let (gm, ge) = grad_lstm_objective(l, c, b, main, extra, state, seq);
        let f = |p: &[f64]| lstm_objective(l, c, b, &p[..8 * l * b], &p[8 * l * b..], state, seq);
        let at = concat(&[main, extra]);
        let g = concat(&[&gm, &ge]);
        assert!(check("lstm", &f, &g, &at));
    }
}

#[test]
fn ba_matches_central_differences() {
    for seed in 0..8 {
        let r = splitmix_points(400 + seed, 17);
        let mut cam: Vec<f64> = r[..11].to_vec();
        // A camera in front of the point: the point at z ≈ 5 from the centre, f ≈ 1, small
        // distortion.
        cam[3] *= 0.3;
        cam[4] *= 0.3;
        cam[5] = -5.0 + 0.3 * cam[5];
        cam[6] = 1.0 + 0.2 * cam[6];
        cam[9] *= 0.1;
        cam[10] *= 0.01;
        for i in 0..3 {
            cam[i] *= 0.5;
        }
        if seed == 0 {
            cam[0] = 0.0;
            cam[1] = 0.0;
            cam[2] = 0.0;
        }
        let x = [r[11], r[12], r[13] * 0.5];
        let w = 0.8 + 0.1 * r[14];
        let feat = [r[15], r[16]];
        let (gc, gx, gw) = grad_ba_objective(&cam, &x, w, &feat);
        let f = |p: &[f64]| ba_objective(&p[..11], &p[11..14], p[14], &feat);
        let at = concat(&[&cam, &x, &[w]]);
        let g = concat(&[&gc, &gx, &[gw]]);
        // Seed 0 has rot = 0 exactly, where the reference takes its first-order branch; its
        // derivative is that of the full formula there, so central differences (which step
        // into the full formula) still agree.
        assert!(check("ba", &f, &g, &at));
    }
}

#[test]
fn det_matches_central_differences() {
    for seed in 0..4 {
        let a = splitmix_points(500 + seed, 16);
        let g = grad_det(&a);
        assert!(check("det", &|p: &[f64]| det(p), &g, &a));
    }
}
