//! The whole reproduction of the post, one command:
//!
//! ```sh
//! cargo run --release --example post [OUT_DIR]    # figures go to figures/ by default
//! ```
//!
//! Part 1, the Weierstrass function, is `post::weierstrass_part` (also run alone by
//! `examples/weierstrass.rs`). Part 2, the portfolio, is `post::portfolio_part` (also run alone by
//! `examples/portfolio.rs`): the cumulative returns, the Sharpe ratio curve and its derivative, and
//! its maximisation with Adam.

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use autodiff_examples::post;

fn main() -> Result<(), Box<dyn Error>> {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("figures"), PathBuf::from);
    let start = Instant::now();

    println!("== Part 1: differentiating the Weierstrass function ==");
    println!();
    print!("{}", post::weierstrass_part(&dir)?);
    println!();

    println!("== Part 2: portfolio optimisation ==");
    println!();
    print!("{}", post::portfolio_part(&dir)?);
    println!();
    print!("{}", post::recipe_part(1)?);
    println!();

    println!("done in {:.2} s", start.elapsed().as_secs_f64());
    Ok(())
}
