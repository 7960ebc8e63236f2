fn f(x: f64, v: &[f64]) -> f64 {
    let c = unsafe { x * 2.0 };
    c
}
::core::compile_error! {
    "`unsafe` blocks are not supported in a #[differentiable] function (nor are mutable statics, which need them); pass the value in as a parameter"
}
#[allow(
    dead_code,
    deprecated,
    unused_parens,
    unused_braces,
    unreachable_code,
    non_snake_case,
    clippy::all,
    clippy::pedantic,
    clippy::nursery
)]
fn vjp_f(_: f64, _: &[f64], _: f64) -> f64 {
    ::core::unreachable!()
}
#[allow(
    dead_code,
    deprecated,
    unused_parens,
    unused_braces,
    unreachable_code,
    non_snake_case,
    clippy::all,
    clippy::pedantic,
    clippy::nursery
)]
fn value_and_grad_f(_: f64, _: &[f64]) -> (f64, f64) {
    ::core::unreachable!()
}
#[allow(
    dead_code,
    deprecated,
    unused_parens,
    unused_braces,
    unreachable_code,
    non_snake_case,
    clippy::all,
    clippy::pedantic,
    clippy::nursery
)]
fn grad_f(_: f64, _: &[f64]) -> f64 {
    ::core::unreachable!()
}
#[allow(
    dead_code,
    deprecated,
    unused_parens,
    unused_braces,
    unreachable_code,
    non_snake_case,
    clippy::all,
    clippy::pedantic,
    clippy::nursery
)]
fn pullback_f(_: f64, _: &[f64], _: f64) -> (f64, ::std::vec::Vec<f64>) {
    ::core::unreachable!()
}
