//! Random-program differential testing of `#[differentiable]`.
//!
//! - [`generator`]: random functions inside the contract, every feature switchable;
//! - [`ast`]: their AST, rendered as user code (with and without the attribute) and over dual
//!   numbers (the reference);
//! - [`driver`]: builds a batch into one generated crate, attributes compile errors to programs,
//!   runs the checks, classifies failures;
//! - [`shrink`]: minimises a failing program;
//! - [`mutate`]: mutates the project's own test functions;
//! - [`mutate_report`]: the figures of a mutation run, discards told apart from failures.

pub mod ast;
pub mod driver;
pub mod generator;
pub mod mutate;
pub mod mutate_report;
pub mod rng;
pub mod shrink;
