#!/usr/bin/env bash
# Instructions per trial of every bundled scenario, counted by callgrind
# inside the engine's batch loop (`batch::run_range`, by its exact name: a
# pattern would also match its closures, and callgrind toggles collection
# off again on entering one, which hid the statistics' folding), against the counts
# committed in benches/instructions.baseline. Counts repeat exactly on a
# busy machine (wall time does not), so this is what catches a change that
# makes the engine slower. They depend on the compiler and on the
# instruction set the engine's lane loops run at, so the script runs the
# release binary at x86-64-v3 (AVX2: what valgrind can run, and the same
# counts on any x86-64 host with AVX2) through `ALLIANCE_SIM_CPU`, whatever
# this machine has. The baseline is for the toolchain CI uses.
#
#   benches/instructions.sh            # check
#   benches/instructions.sh --update   # on purpose
#
# Fails (exit 1) when a scenario needs more than TOLERANCE percent more
# instructions per trial than its baseline; says so when one got faster.
set -euo pipefail
cd "$(dirname "$0")/.."
update=${1:-}
cargo build --release --quiet
bin=target/release/alliance-sim
export ALLIANCE_SIM_CPU=x86-64-v3
baseline=benches/instructions.baseline
tolerance=${TOLERANCE:-3}
trials=50000
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)"; exit 2; }
now="$scratch/now"
: > "$now"
for name in $("$bin" list | awk '{print $1}'); do
    valgrind --tool=callgrind --callgrind-out-file="$scratch/out" \
        --toggle-collect='alliance_sim::batch::run_range' \
        "$bin" run "$name" --trials "$trials" --seed 1 --threads 1 >/dev/null 2>"$scratch/err"
    total=$(grep -oP 'Collected : \K[0-9]+' "$scratch/err")
    echo "$name $(( total / trials ))" >> "$now"
done

if [ "$update" = "--update" ]; then
    { echo "# instructions per trial (callgrind, run_range only, $trials trials, seed 1, 1 thread, ALLIANCE_SIM_CPU=x86-64-v3)"
      echo "# $(rustc --version)"
      cat "$now"; } > "$baseline"
    echo "baseline written: $baseline"
    exit 0
fi

status=0
while read -r name count; do
    base=$(awk -v n="$name" '$1 == n {print $2}' "$baseline")
    if [ -z "$base" ]; then
        echo "NEW      $name: $count instructions per trial (no baseline; run with --update)"
        status=1
        continue
    fi
    change=$(awk -v a="$count" -v b="$base" 'BEGIN {printf "%+.2f", 100 * (a - b) / b}')
    if awk -v c="$change" -v t="$tolerance" 'BEGIN {exit !(c > t)}'; then
        echo "SLOWER   $name: $count instructions per trial, baseline $base ($change%, tolerance $tolerance%)"
        status=1
    elif awk -v c="$change" -v t="$tolerance" 'BEGIN {exit !(c < -t)}'; then
        echo "faster   $name: $count instructions per trial, baseline $base ($change%): update the baseline"
    else
        echo "ok       $name: $count instructions per trial, baseline $base ($change%)"
    fi
done < "$now"
if [ "$status" != 0 ]; then
    echo "an engine change costs more instructions per trial; if that is the price of a"
    echo "feature, say so in the commit and run: benches/instructions.sh --update"
fi
exit "$status"
