//! Examples and tests of `#[differentiable]` with the frameworks Rust numerics users reach for:
//! argmin's solvers driven by generated gradients (`examples/argmin_lbfgs.rs`,
//! `tests/argmin.rs`). Nothing to import: this package only holds examples and tests.
