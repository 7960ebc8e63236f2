//! The `#[differentiable]` attribute. Use it through `autodiff-runtime`, which re-exports it
//! and holds everything the generated code calls; see that crate's documentation.
//!
//! The stages, each a plain function over `proc_macro2`/`syn` values or the IR:
//! `args` (the `wrt(...)` argument) → `params` (signature checks, parameter kinds) →
//! `lower` (syn to the SSA IR of `ir`) → `analyse` (activity, what the reverse sweep needs) →
//! `rules` (one table of partial derivatives) → `reverse` (forward and reverse sweeps) →
//! `expand` (the generated items, or the user's function, errors and stubs).

mod analyse;
mod args;
mod array_outputs;
mod context;
mod custom;
mod error;
mod expand;
mod forward;
mod hessian;
mod ir;
mod jacobian;
mod lower;
mod names;
mod params;
mod reverse;
mod rules;
mod stubs;

use proc_macro::TokenStream;

/// Generates reverse-mode derivatives of an `f64` function at compile time.
///
/// ```ignore
/// #[differentiable]              // every float parameter is active
/// #[differentiable(wrt(y, x))]   // only x and y, gradient (∂f/∂y, ∂f/∂x) (like JAX's argnums)
/// ```
///
/// Beside `fn f` it emits, with the same visibility:
///
/// - `grad_f(args) -> G`: the gradient with respect to the active parameters, in the order
///   `wrt(...)` names them, or in declaration order without `wrt` (the bare gradient for one,
///   a tuple for several). `f64` gives `f64`; `&[f64]` and `Vec<f64>` give `Vec<f64>`;
///   `[f64; N]` gives `[f64; N]`; ndarray arrays give `Array1/2<f64>`.
/// - `value_and_grad_f(args) -> (f64, G)`: the value and the gradient from one sweep.
/// - `jvp_f(args, tangents) -> (f64, f64)`: the value and the derivative along the tangents (one
///   per parameter: `f64`, `&[f64]`, `&[f64; N]`, `&Array1/2<f64>`, `()` for non-floats), by
///   forward mode (no tape) where every operation has a forward rule, else from the gradient.
/// - `vjp_f(args, d_out) -> G`: the active parameters' adjoints given the output's adjoint
///   (`f64`, or a tuple for a function with several outputs); and for a function with several
///   outputs, `jacobian_f(args) -> Array2<f64>`, one row per output, one column per element of
///   the active parameters, from one reverse sweep per output.
/// - `pullback_f(args, d_out: f64) -> (..)`: the adjoints of every parameter in declaration order
///   (`()` for those that are not floats), whatever `wrt` says, given the output's adjoint: the
///   calling convention of a caller's reverse sweep, and yours to compose by hand.
///
/// Parameters of other types (integers, `bool`, `f32` and `f32` arrays, ...) are constants; what
/// the body computes from `f32` ones is converted (`as f64`) before the math functions.
///
/// The body may use `let`, assignment and compound assignment, `if`/`else` (also on active
/// values), `match`, `if let` and `let .. else` on constants, `for` over ranges (`.rev()`,
/// `.step_by(k)`), over arrays and over iterator chains, `while`, `loop`, `break`, `continue`,
/// `return`, local arrays written element by element in any scope (`let mut y = vec![0.0; n];`,
/// `[0.0; N]`, `Array1::zeros(n)`, ...), the `f64` math methods, casts, constants, tuples (`let (a, b) = ..`,
/// `(x, y) = (y, x + y)`), closures bound with `let` and given to iterator adaptors, calls to
/// other `#[differentiable]` functions (also ones that return `(f64, f64, ..)`), and the ndarray
/// operations listed in the README (arithmetic with broadcasting, `sum`, `mean`, `var`, `std`,
/// `dot`, `t()`, `sum_axis`/`mean_axis`, `slice(s![..])`, `mapv(f64::exp)` and `mapv(|e| ..)`
/// with a closure, `fold`, `from_elem`, ...). Anything else is a compile error on the offending
/// tokens that says what to write instead.
///
/// Iterator chains become the index loop a user would write:
///
/// ```ignore
/// #[differentiable]
/// fn sq_dist(x: &[f64], y: &[f64]) -> f64 {
///     x.iter().zip(y.iter()).map(|(a, b)| (a - b).powi(2)).sum::<f64>()
/// }
/// ```
///
/// In an `impl` block it works on methods with `&self`/`self` (the receiver is a constant whose
/// fields the body reads; `s.grad_energy(x)` is generated beside `s.energy(x)`) and on associated
/// functions that mention `Self`; on the `impl` block itself it differentiates the functions
/// marked `#[differentiable]` in it (all of them when none is marked), also in a trait `impl`,
/// whose generated functions go into an inherent `impl` of the type:
///
/// ```ignore
/// #[differentiable]
/// impl Potential for Spring {
///     fn energy(&self, x: f64) -> f64 { 0.5 * self.k * x * x }
/// }
/// let f = spring.grad_energy(0.3);
/// ```
///
/// `#[differentiable(hessian)]` adds second order, by reverse mode over the forward-mode
/// `jvp_f`: `hvp_f(params.., tangents..)` (the Hessian times a tangent, shaped as `grad_f`) and
/// `hessian_f(params..) -> Array2<f64>`, for functions of `f64`s, slices, `Vec<f64>`,
/// `[f64; N]` and `Array1<f64>`; the `#[differentiable]` functions it calls need `hessian` too.
///
/// ```ignore
/// #[differentiable(hessian)]
/// fn rosenbrock(x: &[f64]) -> f64 { /* .. */ }
/// let step = solve(hessian_rosenbrock(&x), grad_rosenbrock(&x)); // Newton
/// ```
///
/// A helper with several outputs gets only a pullback, which its callers' reverse sweeps call
/// with a tuple of output adjoints: `pullback_step(x, v, (dx_out, dv_out))`.
///
/// Debugging macros may appear anywhere in the body: `println!`, `print!`, `eprintln!`,
/// `eprint!`, `assert!`, `assert_eq!`, `assert_ne!`, `debug_assert!` (`_eq`, `_ne`), with inline
/// captures (`"{x:.3}"`); their arguments read any value (no derivative flows through them) but
/// may not assign, borrow mutably or jump. `f`, `value_and_grad_f` and `grad_f` run them the same
/// number of times in the same order (in the forward sweep, never in the reverse sweep);
/// `pullback_f` leaves them out (a caller's reverse sweep runs it after the caller's forward
/// sweep has called `f`). `dbg!(e)` is `e`, derivative included, and prints as `dbg!` does.
///
/// `AUTODIFF_EXPAND=f cargo build` (after touching the file) prints the generated code for `f`.
#[proc_macro_attribute]
pub fn differentiable(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::differentiable(attr.into(), item.into()).into()
}

/// Gives a function its derivative by hand: `#[custom_derivative(pullback = rule)]`.
///
/// For a function the macro cannot differentiate (a call into another crate such as
/// `libm::erf`, a linear solve, a numerically better formula), the rule says what its pullback
/// is. Beside the function it emits `pullback_f` (which every `#[differentiable]` caller uses)
/// and, for an `f64` output, `grad_f` and `value_and_grad_f`.
///
/// The rule takes the function's parameters, then the adjoint of its output (`f64`, or a tuple
/// for `-> (f64, f64)`), and returns the adjoints of **all** parameters in order, as a tuple:
/// `f64` for `f64` and `&f64`, `Vec<f64>` for slices and `Vec`s, `[f64; N]`, `Array1/2<f64>`,
/// and `()` for everything else (integers, flags).
///
/// ```ignore
/// #[custom_derivative(pullback = erf_pullback)]
/// fn erf(x: f64) -> f64 { libm::erf(x) }
///
/// fn erf_pullback(x: f64, d_out: f64) -> (f64,) {
///     (d_out * 2.0 / std::f64::consts::PI.sqrt() * (-x * x).exp(),)
/// }
/// ```
///
/// A rule with another signature is a compile error on the rule's name that shows the expected
/// signature. `autodiff_runtime::check::pullback` compares a rule with central differences.
#[proc_macro_attribute]
pub fn custom_derivative(attr: TokenStream, item: TokenStream) -> TokenStream {
    custom::custom_derivative(attr.into(), item.into()).into()
}

#[cfg(test)]
mod tests;
