//! `#[differentiable]` in `impl` blocks: methods with `&self` whose fields are constants,
//! associated functions, calls between them (`Self::f`, `self.f(..)`), trait impls, and fields
//! of constant parameters (`cfg.n`). Each gradient is checked against central differences at
//! many points and against the hand-derived formula where there is one.

mod common;

use autodiff_runtime::differentiable;
use common::{check, points};

fn check_many(name: &str, n: usize, f: &dyn Fn(&[f64]) -> f64, grad: &dyn Fn(&[f64]) -> Vec<f64>) {
    let pts = points(n, 30, 2.0);
    let used = pts.iter().filter(|x| check(name, f, &grad(x), x)).count();
    assert!(used >= 15, "{name}: only {used} of 30 points were smooth");
}

/// A spring with a constant stiffness and rest length; the energy is differentiated with
/// respect to the displacement.
pub struct Spring {
    k: f64,
    rest: f64,
    damping: Vec<f64>,
    terms: usize,
}

impl Spring {
    #[differentiable]
    pub fn energy(&self, x: f64) -> f64 {
        let d = x - self.rest;
        0.5 * self.k * d * d
    }

    /// Calls the method above through `self`, and reads a `Vec` field element by element.
    #[differentiable]
    pub fn damped(&self, x: f64, v: f64) -> f64 {
        let mut s = self.energy(x);
        for i in 0..self.terms {
            s += self.damping[i] * (v * (i as f64 + 1.0)).sin();
        }
        s
    }

    /// An associated function that mentions `Self`: the attribute knows it is in an `impl`.
    #[differentiable]
    pub fn twice(x: f64) -> f64 {
        Self::helper(x) * 2.0
    }

    #[differentiable]
    pub fn helper(x: f64) -> f64 {
        x.exp() * Self::GAIN
    }

    const GAIN: f64 = 1.0;
}

#[test]
fn method_with_constant_self() {
    let s = Spring {
        k: 3.0,
        rest: 0.5,
        damping: vec![0.25, -0.75, 1.5],
        terms: 3,
    };
    // d/dx of k (x - rest)^2 / 2 = k (x - rest).
    for x in [-1.5, 0.0, 0.3, 2.0] {
        assert_eq!(s.grad_energy(x), 3.0 * (x - 0.5));
        let (v, g) = s.value_and_grad_energy(x);
        assert_eq!(v, s.energy(x));
        assert_eq!(g, 3.0 * (x - 0.5));
    }
    check_many("damped", 2, &|p| s.damped(p[0], p[1]), &|p| {
        let (a, b) = s.grad_damped(p[0], p[1]);
        vec![a, b]
    });
    // Through the pullback (self's adjoint is `()`, it is a constant).
    let ((), dx, dv) = s.pullback_damped(0.7, -0.2, 2.0);
    let (gx, gv) = s.grad_damped(0.7, -0.2);
    assert_eq!((dx, dv), (2.0 * gx, 2.0 * gv));
    // Forward mode agrees.
    let (_, t) = s.jvp_damped(0.7, -0.2, (), 1.0, 0.0);
    assert!((t - gx).abs() < 1e-12);
}

#[test]
fn associated_functions_that_mention_self() {
    for x in [-1.0, 0.0, 0.4] {
        assert!((Spring::grad_twice(x) - 2.0 * x.exp()).abs() < 1e-12);
    }
}

/// With the attribute on the block, associated functions that do not mention `Self` work
/// too; every function of the block is differentiated when none is marked.
pub struct Model;

#[differentiable]
impl Model {
    pub fn square(x: f64) -> f64 {
        x * x + 1.0
    }
    pub fn fit(x: f64, y: f64) -> f64 {
        Self::square(x) * y * y
    }
}

/// Only the marked functions, with their own arguments, when some are marked.
pub struct Mixed {
    scale: f64,
}

#[differentiable]
impl Mixed {
    pub fn new(scale: f64) -> Self {
        Mixed { scale }
    }
    #[differentiable(wrt(y))]
    pub fn cost(&self, x: f64, y: f64) -> f64 {
        self.scale * (x * y).sin()
    }
}

#[test]
fn differentiable_impl_blocks() {
    for (x, y) in [(2.0, 3.0), (-0.5, 0.25)] {
        let (gx, gy) = Model::grad_fit(x, y);
        assert_eq!(gx, 2.0 * x * y * y);
        assert_eq!(gy, 2.0 * (x * x + 1.0) * y);
    }
    let m = Mixed::new(1.5);
    for (x, y) in [(2.0, 3.0), (-0.5, 0.25)] {
        // wrt(y) only: a bare f64.
        let gy: f64 = m.grad_cost(x, y);
        assert!((gy - 1.5 * x * (x * y).cos()).abs() < 1e-12);
    }
}

/// A trait implemented with the attribute on the impl: the generated functions go into an
/// inherent impl of the type (a trait impl holds only the trait's items).
pub trait Potential {
    fn potential(&self, r: f64) -> f64;
}

pub struct LennardJones {
    epsilon: f64,
    sigma: f64,
}

#[differentiable]
impl Potential for LennardJones {
    fn potential(&self, r: f64) -> f64 {
        let s6 = (self.sigma / r).powi(6);
        4.0 * self.epsilon * (s6 * s6 - s6)
    }
}

#[test]
fn trait_impls() {
    let lj = LennardJones {
        epsilon: 1.2,
        sigma: 0.9,
    };
    // dV/dr = 4 eps (-12 s^12 / r + 6 s^6 / r).
    for r in [0.8, 1.0, 1.5, 3.0] {
        let s6 = (0.9_f64 / r).powi(6);
        let want = 4.0 * 1.2 * (-12.0 * s6 * s6 / r + 6.0 * s6 / r);
        let got = lj.grad_potential(r);
        assert!(
            (got - want).abs() <= 1e-12 * want.abs().max(1.0),
            "{got} vs {want}"
        );
    }
}

/// Fields of a constant parameter: a configuration struct passed by reference.
pub struct Config {
    pub weights: Vec<f64>,
    pub n: usize,
    pub offset: f64,
    pub inner: Inner,
}

pub struct Inner {
    pub gain: f64,
}

/// A constant item's fields are constants too.
pub const DEFAULTS: Inner = Inner { gain: 0.5 };

#[differentiable]
pub fn configured(cfg: &Config, x: f64, y: f64) -> f64 {
    let mut s = cfg.offset * x * DEFAULTS.gain;
    for i in 0..cfg.n {
        s += cfg.weights[i] * (x * y + i as f64).cos();
    }
    s * cfg.inner.gain + cfg.weights.iter().map(|w| w * y).sum::<f64>()
}

#[test]
fn fields_of_constant_parameters() {
    let cfg = Config {
        weights: vec![0.5, -1.0, 2.0],
        n: 3,
        offset: 0.75,
        inner: Inner { gain: 1.25 },
    };
    check_many("configured", 2, &|p| configured(&cfg, p[0], p[1]), &|p| {
        let (a, b) = grad_configured(&cfg, p[0], p[1]);
        vec![a, b]
    });
    let (v, _) = value_and_grad_configured(&cfg, 0.3, 0.4);
    assert_eq!(v, configured(&cfg, 0.3, 0.4));
}

/// A trait's provided method: the generated functions are provided methods of the trait too, so
/// every implementor has `grad_loss`.
pub trait Loss {
    fn weight(&self) -> f64;
    #[differentiable]
    fn loss(&self, x: f64) -> f64 {
        (x * 2.0).sin() * x
    }
}

struct Unit;

impl Loss for Unit {
    fn weight(&self) -> f64 {
        1.0
    }
}

#[test]
fn trait_provided_methods() {
    for x in [-0.7_f64, 0.0, 0.5, 1.9] {
        let want = 2.0 * (2.0 * x).cos() * x + (2.0 * x).sin();
        assert!((Unit.grad_loss(x) - want).abs() < 1e-14);
        assert_eq!(Unit.value_and_grad_loss(x).0, Unit.loss(x));
    }
    assert_eq!(Unit.weight(), 1.0);
}
