pub use autodiff_runtime as rt;

pub mod figures;
pub mod plot;
