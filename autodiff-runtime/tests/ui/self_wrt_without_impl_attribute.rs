use autodiff_runtime::{Differentiable, differentiable};

#[derive(Clone, Differentiable)]
pub struct Spring {
    k: f64,
}

impl Spring {
    // `self` differentiated: the attribute must be on the impl block too.
    #[differentiable(wrt(self, x))]
    pub fn energy(&self, x: f64) -> f64 {
        0.5 * self.k * x * x
    }
}

pub struct Plain {
    k: f64,
}

#[differentiable]
impl Plain {
    // `&mut self` cannot be differentiated.
    #[differentiable(wrt(self))]
    pub fn grow(&mut self, x: f64) -> f64 {
        self.k * x
    }

    // A name that is not a parameter.
    #[differentiable(wrt(self, y))]
    pub fn typo(&self, x: f64) -> f64 {
        self.k * x
    }

    // No receiver to differentiate.
    #[differentiable(wrt(self))]
    pub fn free(x: f64) -> f64 {
        x * x
    }
}

fn main() {}
