pub use autodiff_runtime as rt;

pub mod reference;
