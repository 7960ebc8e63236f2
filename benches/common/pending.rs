//! TODO: the array workloads of the benchmark issue, waiting for array support in
//! `#[differentiable]` (being added in autodiff-macros / autodiff-runtime).
//!
//! None of these is registered with criterion, and none is timed or reported: the ratio table
//! lists them as pending (see [`PENDING`]). Each stub says what its benchmark will compare once
//! the macro accepts the code.

/// The workloads not benchmarked yet, with what they need: printed under the ratio table.
pub const PENDING: &[(&str, &str)] = &[
    (
        "Sharpe ratio of a portfolio",
        "needs ndarray parameters (`ArrayView1`/`ArrayView2`), `dot`, `mean`, `std`",
    ),
    (
        "N-asset portfolio (mean-variance over N assets)",
        "needs `ArrayView2` covariance, `dot`, whole-array arithmetic",
    ),
    (
        "Adam optimisation loop on the Sharpe ratio",
        "needs the Sharpe gradient above; then times `autodiff_runtime::optim::Adam` steps",
    ),
];

/// TODO (arrays): the Sharpe ratio `mean(r) / std(r)` of portfolio returns `r = R w`, and its
/// gradient with respect to the weights `w`; compare plain / grad / hand-written / num-dual /
/// reverse / central differences as for the scalar workloads. Not registered with criterion.
pub fn sharpe_todo() {
    todo!("Sharpe benchmark: waits for ndarray support in #[differentiable]")
}

/// TODO (arrays): N-asset mean-variance objective `wᵀΣw − λ μᵀw` for N ∈ {10, 100, 1000}, with
/// the gradient in `w`. Not registered with criterion.
pub fn n_asset_todo() {
    todo!("N-asset benchmark: waits for ndarray support in #[differentiable]")
}

/// TODO (arrays): a fixed number of Adam steps on the Sharpe ratio, gradient by `grad_*` versus
/// by the peers. Not registered with criterion.
pub fn adam_todo() {
    todo!("Adam benchmark: waits for the Sharpe gradient")
}
