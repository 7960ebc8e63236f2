//! One optimizer for a whole model: `Adam` and `Sgd` over tuples of parameters, which is how
//! `grad_*` returns the gradient of several parameters, so `value_and_grad_*` plugs into
//! `minimize` as it is.

use autodiff_runtime::differentiable;
use autodiff_runtime::ndarray::{Array1, Array2};
use autodiff_runtime::optim::{Adam, Optimizer, Params, Sgd, minimize};

/// A one-hidden-layer network with tanh units, squared error.
#[differentiable(wrt(w1, b1, w2, b2))]
pub fn mlp_loss(
    w1: &Array2<f64>,
    b1: &Array1<f64>,
    w2: &Array1<f64>,
    b2: f64,
    x: &Array2<f64>,
    y: &Array1<f64>,
) -> f64 {
    let h = (&x.dot(&w1.t()) + b1).mapv(f64::tanh);
    let pred = &h.dot(w2) + b2;
    let r = &pred - y;
    r.dot(&r) / (y.len() as f64)
}

fn data() -> (Array2<f64>, Array1<f64>) {
    let n = 40;
    let x = Array2::from_shape_fn((n, 2), |(i, j)| ((i * 7 + j * 3) % 11) as f64 / 5.5 - 1.0);
    let y = Array1::from_shape_fn(n, |i| (x[[i, 0]] * 2.0).sin() + 0.5 * x[[i, 1]]);
    (x, y)
}

type Model = (Array2<f64>, Array1<f64>, Array1<f64>, f64);

fn init() -> Model {
    let w1 = Array2::from_shape_fn((6, 2), |(i, j)| ((i * 2 + j) as f64 * 0.37).sin() * 0.8);
    let b1 = Array1::from_shape_fn(6, |i| (i as f64 * 0.11).cos() * 0.1);
    let w2 = Array1::from_shape_fn(6, |i| ((i as f64 + 0.5) * 0.7).sin() * 0.5);
    (w1, b1, w2, 0.0)
}

#[test]
fn one_adam_trains_the_whole_model() {
    let (x, y) = data();
    let start = init();
    let before = mlp_loss(&start.0, &start.1, &start.2, start.3, &x, &y);
    let mut adam = Adam::new(0.02);
    let trace = minimize(&mut adam, start, 1500, |p: &Model| {
        value_and_grad_mlp_loss(&p.0, &p.1, &p.2, p.3, &x, &y)
    })
    .unwrap();
    let p = &trace.params;
    let after = mlp_loss(&p.0, &p.1, &p.2, p.3, &x, &y);
    assert!(after < before / 20.0, "{before} -> {after}");
    // The values the run saw decrease overall.
    assert!(trace.values.last().unwrap() < &trace.values[0]);
}

#[test]
fn tuple_params_walk_every_part_in_order() {
    let mut p: (Vec<f64>, f64, [f64; 2]) = (vec![1.0, 2.0], 3.0, [4.0, 5.0]);
    let elems: Vec<f64> = p.elems().copied().collect();
    assert_eq!(elems, vec![1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(p.dims(), vec![2, 2]);
    for e in p.elems_mut() {
        *e *= 2.0;
    }
    assert_eq!(p, (vec![2.0, 4.0], 6.0, [8.0, 10.0]));
    let z = p.zeros_like();
    assert_eq!(z, (vec![0.0, 0.0], 0.0, [0.0, 0.0]));
    assert!(p.same_shape(&z));
    assert!(!p.same_shape(&(vec![0.0], 0.0, [0.0, 0.0])));
    // A step of plain gradient descent updates every part.
    let mut sgd = Sgd::new(0.5);
    let g = (vec![1.0, 1.0], 2.0, [0.0, -2.0]);
    sgd.step(&mut p, &g).unwrap();
    assert_eq!(p, (vec![1.5, 3.5], 5.0, [8.0, 11.0]));
}
