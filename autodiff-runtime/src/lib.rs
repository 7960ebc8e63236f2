pub use autodiff_macros::differentiable; pub use ndarray;
