pub use autodiff_macros::differentiable;
pub use ndarray;

pub mod batch;
pub mod check;
pub mod optim;
pub mod sample;
