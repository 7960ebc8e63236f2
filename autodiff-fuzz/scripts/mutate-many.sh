#!/bin/sh
# Mutation batches over seeds FIRST..LAST with COUNT mutants each, one after the other; each
# batch's output goes to $DIR/seed-<S>.out (DIR: target/autodiff-fuzz/mutate-runs), and the
# FIGURES lines are added up at the end. Extra arguments go to every batch (e.g. --timeout 10).
# Usage: autodiff-fuzz/scripts/mutate-many.sh FIRST LAST COUNT [ARGS...]
set -u
first=$1 last=$2 count=$3
shift 3
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${DIR:-$root/target/autodiff-fuzz/mutate-runs}
mkdir -p "$dir"
cd "$root" || exit 2
cargo build -q -p autodiff-fuzz --release || exit 2
bin=${CARGO_TARGET_DIR:-$root/target}/release/autodiff-fuzz
s=$first
while [ "$s" -le "$last" ]; do
    start=$(date +%s)
    "$bin" mutate --seed "$s" --count "$count" --show 1000 "$@" >"$dir/seed-$s.out" 2>"$dir/seed-$s.err"
    echo "seed $s: exit $? in $(($(date +%s) - start)) s: $(grep '^FIGURES' "$dir/seed-$s.out")"
    s=$((s + 1))
done
# the sum of every FIGURES line of the range
s=$first
while [ "$s" -le "$last" ]; do grep -h '^FIGURES' "$dir/seed-$s.out"; s=$((s + 1)); done | awk '
{ for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "kinds") { n = split(kv[2], ks, ","); for (j = 1; j <= n; j++) { split(ks[j], p, ":"); if (p[1] != "-") kind[p[1]] += p[2] } } else if (kv[1] != "seed") sum[kv[1]] += kv[2] } }
END { printf "TOTAL"; for (k in sum) printf " %s=%d", k, sum[k]; printf " kinds="; sep = ""; for (k in kind) { printf "%s%s:%d", sep, k, kind[k]; sep = "," } print "" }'
