//! The driver's run stage: a check that hangs or dies is attributed to its own program, by the
//! phase it was in (the user's function: (x), not the macro; the generated code: (h) or (i)), and
//! the programs after it are still checked. The "generated" code here is written by hand (no
//! macro), so the test does not depend on the macro's state.

use autodiff_fuzz::ast::{Func, PTy, Param, Program};
use autodiff_fuzz::driver::{self, Case, Env, Kind, USER_RUNTIME, Unit, Verdict};
use autodiff_fuzz::mutate::TextUnit;
use std::time::Duration;

const SPIN: &str = "while std::hint::black_box(true) {}";

/// A program `f(x: f64) -> f64` whose plain copy is `plain` and whose `f`/`grad_f` are `f` and
/// `grad` (bodies over `x`), checked against finite differences as in mutation mode.
fn case(id: &str, plain: &str, f: &str, grad: &str) -> Case {
    case_jvp(id, plain, f, grad, "(f(x), grad_f(x) * dx)")
}

/// The same with `jvp_f(x, dx)`'s body given.
fn case_jvp(id: &str, plain: &str, f: &str, grad: &str, jvp: &str) -> Case {
    let func = Func {
        name: "f".into(),
        params: vec![Param {
            name: "x".into(),
            ty: PTy::F64,
            mutable: false,
            int_range: (0, 0),
        }],
        wrt: None,
        body: Default::default(),
        pair: false,
        hessian: false,
        outparam: false,
    };
    let prog = Program {
        items: vec![],
        funcs: vec![],
        len1: 3,
        rows: 3,
        cols: 3,
    };
    let mut check = "pub fn check(points: usize) {\n    check_f(points);\n}\n".to_string();
    check.push_str(&driver::check_fn(id, &prog, &func, 5, true, 0.2, 1.6));
    Case {
        id: id.into(),
        origin: format!("runner test {id}"),
        unit: Unit::Text(TextUnit {
            ad: format!(
                "#![allow(warnings)]\npub fn f(x: f64) -> f64 {{ {f} }}\npub fn grad_f(x: f64) -> f64 {{ {grad} }}\npub fn value_and_grad_f(x: f64) -> (f64, f64) {{ (f(x), grad_f(x)) }}\npub fn jvp_f(x: f64, dx: f64) -> (f64, f64) {{ {jvp} }}\n"
            ),
            plain: format!("#![allow(warnings)]\npub fn f(x: f64) -> f64 {{ {plain} }}\n"),
            check,
        }),
    }
}

#[test]
fn hangs_and_crashes_are_attributed_and_the_rest_is_checked() {
    let mut env = Env::here();
    env.timeout = Duration::from_secs(3);
    let square = "x * x";
    let cases = vec![
        case("r0000", square, square, "2.0 * x"),
        // the user's own loop never ends: not the macro's
        case("r0001", &format!("{SPIN} x"), &format!("{SPIN} x"), "1.0"),
        // the generated gradient never ends
        case("r0002", square, square, &format!("{SPIN} 2.0 * x")),
        // the generated gradient aborts the process
        case("r0003", square, square, "std::process::abort()"),
        // the user's function aborts the process: not the macro's
        case("r0004", "std::process::abort()", square, "2.0 * x"),
        // a wrong gradient after all of them is still found
        case("r0005", square, square, "3.0 * x"),
        case("r0006", "x.sin()", "x.sin()", "x.cos()"),
        // a wrong tangent, and a value that differs from f's, from jvp
        case_jvp(
            "r0007",
            "x.sin()",
            "x.sin()",
            "x.cos()",
            "(x.sin(), 1.5 * x.cos() * dx)",
        ),
        case_jvp(
            "r0008",
            "x.sin()",
            "x.sin()",
            "x.cos()",
            "(f64::from_bits(x.sin().to_bits() + 1), x.cos() * dx)",
        ),
    ];
    let r = driver::run_batch(&env, "ci-runner", cases, 1).expect("building the runner test");
    let got: Vec<(String, Vec<Kind>, String)> = r
        .cases
        .iter()
        .map(|(c, v)| {
            let (kinds, msg) = match v {
                Verdict::Fail(fs) => (
                    fs.iter().map(|x| x.0).collect(),
                    fs.first().map(|x| x.1.clone()).unwrap_or_default(),
                ),
                other => (vec![], format!("{other:?}")),
            };
            (c.id.clone(), kinds, msg)
        })
        .collect();
    let show = format!("{got:#?}");
    eprintln!("{show}");
    assert!(matches!(r.cases[0].1, Verdict::Ok), "{show}");
    assert_eq!(got[1].1, vec![Kind::GeneratorBug], "{show}");
    assert!(got[1].2.starts_with(USER_RUNTIME), "{show}");
    assert!(got[1].2.contains("did not finish"), "{show}");
    assert_eq!(got[2].1, vec![Kind::Hang], "{show}");
    assert_eq!(got[3].1, vec![Kind::Crash], "{show}");
    assert_eq!(got[4].1, vec![Kind::GeneratorBug], "{show}");
    assert!(got[4].2.starts_with(USER_RUNTIME), "{show}");
    assert!(got[5].1.contains(&Kind::WrongGrad), "{show}");
    assert!(matches!(r.cases[6].1, Verdict::Ok), "{show}");
    // one failure per point
    assert!(
        !got[7].1.is_empty() && got[7].1.iter().all(|k| *k == Kind::Jvp),
        "{show}"
    );
    assert!(
        !got[8].1.is_empty() && got[8].1.iter().all(|k| *k == Kind::Jvp),
        "{show}"
    );
    assert!(got[8].2.contains("jvp's value"), "{show}");
}
