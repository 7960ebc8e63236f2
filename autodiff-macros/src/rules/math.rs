//! The rules of the f64 math functions (`sin`, `powf`, `atan2`, `clamp`, ...), with their
//! conventions at non-differentiable points.

use super::*;

pub(super) fn math_rule(
    f: MathFn,
    i: usize,
    e: &Env,
    g: &TokenStream,
    rt: &TokenStream,
) -> Option<TokenStream> {
    use MathFn as M;
    Some(match f {
        // sin: ā += g cos a
        M::Sin => {
            let a = e.a(0);
            quote!(#g * f64::cos(#a))
        }
        // cos: ā += -g sin a
        M::Cos => {
            let a = e.a(0);
            quote!(-#g * f64::sin(#a))
        }
        // tan: ā += g (1 + v²)
        M::Tan => {
            let v = e.v();
            quote!(#g * (1.0 + #v * #v))
        }
        // asin: ā += g / √(1 - a²)
        M::Asin => {
            let a = e.a(0);
            quote!(#g / f64::sqrt(1.0 - #a * #a))
        }
        // acos: ā += -g / √(1 - a²)
        M::Acos => {
            let a = e.a(0);
            quote!(-#g / f64::sqrt(1.0 - #a * #a))
        }
        // atan: ā += g / (1 + a²)
        M::Atan => {
            let a = e.a(0);
            quote!(#g / (1.0 + #a * #a))
        }
        // v = y.atan2(x): ȳ += g x / (x² + y²), x̄ += -g y / (x² + y²)
        M::Atan2 => {
            let (y, x) = (e.a(0), e.a(1));
            if i == 0 {
                quote!(#g * #x / (#x * #x + #y * #y))
            } else {
                quote!(-#g * #y / (#x * #x + #y * #y))
            }
        }
        // sinh: ā += g cosh a
        M::Sinh => {
            let a = e.a(0);
            quote!(#g * f64::cosh(#a))
        }
        // cosh: ā += g sinh a
        M::Cosh => {
            let a = e.a(0);
            quote!(#g * f64::sinh(#a))
        }
        // tanh: ā += g (1 - v²)
        M::Tanh => {
            let v = e.v();
            quote!(#g * (1.0 - #v * #v))
        }
        // asinh: ā += g / √(a² + 1)
        M::Asinh => {
            let a = e.a(0);
            quote!(#g / f64::sqrt(#a * #a + 1.0))
        }
        // acosh: ā += g / (√(a - 1) √(a + 1))
        M::Acosh => {
            let a = e.a(0);
            quote!(#g / (f64::sqrt(#a - 1.0) * f64::sqrt(#a + 1.0)))
        }
        // atanh: ā += g / (1 - a²)
        M::Atanh => {
            let a = e.a(0);
            quote!(#g / (1.0 - #a * #a))
        }
        // exp: ā += g v
        M::Exp => {
            let v = e.v();
            quote!(#g * #v)
        }
        // exp2: ā += g v ln 2
        M::Exp2 => {
            let v = e.v();
            quote!(#g * #v * ::core::f64::consts::LN_2)
        }
        // exp_m1: ā += g (v + 1)
        M::ExpM1 => {
            let v = e.v();
            quote!(#g * (#v + 1.0))
        }
        // ln: ā += g / a
        M::Ln => {
            let a = e.a(0);
            quote!(#g / #a)
        }
        // ln_1p: ā += g / (1 + a)
        M::Ln1p => {
            let a = e.a(0);
            quote!(#g / (1.0 + #a))
        }
        // v = a.log(b) = ln a / ln b: ā += g / (a ln b), b̄ += -g v / (b ln b)
        M::Log => {
            if i == 0 {
                let (a, b) = (e.a(0), e.a(1));
                quote!(#g / (#a * f64::ln(#b)))
            } else {
                let (v, b) = (e.v(), e.a(1));
                quote!(-#g * #v / (#b * f64::ln(#b)))
            }
        }
        // log2: ā += g / (a ln 2)
        M::Log2 => {
            let a = e.a(0);
            quote!(#g / (#a * ::core::f64::consts::LN_2))
        }
        // log10: ā += g / (a ln 10)
        M::Log10 => {
            let a = e.a(0);
            quote!(#g / (#a * ::core::f64::consts::LN_10))
        }
        // sqrt: ā += g / (2 v)   (infinite at 0, as in JAX)
        M::Sqrt => {
            let v = e.v();
            quote!(#g / (2.0 * #v))
        }
        // cbrt: ā += g / (3 v²)
        M::Cbrt => {
            let v = e.v();
            quote!(#g / (3.0 * #v * #v))
        }
        // powi(a, n): ā += g n a^(n-1), and 0 when n = 0 (also at a = 0)
        M::Powi => {
            if i != 0 {
                return None;
            }
            let (a, n) = (e.a(0), e.a(1));
            quote!(#g * #rt::powi_da(#a, #n))
        }
        // powf(a, b): ā += g b a^(b-1) (0 when b = 0); b̄ += g v ln a (0 when a = 0), as JAX
        M::Powf => {
            if i == 0 {
                let (a, b) = (e.a(0), e.a(1));
                quote!(#g * #rt::powf_da(#a, #b))
            } else {
                let (a, v) = (e.a(0), e.v());
                quote!(#g * #rt::powf_db(#a, #v))
            }
        }
        // abs: ā += g sign(a), and 0 at a = 0 (as JAX)
        M::Abs => {
            let a = e.a(0);
            quote!(#g * #rt::abs_da(#a))
        }
        // signum: zero almost everywhere
        M::Signum => return None,
        // max(a, b): the gradient goes to the argument returned; on a tie to `a` (the receiver)
        M::Max => {
            let (a, b) = (e.a(0), e.a(1));
            if i == 0 {
                quote!(if #rt::max_picks_first(#a, #b) { #g } else { 0.0 })
            } else {
                quote!(if #rt::max_picks_first(#a, #b) { 0.0 } else { #g })
            }
        }
        // min(a, b): the gradient goes to the argument returned; on a tie to `a` (the receiver)
        M::Min => {
            let (a, b) = (e.a(0), e.a(1));
            if i == 0 {
                quote!(if #rt::min_picks_first(#a, #b) { #g } else { 0.0 })
            } else {
                quote!(if #rt::min_picks_first(#a, #b) { 0.0 } else { #g })
            }
        }
        // x.clamp(lo, hi): the gradient goes to whichever of x, lo, hi is returned (x on ties)
        M::Clamp => {
            let (x, lo, hi) = (e.a(0), e.a(1), e.a(2));
            let k = i as u8;
            quote!(if #rt::clamp_picks(#x, #lo, #hi) == #k { #g } else { 0.0 })
        }
        // hypot(a, b): ā += g a / v, b̄ += g b / v   (0 at the origin)
        M::Hypot => {
            let (ai, v) = (e.a(i), e.v());
            quote!(#g * #rt::div_or_zero(#ai, #v))
        }
        // mul_add(a, b, c) = a b + c: ā += g b, b̄ += g a, c̄ += g
        M::MulAdd => match i {
            0 => {
                let b = e.a(1);
                quote!(#g * #b)
            }
            1 => {
                let a = e.a(0);
                quote!(#g * #a)
            }
            _ => g.clone(),
        },
        // recip: ā += -g v²
        M::Recip => {
            let v = e.v();
            quote!(-#g * #v * #v)
        }
        // to_degrees: ā += g 180 / π
        M::ToDegrees => quote!(#g * (180.0_f64 / ::core::f64::consts::PI)),
        // to_radians: ā += g π / 180
        M::ToRadians => quote!(#g * (::core::f64::consts::PI / 180.0_f64)),
    })
}
