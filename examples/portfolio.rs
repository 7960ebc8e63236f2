//! The post's second half, the two-asset portfolio: the cumulative returns, the Sharpe ratio
//! `S(θ)` and its derivative on `θ = logspace(-3, 3, 1000)` against JAX, and Adam maximising `S`
//! from θ = 0 against optax and the closed-form optimum. Every derivative comes from the generated
//! `grad_sharpe_ratio` / `value_and_grad_sharpe_ratio`; the θ grid is evaluated in parallel with
//! `batch::map`.
//!
//! `cargo run --release --example portfolio [OUT_DIR]` (figures go to `figures/` by default).

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use autodiff_examples::post;

fn main() -> Result<(), Box<dyn Error>> {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("figures"), PathBuf::from);
    let start = Instant::now();
    let report = post::portfolio_part(&dir)?;
    print!("{report}");
    println!();
    print!("{}", post::recipe_part(1)?);
    println!("({:.2} s)", start.elapsed().as_secs_f64());
    Ok(())
}
