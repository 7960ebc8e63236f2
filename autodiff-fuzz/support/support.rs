//! Support code copied into every generated crate: forward-mode dual numbers (the reference),
//! a dual array type for whole-array expressions, gradient flattening and the comparison logic.
//! Not compiled as part of autodiff-fuzz itself.
#![allow(dead_code, clippy::all)]

use autodiff_runtime::ndarray::{Array1, Array2};
use std::cmp::Ordering;
use std::io::Write;
use std::ops::*;

/// A dual number: value `v`, tangent `d`, and `m`, an upper bound of the sum of the absolute
/// values of the terms that make up `d` (the conditioning of the derivative: rounding errors of
/// any evaluation order are a small multiple of `m`, not of `|d|`).
#[derive(Clone, Copy, Debug, Default)]
pub struct D {
    pub v: f64,
    pub d: f64,
    pub m: f64,
}

impl D {
    pub fn c(v: f64) -> D {
        D { v, d: 0.0, m: 0.0 }
    }
    pub fn seed(v: f64, on: bool) -> D {
        if on { D { v, d: 1.0, m: 1.0 } } else { D::c(v) }
    }
    fn un(self, v: f64, df: f64) -> D {
        D { v, d: df * self.d, m: df.abs() * self.m }
    }
    fn bin(a: D, b: D, v: f64, da: f64, db: f64) -> D {
        // A zero partial contributes nothing, even when the other factor is infinite.
        let (ta, ma) = if da == 0.0 || (a.d == 0.0 && a.m == 0.0) { (0.0, 0.0) } else { (da * a.d, da.abs() * a.m) };
        let (tb, mb) = if db == 0.0 || (b.d == 0.0 && b.m == 0.0) { (0.0, 0.0) } else { (db * b.d, db.abs() * b.m) };
        D { v, d: ta + tb, m: ma + mb }
    }
    pub fn sin(self) -> D { self.un(self.v.sin(), self.v.cos()) }
    pub fn cos(self) -> D { self.un(self.v.cos(), -self.v.sin()) }
    pub fn tan(self) -> D { let t = self.v.tan(); self.un(t, 1.0 + t * t) }
    pub fn asin(self) -> D { self.un(self.v.asin(), 1.0 / (1.0 - self.v * self.v).sqrt()) }
    pub fn acos(self) -> D { self.un(self.v.acos(), -1.0 / (1.0 - self.v * self.v).sqrt()) }
    pub fn atan(self) -> D { self.un(self.v.atan(), 1.0 / (1.0 + self.v * self.v)) }
    pub fn atan2(self, x: D) -> D {
        let r = self.v * self.v + x.v * x.v;
        let (dy, dx) = if r == 0.0 { (0.0, 0.0) } else { (x.v / r, -self.v / r) };
        D::bin(self, x, self.v.atan2(x.v), dy, dx)
    }
    pub fn sinh(self) -> D { self.un(self.v.sinh(), self.v.cosh()) }
    pub fn cosh(self) -> D { self.un(self.v.cosh(), self.v.sinh()) }
    pub fn tanh(self) -> D { let t = self.v.tanh(); self.un(t, 1.0 - t * t) }
    pub fn asinh(self) -> D { self.un(self.v.asinh(), 1.0 / (self.v * self.v + 1.0).sqrt()) }
    pub fn acosh(self) -> D { self.un(self.v.acosh(), 1.0 / (self.v * self.v - 1.0).sqrt()) }
    pub fn atanh(self) -> D { self.un(self.v.atanh(), 1.0 / (1.0 - self.v * self.v)) }
    pub fn exp(self) -> D { let e = self.v.exp(); self.un(e, e) }
    pub fn exp2(self) -> D { let e = self.v.exp2(); self.un(e, e * std::f64::consts::LN_2) }
    pub fn exp_m1(self) -> D { self.un(self.v.exp_m1(), self.v.exp()) }
    pub fn ln(self) -> D { self.un(self.v.ln(), 1.0 / self.v) }
    pub fn ln_1p(self) -> D { self.un(self.v.ln_1p(), 1.0 / (1.0 + self.v)) }
    pub fn log(self, b: D) -> D {
        let lb = b.v.ln();
        let lx = self.v.ln();
        D::bin(self, b, self.v.log(b.v), 1.0 / (self.v * lb), -lx / (b.v * lb * lb))
    }
    pub fn log2(self) -> D { self.un(self.v.log2(), 1.0 / (self.v * std::f64::consts::LN_2)) }
    pub fn log10(self) -> D { self.un(self.v.log10(), 1.0 / (self.v * std::f64::consts::LN_10)) }
    pub fn sqrt(self) -> D { let s = self.v.sqrt(); self.un(s, 0.5 / s) }
    pub fn cbrt(self) -> D { let c = self.v.cbrt(); self.un(c, 1.0 / (3.0 * c * c)) }
    pub fn powi(self, n: i32) -> D {
        let df = if n == 0 { 0.0 } else { n as f64 * self.v.powi(n - 1) };
        self.un(self.v.powi(n), df)
    }
    pub fn powf(self, y: D) -> D {
        let v = self.v.powf(y.v);
        let dx = if y.v == 0.0 { 0.0 } else { y.v * self.v.powf(y.v - 1.0) };
        let dy = if self.v == 0.0 { 0.0 } else { v * self.v.ln() };
        D::bin(self, y, v, dx, dy)
    }
    pub fn abs(self) -> D {
        let s = if self.v > 0.0 { 1.0 } else if self.v < 0.0 { -1.0 } else { 0.0 };
        self.un(self.v.abs(), s)
    }
    pub fn signum(self) -> D { D::c(self.v.signum()) }
    pub fn max(self, o: D) -> D {
        let v = self.v.max(o.v);
        if self.v >= o.v || o.v.is_nan() { D { v, ..self } } else { D { v, ..o } }
    }
    pub fn min(self, o: D) -> D {
        let v = self.v.min(o.v);
        if self.v <= o.v || o.v.is_nan() { D { v, ..self } } else { D { v, ..o } }
    }
    pub fn clamp(self, lo: D, hi: D) -> D {
        let v = self.v.clamp(lo.v, hi.v);
        if self.v < lo.v { D { v, ..lo } } else if self.v > hi.v { D { v, ..hi } } else { D { v, ..self } }
    }
    pub fn hypot(self, o: D) -> D {
        let h = self.v.hypot(o.v);
        let (da, db) = if h == 0.0 { (0.0, 0.0) } else { (self.v / h, o.v / h) };
        D::bin(self, o, h, da, db)
    }
    pub fn mul_add(self, a: D, b: D) -> D {
        let p = D::bin(self, a, 0.0, a.v, self.v);
        D { v: self.v.mul_add(a.v, b.v), d: p.d + b.d, m: p.m + b.m }
    }
    pub fn recip(self) -> D { self.un(self.v.recip(), -1.0 / (self.v * self.v)) }
    pub fn to_degrees(self) -> D { self.un(self.v.to_degrees(), 180.0 / std::f64::consts::PI) }
    pub fn to_radians(self) -> D { self.un(self.v.to_radians(), std::f64::consts::PI / 180.0) }
}

impl Add for D { type Output = D; fn add(self, o: D) -> D { D::bin(self, o, self.v + o.v, 1.0, 1.0) } }
impl Sub for D { type Output = D; fn sub(self, o: D) -> D { D::bin(self, o, self.v - o.v, 1.0, -1.0) } }
impl Mul for D { type Output = D; fn mul(self, o: D) -> D { D::bin(self, o, self.v * o.v, o.v, self.v) } }
impl Div for D {
    type Output = D;
    fn div(self, o: D) -> D { D::bin(self, o, self.v / o.v, 1.0 / o.v, -self.v / (o.v * o.v)) }
}
impl Rem for D {
    type Output = D;
    fn rem(self, o: D) -> D { D::bin(self, o, self.v % o.v, 1.0, -(self.v / o.v).trunc()) }
}
impl Neg for D { type Output = D; fn neg(self) -> D { D { v: -self.v, d: -self.d, m: self.m } } }
impl AddAssign for D { fn add_assign(&mut self, o: D) { *self = *self + o; } }
impl SubAssign for D { fn sub_assign(&mut self, o: D) { *self = *self - o; } }
impl MulAssign for D { fn mul_assign(&mut self, o: D) { *self = *self * o; } }
impl DivAssign for D { fn div_assign(&mut self, o: D) { *self = *self / o; } }
impl RemAssign for D { fn rem_assign(&mut self, o: D) { *self = *self % o; } }
// f64's `Sum` folds from -0.0 and its `Product` from 1.0, left to right: the same here.
impl std::iter::Sum for D { fn sum<I: Iterator<Item = D>>(it: I) -> D { it.fold(D::c(-0.0), |a, b| a + b) } }
impl<'a> std::iter::Sum<&'a D> for D { fn sum<I: Iterator<Item = &'a D>>(it: I) -> D { it.fold(D::c(-0.0), |a, b| a + *b) } }
impl std::iter::Product for D { fn product<I: Iterator<Item = D>>(it: I) -> D { it.fold(D::c(1.0), |a, b| a * b) } }
impl<'a> std::iter::Product<&'a D> for D { fn product<I: Iterator<Item = &'a D>>(it: I) -> D { it.fold(D::c(1.0), |a, b| a * *b) } }
impl PartialEq for D { fn eq(&self, o: &D) -> bool { self.v == o.v } }
impl PartialOrd for D { fn partial_cmp(&self, o: &D) -> Option<Ordering> { self.v.partial_cmp(&o.v) } }

// ----- dual arrays: one type for 1-D and 2-D, row-major, with ndarray's broadcasting -----

#[derive(Clone, Debug)]
pub struct A {
    pub shape: Vec<usize>,
    pub v: Vec<D>,
}

#[derive(Clone, Copy)]
pub enum Op { Add, Sub, Mul, Div }

fn op(o: Op, a: D, b: D) -> D {
    match o { Op::Add => a + b, Op::Sub => a - b, Op::Mul => a * b, Op::Div => a / b }
}

impl A {
    pub fn v1(x: &[D]) -> A { A { shape: vec![x.len()], v: x.to_vec() } }
    pub fn mat(v: Vec<D>, r: usize, c: usize) -> A { assert_eq!(v.len(), r * c); A { shape: vec![r, c], v } }
    pub fn zeros(r: usize, c: usize) -> A { A { shape: vec![r, c], v: vec![D::c(0.0); r * c] } }
    pub fn nrows(&self) -> usize { self.shape[0] }
    pub fn ncols(&self) -> usize { self.shape[1] }
    pub fn len(&self) -> usize { self.v.len() }
    pub fn shape(&self) -> &[usize] { &self.shape }
    pub fn iter(&self) -> std::slice::Iter<'_, D> { self.v.iter() }
    fn at(&self, idx: &[usize]) -> D {
        // broadcasting: a 1-D operand against a 2-D one runs along the last axis
        if self.shape.len() == 1 { self.v[idx[idx.len() - 1]] } else { self.v[idx[0] * self.shape[1] + idx[1]] }
    }
    pub fn bin(a: &A, b: &A, o: Op) -> A {
        let shape = if a.shape.len() >= b.shape.len() { a.shape.clone() } else { b.shape.clone() };
        let last = shape[shape.len() - 1];
        assert_eq!(a.shape[a.shape.len() - 1], last, "broadcast");
        assert_eq!(b.shape[b.shape.len() - 1], last, "broadcast");
        let n: usize = shape.iter().product();
        let v = (0..n)
            .map(|k| {
                let idx: Vec<usize> = if shape.len() == 1 { vec![k] } else { vec![k / shape[1], k % shape[1]] };
                op(o, a.at(&idx), b.at(&idx))
            })
            .collect();
        A { shape, v }
    }
    pub fn bins(a: &A, s: D, o: Op, scalar_left: bool) -> A {
        let v = a.v.iter().map(|&x| if scalar_left { op(o, s, x) } else { op(o, x, s) }).collect();
        A { shape: a.shape.clone(), v }
    }
    pub fn neg(a: &A) -> A { A { shape: a.shape.clone(), v: a.v.iter().map(|&x| -x).collect() } }
    pub fn mapv(&self, f: fn(D) -> D) -> A { A { shape: self.shape.clone(), v: self.v.iter().map(|&x| f(x)).collect() } }
    pub fn sum(&self) -> D { self.v.iter().fold(D::c(0.0), |s, &x| s + x) }
    pub fn mean(&self) -> D { self.sum() / D::c(self.v.len() as f64) }
    pub fn var(&self, ddof: f64) -> D {
        let m = self.mean();
        let s = self.v.iter().fold(D::c(0.0), |s, &x| s + (x - m) * (x - m));
        s / D::c(self.v.len() as f64 - ddof)
    }
    pub fn std(&self, ddof: f64) -> D { self.var(ddof).sqrt() }
    pub fn column(&self, j: usize) -> A { A { shape: vec![self.shape[0]], v: (0..self.shape[0]).map(|i| self[[i, j]]).collect() } }
    pub fn row(&self, i: usize) -> A { A { shape: vec![self.shape[1]], v: (0..self.shape[1]).map(|j| self[[i, j]]).collect() } }
    pub fn dot_s(a: &A, b: &A) -> D {
        assert_eq!(a.v.len(), b.v.len());
        a.v.iter().zip(&b.v).fold(D::c(0.0), |s, (&x, &y)| s + x * y)
    }
    pub fn dot(a: &A, b: &A) -> A {
        match (a.shape.len(), b.shape.len()) {
            (2, 1) => A { shape: vec![a.shape[0]], v: (0..a.shape[0]).map(|i| A::dot_s(&a.row(i), b)).collect() },
            (1, 2) => A { shape: vec![b.shape[1]], v: (0..b.shape[1]).map(|j| A::dot_s(a, &b.column(j))).collect() },
            (2, 2) => {
                let (r, c) = (a.shape[0], b.shape[1]);
                let mut v = Vec::with_capacity(r * c);
                for i in 0..r {
                    for j in 0..c {
                        v.push(A::dot_s(&a.row(i), &b.column(j)));
                    }
                }
                A { shape: vec![r, c], v }
            }
            _ => panic!("dot shapes"),
        }
    }
}

impl Index<[usize; 2]> for A {
    type Output = D;
    fn index(&self, i: [usize; 2]) -> &D {
        assert!(i[0] < self.shape[0] && i[1] < self.shape[1], "index out of bounds");
        &self.v[i[0] * self.shape[1] + i[1]]
    }
}
impl IndexMut<[usize; 2]> for A {
    fn index_mut(&mut self, i: [usize; 2]) -> &mut D {
        assert!(i[0] < self.shape[0] && i[1] < self.shape[1], "index out of bounds");
        &mut self.v[i[0] * self.shape[1] + i[1]]
    }
}

// ----- arguments -----

/// The dual copy of `x` whose component `k - off` (if in range) carries the tangent.
pub fn seedv(x: &[f64], k: usize, off: usize) -> Vec<D> {
    x.iter().enumerate().map(|(i, &v)| D::seed(v, k == off + i)).collect()
}
pub fn mat(x: &[f64], r: usize, c: usize) -> Array2<f64> {
    Array2::from_shape_vec((r, c), x.to_vec()).unwrap()
}
pub fn arr1(x: &[f64]) -> Array1<f64> {
    Array1::from(x.to_vec())
}
pub fn fixed<const N: usize>(x: &[f64]) -> [f64; N] {
    std::array::from_fn(|i| x[i])
}

// ----- gradients, flattened in the order of their tuple (the order `wrt` names them) -----

pub trait Flat {
    fn flat(&self, out: &mut Vec<f64>);
}
impl Flat for f64 { fn flat(&self, out: &mut Vec<f64>) { out.push(*self) } }
impl Flat for Vec<f64> { fn flat(&self, out: &mut Vec<f64>) { out.extend(self.iter()) } }
impl<const N: usize> Flat for [f64; N] { fn flat(&self, out: &mut Vec<f64>) { out.extend(self.iter()) } }
impl Flat for Array1<f64> { fn flat(&self, out: &mut Vec<f64>) { out.extend(self.iter()) } }
impl Flat for Array2<f64> { fn flat(&self, out: &mut Vec<f64>) { out.extend(self.iter()) } }
macro_rules! flat_tuple {
    ($($t:ident $i:tt),*) => {
        impl<$($t: Flat),*> Flat for ($($t,)*) {
            fn flat(&self, out: &mut Vec<f64>) { $(self.$i.flat(out);)* }
        }
    };
}
impl Flat for () { fn flat(&self, _: &mut Vec<f64>) {} }
flat_tuple!(A0 0);
flat_tuple!(A0 0, A1 1);
flat_tuple!(A0 0, A1 1, A2 2);
flat_tuple!(A0 0, A1 1, A2 2, A3 3);
flat_tuple!(A0 0, A1 1, A2 2, A3 3, A4 4);
flat_tuple!(A0 0, A1 1, A2 2, A3 3, A4 4, A5 5);
flat_tuple!(A0 0, A1 1, A2 2, A3 3, A4 4, A5 5, A6 6);
// Up to the parameter counts the generator writes (a pullback returns one adjoint per parameter).
flat_tuple!(A0 0, A1 1, A2 2, A3 3, A4 4, A5 5, A6 6, A7 7);
flat_tuple!(A0 0, A1 1, A2 2, A3 3, A4 4, A5 5, A6 6, A7 7, A8 8);
flat_tuple!(A0 0, A1 1, A2 2, A3 3, A4 4, A5 5, A6 6, A7 7, A8 8, A9 9);
flat_tuple!(A0 0, A1 1, A2 2, A3 3, A4 4, A5 5, A6 6, A7 7, A8 8, A9 9, A10 10);
flat_tuple!(A0 0, A1 1, A2 2, A3 3, A4 4, A5 5, A6 6, A7 7, A8 8, A9 9, A10 10, A11 11);
pub fn flat<T: Flat>(g: &T) -> Vec<f64> {
    let mut v = Vec::new();
    g.flat(&mut v);
    v
}

// ----- the random points -----

pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }
    pub fn unif(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.next() >> 11) as f64 / (1u64 << 53) as f64)
    }
    pub fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo + 1) as u64)) as i64
    }
    pub fn vec(&mut self, n: usize, lo: f64, hi: f64) -> Vec<f64> {
        (0..n).map(|_| self.unif(lo, hi)).collect()
    }
}

// ----- running and comparing -----

pub fn guard<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|e| {
        if let Some(s) = e.downcast_ref::<&str>() {
            s.to_string()
        } else if let Some(s) = e.downcast_ref::<String>() {
            s.clone()
        } else {
            "panic".to_string()
        }
    })
}

/// The reference at one point: value, gradient of every float parameter, and conditioning.
pub struct Reference {
    pub value: f64,
    pub grad: Vec<f64>,
    pub mag: Vec<f64>,
}

/// Central finite differences of `f` at `x` (mutation mode). A component whose estimate moves
/// between two step sizes, or whose rounding noise (`EPSILON * |f| / h`: a large value hides a
/// small slope, which both step sizes then agree is 0) is not far below the tolerance, is not
/// well conditioned: its `mag` is NaN and it is not compared. The tolerance of the others is
/// loose (`mag` scaled so that REL * mag is 1e-5 relative).
pub fn fd_reference(f: &dyn Fn(&[f64]) -> f64, x: &[f64]) -> Reference {
    let value = f(x);
    let mut grad = vec![];
    let mut mag = vec![];
    let mut v = x.to_vec();
    // (the estimate, its rounding noise)
    let mut d = |k: usize, h: f64, v: &mut Vec<f64>| {
        let x0 = v[k];
        v[k] = x0 + h;
        let a = f(v);
        v[k] = x0 - h;
        let b = f(v);
        v[k] = x0;
        ((a - b) / (2.0 * h), f64::EPSILON * a.abs().max(b.abs()) / h)
    };
    for k in 0..x.len() {
        let h = 1e-5 * x[k].abs().max(1.0);
        let (d1, _) = d(k, h, &mut v);
        let (d2, noise) = d(k, h / 4.0, &mut v);
        grad.push(d2);
        let tol = 1e-6 * (1.0 + d2.abs());
        if d1.is_finite() && d2.is_finite() && (d1 - d2).abs() <= tol && noise <= tol {
            mag.push(1e4 * (1.0 + d2.abs()));
        } else {
            mag.push(f64::NAN);
        }
    }
    Reference { value, grad, mag }
}

pub const REL: f64 = 1e-9;
pub const ABS: f64 = 1e-12;

pub struct Out {
    pub failed: bool,
    pub notes: Vec<String>,
    pub points: usize,
    pub skipped: usize,
    pub worst: f64,
}

impl Out {
    pub fn new() -> Out { Out { failed: false, notes: vec![], points: 0, skipped: 0, worst: 0.0 } }
    pub fn fail(&mut self, kind: &str, msg: String) {
        self.failed = true;
        if self.notes.len() < 6 {
            self.notes.push(format!("{kind}: {msg}"));
        }
    }
}

fn same(a: f64, b: f64) -> bool { a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()) }

/// Compares one evaluation point. `wrt` picks the components of the reference that `grad_*`
/// returns. Returns false when the point is unusable (non-finite, or the user code panicked).
pub fn compare(
    out: &mut Out,
    point: &str,
    plain: Result<f64, String>,
    attr: Result<f64, String>,
    grad: Result<Vec<f64>, String>,
    vg: Result<(f64, Vec<f64>), String>,
    reference: Result<Reference, String>,
    wrt: &[usize],
) {
    let plain = match plain {
        Ok(v) if v.is_finite() => v,
        _ => { out.skipped += 1; return; }
    };
    let r = match reference {
        Ok(r) if r.value.is_finite() && r.grad.iter().zip(&r.mag).all(|(g, m)| m.is_nan() || (g.is_finite() && m.is_finite())) => r,
        Ok(_) => { out.skipped += 1; return; }
        Err(e) => { out.fail("reference", format!("{point}: the dual reference panicked: {e}")); return; }
    };
    out.points += 1;
    match attr {
        Ok(v) if same(v, plain) => {}
        Ok(v) => out.fail("value", format!("{point}: f with the attribute = {v:e}, without = {plain:e}")),
        Err(e) => out.fail("panic", format!("{point}: f with the attribute panicked: {e}")),
    }
    if !((r.value - plain).abs() <= 1e-9 * (1.0 + plain.abs())) {
        out.fail("reference", format!("{point}: the dual reference's value {:e} != f {plain:e} (generator bug)", r.value));
    }
    let want: Vec<f64> = wrt.iter().map(|&k| r.grad[k]).collect();
    let mag: Vec<f64> = wrt.iter().map(|&k| r.mag[k]).collect();
    let mut check = |what: &str, got: &[f64], out: &mut Out| {
        if got.len() != want.len() {
            out.fail("grad", format!("{point}: {what} has {} components, expected {}", got.len(), want.len()));
            return;
        }
        for k in 0..want.len() {
            if mag[k].is_nan() {
                continue;
            }
            let tol = REL * (mag[k] + want[k].abs()) + ABS;
            let err = (got[k] - want[k]).abs();
            let rel = if err.is_nan() { f64::INFINITY } else { err / (mag[k] + want[k].abs() + 1e-300) };
            if !(err <= tol) {
                out.fail("grad", format!("{point}: {what}[{k}] = {:e}, reference {:e} (|err| {err:.3e}, scale {:.3e})", got[k], want[k], mag[k] + want[k].abs()));
            } else if rel > out.worst {
                out.worst = rel;
            }
        }
    };
    match grad {
        Ok(g) => check("grad", &g, out),
        Err(e) => out.fail("panic", format!("{point}: grad panicked: {e}")),
    }
    match vg {
        Ok((v, g)) => {
            if !same(v, plain) {
                out.fail("vg-value", format!("{point}: value_and_grad's value {v:e} != f {plain:e}"));
            }
            check("value_and_grad", &g, out);
        }
        Err(e) => out.fail("panic", format!("{point}: value_and_grad panicked: {e}")),
    }
}

/// One line per function on stdout: `RESULT <program> <function> <ok|fail|degenerate> ...`,
/// preceded by `BEGIN` (flushed) so that a hang or a crash can be attributed.
pub fn begin(prog: &str, f: &str) {
    let mut o = std::io::stdout().lock();
    let _ = writeln!(o, "BEGIN {prog} {f}");
    let _ = o.flush();
}
/// `PHASE <program> <function> <user|reference|ad ...>` (flushed): what the check runs next, so
/// that a hang or a crash is attributed to the user's function (or the reference), or to the
/// generated code.
pub fn phase(prog: &str, f: &str, what: &str) {
    let mut o = std::io::stdout().lock();
    let _ = writeln!(o, "PHASE {prog} {f} {what}");
    let _ = o.flush();
}
pub fn finish(prog: &str, f: &str, out: &Out) {
    let status = if out.failed { "fail" } else if out.points == 0 { "degenerate" } else { "ok" };
    let mut o = std::io::stdout().lock();
    let _ = writeln!(o, "RESULT {prog} {f} {status} points={} skipped={} worst={:.3e}", out.points, out.skipped, out.worst);
    for n in &out.notes {
        let _ = writeln!(o, "NOTE {prog} {f} {}", n.replace('\n', " "));
    }
    let _ = o.flush();
}
