#!/usr/bin/env bash
# One binary for every x86-64 CPU (issues #37, #38): the release binary,
# run under QEMU's user-mode emulation of older CPUs, gives the bytes it
# gives on this machine. Nehalem (2008) has SSE4.2 and no AVX, so the
# engine runs its baseline code; Haswell (2013) has AVX2 and FMA and no
# AVX-512, so it runs the x86-64-v3 copy. Before run-time dispatch the
# binary, built for the building CPU, died of SIGILL under both.
#
#   tests/cpu/emulated.sh BINARY
#   tests/cpu/emulated.sh --python PYTHON
#
# With --python (a venv's interpreter with the package installed), the
# package is imported, loads a scenario and runs under Nehalem instead.
# Needs qemu-x86_64 (Debian's qemu-user; installed when missing, as root).
set -euo pipefail
bin=$1
python=
[ "$bin" = --python ] && { python=$2; bin=; }
command -v qemu-x86_64 >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user >/dev/null; }
# QEMU warns on stderr of CPU features its emulator lacks (TSX, x2APIC):
# they are not the program's, so stderr is kept only when a run fails.
emulate() {
    local cpu=$1; shift
    qemu-x86_64 -cpu "$cpu" "$@" 2>"$scratch/err" || { echo "FAILED under $cpu: $*" >&2; grep -v "^qemu-x86_64: warning" "$scratch/err" >&2; return 1; }
}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
for cpu in ${bin:+Nehalem Haswell}; do
    level=$(emulate "$cpu" "$bin" bench kazakhstan-2022 --trials 1000 --repeat 1 --max-threads 1 --format json \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["environment"]["instruction_set"])')
    echo "$cpu: the engine runs at $level"
    for name in $("$bin" list | awk '{print $1}'); do
        here=$("$bin" run "$name" --trials 20000 --seed 7 --format json 2>/dev/null | sha256sum)
        there=$(emulate "$cpu" "$bin" run "$name" --trials 20000 --seed 7 --format json | sha256sum)
        if [ "$here" != "$there" ]; then
            echo "DIFFERS  $name under $cpu"
            status=1
        fi
    done
done
[ -z "$bin" ] || [ "$status" != 0 ] || echo "every bundled scenario gives the same bytes under Nehalem and Haswell"
if [ -n "$python" ]; then
    code='import alliance_sim as asim; s = asim.load("kazakhstan-2022"); print(s.run(trials=5000, seed=3).p("deploy"))'
    here=$("$python" -c "$code")
    there=$(emulate Nehalem "$python" -c "$code")
    if [ "$here" = "$there" ]; then
        echo "the Python package imports, loads and runs under Nehalem: P(deploy) = $there, as here"
    else
        echo "the Python package under Nehalem gave '$there', here '$here'"
        status=1
    fi
fi
exit "$status"
