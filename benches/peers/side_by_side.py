#!/usr/bin/env python3
"""Side-by-side timings on one core: the engine against the NumPy reference,
or a sweep against the same points run separately.

    python3 benches/peers/side_by_side.py target/release/alliance-sim [--trials N] [--runs R]
    python3 benches/peers/side_by_side.py target/release/alliance-sim --sweep [--trials N] [--runs R]

Default: runs the engine (`run --threads 1`) and
benches/peers/kazakhstan_2022.py on the same number of trials of
kazakhstan-2022. With --sweep: a 20-point `sweep` of the peacekeeping cap
(1,000 to 5,000) against 20 separate `run`s of the same points, N/20 trials
a point. The two commands alternate (A, B, A, B, …) after one warm-up each,
and each whole process is timed by the wall clock. Prints both commands'
median, minimum and maximum seconds and B's time over A's (for NumPy: the
engine's speed over NumPy's): the median of the per-pair ratios, so a drift
in the machine's speed during the call moves both sides of a pair alike.
Everything is pinned to one CPU with `taskset` when it exists. Whole
processes include start-up (importing NumPy takes ~0.1 s, the engine's
~5 ms), so small N flatters the engine: the default 10 M trials keeps
start-up under 5% of either side.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def timed(commands):
    start = time.perf_counter()
    for command in commands:
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def spread(label, seconds):
    return f"{label:<8} median {statistics.median(seconds):7.3f} s   min {min(seconds):7.3f}   max {max(seconds):7.3f}   ({len(seconds)} runs)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary", help="the alliance-sim release binary")
    parser.add_argument("--trials", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sweep", action="store_true", help="a 20-point sweep against 20 separate runs")
    args = parser.parse_args()
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    os.environ.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    scenario = str(ROOT / "scenarios" / "kazakhstan-2022.yaml")
    engine = pin + [args.binary]
    if args.sweep:
        per_point = max(args.trials // 20, 1)
        caps = [1000 + i * 4000 / 19 for i in range(20)]
        cap = "alliance.pools.peacekeeping.cap"
        common = ["-n", str(per_point), "--threads", "1", "--format", "json"]
        a = ("sweep", [engine + ["sweep", scenario, "--vary", f"{cap}=1000:5000:20"] + common])
        b = ("20 runs", [engine + ["run", scenario, "--set", f"{cap}={c}"] + common for c in caps])
        what = f"kazakhstan-2022, a 20-point sweep of {cap} against 20 separate runs, {per_point} trials a point"
        verdict = "sweep speed / separate runs' speed"
    else:
        a = ("engine", [engine + ["run", scenario, "--trials", str(args.trials), "--threads", "1", "--format", "json"]])
        peer = ROOT / "benches" / "peers" / "kazakhstan_2022.py"
        b = ("numpy", [pin + [sys.executable, str(peer), "--trials", str(args.trials)]])
        what = f"kazakhstan-2022, {args.trials} trials"
        verdict = "engine speed / NumPy speed"
    timed(a[1])
    timed(b[1])
    ours, theirs, ratios = [], [], []
    for _ in range(args.runs):
        ta = timed(a[1])
        tb = timed(b[1])
        ours.append(ta)
        theirs.append(tb)
        ratios.append(tb / ta)
    print(f"{what}, one core{' (taskset -c 0)' if pin else ''}, wall seconds per whole process")
    print(spread(a[0], ours))
    print(spread(b[0], theirs))
    print(f"{verdict}: median {statistics.median(ratios):.2f}x (pairs from {min(ratios):.2f}x to {max(ratios):.2f}x)")


if __name__ == "__main__":
    main()
