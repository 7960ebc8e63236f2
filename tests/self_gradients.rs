//! Methods differentiated with respect to `self`: `#[differentiable(wrt(self, x))]` on a method
//! of a `#[differentiable] impl` block whose type derives `Differentiable`. The gradient with
//! respect to `self` is the struct, field by field, checked against central differences at many
//! points and against hand formulas; in inherent and trait impls, with `self` by reference and
//! by value, beside methods whose receiver stays a constant; and minimised with one Adam.

mod common;

use autodiff_runtime::ndarray::{Array1, array};
use autodiff_runtime::optim::{self, Adam};
use autodiff_runtime::{Differentiable, differentiable};
use common::splitmix_points;

#[derive(Clone, Debug, Differentiable)]
pub struct Spring {
    k: f64,
    rest: Array1<f64>,
    #[constant]
    label: String,
}

#[differentiable]
impl Spring {
    /// The energy of a point `x` tied to every rest position.
    #[differentiable(wrt(self, x))]
    pub fn energy(&self, x: f64) -> f64 {
        let mut e = 0.0;
        for i in 0..self.rest.len() {
            e += 0.5 * self.k * (x - self.rest[i]).powi(2);
        }
        e
    }

    /// `self` by value, named after the other parameter.
    #[differentiable(wrt(x, self))]
    pub fn tension(self, x: f64) -> f64 {
        let s: f64 = self.rest.iter().map(|r| (x - r).tanh()).sum();
        self.k * s
    }

    /// The receiver stays a constant: the gradient is the parameter's alone.
    #[differentiable]
    pub fn force(&self, x: f64) -> f64 {
        -self.k * x
    }
}

pub trait Potential {
    fn potential(&self, x: f64, y: f64) -> f64;
}

#[derive(Clone, Debug, Differentiable)]
pub struct Well {
    depth: f64,
    centre: [f64; 2],
}

#[differentiable]
impl Potential for Well {
    #[differentiable(wrt(self))]
    fn potential(&self, x: f64, y: f64) -> f64 {
        let r2 = (x - self.centre[0]).powi(2) + (y - self.centre[1]).powi(2);
        -self.depth * (-r2).exp()
    }
}

fn spring(p: &[f64]) -> Spring {
    Spring {
        k: p[0],
        rest: array![p[1], p[2], p[3]],
        label: "s".into(),
    }
}

#[test]
fn energy_gradient_is_the_struct_and_matches_central_differences() {
    for seed in 0..30 {
        let p = splitmix_points(seed, 5);
        let s = spring(&p);
        let x = p[4];
        let (gs, gx): (Spring, f64) = s.grad_energy(x);
        // Hand formulas.
        let sum_sq: f64 = s.rest.iter().map(|r| (x - r).powi(2)).sum();
        assert!((gs.k - 0.5 * sum_sq).abs() < 1e-12);
        for i in 0..3 {
            assert!((gs.rest[i] + s.k * (x - s.rest[i])).abs() < 1e-12);
        }
        let sum: f64 = s.rest.iter().map(|r| x - r).sum();
        assert!((gx - s.k * sum).abs() < 1e-12);
        assert_eq!(gs.label, "s");
        // Central differences over all five numbers.
        let f = |q: &[f64]| spring(q).energy(q[4]);
        let g = [gs.k, gs.rest[0], gs.rest[1], gs.rest[2], gx];
        common::check("energy", &f, &g, &p);
        let (v, (gs2, gx2)) = s.value_and_grad_energy(x);
        assert_eq!(v, s.energy(x));
        assert_eq!((gs2.k, gx2), (gs.k, gx));
    }
}

#[test]
fn self_by_value_in_wrt_order() {
    for seed in 0..30 {
        let p = splitmix_points(100 + seed, 5);
        let (gx, gs): (f64, Spring) = spring(&p).grad_tension(p[4]);
        let f = |q: &[f64]| spring(q).tension(q[4]);
        let g = [gs.k, gs.rest[0], gs.rest[1], gs.rest[2], gx];
        common::check("tension", &f, &g, &p);
    }
    // Beside them, a method whose receiver is a constant.
    let s = spring(&[2.0, 0.0, 0.0, 0.0]);
    assert_eq!(s.grad_force(1.5), -2.0);
}

#[test]
fn trait_impl_gradient_with_respect_to_self() {
    for seed in 0..30 {
        let p = splitmix_points(200 + seed, 5);
        let w = Well {
            depth: p[0],
            centre: [p[1], p[2]],
        };
        let g: Well = w.grad_potential(p[3], p[4]);
        let f = |q: &[f64]| {
            Well {
                depth: q[0],
                centre: [q[1], q[2]],
            }
            .potential(p[3], p[4])
        };
        common::check(
            "potential",
            &f,
            &[g.depth, g.centre[0], g.centre[1]],
            &p[..3],
        );
    }
}

#[test]
fn one_adam_fits_a_spring_through_its_method() {
    // Fit k and the rest positions so that the energy at three points matches targets.
    let xs = [0.5, -1.0, 2.0];
    let targets = [1.0, 4.0, 3.0];
    let loss = |s: &Spring| {
        let mut value = 0.0;
        let mut grad = Spring {
            k: 0.0,
            rest: Array1::zeros(3),
            label: s.label.clone(),
        };
        for (x, t) in xs.iter().zip(targets) {
            let (e, (ge, _)) = s.value_and_grad_energy(*x);
            let r = e - t;
            value += r * r;
            grad.k += 2.0 * r * ge.k;
            grad.rest = &grad.rest + &(&ge.rest * (2.0 * r));
        }
        (value, grad)
    };
    let init = spring(&[1.0, 0.1, -0.2, 0.3]);
    let start = loss(&init).0;
    let mut adam = Adam::new(0.05);
    let fit = optim::minimize(&mut adam, init, 2000, loss).unwrap();
    let end = loss(&fit.params).0;
    assert!(end < 1e-3 * start, "loss {start} -> {end}");
}

// ----- methods calling methods, and free functions calling them -----

#[derive(Clone, Debug, Differentiable)]
pub struct Coil {
    k: f64,
    rest: f64,
}

#[differentiable]
impl Coil {
    #[differentiable(wrt(self, x))]
    pub fn stored(&self, x: f64) -> f64 {
        let d = x - self.rest;
        0.5 * self.k * d * d
    }

    /// Calls `self.stored(x)` in a loop.
    #[differentiable(wrt(self))]
    pub fn stored_over(&self, xs: &[f64]) -> f64 {
        let mut e = 0.0;
        for &x in xs {
            e += self.stored(x) * x;
        }
        e
    }
}

/// A free function calling the method on its struct parameter, inside a chain.
#[differentiable(wrt(c, t))]
pub fn coil_loss(c: &Coil, xs: &[f64], t: f64) -> f64 {
    xs.iter().map(|&x| c.stored(x * t)).sum::<f64>() + c.stored(t).sqrt()
}

#[test]
fn methods_called_from_methods_and_functions() {
    let xs = [1.0, 2.0, -0.5];
    for p in splitmix_points(17, 2)
        .chunks(2)
        .take(1)
        .chain([[2.0, 0.5].as_slice()])
    {
        let c = Coil {
            k: p[0].abs() + 0.5,
            rest: p[1],
        };
        // By hand: Σ x · ½ k (x − r)²: ∂k = Σ x ½ (x − r)², ∂r = −Σ x k (x − r).
        let g = c.grad_stored_over(&xs);
        let dk: f64 = xs.iter().map(|x| x * 0.5 * (x - c.rest).powi(2)).sum();
        let dr: f64 = xs.iter().map(|x| -x * c.k * (x - c.rest)).sum();
        assert!(
            (g.k - dk).abs() < 1e-12 && (g.rest - dr).abs() < 1e-12,
            "{g:?} vs {dk} {dr}"
        );
    }
    for p in splitmix_points(23, 3).chunks(3).take(20) {
        let c = Coil {
            k: p[0].abs() + 0.5,
            rest: p[1],
        };
        let t = p[2];
        let (gc, gt) = grad_coil_loss(&c, &xs, t);
        let f = |k: f64, r: f64, t: f64| coil_loss(&Coil { k, rest: r }, &xs, t);
        let h = 1e-6;
        let fd = [
            (f(c.k + h, c.rest, t) - f(c.k - h, c.rest, t)) / (2.0 * h),
            (f(c.k, c.rest + h, t) - f(c.k, c.rest - h, t)) / (2.0 * h),
            (f(c.k, c.rest, t + h) - f(c.k, c.rest, t - h)) / (2.0 * h),
        ];
        for (g, w) in [gc.k, gc.rest, gt].iter().zip(fd) {
            assert!((g - w).abs() < 1e-6 * (1.0 + w.abs()), "{g} vs {w}");
        }
    }
}
