//! Parameter structs: `#[derive(Differentiable)]` and struct parameters named in `wrt`.

mod common;

use autodiff_runtime::ndarray::{Array1, Array2, array};
use autodiff_runtime::{Differentiable, Params, differentiable};

#[derive(Clone, Debug, PartialEq, Differentiable)]
pub struct Mlp {
    w1: Array2<f64>,
    b1: Array1<f64>,
    w2: Array1<f64>,
    b2: f64,
    #[constant]
    hidden: usize,
}

#[differentiable(wrt(m))]
fn mlp_loss(m: &Mlp, x: &Array2<f64>, y: &Array1<f64>) -> f64 {
    let h = (x.dot(&m.w1.t()) + &m.b1).mapv(f64::tanh);
    let p = h.dot(&m.w2) + m.b2;
    let e = p - y;
    e.dot(&e) / (y.len() as f64)
}

#[test]
fn mlp_gradient_compiles() {
    let m = Mlp {
        w1: array![[0.1, 0.2], [0.3, -0.4], [0.5, 0.1]],
        b1: array![0.0, 0.1, -0.1],
        w2: array![1.0, -1.0, 0.5],
        b2: 0.2,
        hidden: 3,
    };
    let x = array![[1.0, 2.0], [0.5, -1.0]];
    let y = array![0.3, -0.2];
    let g: Mlp = grad_mlp_loss(&m, &x, &y);
    assert_eq!(g.hidden, 3);
    let _ = g.zeros_like();
}
