//! Support code for the forward-mode and second-order checks, copied into every generated crate
//! beside `support.rs` (as `support_fwd.rs`): `jvp_*` against the reference gradient dotted
//! with a tangent, and `hvp_*` against central differences of `grad_*` along it. Not compiled
//! as part of autodiff-fuzz itself.
#![allow(dead_code, clippy::all)]

use crate::support::{Out, Reference, ABS, REL};

fn same(a: f64, b: f64) -> bool { a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()) }

/// The tangent with its components zeroed where the reference has no usable derivative (finite
/// differences that are not well conditioned: `mag` NaN).
pub fn mask(tv: &[f64], r: &Result<Reference, String>) -> Vec<f64> {
    match r {
        Ok(r) => tv.iter().zip(&r.mag).map(|(&t, m)| if m.is_nan() { 0.0 } else { t }).collect(),
        Err(_) => tv.to_vec(),
    }
}

/// Compares `jvp_*` at one point: its value bit for bit with the attribute-free function, its
/// tangent with Σ_k reference.grad[k] · v[k] within the gradient's tolerance, the conditioning
/// being Σ_k |v[k]| · mag[k]. A point the gradient check skips (non-finite value or reference)
/// is skipped here too (and counted there).
pub fn compare_jvp(
    out: &mut Out,
    point: &str,
    plain: &Result<f64, String>,
    reference: &Result<Reference, String>,
    v: &[f64],
    jvp: Result<(f64, f64), String>,
) {
    let plain = match plain {
        Ok(p) if p.is_finite() => *p,
        _ => return,
    };
    let r = match reference {
        Ok(r) if r.value.is_finite() => r,
        _ => return,
    };
    let (mut want, mut mag) = (0.0, 0.0);
    for k in 0..v.len() {
        if v[k] == 0.0 {
            continue;
        }
        if !(r.grad[k].is_finite() && r.mag[k].is_finite()) {
            return;
        }
        want += r.grad[k] * v[k];
        mag += r.mag[k] * v[k].abs();
    }
    let (val, d) = match jvp {
        Ok(x) => x,
        Err(e) => {
            out.fail("panic", format!("{point}: jvp panicked: {e}"));
            return;
        }
    };
    if !same(val, plain) {
        out.fail("jvp", format!("{point}: jvp's value {val:e} != f {plain:e}"));
    }
    let tol = REL * (mag + want.abs()) + ABS;
    let err = (d - want).abs();
    if !(err <= tol) {
        out.fail(
            "jvp",
            format!("{point}: jvp's tangent = {d:e}, reference Σ grad·v = {want:e} (|err| {err:.3e}, scale {:.3e}; v = {v:?})", mag + want.abs()),
        );
    }
}

/// Central differences of a gradient along `v` at `x`, with the steps `h` and `h / 4`
/// (`h = 1e-4 · max(1, |x|∞)`): per component (estimate with h, estimate with h / 4, rounding
/// noise of the latter). `None` when the gradient panics or is not finite at a shifted point.
pub fn hvp_reference(grad: &dyn Fn(&[f64]) -> Vec<f64>, x: &[f64], v: &[f64]) -> Option<Vec<(f64, f64, f64)>> {
    let h = 1e-4 * x.iter().fold(1.0f64, |m, a| m.max(a.abs()));
    let at = |s: f64| -> Option<Vec<f64>> {
        let y: Vec<f64> = x.iter().zip(v).map(|(a, b)| a + s * b).collect();
        let g = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| grad(&y))).ok()?;
        g.iter().all(|c| c.is_finite()).then_some(g)
    };
    let (p1, m1, p2, m2) = (at(h)?, at(-h)?, at(h / 4.0)?, at(-h / 4.0)?);
    let mut out = vec![];
    for k in 0..p1.len() {
        let d1 = (p1[k] - m1[k]) / (2.0 * h);
        let d2 = (p2[k] - m2[k]) / (h / 2.0);
        let noise = 64.0 * f64::EPSILON * p2[k].abs().max(m2[k].abs()) / (h / 4.0);
        out.push((d1, d2, noise));
    }
    Some(out)
}

/// Compares `hvp_*` with the central differences of `grad_*` along the same tangent, component
/// by component. A component where the two step sizes disagree (the gradient is not smooth
/// there: a kink, a branch) is not compared; the others within
/// `1e-6 (1 + |d|) + 4 |d(h) - d(h/4)| + 4 noise`.
pub fn compare_hvp(
    out: &mut Out,
    point: &str,
    plain: &Result<f64, String>,
    hvp: Result<Vec<f64>, String>,
    reference: Result<Option<Vec<(f64, f64, f64)>>, String>,
    v: &[f64],
) {
    if !matches!(plain, Ok(p) if p.is_finite()) {
        return;
    }
    let Ok(Some(r)) = reference else { return };
    let got = match hvp {
        Ok(g) => g,
        Err(e) => {
            out.fail("panic", format!("{point}: hvp panicked: {e}"));
            return;
        }
    };
    if got.len() != r.len() {
        out.fail("hvp", format!("{point}: hvp has {} components, grad {}", got.len(), r.len()));
        return;
    }
    for (k, &(d1, d2, noise)) in r.iter().enumerate() {
        let smooth = (d1 - d2).abs() <= 1e-3 * (1.0 + d2.abs()) + 4.0 * noise;
        if !smooth {
            continue;
        }
        let tol = 1e-6 * (1.0 + d2.abs()) + 4.0 * (d1 - d2).abs() + 4.0 * noise;
        let err = (got[k] - d2).abs();
        if !(err <= tol) {
            out.fail(
                "hvp",
                format!("{point}: hvp[{k}] = {:e}, central differences of grad along v: {d2:e} (step h: {d1:e}; |err| {err:.3e}, tol {tol:.3e}; v = {v:?})", got[k]),
            );
        }
    }
}
