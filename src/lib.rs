//! The post's examples as a library: the functions the examples, tests and benchmarks share.

pub use autodiff_runtime as rt;

pub mod weierstrass;
