//! A one-hidden-layer perceptron whose parameters live in a struct, trained with one `Adam`.
//!
//! `#[derive(Differentiable)]` makes `Mlp` a parameter struct: `grad_loss` returns an `Mlp` (the
//! gradient field by field) and the optimizer updates the whole struct with one state.
//!
//! ```sh
//! cargo run --release --example mlp_struct
//! ```

use autodiff_runtime::ndarray::{Array1, Array2};
use autodiff_runtime::optim::{Adam, Run};
use autodiff_runtime::{Differentiable, differentiable};

/// `y ≈ w2 · tanh(W1 x + b1) + b2`.
#[derive(Clone, Debug, Differentiable)]
pub struct Mlp {
    pub w1: Array2<f64>,
    pub b1: Array1<f64>,
    pub w2: Array1<f64>,
    pub b2: f64,
    /// Not differentiated: in a gradient, a copy of the parameter's.
    #[constant]
    pub name: String,
}

/// The mean squared error over the rows of `x`.
#[differentiable(wrt(m))]
pub fn loss(m: &Mlp, x: &Array2<f64>, y: &Array1<f64>) -> f64 {
    let h = (x.dot(&m.w1.t()) + &m.b1).mapv(f64::tanh);
    let e = h.dot(&m.w2) + m.b2 - y;
    e.dot(&e) / y.len() as f64
}

/// A small synthetic regression: `y = sin(2 x₀) + x₁ / 2` on 64 points.
pub fn data() -> (Array2<f64>, Array1<f64>) {
    let n = 64;
    let x = Array2::from_shape_fn((n, 2), |(i, j)| {
        let t = i as f64 / (n - 1) as f64;
        if j == 0 {
            2.0 * t - 1.0
        } else {
            (5.0 * t).sin()
        }
    });
    let y = Array1::from_shape_fn(n, |i| (2.0 * x[[i, 0]]).sin() + 0.5 * x[[i, 1]]);
    (x, y)
}

/// A reproducible start: small weights from a fixed sequence, zero biases.
pub fn init(hidden: usize) -> Mlp {
    let mut s: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    Mlp {
        w1: Array2::from_shape_fn((hidden, 2), |_| 2.0 * next()),
        b1: Array1::zeros(hidden),
        w2: Array1::from_shape_fn(hidden, |_| next()),
        b2: 0.0,
        name: "mlp".to_owned(),
    }
}

/// Trains for `steps` steps of Adam (learning rate 0.05); the loss after each step's update is
/// in the returned values (the first is the initial loss).
pub fn train(steps: usize) -> (Mlp, Vec<f64>) {
    let (x, y) = data();
    let mut adam = Adam::new(0.05);
    let trace = Run::new(steps)
        .minimize(&mut adam, init(8), |m: &Mlp| value_and_grad_loss(m, &x, &y))
        .expect("the gradient is an Mlp of the parameters' shape");
    let mut values = trace.values;
    values.push(loss(&trace.params, &x, &y));
    (trace.params, values)
}

#[allow(dead_code)]
fn main() {
    let steps = 1000;
    let (m, values) = train(steps);
    for k in (0..=steps).step_by(200) {
        println!("step {k:>4}: loss {:.6}", values[k]);
    }
    let (first, last) = (values[0], values[steps]);
    assert!(
        last < 0.05 * first,
        "the loss went from {first} to {last} only"
    );
    println!(
        "{}: loss from {first:.4} to {last:.6} in {steps} Adam steps",
        m.name
    );
}
