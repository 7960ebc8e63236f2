//! Parameter structs: `#[derive(Differentiable)]` and struct parameters named in `wrt`. Every
//! gradient is checked against central differences, element by element of every field, at
//! several points; the struct-valued gradient against the same function written with the
//! fields as parameters of their own; and the MLP of `examples/mlp_struct.rs` is trained with
//! one `Adam`.

mod common;

use autodiff_runtime::ndarray::{Array1, Array2, array};
use autodiff_runtime::optim::{self, Adam};
use autodiff_runtime::{Differentiable, Params, differentiable};

/// Every kind of field: differentiated `f64`, `Vec<f64>`, `[f64; 3]`, `Array1`, `Array2`, and
/// constants of other types.
#[derive(Clone, Debug, PartialEq, Differentiable)]
pub struct Model {
    scale: f64,
    weights: Vec<f64>,
    bias: [f64; 3],
    shift: Array1<f64>,
    mix: Array2<f64>,
    #[constant]
    terms: usize,
    #[constant]
    label: String,
    #[constant]
    table: Vec<f64>,
}

/// Field reads of every form: indexing, loops, branches on active values, iterator chains,
/// `dot` of an array field, whole-array arithmetic with `&m.field`, constants read from the
/// struct.
#[differentiable(wrt(m))]
pub fn model_loss(m: &Model, x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..m.terms {
        let w = m.weights[i % m.weights.len()];
        if w * x[i % x.len()] > 0.0 {
            s += (w * x[i % x.len()]).sin() * m.table[i % m.table.len()];
        } else {
            s -= m.scale * w * w;
        }
    }
    let b: f64 = m.bias.iter().map(|v| v * v).sum();
    let z = m.mix.t().dot(&m.mix.dot(&m.shift)) + &m.shift;
    let q: f64 = z.iter().zip(m.bias.iter()).map(|(a, c)| a * c).sum();
    s + m.scale * b + q.tanh() + m.shift.mapv(f64::exp).sum()
}

/// The same function, the fields as parameters of their own.
#[differentiable(wrt(scale, weights, bias, shift, mix))]
#[allow(clippy::too_many_arguments)]
pub fn model_loss_unpacked(
    scale: f64,
    weights: &[f64],
    bias: [f64; 3],
    shift: &Array1<f64>,
    mix: &Array2<f64>,
    terms: usize,
    table: &[f64],
    x: &[f64],
) -> f64 {
    let mut s = 0.0;
    for i in 0..terms {
        let w = weights[i % weights.len()];
        if w * x[i % x.len()] > 0.0 {
            s += (w * x[i % x.len()]).sin() * table[i % table.len()];
        } else {
            s -= scale * w * w;
        }
    }
    let b: f64 = bias.iter().map(|v| v * v).sum();
    let z = mix.t().dot(&mix.dot(shift)) + shift;
    let q: f64 = z.iter().zip(bias.iter()).map(|(a, c)| a * c).sum();
    s + scale * b + q.tanh() + shift.mapv(f64::exp).sum()
}

fn model_at(seed: u64) -> Model {
    let p = common::splitmix_points(seed, 14);
    Model {
        scale: p[0],
        weights: vec![p[1], p[2], p[3]],
        bias: [p[4], p[5], p[6]],
        shift: array![p[7], p[8]],
        mix: array![[p[9], p[10]], [p[11], p[12]], [p[13], 0.5]],
        terms: 7,
        label: "model".to_owned(),
        table: vec![1.0, -0.5, 2.0],
    }
}

/// Central differences of `f` at `at`, element by element of every differentiated field
/// (in `Params::elems` order), compared with `grad`.
fn check_struct<P: Params + std::fmt::Debug>(name: &str, f: &dyn Fn(&P) -> f64, grad: &P, at: &P) {
    let n = at.elems().count();
    let want: Vec<f64> = (0..n)
        .map(|i| {
            let shifted = |d: f64| {
                let mut p = at.clone();
                if let Some(e) = p.elems_mut().nth(i) {
                    *e += d;
                }
                f(&p)
            };
            let h = 1e-5;
            (-shifted(2.0 * h) + 8.0 * shifted(h) - 8.0 * shifted(-h) + shifted(-2.0 * h))
                / (12.0 * h)
        })
        .collect();
    for (i, (g, w)) in grad.elems().zip(&want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-6 * (1.0 + w.abs()),
            "{name}: element {i} of the gradient is {g}, central differences give {w}, at {at:?}"
        );
    }
}

#[test]
fn every_field_kind_against_central_differences() {
    let x = [0.7, -1.3, 0.4];
    for seed in 0..12 {
        let m = model_at(seed);
        let (v, g) = value_and_grad_model_loss(&m, &x);
        assert_eq!(v.to_bits(), model_loss(&m, &x).to_bits());
        check_struct("model_loss", &|p: &Model| model_loss(p, &x), &g, &m);
        // Constant fields: a clone of the parameter's.
        assert_eq!(
            (g.terms, g.label.as_str(), &g.table),
            (7, "model", &m.table)
        );
    }
}

#[test]
fn struct_gradient_equals_the_unpacked_function() {
    let x = [0.7, -1.3, 0.4];
    for seed in 0..12 {
        let m = model_at(seed);
        let g = grad_model_loss(&m, &x);
        let (gs, gw, gb, gsh, gm) = grad_model_loss_unpacked(
            m.scale, &m.weights, m.bias, &m.shift, &m.mix, m.terms, &m.table, &x,
        );
        assert_eq!(g.scale.to_bits(), gs.to_bits());
        assert_eq!(g.weights, gw);
        assert_eq!(g.bias, gb);
        assert_eq!(g.shift, gsh);
        assert_eq!(g.mix, gm);
    }
}

/// pullback_ (the adjoint of every parameter, whatever `wrt` says: the struct, then the
/// slice's), vjp_ and jvp_.
#[test]
fn pullback_vjp_and_jvp() {
    let x = [0.7, -1.3, 0.4];
    let m = model_at(3);
    let g = grad_model_loss(&m, &x);
    let (pm, px) = pullback_model_loss(&m, &x, 2.0);
    assert_eq!(px.len(), 3);
    let twice: Vec<f64> = g.elems().map(|v| 2.0 * v).collect();
    assert_eq!(pm.elems().copied().collect::<Vec<_>>(), twice);
    let v = vjp_model_loss(&m, &x, 0.5);
    let half: Vec<f64> = g.elems().map(|v| 0.5 * v).collect();
    assert_eq!(v.elems().copied().collect::<Vec<_>>(), half);
    // Along a tangent struct: the directional derivative ⟨g, t⟩.
    let mut t = m.zeros_like();
    for (k, e) in t.elems_mut().enumerate() {
        *e = 0.1 * (k as f64 + 1.0);
    }
    let (value, d) = jvp_model_loss(&m, &x, &t, &[0.0; 3]);
    let dot: f64 = g.elems().zip(t.elems()).map(|(a, b)| a * b).sum();
    assert_eq!(value.to_bits(), model_loss(&m, &x).to_bits());
    assert!((d - dot).abs() < 1e-12 * (1.0 + dot.abs()), "{d} vs {dot}");
}

/// A struct taken by value, together with a float parameter: `wrt(x, p)` gives them in that
/// order.
#[derive(Clone, Debug, Differentiable)]
pub struct Quad {
    a: f64,
    c: [f64; 2],
}

#[differentiable(wrt(x, p))]
pub fn quad(p: Quad, x: f64, n: usize) -> f64 {
    let mut s = p.a * x * x;
    for k in 0..n {
        s += p.c[k % 2] * x.powi(k as i32);
    }
    s
}

#[test]
fn by_value_and_wrt_order() {
    for seed in 0..8 {
        let r = common::splitmix_points(seed + 100, 4);
        let p = Quad {
            a: r[0],
            c: [r[1], r[2]],
        };
        let (gx, gp): (f64, Quad) = grad_quad(p.clone(), r[3], 4);
        check_struct("quad", &|q: &Quad| quad(q.clone(), r[3], 4), &gp, &p);
        let h = 1e-5;
        let fd = (quad(p.clone(), r[3] + h, 4) - quad(p.clone(), r[3] - h, 4)) / (2.0 * h);
        assert!((gx - fd).abs() < 1e-6, "{gx} vs {fd}");
    }
}

/// Two struct parameters, of the same type and of another, and a struct that is constant in
/// one function (`wrt` does not name it) and differentiated in another.
#[derive(Clone, Debug, Differentiable)]
pub struct Pair {
    u: f64,
    v: Vec<f64>,
}

#[differentiable(wrt(a, b, q))]
pub fn two_structs(a: &Pair, b: &Pair, q: &Quad, x: f64) -> f64 {
    let mut s = a.u * b.u + q.a * x;
    for i in 0..a.v.len() {
        s += (a.v[i] - b.v[i]).powi(2) * q.c[i % 2];
    }
    s
}

#[differentiable(wrt(x))]
pub fn constant_struct(a: &Pair, x: f64) -> f64 {
    a.u * x.sin() + a.v[0]
}

#[test]
fn several_struct_parameters() {
    let a = Pair {
        u: 0.3,
        v: vec![1.0, -2.0, 0.5],
    };
    let b = Pair {
        u: -1.2,
        v: vec![0.25, 0.5, 2.0],
    };
    let q = Quad {
        a: 0.7,
        c: [1.5, -0.5],
    };
    let (ga, gb, gq) = grad_two_structs(&a, &b, &q, 0.9);
    check_struct(
        "two_structs a",
        &|p: &Pair| two_structs(p, &b, &q, 0.9),
        &ga,
        &a,
    );
    check_struct(
        "two_structs b",
        &|p: &Pair| two_structs(&a, p, &q, 0.9),
        &gb,
        &b,
    );
    check_struct(
        "two_structs q",
        &|p: &Quad| two_structs(&a, &b, p, 0.9),
        &gq,
        &q,
    );
    assert_eq!(grad_constant_struct(&a, 0.9), 0.3 * 0.9f64.cos());
}

/// The struct defined in another module: imported by name, or written as a path.
mod model {
    use autodiff_runtime::Differentiable;
    use autodiff_runtime::ndarray::Array1;

    #[derive(Clone, Debug, Differentiable)]
    pub struct Linear {
        pub w: Array1<f64>,
        pub b: f64,
    }
}

mod imported {
    use super::model::Linear;
    use autodiff_runtime::differentiable;
    use autodiff_runtime::ndarray::Array1;

    #[differentiable(wrt(l))]
    pub fn predict(l: &Linear, x: &Array1<f64>) -> f64 {
        (l.w.dot(x) + l.b).tanh()
    }
}

#[differentiable(wrt(l))]
fn by_path(l: &model::Linear, x: &Array1<f64>) -> f64 {
    let r = l.w.dot(x) + l.b;
    r * r
}

/// Used before it is defined, in the same module.
#[differentiable(wrt(s))]
fn defined_below(s: &Below, x: f64) -> f64 {
    s.k * x.exp()
}

#[derive(Clone, Debug, Differentiable)]
pub struct Below {
    k: f64,
}

#[test]
fn structs_from_other_modules() {
    let l = model::Linear {
        w: array![0.5, -1.0],
        b: 0.25,
    };
    let x = array![1.5, 0.3];
    let g = imported::grad_predict(&l, &x);
    check_struct(
        "predict",
        &|p: &model::Linear| imported::predict(p, &x),
        &g,
        &l,
    );
    let g = grad_by_path(&l, &x);
    check_struct("by_path", &|p: &model::Linear| by_path(p, &x), &g, &l);
    let g = grad_defined_below(&Below { k: 2.0 }, 0.5);
    assert_eq!(g.k, 0.5f64.exp());
}

#[test]
fn accumulate_and_optimizer_shapes() {
    let mut total = model_at(1).zeros_like();
    let x = [0.7, -1.3, 0.4];
    for seed in 0..3 {
        total.accumulate(&grad_model_loss(&model_at(seed), &x));
    }
    let sum: Vec<f64> = (0..3)
        .map(|s| grad_model_loss(&model_at(s), &x))
        .fold(vec![0.0; total.elems().count()], |acc, g| {
            acc.iter().zip(g.elems()).map(|(a, b)| a + b).collect()
        });
    assert_eq!(total.elems().copied().collect::<Vec<_>>(), sum);
    assert_eq!(model_at(0).dims(), vec![3, 3, 2, 3, 2]);
}

/// The example's one-hidden-layer perceptron (tanh) in a struct.
#[path = "../examples/mlp_struct.rs"]
mod mlp_struct;

use mlp_struct::{Mlp, data as mlp_data, loss as mlp_loss};

#[test]
fn mlp_gradient_against_central_differences() {
    let (x, y) = mlp_data();
    for seed in 0..4 {
        let mut m = mlp_struct::init(5);
        for (k, e) in m.elems_mut().enumerate() {
            *e += 0.1 * common::splitmix_points(seed * 31 + k as u64, 1)[0];
        }
        let g = mlp_struct::grad_loss(&m, &x, &y);
        check_struct("mlp_loss", &|p: &Mlp| mlp_loss(p, &x, &y), &g, &m);
    }
}

#[test]
fn mlp_example_loss_decreases() {
    let (m, values) = mlp_struct::train(300);
    let (first, last) = (values[0], values[300]);
    assert!(
        last < 0.1 * first,
        "the loss went from {first} to {last} only"
    );
    assert!(values.windows(50).all(|w| w[49] <= w[0]), "{values:?}");
    assert_eq!(m.name, "mlp");
}

/// A helper that takes the struct: the caller passes its own struct parameter on whole
/// (`unit(p, ..)`, `unit(&q, ..)` for one held by value), and the gradient flows into the
/// fields through the helper. One helper reads a constant field, the other none.
#[derive(Clone, Debug, Differentiable)]
pub struct Poly {
    c: Vec<f64>,
    s: f64,
    #[constant]
    degree: usize,
}

#[differentiable(wrt(p))]
pub fn unit(p: &Poly, x: f64) -> f64 {
    let mut v = 0.0;
    for k in 0..p.degree {
        v = v * x + p.c[k];
    }
    v
}

#[differentiable(wrt(p))]
pub fn scaled(p: &Poly, x: f64) -> f64 {
    p.s * x
}

#[differentiable(wrt(p))]
pub fn through_helpers(p: &Poly, xs: &[f64]) -> f64 {
    let mut total = 0.0;
    for &x in xs {
        let u = unit(p, x);
        total += u * u + scaled(p, x).sin();
    }
    total
}

#[differentiable(wrt(q, y))]
pub fn by_value_through_helper(q: Poly, y: f64) -> f64 {
    unit(&q, y) * q.s
}

#[test]
fn helpers_taking_the_struct() {
    let xs = [0.3, -0.8, 1.1];
    for seed in 0..6 {
        let r = common::splitmix_points(seed + 500, 4);
        let p = Poly {
            c: vec![r[0], r[1], r[2]],
            s: r[3],
            degree: 3,
        };
        let g = grad_through_helpers(&p, &xs);
        check_struct(
            "through_helpers",
            &|q: &Poly| through_helpers(q, &xs),
            &g,
            &p,
        );
        let (gq, gy) = grad_by_value_through_helper(p.clone(), 0.7);
        check_struct(
            "by_value_through_helper",
            &|q: &Poly| by_value_through_helper(q.clone(), 0.7),
            &gq,
            &p,
        );
        let h = 1e-5;
        let fd = (by_value_through_helper(p.clone(), 0.7 + h)
            - by_value_through_helper(p.clone(), 0.7 - h))
            / (2.0 * h);
        assert!((gy - fd).abs() < 1e-6, "{gy} vs {fd}");
    }
}

/// A helper with several outputs that takes the struct: its pullback takes a tuple of output
/// adjoints, and `jacobian_*` has a column per element of the struct's fields.
#[differentiable(wrt(p, x))]
pub fn pair_out(p: &Pair, x: f64) -> (f64, f64) {
    (p.u * x, p.v[0] * p.v[1] + x)
}

#[test]
fn several_outputs() {
    let a = Pair {
        u: 0.3,
        v: vec![1.0, -2.0],
    };
    let (gp, gx) = pullback_pair_out(&a, 2.0, (1.0, 0.0));
    assert_eq!((gp.u, gp.v.clone(), gx), (2.0, vec![0.0, 0.0], 0.3));
    let j = jacobian_pair_out(&a, 2.0);
    assert_eq!(j.shape(), &[2, 4]);
    assert_eq!(j.row(1).to_vec(), vec![0.0, -2.0, 1.0, 1.0]);
}

/// `crate = path`: the runtime under another name.
mod renamed {
    use autodiff_runtime as ad;

    #[derive(Clone, Debug, ad::Differentiable)]
    pub struct K {
        pub k: f64,
    }

    #[ad::differentiable(wrt(s), crate = ad)]
    pub fn spring(s: &K, x: f64) -> f64 {
        0.5 * s.k * x * x
    }
}

#[test]
fn runtime_renamed() {
    assert_eq!(renamed::grad_spring(&renamed::K { k: 2.0 }, 3.0).k, 4.5);
}

/// Nested parameter structs: a layer struct inside a network struct, read as `net.hidden.w`,
/// passed whole to a helper (`layer(&net.hidden, ..)`), with a constant field at each level.
#[derive(Clone, Debug, Differentiable)]
pub struct Layer {
    w: Array2<f64>,
    b: Array1<f64>,
    #[constant]
    tag: usize,
}

#[derive(Clone, Debug, Differentiable)]
pub struct Net {
    hidden: Layer,
    out: Layer,
    gain: f64,
    #[constant]
    name: String,
}

#[differentiable(wrt(l))]
pub fn layer_sum(l: &Layer, x: &Array1<f64>) -> f64 {
    (l.w.dot(x) + &l.b).mapv(f64::tanh).sum()
}

#[differentiable(wrt(net))]
pub fn net_loss(net: &Net, x: &Array1<f64>) -> f64 {
    let h = (net.hidden.w.dot(x) + &net.hidden.b).mapv(f64::tanh);
    let o = net.out.w.dot(&h) + &net.out.b;
    let mut s = net.gain * o.sum();
    for i in 0..o.len() {
        s += o[i] * o[i] * (net.hidden.tag as f64);
    }
    s + layer_sum(&net.out, &h)
}

fn net_at(seed: u64) -> Net {
    let p = common::splitmix_points(seed + 900, 20);
    Net {
        hidden: Layer {
            w: Array2::from_shape_fn((3, 2), |(i, j)| p[2 * i + j]),
            b: array![p[6], p[7], p[8]],
            tag: 2,
        },
        out: Layer {
            w: Array2::from_shape_fn((2, 3), |(i, j)| p[9 + 3 * i + j]),
            b: array![p[15], p[16]],
            tag: 5,
        },
        gain: p[17],
        name: "net".to_owned(),
    }
}

#[test]
fn nested_structs() {
    let x = array![0.4, -0.9];
    for seed in 0..6 {
        let net = net_at(seed);
        let (v, g) = value_and_grad_net_loss(&net, &x);
        assert_eq!(v.to_bits(), net_loss(&net, &x).to_bits());
        check_struct("net_loss", &|n: &Net| net_loss(n, &x), &g, &net);
        assert_eq!((g.hidden.tag, g.out.tag, g.name.as_str()), (2, 5, "net"));
    }
    let net = net_at(1);
    let mut opt = Adam::new(0.01);
    let trace =
        optim::minimize(&mut opt, net, 20, |n: &Net| value_and_grad_net_loss(n, &x)).unwrap();
    assert!(trace.values[19] < trace.values[0]);
}
