//! Type-blind pullback rules for `f64`, slices, `Vec<f64>`, fixed arrays and ndarray arrays.
//!
//! The macro cannot see types (see DESIGN.md), so it emits the same calls for every operand and
//! the traits here pick the implementation from the argument types:
//!
//! - [`zero_adj`] builds a zero adjoint of the primal's shape ([`ZeroAdj`]);
//! - [`acc`] adds a contribution to an adjoint, summing it back to the adjoint's shape when the
//!   primal was broadcast ([`Acc`]);
//! - [`add`], [`sub`], [`mul`], [`div`] and [`neg`] are elementwise operations on references that
//!   return owned values, broadcasting like ndarray's `&a * &b`; they first [`Lift`] each operand
//!   (an `f64` stays an `f64`, any ndarray array becomes an `ArrayView`), and the lifted pair's
//!   [`Elementwise`] impl gives the result type;
//! - reductions ([`mean_da`], [`sum_da`], [`var_da`], [`std_da`]), dot products ([`dot_da`],
//!   [`dot_db`]), column and row views ([`column_acc`], [`row_acc`]) and `mapv` ([`mapv_da`] with
//!   the derivatives in [`deriv`]) have one pullback function each; so do transposes and axes
//!   ([`t_da`], [`sum_axis_da`], [`mean_axis_da`], [`insert_axis_da`]), whose contributions are
//!   views or small arrays that broadcast into the adjoint, and `mapv` with a closure
//!   ([`map_pullback`], [`each_pullback`]: the generated pullback of the closure body, run per
//!   element).
//!
//! Panics: only where ndarray itself panics on a shape mismatch (each function says which); no
//! `Box`, `dyn` or allocation beyond the returned value. The closures passed to ndarray's `Zip`
//! and `zip_mut_with` are ordinary generic arguments, monomorphised and inlined.

pub(crate) use ndarray::{
    Array, Array2, ArrayBase, ArrayView, ArrayView1, ArrayView2, ArrayViewD, ArrayViewMut1,
    ArrayViewMutD, Axis, Data, DataMut, DimMax, Dimension, Ix1, Ix2, Zip,
};

mod adjoints;
mod dot;
mod elementwise;
mod mapv;
mod parts;
mod reductions;

pub use adjoints::*;
pub use dot::*;
pub use elementwise::*;
pub use mapv::*;
pub use parts::*;
pub use reductions::*;
