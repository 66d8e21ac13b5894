#!/usr/bin/env python3
"""The engine against an independent NumPy implementation of kazakhstan-2022.

    python3 tests/python/against_numpy.py target/release/alliance-sim [TRIALS]

Runs the engine (`run --format json`) and benches/peers/kazakhstan_2022.py
on TRIALS trials each (default 2,000,000) and compares every figure both
compute: the funnel, the deployment, each member's votes, contributions and
personnel, the timing, the outcomes and how often each rule fired. The two
draw different random numbers, so each difference is divided by its
standard error (both runs' errors combined) and must stay within 4σ. A rule
that fires several times a trial has no variance in the engine's export, so
its error is bounded by Bhatia–Davis: a count in [0, F] with mean μ has
variance at most μ(F − μ), which can only widen the band.

Exit 0 when every |z| ≤ 4, 1 otherwise (each figure is printed either way).
"""

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PEER = ROOT / "benches" / "peers" / "kazakhstan_2022.py"
SCENARIO = ROOT / "scenarios" / "kazakhstan-2022.yaml"
LIMIT = 4.0


def proportion(k, n):
    p = k / n
    return p, math.sqrt(p * (1 - p) / n)


def moment(n, s, ss):
    mean = s / n
    var = max(ss / n - mean * mean, 0.0) * n / (n - 1)
    return mean, math.sqrt(var / n)


def main():
    binary = sys.argv[1]
    trials = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000_000
    engine = json.loads(
        subprocess.run(
            [binary, "run", str(SCENARIO), "--trials", str(trials), "--seed", "1", "--format", "json"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    peer = json.loads(
        subprocess.run(
            [sys.executable, str(PEER), "--trials", str(trials), "--seed", "7"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    counts, moments, fired = peer["counts"], peer["moments"], peer["fired"]
    rows = []  # (figure, engine value, engine se, numpy value, numpy se)

    for name in ["request", "invoked", "non_military", "deploy", "deploy_unsent", "refused"]:
        f = engine["funnel"][name]
        rows.append((f"P({name})", *proportion(f["k"], f["n"]), *proportion(*counts[name])))

    dep = engine["deployment"]
    for figure, theirs, ours in [
        ("personnel | troops sent", dep["personnel"], "deployed|deploy"),
        ("personnel per trial", dep["per_trial"], "deployed|trial"),
        ("need", dep["need"], "need"),
        ("shortfall | deploy", dep["shortfall"], "shortfall|deploy"),
    ]:
        rows.append((f"mean {figure}", theirs["mean"], theirs["se"], *moment(*moments[ours])))
    f = dep["shortfall_positive"]
    rows.append(("P(shortfall > 0 | deploy)", *proportion(f["k"], f["n"]), *proportion(*counts["shortfall_positive"])))
    f = dep["surplus_positive"]
    rows.append(("P(deployed > need | deploy)", *proportion(f["k"], f["n"]), *proportion(*counts["surplus_positive"])))

    for member in engine["members"]:
        m = member["id"]
        for what in ["support", "block"]:
            f = member[what]
            rows.append((f"{m} P({what} | request)", *proportion(f["k"], f["n"]), *proportion(*counts[f"{what}/{m}"])))
        if member["host"]:
            continue
        f = member["contributes"]
        rows.append((f"{m} P(contributes | deploy)", *proportion(f["k"], f["n"]), *proportion(*counts[f"contributes/{m}"])))
        f = member["mean_personnel"]
        rows.append((f"{m} mean personnel", f["mean"], f["se"], *moment(*moments[f"personnel/{m}"])))

    for name in ["decision", "first_arrival", "full_strength"]:
        f = engine["timing"][name]
        rows.append((f"days to {name.replace('_', ' ')}", f["mean"], f["se"], *moment(*moments[f"timing/{name}"])))

    for outcome in engine["outcomes"]:
        f = outcome["estimate"]
        rows.append((f"outcome {outcome['name']}", f["mean"], f["se"], *moment(*moments[f"outcome/{outcome['name']}"])))

    n_engine = engine["meta"]["trials"]
    for rule in engine["rules"]:
        if rule["id"] not in fired:
            if rule["fired"] != 0:
                rows.append((f"fires {rule['id']}", rule["per_trial"], 0.0, 0.0, 0.0))
            continue
        total, most = fired[rule["id"]]
        ours = total / peer["trials"]
        theirs = rule["per_trial"]
        bound = lambda mu, n: math.sqrt(max(mu * (most - mu), 0.0) / n)  # noqa: E731
        rows.append((f"fires {rule['id']}", theirs, bound(theirs, n_engine), ours, bound(ours, peer["trials"])))
    missing = set(fired) - {r["id"] for r in engine["rules"]}
    for rule in sorted(missing):
        rows.append((f"fires {rule} (not in the engine's export)", math.nan, 0.0, 0.0, 0.0))

    worst = 0.0
    failed = []
    print(f"{'figure':<56} {'engine':>12} {'numpy':>12} {'z':>7}")
    for figure, a, sa, b, sb in rows:
        se = math.hypot(sa, sb)
        if se > 0:
            z = (a - b) / se
        else:
            z = 0.0 if a == b else math.inf
        worst = max(worst, abs(z))
        flag = "" if abs(z) <= LIMIT else "  <-- beyond 4σ"
        if flag:
            failed.append(figure)
        print(f"{figure:<56} {a:>12.6g} {b:>12.6g} {z:>+7.2f}{flag}")
    print(f"{len(rows)} figures at {trials} trials each; largest |z| {worst:.2f} (limit {LIMIT})")
    if failed:
        print("beyond 4σ: " + ", ".join(failed), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
