//! Custom derivatives: a probit regression through `libm::erf` (which the macro cannot see into)
//! with a hand-written rule, fitted with Adam; and an implicit (backward Euler) integrator whose
//! linear solve has its own adjoint rule.
//!
//! ```sh
//! cargo run --release --example custom_rules
//! ```

use autodiff_runtime::check::{self, Tolerance};
use autodiff_runtime::optim::{self, Adam};
use autodiff_runtime::{custom_derivative, differentiable};
use std::f64::consts::{FRAC_1_SQRT_2, PI};

/// The error function, from libm; its derivative by hand.
#[custom_derivative(pullback = erf_pullback)]
pub fn erf(x: f64) -> f64 {
    libm::erf(x)
}

/// d erf/dx = 2/√π · e^(−x²)
pub fn erf_pullback(x: f64, d_out: f64) -> (f64,) {
    (d_out * 2.0 / PI.sqrt() * (-x * x).exp(),)
}

/// The mean negative log-likelihood of `P(y = 1 | x) = Φ(w·x + b)`, with `Φ` the normal CDF.
#[differentiable(wrt(wb))]
pub fn probit_nll(wb: &[f64], xs: &[f64], ys: &[f64]) -> f64 {
    let d = wb.len() - 1;
    let mut nll = 0.0;
    for (i, &y) in ys.iter().enumerate() {
        let z = xs[i * d..(i + 1) * d]
            .iter()
            .zip(wb)
            .map(|(x, w)| x * w)
            .sum::<f64>()
            + wb[d];
        let p = (0.5 * (1.0 + erf(z * FRAC_1_SQRT_2))).clamp(1e-12, 1.0 - 1e-12);
        nll -= y * p.ln() + (1.0 - y) * (1.0 - p).ln();
    }
    nll / ys.len() as f64
}

/// `(I − h M) y₁ = y₀` for a 2 × 2 `M`, by Cramer's rule.
#[custom_derivative(pullback = implicit_solve_pullback)]
#[allow(clippy::too_many_arguments)]
pub fn implicit_solve(
    m00: f64,
    m01: f64,
    m10: f64,
    m11: f64,
    h: f64,
    y: f64,
    z: f64,
) -> (f64, f64) {
    let (a, b, c, d) = (1.0 - h * m00, -h * m01, -h * m10, 1.0 - h * m11);
    let det = a * d - b * c;
    ((d * y - b * z) / det, (a * z - c * y) / det)
}

/// The implicit-function rule: `ȳ₀ = A⁻ᵀ ȳ₁`, `Ā = −ȳ₀ y₁ᵀ`, then through `A = I − h M`.
#[allow(clippy::too_many_arguments)]
pub fn implicit_solve_pullback(
    m00: f64,
    m01: f64,
    m10: f64,
    m11: f64,
    h: f64,
    y: f64,
    z: f64,
    d_out: (f64, f64),
) -> (f64, f64, f64, f64, f64, f64, f64) {
    let (y1, z1) = implicit_solve(m00, m01, m10, m11, h, y, z);
    // Aᵀ = I − h Mᵀ: solve with M transposed.
    let (by, bz) = implicit_solve(m00, m10, m01, m11, h, d_out.0, d_out.1);
    // Ā = −b yᵀ, and A = I − h M gives M̄ = −h Ā = h b yᵀ, h̄ = −Σ Ā ∘ M.
    let abar = [-by * y1, -by * z1, -bz * y1, -bz * z1];
    let hbar = -(abar[0] * m00 + abar[1] * m01 + abar[2] * m10 + abar[3] * m11);
    (
        -h * abar[0],
        -h * abar[1],
        -h * abar[2],
        -h * abar[3],
        hbar,
        by,
        bz,
    )
}

/// A stiff linear system integrated by backward Euler; the loss is the final state's energy.
#[differentiable(wrt(m00, m01, m10, m11))]
#[allow(clippy::too_many_arguments)]
pub fn stiff_loss(m00: f64, m01: f64, m10: f64, m11: f64, h: f64, steps: usize) -> f64 {
    let (mut y, mut z) = (1.0, 0.0);
    for _ in 0..steps {
        (y, z) = implicit_solve(m00, m01, m10, m11, h, y, z);
    }
    y * y + z * z
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The rule agrees with central differences.
    for x in [-1.5, 0.0, 0.7] {
        check::pullback(
            |x: &f64| erf(*x),
            |x, d| erf_pullback(*x, d).0,
            &x,
            Tolerance::default(),
        )?;
    }
    // Synthetic data from a known model: y = 1 when 1.5 x₀ − x₁ + 0.3 + noise > 0.
    let (n, d) = (400, 2);
    let mut seed: u64 = 7;
    let mut uniform = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut xs = Vec::with_capacity(n * d);
    let mut ys = Vec::with_capacity(n);
    for _ in 0..n {
        let (a, b) = (4.0 * uniform() - 2.0, 4.0 * uniform() - 2.0);
        let noise = 0.5 * (uniform() + uniform() + uniform() - 1.5);
        xs.extend([a, b]);
        ys.push(if 1.5 * a - b + 0.3 + noise > 0.0 {
            1.0
        } else {
            0.0
        });
    }
    let mut adam = Adam::new(0.05);
    let trace = optim::minimize(&mut adam, vec![0.0; d + 1], 400, |wb: &Vec<f64>| {
        value_and_grad_probit_nll(wb, &xs, &ys)
    })?;
    println!(
        "probit regression through libm::erf with a custom rule (400 points, Adam, 400 steps)"
    );
    for k in [0, 50, 100, 200, 399] {
        println!(
            "  step {k:>3}: mean negative log-likelihood {:.4}",
            trace.values[k]
        );
    }
    let wb = &trace.params;
    println!(
        "  fitted w = ({:.3}, {:.3}), b = {:.3}; direction of the true (1.5, -1, 0.3): {:.3}",
        wb[0],
        wb[1],
        wb[2],
        (1.5 * wb[0] - wb[1] + 0.3 * wb[2])
            / (wb.iter().map(|v| v * v).sum::<f64>().sqrt() * (1.5f64 * 1.5 + 1.0 + 0.09).sqrt())
    );

    // The implicit integrator: the gradient through 200 custom solves, against central differences.
    let (m, h, steps) = ([-20.0, 1.0, 0.5, -0.3], 0.05, 200);
    let g = grad_stiff_loss(m[0], m[1], m[2], m[3], h, steps);
    let g = [g.0, g.1, g.2, g.3];
    check::gradient_slice(
        |p: &[f64]| stiff_loss(p[0], p[1], p[2], p[3], h, steps),
        &g,
        &m,
        Tolerance::new(1e-8, 1e-6),
    )?;
    println!("backward Euler on a stiff 2x2 system, 200 steps with a custom solve rule:");
    println!(
        "  dL/dM = [[{:.6e}, {:.6e}], [{:.6e}, {:.6e}]] (checked against central differences)",
        g[0], g[1], g[2], g[3]
    );
    Ok(())
}
