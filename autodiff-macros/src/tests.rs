//! Expansion snapshots: what small functions expand to, pretty-printed, compared with the files
//! in `tests/expand/`. Set `AUTODIFF_BLESS=1` to rewrite the snapshots after an intended change.

use proc_macro2::TokenStream;

pub fn pretty(attr: TokenStream, item: TokenStream) -> String {
    let out = crate::expand::differentiable(attr, item);
    match syn::parse2::<syn::File>(out.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => out.to_string(),
    }
}

fn snapshot(name: &str, attr: TokenStream, item: TokenStream) {
    let got = pretty(attr, item);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/expand")
        .join(format!("{name}.rs"));
    if std::env::var_os("AUTODIFF_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing snapshot {}; run with AUTODIFF_BLESS=1",
            path.display()
        )
    });
    assert_eq!(
        want, got,
        "expansion of `{name}` changed; review and re-bless with AUTODIFF_BLESS=1"
    );
}

#[test]
fn print_weierstrass() {
    let item: TokenStream = quote::quote! {
        pub fn weierstrass(x: f64, n: usize, a: f64, b: f64) -> f64 {
            let mut res = 0.0;
            for k in 0..n {
                res += w_term(x, k, a, b);
            }
            res
        }
    };
    println!("{}", pretty(quote::quote!(wrt(x)), item));
}

#[test]
fn print_debug() {
    let item: TokenStream = quote::quote! {
        fn h(x: f64, y: f64) -> f64 {
            x.hypot(y)
        }
    };
    println!("{}", pretty(quote::quote!(), item));
}
