"""What a call from Python costs beyond the engine's own work, and how fast
per-trial records reach pandas.

    python python/benches/overhead.py            # the figures in the README
    python python/benches/overhead.py --quick    # a smoke run (CI)

1. A 1,000-trial run of kazakhstan-2022: `Scenario.run` from Python (the
   call, the GIL released and taken back, the thread, the JSON parsed and
   wrapped) against the same run timed inside Rust (`_engine._time_run`:
   the run, its summary and its JSON, no Python). Medians of many repeats,
   taken alternately so both see the same machine.
2. `Scenario.trials(n)` into pandas: records computed, handed over as Arrow
   and converted by `pyarrow.Table.to_pandas`, in trials per second.
"""

import argparse
import os
import statistics
import time

import pyarrow as pa

import alliance_sim as asim
from alliance_sim import _engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="few repeats, small n (a smoke run)")
    args = parser.parse_args()
    repeats, n = (20, 100_000) if args.quick else (400, 2_000_000)
    s = asim.load("kazakhstan-2022")
    for _ in range(20):  # warm the pools and caches
        s.run(trials=1_000, seed=1)
    from_python, from_rust = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        s.run(trials=1_000, seed=1)
        from_python.append(time.perf_counter() - started)
        from_rust.extend(_engine._time_run(s._engine, 1_000, 1))
    py_us, rust_us = statistics.median(from_python) * 1e6, statistics.median(from_rust) * 1e6
    print(f"machine: {os.cpu_count()} cores; scenario kazakhstan-2022; {repeats} alternating repeats")
    print(f"1,000-trial run from Python: median {py_us:8.1f} µs")
    print(f"1,000-trial run inside Rust: median {rust_us:8.1f} µs")
    print(f"per-call overhead: {py_us - rust_us:8.1f} µs ({py_us / rust_us:.2f}× the Rust call)")
    started = time.perf_counter()
    table = pa.table(s.trials(n, seed=1))
    arrow_s = time.perf_counter() - started
    frame = table.to_pandas()
    total_s = time.perf_counter() - started
    print(f"trials({n:,}) into Arrow:  {n / arrow_s / 1e6:6.2f} M trials/s ({table.num_columns} columns)")
    print(f"trials({n:,}) into pandas: {n / total_s / 1e6:6.2f} M trials/s ({frame.shape[0]:,} rows)")


if __name__ == "__main__":
    main()
