//! argmin's solvers with generated gradients: L-BFGS and BFGS-free steepest descent reach the
//! known minima, and the gradient argmin receives is the generated one (checked against central
//! differences along the run).

use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use autodiff_runtime::argmin::Problem;
use autodiff_runtime::differentiable;

#[differentiable]
pub fn rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    s
}

/// A least-squares fit with data, through a closure: y = a exp(b t).
#[differentiable(wrt(p))]
pub fn misfit(p: &[f64], t: &[f64], y: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..t.len() {
        let r = p[0] * (p[1] * t[i]).exp() - y[i];
        s += r * r;
    }
    s
}

#[test]
fn lbfgs_finds_the_rosenbrock_minimum() {
    for n in [2usize, 5, 30] {
        let start: Vec<f64> = (0..n)
            .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
            .collect();
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7);
        let run = Executor::new(Problem::new(rosenbrock, grad_rosenbrock), solver)
            .configure(|state| state.param(start).max_iters(2000))
            .run()
            .unwrap();
        let best = run.state().get_best_param().unwrap();
        for v in best {
            assert!((v - 1.0).abs() < 1e-6, "n = {n}: {best:?}");
        }
        assert!(run.state().get_best_cost() < 1e-12);
    }
}

#[test]
fn a_fit_with_data_through_closures() {
    let t: Vec<f64> = (0..20).map(|i| i as f64 / 10.0).collect();
    let y: Vec<f64> = t.iter().map(|t| 1.5 * (-0.7 * t).exp()).collect();
    let problem = Problem::new(
        |p: &[f64]| misfit(p, &t, &y),
        |p: &[f64]| grad_misfit(p, &t, &y),
    );
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 5);
    let run = Executor::new(problem, solver)
        .configure(|state| state.param(vec![1.0, 0.0]).max_iters(500))
        .run()
        .unwrap();
    let best = run.state().get_best_param().unwrap();
    assert!(
        (best[0] - 1.5).abs() < 1e-6 && (best[1] + 0.7).abs() < 1e-6,
        "{best:?}"
    );
}

#[test]
fn the_problem_passes_the_generated_gradient() {
    let p = Problem::new(rosenbrock, grad_rosenbrock);
    let x = vec![0.3, -0.4, 1.1, 0.9];
    let g = p.gradient(&x).unwrap();
    assert_eq!(g, grad_rosenbrock(&x));
    assert_eq!(p.cost(&x).unwrap(), rosenbrock(&x));
    for i in 0..x.len() {
        let h = 1e-6;
        let (mut a, mut b) = (x.clone(), x.clone());
        a[i] += h;
        b[i] -= h;
        let fd = (rosenbrock(&a) - rosenbrock(&b)) / (2.0 * h);
        assert!(
            (fd - g[i]).abs() < 1e-6 * g[i].abs().max(1.0),
            "{i}: {fd} vs {}",
            g[i]
        );
    }
}
