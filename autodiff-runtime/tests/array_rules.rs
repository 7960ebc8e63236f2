//! The array pullback rules of `autodiff_runtime::__rt` against five-point central differences.
//!
//! Every rule is a row: a scalar primal `L(x) = ⟨ḡ, f(x)⟩` written with plain ndarray operations
//! on `ArrayD` inputs (ḡ a fixed cotangent of `f`'s output shape), and the gradient of `L` built
//! from the runtime's rules on typed operands (`f64`, `Array1`, `Array2`, views, `Vec`, slices,
//! fixed arrays). Checking the whole gradient of `L` checks the vector-Jacobian product
//! `⟨ḡ, J e_k⟩` for every `k`. A second group checks that calls infer without annotations.

use autodiff_runtime::__rt::{self as rt, deriv};
use ndarray::{
    Array, Array1, Array2, ArrayD, ArrayView1, ArrayView2, Dimension, IxDyn, arr0, array,
};

// ---------------------------------------------------------------------------------------------
// The checker
// ---------------------------------------------------------------------------------------------

type Primal = Box<dyn Fn(&[ArrayD<f64>]) -> f64>;
type Rule = Box<dyn Fn(&[ArrayD<f64>]) -> Vec<ArrayD<f64>>>;

/// One rule under test: name, point, primal `L` and the gradient of `L` by the runtime's rules.
struct Row {
    name: String,
    x: Vec<ArrayD<f64>>,
    primal: Primal,
    rule: Rule,
}

/// An input: its shape and the interval its values are drawn from.
#[derive(Clone, Copy)]
struct In<'s>(&'s [usize], f64, f64);

/// Deterministic values in `[lo, hi]` of the given shape.
fn point(shape: &[usize], lo: f64, hi: f64, seed: u64) -> ArrayD<f64> {
    let mut state = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    ArrayD::from_shape_fn(IxDyn(shape), |_| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let u = (state >> 11) as f64 / (1u64 << 53) as f64;
        lo + (hi - lo) * u
    })
}

/// The fixed cotangent ḡ of an output of this shape (never all equal, never zero).
fn cot(shape: &[usize]) -> ArrayD<f64> {
    point(shape, 0.25, 1.75, 7 + shape.iter().sum::<usize>() as u64)
        * ArrayD::from_shape_fn(IxDyn(shape), |i| {
            if i.slice().iter().sum::<usize>() % 2 == 0 {
                1.0
            } else {
                -1.0
            }
        })
}

/// `⟨ḡ, y⟩` with ḡ = `cot(y.shape())`.
fn pair(y: &ArrayD<f64>) -> f64 {
    (cot(y.shape()) * y).sum()
}

impl Row {
    fn new(
        name: impl Into<String>,
        inputs: &[In<'_>],
        primal: impl Fn(&[ArrayD<f64>]) -> f64 + 'static,
        rule: impl Fn(&[ArrayD<f64>]) -> Vec<ArrayD<f64>> + 'static,
    ) -> Row {
        let name = name.into();
        let seed = name
            .bytes()
            .fold(17u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        let x = inputs
            .iter()
            .enumerate()
            .map(|(i, In(shape, lo, hi))| point(shape, *lo, *hi, seed + i as u64))
            .collect();
        Row {
            name,
            x,
            primal: Box::new(primal),
            rule: Box::new(rule),
        }
    }

    /// Every mismatch between the rule and the five-point central difference of the primal.
    fn check(&self) -> Vec<String> {
        let mut errors = Vec::new();
        let analytic = (self.rule)(&self.x);
        if analytic.len() != self.x.len() {
            return vec![format!(
                "{}: {} gradients for {} inputs",
                self.name,
                analytic.len(),
                self.x.len()
            )];
        }
        for (i, (xi, gi)) in self.x.iter().zip(&analytic).enumerate() {
            if xi.shape() != gi.shape() {
                errors.push(format!(
                    "{}: input {i} has shape {:?} but its gradient {:?}",
                    self.name,
                    xi.shape(),
                    gi.shape()
                ));
                continue;
            }
            for (k, &a) in gi.iter().enumerate() {
                let n = five_point(&self.primal, &self.x, i, k);
                let tol = 1e-7 * a.abs().max(n.abs()).max(1.0);
                if (a - n).is_nan() || (a - n).abs() > tol {
                    errors.push(format!(
                        "{}: input {i}, element {k}: rule {a:e}, central difference {n:e}",
                        self.name
                    ));
                }
            }
        }
        errors
    }
}

/// `∂L/∂x[i][k]` by the five-point stencil `(−L(+2h) + 8L(+h) − 8L(−h) + L(−2h)) / 12h`.
fn five_point(f: &Primal, x: &[ArrayD<f64>], i: usize, k: usize) -> f64 {
    let x0 = x[i].iter().nth(k).copied().unwrap();
    let h = 1e-3 * x0.abs().max(1.0);
    let mut probe = x.to_vec();
    let mut at = |t: f64| {
        *probe[i].iter_mut().nth(k).unwrap() = x0 + t;
        f(&probe)
    };
    (-at(2.0 * h) + 8.0 * at(h) - 8.0 * at(-h) + at(-2.0 * h)) / (12.0 * h)
}

// ---------------------------------------------------------------------------------------------
// Typed operands from the dynamic point, and back
// ---------------------------------------------------------------------------------------------

fn s(x: &ArrayD<f64>) -> f64 {
    assert_eq!(x.ndim(), 0);
    x[[]]
}
fn a1(x: &ArrayD<f64>) -> Array1<f64> {
    x.clone().into_dimensionality().unwrap()
}
fn a2(x: &ArrayD<f64>) -> Array2<f64> {
    x.clone().into_dimensionality().unwrap()
}
fn ad(x: &ArrayD<f64>) -> ArrayD<f64> {
    x.clone()
}
fn v(x: &ArrayD<f64>) -> Vec<f64> {
    x.iter().copied().collect()
}
fn fixed3(x: &ArrayD<f64>) -> [f64; 3] {
    v(x).try_into().unwrap()
}

trait Dyn: Sized {
    fn to_dyn(&self) -> ArrayD<f64>;
    fn from_dyn(x: &ArrayD<f64>) -> Self;
}
impl Dyn for f64 {
    fn to_dyn(&self) -> ArrayD<f64> {
        arr0(*self).into_dyn()
    }
    fn from_dyn(x: &ArrayD<f64>) -> f64 {
        s(x)
    }
}
impl<D: Dimension> Dyn for Array<f64, D> {
    fn to_dyn(&self) -> ArrayD<f64> {
        self.clone().into_dyn()
    }
    fn from_dyn(x: &ArrayD<f64>) -> Self {
        x.clone().into_dimensionality().unwrap()
    }
}
impl Dyn for Vec<f64> {
    fn to_dyn(&self) -> ArrayD<f64> {
        Array1::from(self.clone()).into_dyn()
    }
    fn from_dyn(x: &ArrayD<f64>) -> Self {
        v(x)
    }
}
impl Dyn for [f64; 3] {
    fn to_dyn(&self) -> ArrayD<f64> {
        Array1::from(self.to_vec()).into_dyn()
    }
    fn from_dyn(x: &ArrayD<f64>) -> Self {
        fixed3(x)
    }
}

/// ḡ for an output `y`, in `y`'s type.
fn cot_like<T: Dyn>(y: &T) -> T {
    T::from_dyn(&cot(y.to_dyn().shape()))
}

// ---------------------------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------------------------

/// Rows for `add`, `sub`, `mul`, `div` on operands converted by `$ca`, `$cb` (co-broadcast), and
/// `neg` on the first: pullbacks built from the same runtime functions, summed back with `acc`.
macro_rules! binop_rows {
    ($rows:ident, $ca:ident $sa:expr, $cb:ident $sb:expr) => {{
        let sa: &'static [usize] = &$sa;
        let sb: &'static [usize] = &$sb;
        let ins = [In(sa, -1.5, 1.5), In(sb, 0.5, 2.0)];
        let tag = format!("{}{:?} op {}{:?}", stringify!($ca), sa, stringify!($cb), sb);
        $rows.push(Row::new(
            format!("add {tag}"),
            &ins,
            |x| pair(&(&x[0] + &x[1])),
            |x| {
                let (a, b) = ($ca(&x[0]), $cb(&x[1]));
                let g = cot_like(&rt::add(&a, &b));
                let (mut ab, mut bb) = (rt::zero_adj(&a), rt::zero_adj(&b));
                rt::acc(&mut ab, &g);
                rt::acc(&mut bb, &g);
                vec![ab.to_dyn(), bb.to_dyn()]
            },
        ));
        $rows.push(Row::new(
            format!("sub {tag}"),
            &ins,
            |x| pair(&(&x[0] - &x[1])),
            |x| {
                let (a, b) = ($ca(&x[0]), $cb(&x[1]));
                let g = cot_like(&rt::sub(&a, &b));
                let (mut ab, mut bb) = (rt::zero_adj(&a), rt::zero_adj(&b));
                rt::acc(&mut ab, &g);
                rt::acc(&mut bb, &rt::neg(&g));
                vec![ab.to_dyn(), bb.to_dyn()]
            },
        ));
        $rows.push(Row::new(
            format!("mul {tag}"),
            &ins,
            |x| pair(&(&x[0] * &x[1])),
            |x| {
                let (a, b) = ($ca(&x[0]), $cb(&x[1]));
                let g = cot_like(&rt::mul(&a, &b));
                let (mut ab, mut bb) = (rt::zero_adj(&a), rt::zero_adj(&b));
                rt::acc(&mut ab, &rt::mul(&g, &b));
                rt::acc(&mut bb, &rt::mul(&g, &a));
                vec![ab.to_dyn(), bb.to_dyn()]
            },
        ));
        $rows.push(Row::new(
            format!("div {tag}"),
            &ins,
            |x| pair(&(&x[0] / &x[1])),
            |x| {
                let (a, b) = ($ca(&x[0]), $cb(&x[1]));
                let y = rt::div(&a, &b);
                let g = cot_like(&y);
                let (mut ab, mut bb) = (rt::zero_adj(&a), rt::zero_adj(&b));
                // ∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = −y/b.
                rt::acc(&mut ab, &rt::div(&g, &b));
                rt::acc(&mut bb, &rt::neg(&rt::div(&rt::mul(&g, &y), &b)));
                vec![ab.to_dyn(), bb.to_dyn()]
            },
        ));
        $rows.push(Row::new(
            format!("neg {}{:?}", stringify!($ca), sa),
            &ins[..1],
            |x| pair(&(-&x[0])),
            |x| {
                let a = $ca(&x[0]);
                let g = cot_like(&rt::neg(&a));
                let mut ab = rt::zero_adj(&a);
                rt::acc(&mut ab, &rt::neg(&g));
                vec![ab.to_dyn()]
            },
        ));
    }};
}

/// A row for `acc`'s sum-back: `L(a) = ⟨ḡ, broadcast(a, out)⟩`; `rule(a, ḡ)` returns `a`'s
/// adjoint accumulated from ḡ.
fn acc_row(
    rows: &mut Vec<Row>,
    name: &str,
    shape: &'static [usize],
    out: &'static [usize],
    rule: impl Fn(&ArrayD<f64>, &ArrayD<f64>) -> ArrayD<f64> + 'static,
) {
    rows.push(Row::new(
        format!("acc {name}: {shape:?} -> {out:?}"),
        &[In(shape, -1.5, 1.5)],
        move |x| pair(&x[0].broadcast(IxDyn(out)).unwrap().to_owned()),
        move |x| vec![rule(&x[0], &cot(out))],
    ));
}

/// `L(a) = c Σ a` for a scalar `c`: the adjoint of a sum is `c` added to every element.
fn acc_scalar_row(
    rows: &mut Vec<Row>,
    name: &str,
    shape: &'static [usize],
    rule: impl Fn(&ArrayD<f64>, f64) -> ArrayD<f64> + 'static,
) {
    const C: f64 = -0.625;
    rows.push(Row::new(
        format!("acc {name} += f64: {shape:?}"),
        &[In(shape, -1.5, 1.5)],
        |x| C * x[0].sum(),
        move |x| vec![rule(&x[0], C)],
    ));
}

/// `mean_da`, `sum_da`, `var_da`, `std_da` on operands converted by `$c`.
macro_rules! reduction_rows {
    ($rows:ident, $c:ident $shape:expr) => {{
        let shape: &'static [usize] = &$shape;
        let n: usize = shape.iter().product();
        let ins = [In(shape, -1.5, 1.5)];
        let tag = format!("{}{:?}", stringify!($c), shape);
        const G: f64 = 0.875;
        $rows.push(Row::new(
            format!("mean_da {tag}"),
            &ins,
            |x| G * x[0].mean().unwrap(),
            |x| vec![rt::mean_da(&$c(&x[0]), G).to_dyn()],
        ));
        $rows.push(Row::new(
            format!("sum_da {tag}"),
            &ins,
            |x| G * x[0].sum(),
            |x| vec![rt::sum_da(&$c(&x[0]), G).to_dyn()],
        ));
        for ddof in [0.0, 1.0] {
            if ddof < n as f64 {
                $rows.push(Row::new(
                    format!("var_da ddof={ddof} {tag}"),
                    &ins,
                    move |x| G * x[0].var(ddof),
                    move |x| vec![rt::var_da(&$c(&x[0]), ddof, G).to_dyn()],
                ));
            }
            // The standard deviation of one element is 0, where it is not differentiable.
            if n > 1 {
                $rows.push(Row::new(
                    format!("std_da ddof={ddof} {tag}"),
                    &ins,
                    move |x| G * x[0].std(ddof),
                    move |x| {
                        let a = $c(&x[0]);
                        let s = a.std(ddof);
                        vec![rt::std_da(&a, ddof, s, G).to_dyn()]
                    },
                ));
            }
        }
    }};
}

/// `dot_da` and `dot_db` for `a.dot(&b)` with `a`, `b` converted by `$ca`, `$cb`.
macro_rules! dot_row {
    ($rows:ident, $ca:ident $sa:expr, $cb:ident $sb:expr) => {{
        let sa: &'static [usize] = &$sa;
        let sb: &'static [usize] = &$sb;
        $rows.push(Row::new(
            format!(
                "dot_da/dot_db {}{:?} . {}{:?}",
                stringify!($ca),
                sa,
                stringify!($cb),
                sb
            ),
            &[In(sa, -1.5, 1.5), In(sb, -1.5, 1.5)],
            |x| {
                let y = $ca(&x[0]).dot(&$cb(&x[1]));
                pair(&y.to_dyn())
            },
            |x| {
                let (a, b) = ($ca(&x[0]), $cb(&x[1]));
                let g = cot_like(&a.dot(&b));
                vec![rt::dot_da(&g, &b).to_dyn(), rt::dot_db(&a, &g).to_dyn()]
            },
        ));
    }};
}

/// `mapv_da` with `deriv::$f` for `a.mapv(f64::$f)` on values in `[lo, hi]`, with an array ḡ on
/// a vector of 3 and a matrix 2×3, and with a scalar ḡ on a vector of 7.
macro_rules! mapv_rows {
    ($rows:ident, $($f:ident [$lo:expr, $hi:expr]),* $(,)?) => {{
        $(
            $rows.push(Row::new(
                format!("mapv_da {} a1[3]", stringify!($f)),
                &[In(&[3], $lo, $hi)],
                |x| pair(&x[0].mapv(f64::$f)),
                |x| {
                    let a = a1(&x[0]);
                    let g = cot_like(&a);
                    vec![rt::mapv_da(&a, deriv::$f, &g).to_dyn()]
                },
            ));
            $rows.push(Row::new(
                format!("mapv_da {} view2[2, 3]", stringify!($f)),
                &[In(&[2, 3], $lo, $hi)],
                |x| pair(&x[0].mapv(f64::$f)),
                |x| {
                    let a = a2(&x[0]);
                    let g = cot_like(&a);
                    vec![rt::mapv_da(&a.view(), deriv::$f, &g.view()).to_dyn()]
                },
            ));
            $rows.push(Row::new(
                format!("mapv_da {} a1[7], f64 g", stringify!($f)),
                &[In(&[7], $lo, $hi)],
                |x| 0.75 * x[0].mapv(f64::$f).sum(),
                |x| vec![rt::mapv_da(&&a1(&x[0]), deriv::$f, &0.75).to_dyn()],
            ));
        )*
    }};
}

fn all_rows() -> Vec<Row> {
    let mut rows = Vec::new();

    // Elementwise operations, same shapes and broadcasting (summed back by `acc`).
    binop_rows!(rows, s[], s[]);
    binop_rows!(rows, s[], a1[3]);
    binop_rows!(rows, a1[3], s[]);
    binop_rows!(rows, a1[1], a1[1]);
    binop_rows!(rows, a1[3], a1[3]);
    binop_rows!(rows, a1[7], a1[7]);
    binop_rows!(rows, a1[1], a1[7]);
    binop_rows!(rows, a1[7], a1[1]);
    binop_rows!(rows, a2[2, 3], a2[2, 3]);
    binop_rows!(rows, a2[4, 1], a2[4, 1]);
    binop_rows!(rows, a2[1, 5], a2[1, 5]);
    binop_rows!(rows, a1[3], a2[2, 3]);
    binop_rows!(rows, a2[2, 3], a1[3]);
    binop_rows!(rows, a2[4, 1], a2[1, 5]);
    binop_rows!(rows, a2[1, 5], a2[4, 1]);
    binop_rows!(rows, a2[4, 1], a1[5]);
    binop_rows!(rows, a1[1], a2[2, 3]);
    binop_rows!(rows, s[], a2[2, 3]);
    binop_rows!(rows, a2[1, 5], s[]);
    binop_rows!(rows, ad[2, 3], a1[3]);
    binop_rows!(rows, ad[2, 1, 3], a2[4, 1]);
    binop_rows!(rows, a1[3], ad[2, 4, 1]);

    // Operands by view and by reference.
    rows.push(Row::new(
        "mul view1[3] * &&a2[2, 3]",
        &[In(&[3], -1.5, 1.5), In(&[2, 3], -1.5, 1.5)],
        |x| pair(&(&x[0] * &x[1])),
        |x| {
            let (a, b) = (a1(&x[0]), a2(&x[1]));
            let (av, br) = (a.view(), &&b);
            let g = cot_like(&rt::mul(&av, &br));
            let (mut ab, mut bb) = (rt::zero_adj(&av), rt::zero_adj(&br));
            rt::acc(&mut ab, &rt::mul(&g.view(), &br));
            rt::acc(&mut bb, &&rt::mul(&&g, &av));
            vec![ab.to_dyn(), bb.to_dyn()]
        },
    ));

    // `acc` sum-back and the other adjoint and contribution types.
    acc_row(&mut rows, "f64 += f64", &[], &[], |a, g| {
        let mut ab = rt::zero_adj(&s(a));
        rt::acc(&mut ab, &s(g));
        ab.to_dyn()
    });
    acc_row(&mut rows, "f64 += a1", &[], &[3], |a, g| {
        let mut ab = rt::zero_adj(&s(a));
        rt::acc(&mut ab, &a1(g));
        ab.to_dyn()
    });
    acc_row(&mut rows, "f64 += view2", &[], &[2, 3], |a, g| {
        let mut ab = rt::zero_adj(&s(a));
        rt::acc(&mut ab, &a2(g).view());
        ab.to_dyn()
    });
    acc_row(&mut rows, "f64 += Vec", &[], &[7], |a, g| {
        let mut ab = rt::zero_adj(&s(a));
        rt::acc(&mut ab, &v(g));
        ab.to_dyn()
    });
    acc_row(&mut rows, "f64 += slice", &[], &[3], |a, g| {
        let mut ab = rt::zero_adj(&s(a));
        rt::acc(&mut ab, &v(g)[..]);
        ab.to_dyn()
    });
    acc_row(&mut rows, "f64 += [f64; 3]", &[], &[3], |a, g| {
        let mut ab = rt::zero_adj(&s(a));
        rt::acc(&mut ab, &fixed3(g));
        ab.to_dyn()
    });
    for (shape, out) in [
        (&[1][..], &[1][..]),
        (&[3], &[3]),
        (&[7], &[7]),
        (&[1], &[7]),
        (&[3], &[2, 3]),
        (&[1], &[4, 5]),
        (&[5], &[4, 5]),
        (&[3], &[2, 4, 3]),
    ] {
        acc_row(&mut rows, "a1 += ad", shape, out, |a, g| {
            let mut ab = rt::zero_adj(&a1(a));
            rt::acc(&mut ab, g);
            ab.to_dyn()
        });
    }
    for (shape, out) in [
        (&[2, 3][..], &[2, 3][..]),
        (&[4, 1], &[4, 1]),
        (&[1, 5], &[1, 5]),
        (&[4, 1], &[4, 5]),
        (&[1, 5], &[4, 5]),
        (&[1, 1], &[2, 3]),
        (&[2, 3], &[4, 2, 3]),
        (&[4, 1], &[2, 4, 3]),
    ] {
        acc_row(&mut rows, "a2 += ad", shape, out, |a, g| {
            let mut ab = rt::zero_adj(&a2(a));
            rt::acc(&mut ab, g);
            ab.to_dyn()
        });
    }
    acc_row(&mut rows, "a1 += a2", &[3], &[2, 3], |a, g| {
        let mut ab = rt::zero_adj(&a1(a));
        rt::acc(&mut ab, &a2(g));
        ab.to_dyn()
    });
    acc_row(
        &mut rows,
        "a2 += view2 keep-dims",
        &[4, 1],
        &[4, 5],
        |a, g| {
            let mut ab = rt::zero_adj(&a2(a).view());
            rt::acc(&mut ab, &a2(g).view());
            ab.to_dyn()
        },
    );
    acc_row(&mut rows, "ad += ad", &[2, 1, 3], &[2, 4, 3], |a, g| {
        let mut ab = rt::zero_adj(&ad(a));
        rt::acc(&mut ab, g);
        ab.to_dyn()
    });
    acc_row(&mut rows, "a1 += Vec", &[3], &[3], |a, g| {
        let mut ab = rt::zero_adj(&a1(a));
        rt::acc(&mut ab, &v(g));
        ab.to_dyn()
    });
    acc_row(&mut rows, "a1 += slice", &[7], &[7], |a, g| {
        let mut ab = rt::zero_adj(&a1(a));
        rt::acc(&mut ab, &v(g)[..]);
        ab.to_dyn()
    });
    acc_row(&mut rows, "a1 += [f64; 3]", &[3], &[3], |a, g| {
        let mut ab = rt::zero_adj(&a1(a));
        rt::acc(&mut ab, &fixed3(g));
        ab.to_dyn()
    });
    acc_row(&mut rows, "Vec += Vec", &[3], &[3], |a, g| {
        let mut ab = rt::zero_adj(&v(a));
        rt::acc(&mut ab, &v(g));
        ab.to_dyn()
    });
    acc_row(&mut rows, "Vec (of slice) += slice", &[7], &[7], |a, g| {
        let mut ab = rt::zero_adj(&v(a)[..]);
        rt::acc(&mut ab, &v(g)[..]);
        ab.to_dyn()
    });
    acc_row(&mut rows, "Vec += [f64; 3]", &[3], &[3], |a, g| {
        let mut ab = rt::zero_adj(&v(a));
        rt::acc(&mut ab, &fixed3(g));
        ab.to_dyn()
    });
    acc_row(&mut rows, "Vec += a1", &[1], &[1], |a, g| {
        let mut ab = rt::zero_adj(&v(a));
        rt::acc(&mut ab, &a1(g));
        ab.to_dyn()
    });
    acc_row(&mut rows, "Vec += &view1", &[7], &[7], |a, g| {
        let mut ab = rt::zero_adj(&v(a));
        let g = a1(g);
        rt::acc(&mut ab, &&g.view());
        ab.to_dyn()
    });
    acc_row(&mut rows, "Vec += a2 (sum-back)", &[3], &[2, 3], |a, g| {
        let mut ab = rt::zero_adj(&v(a));
        rt::acc(&mut ab, &a2(g));
        ab.to_dyn()
    });
    acc_row(&mut rows, "slice adjoint += a1", &[3], &[3], |a, g| {
        let mut ab = rt::zero_adj(&v(a));
        rt::acc(&mut ab[..], &a1(g));
        ab.to_dyn()
    });
    acc_row(&mut rows, "[f64; 3] += [f64; 3]", &[3], &[3], |a, g| {
        let mut ab = rt::zero_adj(&fixed3(a));
        rt::acc(&mut ab, &fixed3(g));
        ab.to_dyn()
    });
    acc_row(&mut rows, "[f64; 3] += a1", &[3], &[3], |a, g| {
        let mut ab = rt::zero_adj(&fixed3(a));
        rt::acc(&mut ab, &a1(g));
        ab.to_dyn()
    });
    acc_row(&mut rows, "[f64; 3] += view1", &[3], &[3], |a, g| {
        let mut ab = rt::zero_adj(&fixed3(a));
        rt::acc(&mut ab, &a1(g).view());
        ab.to_dyn()
    });
    acc_row(&mut rows, "[f64; 3] += Vec", &[3], &[3], |a, g| {
        let mut ab = rt::zero_adj(&fixed3(a));
        rt::acc(&mut ab, &v(g));
        ab.to_dyn()
    });
    acc_row(&mut rows, "[f64; 3] += slice", &[3], &[3], |a, g| {
        let mut ab = rt::zero_adj(&fixed3(a));
        rt::acc(&mut ab, &v(g)[..]);
        ab.to_dyn()
    });
    acc_scalar_row(&mut rows, "a1", &[3], |a, c| {
        let mut ab = rt::zero_adj(&a1(a));
        rt::acc(&mut ab, &c);
        ab.to_dyn()
    });
    acc_scalar_row(&mut rows, "a2", &[2, 3], |a, c| {
        let mut ab = rt::zero_adj(&a2(a));
        rt::acc(&mut ab, &c);
        ab.to_dyn()
    });
    acc_scalar_row(&mut rows, "Vec", &[7], |a, c| {
        let mut ab = rt::zero_adj(&v(a));
        rt::acc(&mut ab, &c);
        ab.to_dyn()
    });
    acc_scalar_row(&mut rows, "[f64; 3]", &[3], |a, c| {
        let mut ab = rt::zero_adj(&fixed3(a));
        rt::acc(&mut ab, &c);
        ab.to_dyn()
    });

    // An adjoint created by its first contribution: the same as zero, then `acc`.
    for (shape, out) in [(&[3][..], &[3][..]), (&[1], &[7]), (&[3], &[2, 3])] {
        acc_row(
            &mut rows,
            "first_adj a1 from owned ad",
            shape,
            out,
            |a, g| rt::first_adj(&a1(a), g.clone()).to_dyn(),
        );
        acc_row(&mut rows, "first_adj &a1 from &ad", shape, out, |a, g| {
            rt::first_adj(&&a1(a), g).to_dyn()
        });
    }
    acc_row(
        &mut rows,
        "first_adj view2 from owned a2",
        &[2, 3],
        &[2, 3],
        |a, g| rt::first_adj(&a2(a).view(), a2(g)).to_dyn(),
    );
    acc_row(
        &mut rows,
        "first_adj a2 keep-dims",
        &[4, 1],
        &[4, 5],
        |a, g| rt::first_adj(&a2(a), a2(g)).to_dyn(),
    );
    acc_row(
        &mut rows,
        "first_adj f64 from owned a1",
        &[],
        &[3],
        |a, g| arr0(rt::first_adj(&s(a), a1(g))).into_dyn(),
    );
    acc_row(&mut rows, "first_adj Vec from a1", &[3], &[3], |a, g| {
        rt::first_adj(&v(a), a1(g)).to_dyn()
    });
    acc_row(
        &mut rows,
        "first_adj slice from &Vec",
        &[7],
        &[7],
        |a, g| rt::first_adj(&v(a)[..], &v(g)).to_dyn(),
    );
    acc_row(
        &mut rows,
        "first_adj [f64; 3] from a1",
        &[3],
        &[3],
        |a, g| rt::first_adj(&fixed3(a), a1(g)).to_dyn(),
    );
    acc_scalar_row(&mut rows, "first_adj a2", &[2, 3], |a, c| {
        rt::first_adj(&a2(a), c).to_dyn()
    });
    acc_scalar_row(&mut rows, "first_adj a1 from &f64", &[3], |a, c| {
        rt::first_adj(&a1(a), &c).to_dyn()
    });
    acc_scalar_row(&mut rows, "strided a1 adjoint", &[5], |a, c| {
        // Every other element of a longer array: not contiguous.
        let mut long = Array1::zeros(10);
        let mut ab = long.slice_mut(ndarray::s![..;2]);
        ab.assign(&rt::zero_adj(&a1(a)));
        rt::acc(&mut ab, &c);
        ab.to_owned().to_dyn()
    });

    // Reductions.
    reduction_rows!(rows, a1[1]);
    reduction_rows!(rows, a1[3]);
    reduction_rows!(rows, a1[7]);
    reduction_rows!(rows, a2[2, 3]);
    reduction_rows!(rows, a2[4, 1]);
    reduction_rows!(rows, a2[1, 5]);
    reduction_rows!(rows, ad[2, 1, 3]);
    rows.push(Row::new(
        "mean_da &view1[3]",
        &[In(&[3], -1.5, 1.5)],
        |x| 0.5 * x[0].mean().unwrap(),
        |x| vec![rt::mean_da(&a1(&x[0]).view(), 0.5).to_dyn()],
    ));
    rows.push(Row::new(
        "var_da &&a2[2, 3]",
        &[In(&[2, 3], -1.5, 1.5)],
        |x| 0.5 * x[0].var(1.0),
        |x| vec![rt::var_da(&&a2(&x[0]), 1.0, 0.5).to_dyn()],
    ));

    // Dot products.
    dot_row!(rows, a1[1], a1[1]);
    dot_row!(rows, a1[3], a1[3]);
    dot_row!(rows, a1[7], a1[7]);
    dot_row!(rows, a2[2, 3], a1[3]);
    dot_row!(rows, a2[4, 1], a1[1]);
    dot_row!(rows, a2[1, 5], a1[5]);
    dot_row!(rows, a1[2], a2[2, 3]);
    dot_row!(rows, a1[4], a2[4, 1]);
    dot_row!(rows, a1[1], a2[1, 5]);
    dot_row!(rows, a2[2, 3], a2[3, 4]);
    dot_row!(rows, a2[4, 1], a2[1, 5]);
    dot_row!(rows, a2[1, 5], a2[5, 1]);
    rows.push(Row::new(
        "dot_da/dot_db view2[2, 3] . &view1[3]",
        &[In(&[2, 3], -1.5, 1.5), In(&[3], -1.5, 1.5)],
        |x| pair(&a2(&x[0]).dot(&a1(&x[1])).into_dyn()),
        |x| {
            let (a, b) = (a2(&x[0]), a1(&x[1]));
            let (av, bv): (ArrayView2<f64>, ArrayView1<f64>) = (a.view(), b.view());
            let g = cot_like(&av.dot(&bv));
            vec![
                rt::dot_da(&g.view(), &&bv).to_dyn(),
                rt::dot_db(&av, &&g).to_dyn(),
            ]
        },
    ));

    // Columns and rows of a 2×3 matrix (and a 4×1 and 1×5 one).
    for (shape, j) in [
        ([2usize, 3usize], 0usize),
        ([2, 3], 2),
        ([4, 1], 0),
        ([1, 5], 4),
    ] {
        let shape: &'static [usize] = Box::leak(Box::new(shape));
        rows.push(Row::new(
            format!("column_acc {shape:?} j={j}"),
            &[In(shape, -1.5, 1.5)],
            move |x| pair(&a2(&x[0]).column(j).to_owned().into_dyn()),
            move |x| {
                let m = a2(&x[0]);
                let g = cot_like(&m.column(j).to_owned());
                let mut mb = rt::zero_adj(&m);
                rt::column_acc(&mut mb, j, &g);
                vec![mb.to_dyn()]
            },
        ));
        rows.push(Row::new(
            format!("column_acc Vec and slice {shape:?} j={j}"),
            &[In(shape, -1.5, 1.5)],
            move |x| 2.0 * pair(&a2(&x[0]).column(j).to_owned().into_dyn()),
            move |x| {
                let m = a2(&x[0]);
                let g = v(&cot_like(&m.column(j).to_owned()).into_dyn());
                let mut mb = rt::zero_adj(&m);
                rt::column_acc(&mut mb, j, &g);
                rt::column_acc(&mut mb, j, &g[..]);
                vec![mb.to_dyn()]
            },
        ));
        rows.push(Row::new(
            format!("column_acc f64 {shape:?} j={j}"),
            &[In(shape, -1.5, 1.5)],
            move |x| 0.5 * a2(&x[0]).column(j).sum(),
            move |x| {
                let m = a2(&x[0]);
                let mut mb = rt::zero_adj(&m);
                rt::column_acc(&mut mb, j, &0.5);
                vec![mb.to_dyn()]
            },
        ));
        let i = shape[0] - 1;
        rows.push(Row::new(
            format!("row_acc {shape:?} i={i}"),
            &[In(shape, -1.5, 1.5)],
            move |x| pair(&a2(&x[0]).row(i).to_owned().into_dyn()),
            move |x| {
                let m = a2(&x[0]);
                let g = cot_like(&m.row(i).to_owned());
                let mut mb = rt::zero_adj(&m.view());
                rt::row_acc(&mut mb, i, &g.view());
                vec![mb.to_dyn()]
            },
        ));
        rows.push(Row::new(
            format!("row_acc f64 and Vec {shape:?} i={i}"),
            &[In(shape, -1.5, 1.5)],
            move |x| 0.5 * a2(&x[0]).row(i).sum() + pair(&a2(&x[0]).row(i).to_owned().into_dyn()),
            move |x| {
                let m = a2(&x[0]);
                let g = v(&cot_like(&m.row(i).to_owned()).into_dyn());
                let mut mb = rt::zero_adj(&m);
                rt::row_acc(&mut mb, i, &0.5);
                rt::row_acc(&mut mb, i, &g);
                vec![mb.to_dyn()]
            },
        ));
    }

    // mapv and the derivative table.
    mapv_rows!(
        rows,
        sin[-2.0, 2.0],
        cos[-2.0, 2.0],
        tan[-1.2, 1.2],
        asin[-0.9, 0.9],
        acos[-0.9, 0.9],
        atan[-2.0, 2.0],
        sinh[-2.0, 2.0],
        cosh[-2.0, 2.0],
        tanh[-2.0, 2.0],
        asinh[-2.0, 2.0],
        acosh[1.1, 3.0],
        atanh[-0.9, 0.9],
        exp[-2.0, 2.0],
        exp2[-2.0, 2.0],
        exp_m1[-2.0, 2.0],
        ln[0.2, 3.0],
        ln_1p[-0.8, 2.0],
        log2[0.2, 3.0],
        log10[0.2, 3.0],
        sqrt[0.2, 3.0],
        cbrt[0.2, 3.0],
        abs[0.2, 2.0],
        signum[0.2, 2.0],
        recip[0.3, 3.0],
        to_degrees[-2.0, 2.0],
        to_radians[-2.0, 2.0],
    );
    mapv_rows!(rows, cbrt[-3.0, -0.2], abs[-2.0, -0.2], signum[-2.0, -0.2], recip[-3.0, -0.3]);

    rows
}

#[test]
fn every_rule_matches_central_differences() {
    let rows = all_rows();
    // A rule that panics (e.g. on a wrong shape) is reported as its row's failure.
    let errors: Vec<String> = rows
        .iter()
        .flat_map(|row| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| row.check()))
                .unwrap_or_else(|_| vec![format!("{}: panicked", row.name)])
        })
        .collect();
    assert!(
        errors.is_empty(),
        "{} mismatches in {} rows:\n{}",
        errors.len(),
        rows.len(),
        errors.join("\n")
    );
}

/// The checker itself rejects a wrong rule (here `var_da` with `n` in place of `n − ddof`).
#[test]
fn the_checker_catches_a_wrong_formula() {
    let wrong = Row::new(
        "wrong var_da",
        &[In(&[3], -1.5, 1.5)],
        |x| x[0].var(1.0),
        |x| {
            let a = a1(&x[0]);
            vec![(rt::var_da(&a, 0.0, 1.0) * (2.0 / 3.0)).into_dyn()]
        },
    );
    assert_eq!(wrong.check().len(), 3);
    let wrong_shape = Row::new(
        "wrong shape",
        &[In(&[1, 5], -1.5, 1.5)],
        |x| pair(&x[0].broadcast(IxDyn(&[4, 5])).unwrap().to_owned()),
        |_| vec![ArrayD::zeros(IxDyn(&[5]))],
    );
    assert!(wrong_shape.check()[0].contains("shape"));
}

// ---------------------------------------------------------------------------------------------
// Inference: the macro writes these calls with no annotations
// ---------------------------------------------------------------------------------------------

#[test]
fn acc_infers_from_the_arguments() {
    // f64 += f64.
    let mut adj = 0.0;
    let g = 2.0;
    rt::acc(&mut adj, &g);
    rt::acc(&mut adj, &1.5);
    assert_eq!(adj.sqrt(), 3.5_f64.sqrt());
    // A `{float}` adjoint with array contributions.
    let mut adj = 0.0;
    let x = array![1.0, 2.0];
    rt::acc(&mut adj, &x);
    rt::acc(&mut adj, &rt::mul(&x, &2.0));
    assert_eq!(adj.sqrt(), 3.0);

    // Array1 += Array1, += f64 (typed and literal), += a broadcast Array2.
    let x = array![1.0, 2.0, 3.0];
    let mut adj = rt::zero_adj(&x);
    let g = array![0.5, 0.25, 0.125];
    rt::acc(&mut adj, &g);
    let s = 1.0;
    rt::acc(&mut adj, &s);
    rt::acc(&mut adj, &2.0);
    rt::acc(&mut adj, &array![[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]);
    assert_eq!(adj, array![6.5, 6.25, 6.125]);

    // An adjoint whose element type comes only from the impl.
    let mut adj = Array1::zeros(3);
    rt::acc(&mut adj, &g);
    assert_eq!(adj.sum(), 0.875);

    // Vec and fixed-array adjoints, references of contributions.
    let mut vb = rt::zero_adj(&[1.0, 2.0][..]);
    rt::acc(&mut vb, &&[1.0, 2.0]);
    rt::acc(&mut vb, &1.0);
    assert_eq!(vb, vec![2.0, 3.0]);
    let mut fb = rt::zero_adj(&[1.0, 2.0]);
    rt::acc(&mut fb, &array![1.0, 2.0].view());
    assert_eq!(fb, [1.0, 2.0]);
}

#[test]
fn zero_adj_through_references_and_views() {
    let v = vec![1.0, 2.0];
    let slice: &[f64] = &v;
    let x = array![1.0, 2.0, 3.0];
    let r = &x;
    let m = Array2::<f64>::ones((2, 3));
    let mv = m.view();
    assert_eq!(rt::zero_adj(&slice), vec![0.0, 0.0]);
    assert_eq!(rt::zero_adj(&r).len(), 3);
    assert_eq!(rt::zero_adj(&&r).len(), 3);
    assert_eq!(rt::zero_adj(&mv).dim(), (2, 3));
    assert_eq!(rt::zero_adj(&v).len(), 2);
    assert_eq!(rt::zero_adj(&1.0).abs(), 0.0);
}

#[test]
fn elementwise_ops_infer_and_agree_with_ndarray() {
    let y = rt::mul(&2.0_f64, &3.0_f64);
    assert_eq!(y.sqrt(), 6.0_f64.sqrt());
    let y = rt::mul(&2.0, &3.0);
    assert_eq!(y.sqrt(), 6.0_f64.sqrt());
    assert_eq!(rt::neg(&2.0).abs(), 2.0);

    let g = array![1.0, 2.0, 3.0];
    let x = array![4.0, 5.0, 6.0];
    let xv = x.view();
    let xr = &x;
    assert_eq!(rt::mul(&g, &xv).len(), 3);
    assert_eq!(rt::mul(&g, &xr).len(), 3);
    assert_eq!(rt::mul(&g, &2.0).len(), 3);
    assert_eq!(rt::mul(&2.0, &g).len(), 3);
    assert_eq!(rt::mul(&g, &xv), &g * &x);
    assert_eq!(rt::div(&g, &xr), &g / &x);
    assert_eq!(rt::add(&g, &1.0), &g + 1.0);
    assert_eq!(rt::sub(&1.0, &g), 1.0 - &g);
    assert_eq!(rt::neg(&xv), -&x);

    let m = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
    let p = rt::mul(&g, &m);
    assert_eq!(p.dim(), (2, 3));
    assert_eq!(p, &g * &m);
    let col = array![[1.0], [2.0]];
    assert_eq!(rt::add(&col, &g), &col + &g);
}

#[test]
fn pullbacks_infer_their_result_types() {
    let a = array![1.0, 2.0, 3.0];
    let m = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
    assert_eq!(rt::mean_da(&a, 3.0).len(), 3);
    assert_eq!(rt::sum_da(&m.view(), 1.0).dim(), (2, 3));
    assert_eq!(rt::dot_da(&1.0, &a).len(), 3);
    let g = array![1.0, 1.0];
    assert_eq!(rt::dot_da(&g, &a).dim(), (2, 3));
    assert_eq!(rt::dot_db(&m, &g).len(), 3);
    assert_eq!(rt::mapv_da(&a, deriv::exp, &1.0).len(), 3);
    let mut mb = rt::zero_adj(&m);
    rt::column_acc(&mut mb, 1, &g);
    rt::row_acc(&mut mb, 0, &a.view());
    assert_eq!(mb, array![[1.0, 3.0, 3.0], [0.0, 1.0, 0.0]]);
    // The documented non-differentiable points.
    assert_eq!(deriv::abs(0.0), 0.0);
    assert_eq!(deriv::signum(0.0), 0.0);
    // std at equal elements: a kink like |x| at 0, gradient 0 (not 0/0, which would spread NaN
    // into the rest of a gradient).
    assert_eq!(
        rt::std_da(&array![2.0, 2.0], 0.0, 0.0, 1.0),
        array![0.0, 0.0]
    );
    assert_eq!(rt::std_da(&array![2.0], 0.0, 0.0, 1.0), array![0.0]);
}

#[test]
fn first_adj_moves_an_owned_contribution_of_the_right_shape() {
    let x = array![1.0, 2.0, 3.0];
    let c = array![4.0, 5.0, 6.0];
    let data = c.as_ptr();
    let adj = rt::first_adj(&x.view(), c);
    assert_eq!(adj.as_ptr(), data, "moved, not copied");
    assert_eq!(adj, array![4.0, 5.0, 6.0]);
    // A contribution of another shape is summed back into a new array.
    let adj = rt::first_adj(&x, array![[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]]);
    assert_eq!(adj, array![11.0, 22.0, 33.0]);
}

/// `sum_prod` against the plain sum of products, for each memory layout it handles separately:
/// contiguous (lengths around its eight partial sums), strided 1-D, any other layout, and
/// broadcasting shapes.
#[test]
fn sum_prod_agrees_with_the_sum_of_products() {
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-13 * b.abs().max(1.0);
    for n in [0, 1, 7, 8, 9, 16, 23, 1000] {
        let a = Array1::from_shape_fn(n, |i| (i as f64 * 0.37).sin());
        let b = Array1::from_shape_fn(n, |i| 1.0 + (i as f64 * 0.11).cos());
        let want: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!(close(rt::sum_prod(&a, &b), want), "contiguous, n = {n}");
        // Columns of row-major matrices: stride 2.
        let m = ndarray::stack(ndarray::Axis(1), &[a.view(), b.view()]).unwrap();
        assert!(
            close(rt::sum_prod(&m.column(0), &m.column(1)), want),
            "strided, n = {n}"
        );
        assert!(
            close(rt::sum_prod(&a, &m.column(1)), want),
            "mixed, n = {n}"
        );
    }
    let m = Array2::from_shape_fn((5, 3), |(i, j)| (i * 3 + j) as f64 * 0.5 - 2.0);
    let t = m.t();
    let u = Array2::from_shape_fn((3, 5), |(i, j)| 1.0 / (1.0 + (i + j) as f64));
    let want: f64 = t.iter().zip(&u).map(|(x, y)| x * y).sum();
    assert!(close(rt::sum_prod(&t, &u), want), "transposed");
    let row = array![1.0, -2.0, 0.5];
    let want: f64 = (&u.t() * &row).sum();
    assert!(close(rt::sum_prod(&u.t(), &row), want), "broadcast");
    assert!(close(rt::sum_prod(&m, &2.0), 2.0 * m.sum()), "scalar");
}

/// `Mᵀ g` for `M.dot(&w)`'s adjoint, by blocks of eight rows with a remainder, against
/// ndarray's own transpose product, for row-major, transposed and empty matrices.
#[test]
fn dot_db_of_a_matrix_times_a_vector_agrees_with_the_transpose_product() {
    for (rows, cols) in [
        (19, 5),
        (8, 3),
        (16, 1),
        (7, 4),
        (1, 9),
        (0, 3),
        (3, 0),
        (40, 33),
    ] {
        let m = Array2::from_shape_fn((rows, cols), |(i, j)| ((i * 7 + j * 3) % 11) as f64 - 4.5);
        let g = Array1::from_shape_fn(rows, |i| 0.25 + (i as f64 * 0.7).sin());
        let want = m.t().dot(&g);
        let got = rt::dot_db(&m.view(), &g);
        assert_eq!(got.len(), cols);
        for (a, b) in got.iter().zip(&want) {
            assert!(
                (a - b).abs() <= 1e-12 * b.abs().max(1.0),
                "{rows}×{cols}: {got} vs {want}"
            );
        }
        // Not row-major: the transpose of a row-major matrix.
        let mt = m.t().to_owned();
        let got_t = rt::dot_db(&mt.t(), &g);
        assert!(
            got_t
                .iter()
                .zip(&want)
                .all(|(a, b)| (a - b).abs() <= 1e-12 * b.abs().max(1.0))
        );
    }
}

/// Given the operand's mean, the `var`/`std` pullbacks give exactly what they give when they
/// compute it (ndarray's `mean()` is `sum() / n`), bit for bit (NaN too, for one element).
#[test]
fn centred_pullbacks_are_the_shifted_ones_given_the_mean() {
    let bits = |a: Array1<f64>| a.iter().map(|v| v.to_bits()).collect::<Vec<u64>>();
    for n in [1usize, 7, 1000] {
        let x = Array1::from_shape_fn(n, |i| (i as f64 * 0.71).cos() + 0.3);
        let m = x.mean().unwrap();
        let s = x.std(0.0);
        assert_eq!(
            bits(rt::std_da_centred(&x, m, 0.0, s, 0.7, -0.2)),
            bits(rt::std_da_shifted(&x, 0.0, s, 0.7, -0.2)),
            "std, n = {n}"
        );
        assert_eq!(
            bits(rt::var_da_centred(&x.view(), m, 0.0, 1.3, 0.5)),
            bits(rt::var_da_shifted(&x.view(), 0.0, 1.3, 0.5)),
            "var, n = {n}"
        );
    }
}
