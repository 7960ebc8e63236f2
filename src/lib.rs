//! The post's examples as a library: the functions the examples, tests and benchmarks share,
//! and the figures.

pub use autodiff_runtime as rt;

pub mod figures;
pub mod grids;
pub mod kernels;
pub mod peak_heap;
pub mod plot;
pub mod portfolio;
pub mod post;
pub mod reference;
pub mod rk4;
pub mod sample;
pub mod weierstrass;
