//! Data held as collections of rows — `&[Vec<f64>]`, `Vec<Vec<f64>>`, `&[[f64; 2]]` samples and
//! `&[[usize; 2]]` index pairs — passed as constant parameters beside the differentiated ones:
//! indexed (`xs[i][j]`), looped over (`for x in xs.iter()`, `for (x, y) in xs.iter().zip(ys)`),
//! and their rows passed to `#[differentiable]` helpers taking `&[f64]`. Each gradient against
//! central differences at many points and against the formula where there is one.

mod common;

use autodiff_runtime::{Differentiable, differentiable};
use common::check_many;

#[derive(Clone, Debug, Differentiable)]
pub struct Linear {
    pub w: Vec<f64>,
    pub b: f64,
}

#[differentiable(wrt(p))]
pub fn predict(p: &Linear, x: &[f64]) -> f64 {
    p.w.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + p.b
}

/// Mean squared error over samples held as `&[Vec<f64>]`, in a `for` over a zip.
#[differentiable(wrt(p))]
pub fn mse(p: &Linear, xs: &[Vec<f64>], ys: &[f64]) -> f64 {
    let mut l = 0.0;
    for (x, y) in xs.iter().zip(ys) {
        l += (predict(p, x) - y).powi(2);
    }
    l / ys.len() as f64
}

/// The same as an iterator chain over an owned `Vec<Vec<f64>>`, rows read by index too.
#[differentiable(wrt(p))]
pub fn mse_chain(p: &Linear, xs: Vec<Vec<f64>>, ys: &[f64]) -> f64 {
    let fit: f64 = xs
        .iter()
        .zip(ys)
        .map(|(x, y)| (predict(p, x) - y).powi(2))
        .sum();
    fit / ys.len() as f64 + 0.01 * xs[0][1] * p.b * p.b
}

/// Springs between the points named by index pairs, plus fixed anchors given as `[f64; 2]`.
#[differentiable]
pub fn springs(x: &[f64], pairs: &[[usize; 2]], anchors: &[[f64; 2]]) -> f64 {
    let mut s = 0.0;
    for p in pairs.iter() {
        s += (x[p[0]] - x[p[1]]).powi(2);
    }
    for (k, q) in anchors.iter().enumerate() {
        s += x[k] * (q[0] - q[1]) + q.iter().map(|v| v * x[0]).sum::<f64>();
    }
    s
}

fn samples() -> (Vec<Vec<f64>>, Vec<f64>) {
    let xs = vec![vec![1.0, 2.0], vec![0.5, -1.0], vec![-0.3, 0.8]];
    (xs, vec![1.0, 0.0, 0.4])
}

fn linear(p: &[f64]) -> Linear {
    Linear {
        w: p[..2].to_vec(),
        b: p[2],
    }
}

#[test]
fn a_dataset_of_rows_is_data() {
    let (xs, ys) = samples();
    check_many("mse", 3, 1.0, 30, &|p| mse(&linear(p), &xs, &ys), &|p| {
        let (v, g) = value_and_grad_mse(&linear(p), &xs, &ys);
        (v, g.w.iter().copied().chain([g.b]).collect())
    });
    check_many(
        "mse_chain",
        3,
        1.0,
        30,
        &|p| mse_chain(&linear(p), xs.clone(), &ys),
        &|p| {
            let (v, g) = value_and_grad_mse_chain(&linear(p), xs.clone(), &ys);
            (v, g.w.iter().copied().chain([g.b]).collect())
        },
    );
    // By hand: ∂/∂w_j = 2/n Σ r_i x_ij, ∂/∂b = 2/n Σ r_i, with r_i = w·x_i + b − y_i.
    let p = Linear {
        w: vec![0.1, 0.2],
        b: 0.3,
    };
    let g = grad_mse(&p, &xs, &ys);
    let n = ys.len() as f64;
    let r: Vec<f64> = xs
        .iter()
        .zip(&ys)
        .map(|(x, y)| p.w[0] * x[0] + p.w[1] * x[1] + p.b - y)
        .collect();
    for j in 0..2 {
        let want: f64 = r.iter().zip(&xs).map(|(r, x)| 2.0 * r * x[j]).sum::<f64>() / n;
        assert!((g.w[j] - want).abs() < 1e-14, "w{j}: {} vs {want}", g.w[j]);
    }
    let want_b: f64 = r.iter().map(|r| 2.0 * r).sum::<f64>() / n;
    assert!((g.b - want_b).abs() < 1e-14);
}

#[test]
fn index_pairs_and_fixed_size_rows() {
    let pairs = [[0, 1], [1, 2], [2, 0]];
    let anchors = [[1.0, 2.0], [3.0, 0.5]];
    check_many(
        "springs",
        3,
        1.0,
        30,
        &|x| springs(x, &pairs, &anchors),
        &|x| value_and_grad_springs(x, &pairs, &anchors),
    );
    let x = [0.1, 0.5, -0.3];
    let g = grad_springs(&x, &pairs[..2], &anchors);
    // 2(x0−x1) − 1 + 3 + 3.5;  −2(x0−x1) + 2(x1−x2) + 2.5;  −2(x1−x2)
    let want = [
        2.0 * (0.1 - 0.5) - 1.0 + 3.0 + 3.5,
        -2.0 * (0.1 - 0.5) + 2.0 * (0.5 + 0.3) + 2.5,
        -2.0 * (0.5 + 0.3),
    ];
    for (a, b) in g.iter().zip(want) {
        assert!((a - b).abs() < 1e-14, "{a} vs {b}");
    }
}

/// A graph given as adjacency lists (`&[Vec<usize>]`): a smoothness penalty over neighbours.
#[differentiable]
pub fn graph_smoothness(x: &[f64], neighbours: &[Vec<usize>]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        for &j in neighbours[i].iter() {
            s += (x[i] - x[j]).powi(2);
        }
        s += neighbours[i].len() as f64 * x[i];
    }
    s
}

#[test]
fn adjacency_lists() {
    let nb = vec![vec![1, 2], vec![0], vec![0, 1]];
    check_many(
        "graph_smoothness",
        3,
        1.0,
        30,
        &|x| graph_smoothness(x, &nb),
        &|x| value_and_grad_graph_smoothness(x, &nb),
    );
}
