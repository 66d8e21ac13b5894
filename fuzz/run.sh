#!/usr/bin/env bash
# Runs one fuzz target from its committed seeds (fuzz/seeds/TARGET) for
# SECONDS (default 60), with cargo-fuzz (libFuzzer). Any crash input lands
# in fuzz/artifacts/TARGET; copy it to fuzz/regressions/TARGET so that
# `cargo test --manifest-path fuzz/Cargo.toml` replays it forever.
#
#   fuzz/run.sh eval_differential 600
#   fuzz/run.sh load_scenario 60 -jobs=2 -workers=2
set -euo pipefail
cd "$(dirname "$0")"
target=${1:?usage: fuzz/run.sh TARGET [SECONDS] [libFuzzer flags…]}
seconds=${2:-60}
shift $(( $# < 2 ? $# : 2 ))
mkdir -p "corpus/$target"
cp -n seeds/"$target"/* "corpus/$target/" 2>/dev/null || true
# cargo-fuzz needs nightly features; RUSTC_BOOTSTRAP lets the stable toolchain build them.
RUSTC_BOOTSTRAP=1 cargo fuzz run -O "$target" "corpus/$target" -- -max_total_time="$seconds" -max_len=65536 "$@"
