use autodiff_runtime::differentiable;
use autodiff_runtime::num_traits::Float;

// Two type parameters: one float type only.
#[differentiable]
pub fn two<T: Float, U: Copy>(x: T, _u: U) -> T {
    x * x
}

// A parameter holding floats in a form the copy cannot take.
#[differentiable]
pub fn nested<T: Float>(rows: &[Vec<T>]) -> T {
    rows[0][0]
}

pub struct Spring {
    k: f64,
}

impl Spring {
    // A generic method.
    #[differentiable]
    pub fn energy<T: Float>(&self, x: T) -> T {
        x * x * T::from(self.k).unwrap()
    }
}

// An unsupported construct in the body is reported on the user's tokens, once.
#[differentiable]
pub fn body<T: Float>(x: T) -> T {
    let mut s = x;
    let t = 'outer: loop {
        for _ in 0..2 {
            s = s * x;
            break 'outer s;
        }
    };
    t
}

fn main() {}
