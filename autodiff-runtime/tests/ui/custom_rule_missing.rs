use autodiff_runtime::custom_derivative;

#[custom_derivative(pullback)]
fn a(x: f64) -> f64 {
    x.exp()
}

#[custom_derivative(forward = a_rule)]
fn b(x: f64) -> f64 {
    x.exp()
}

fn main() {}
