//! Compile-fail tests: every construct outside the contract, and every misuse of the attribute,
//! is refused with an error on the offending tokens. One file per case in `autodiff-runtime/tests/ui/`, each with
//! its reviewed `.stderr` snapshot; regenerate with `TRYBUILD=overwrite cargo test -p
//! autodiff-runtime --test compile_fail` and read the diff before committing it.

#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
