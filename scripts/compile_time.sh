#!/usr/bin/env bash
# What #[differentiable] costs a user's build: a crate of 100 functions (straight-line code,
# loops with calls, while loops with branches, array reductions), built with and without the
# attribute. Dependencies are built first; the times are of the crate itself (touch + rebuild),
# best of three, debug and release.
#
#   bash scripts/compile_time.sh            # prints a Markdown table
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$root/target/compile-time"
mkdir -p "$work"

gen() { # $1 = crate dir, $2 = attribute line (or empty)
    local dir="$1" attr="$2"
    mkdir -p "$dir/src"
    cat > "$dir/Cargo.toml" <<TOML
[package]
name = "$(basename "$dir")"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
autodiff-runtime = { path = "$root/autodiff-runtime" }

[workspace]
TOML
    {
        echo "#![allow(dead_code, unused_imports)]"
        echo "use autodiff_runtime::differentiable;"
        echo "use autodiff_runtime::ndarray::ArrayView1;"
        for i in $(seq 0 24); do
            cat <<RS
$attr
pub fn straight_$i(x: f64, y: f64) -> f64 {
    let z = x * y + (x / (1.0 + y * y)).sin();
    z.exp() * 0.5 + x.powi(3) - y.sqrt()
}
$attr
pub fn looped_$i(x: f64, n: usize) -> f64 {
    let mut s = 0.0;
    for k in 0..n {
        s += straight_$i(x, k as f64) * 0.1;
    }
    s
}
$attr
pub fn branchy_$i(x: f64, y: f64) -> f64 {
    let mut t = x;
    let mut i = 0;
    while t < 10.0 && i < 50 {
        if t > y {
            t = t * 1.5 + y;
        } else {
            t = t + y.cos() + 1.0;
        }
        i += 1;
    }
    t
}
$attr
pub fn arrays_$i(w: ArrayView1<f64>, s: f64) -> f64 {
    let r = &w * s + 1.0;
    r.mean().unwrap() / r.std(0.0) + w.dot(&r)
}
RS
        done
    } > "$dir/src/lib.rs"
}

measure() { # $1 = dir, $2 = profile flag ("" or --release); prints best of 3 in milliseconds
    local dir="$1" flag="$2" best=""
    (cd "$dir" && CARGO_TARGET_DIR="$work/target" cargo build -q $flag >/dev/null 2>&1)
    for _ in 1 2 3; do
        touch "$dir/src/lib.rs"
        local t0 t1 dt
        t0=$(date +%s%N)
        (cd "$dir" && CARGO_TARGET_DIR="$work/target" cargo build -q $flag >/dev/null 2>&1)
        t1=$(date +%s%N)
        dt=$(( (t1 - t0) / 1000000 ))
        if [ -z "$best" ] || [ "$dt" -lt "$best" ]; then best=$dt; fi
    done
    echo "$best"
}

secs() { printf '%d.%02d' $(( $1 / 1000 )) $(( ($1 % 1000) / 10 )); }

gen "$work/with_attribute" "#[differentiable]"
gen "$work/without_attribute" ""
echo "| build of a crate of 100 functions | without the attribute | with \`#[differentiable]\` | difference |"
echo "|---|---|---|---|"
for flag in "" "--release"; do
    name=${flag:-debug}; name=${name#--}
    a=$(measure "$work/without_attribute" "$flag")
    b=$(measure "$work/with_attribute" "$flag")
    printf '| %s | %s s | %s s | +%s s (×%s.%02d) |\n' "$name" "$(secs "$a")" "$(secs "$b")" "$(secs $((b - a)))" $((b / a)) $(( (b * 100 / a) % 100 ))
done
echo
echo "($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d))"
