pub use autodiff_runtime as rt;
