#!/usr/bin/env python3
"""Engine against the NumPy reference, side by side, on one core.

    python3 benches/peers/side_by_side.py target/release/alliance-sim [--trials N] [--runs R]

Runs the engine (`run --threads 1`) and benches/peers/kazakhstan_2022.py on
the same number of trials of kazakhstan-2022, alternating (engine, NumPy,
engine, NumPy, …) after one warm-up each, and times each whole process by
the wall clock. Prints both commands' median, minimum and maximum seconds
and the engine's speed over NumPy's: the median of the per-pair ratios
(NumPy seconds / engine seconds), so a drift in the machine's speed during
the call moves both sides of a pair alike. Both are pinned to one CPU with
`taskset` when it exists, so NumPy cannot borrow a second core either.
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


def timed(command):
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def spread(label, seconds):
    return f"{label:<8} median {statistics.median(seconds):7.3f} s   min {min(seconds):7.3f}   max {max(seconds):7.3f}   ({len(seconds)} runs)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary", help="the alliance-sim release binary")
    parser.add_argument("--trials", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    env_one_thread = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    os.environ.update(env_one_thread)
    engine = pin + [
        args.binary, "run", str(ROOT / "scenarios" / "kazakhstan-2022.yaml"),
        "--trials", str(args.trials), "--threads", "1", "--format", "json",
    ]
    numpy = pin + [sys.executable, str(ROOT / "benches" / "peers" / "kazakhstan_2022.py"), "--trials", str(args.trials)]
    timed(engine)
    timed(numpy)
    ours, theirs, ratios = [], [], []
    for _ in range(args.runs):
        a = timed(engine)
        b = timed(numpy)
        ours.append(a)
        theirs.append(b)
        ratios.append(b / a)
    print(f"kazakhstan-2022, {args.trials} trials, one core{' (taskset -c 0)' if pin else ''}, wall seconds per whole process")
    print(spread("engine", ours))
    print(spread("numpy", theirs))
    print(
        f"engine speed / NumPy speed: median {statistics.median(ratios):.2f}x "
        f"(pairs from {min(ratios):.2f}x to {max(ratios):.2f}x)"
    )


if __name__ == "__main__":
    main()
