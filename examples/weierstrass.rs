//! The post's first half, differentiating the Weierstrass function: `W_100` and its derivative
//! on `linspace(-2, 2, 10000)`, the derivative's L1 norm as `n` grows (differentiating the sum and
//! summing the derivatives), compared with the reference data. Every derivative comes from the
//! generated `grad_weierstrass` / `grad_w_term`, evaluated in parallel with `batch::map`.
//!
//! `cargo run --release --example weierstrass [OUT_DIR]` (figures go to `figures/` by default).

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use autodiff_examples::post;

fn main() -> Result<(), Box<dyn Error>> {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("figures"), PathBuf::from);
    let start = Instant::now();
    let report = post::weierstrass_part(&dir)?;
    print!("{report}");
    println!("({:.2} s)", start.elapsed().as_secs_f64());
    Ok(())
}
