"""Second method for `sensitivity --method sobol` and `--method morris`:
SALib's `sobol.analyze` (calc_second_order=False) and `morris.analyze` on
the design and outputs the engine exports must give the engine's
first-order and total indices, and its μ*, μ and σ.

    python3 tests/python/against_salib.py target/release/alliance-sim

Both use Saltelli (2010) for S and Jansen (1999) for ST on outputs centred
on their mean, so they agree to rounding; the check is that the engine's
design, its bookkeeping of A, B and AB_i, and its estimators are SALib's.
"""

import json
import subprocess
import sys

import numpy as np
from SALib.analyze import morris, sobol

PI = "3.141592653589793"


def engine(binary, args, method="sobol"):
    out = subprocess.run([binary, "sensitivity", "--method", method, "--format", "json", *args],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def salib(d):
    """SALib's indices from the engine's design: rows ordered A, AB_1..AB_k, B per sample."""
    k, n = len(d["inputs"]), d["samples"]
    out = {(p["role"], p["sample"]): p["output"] for p in d["points"]}
    y = []
    for j in range(n):
        y.append(out[("A", j)])
        y.extend(out[(f"AB{i + 1}", j)] for i in range(k))
        y.append(out[("B", j)])
    problem = {"num_vars": k, "names": [x["path"] for x in d["inputs"]],
               "bounds": [[x["lo"], x["hi"]] for x in d["inputs"]]}
    return sobol.analyze(problem, np.array(y), calc_second_order=False, seed=1)


def main():
    binary = sys.argv[1]
    # (name, the scenario and its parameters, Sobol's base sample N)
    cases = [
        ("Ishigami", ["tests/data/ishigami.yaml", "--metric", "ishigami", "-n", "1",
                      *[a for i in (1, 2, 3) for a in ("--vary", f"crisis.variables.x{i}=-{PI}:{PI}")]], "256"),
        ("kazakhstan-2022 P(deploy)", ["kazakhstan-2022", "-n", "400",
                                       "--vary", "members.russia.attributes.alignment=0.5:1",
                                       "--vary", "crisis.variables.foreign_backed.bernoulli=0.3:1",
                                       "--vary", "decisions.request.rules.survival.add=0.3:0.9"], "64"),
    ]
    worst = 0.0
    for name, args, samples in cases:
        d = engine(binary, [*args, "--samples", samples])
        s = salib(d)
        for i, x in enumerate(d["inputs"]):
            for ours, theirs, label in [(x["first"]["value"], s["S1"][i], "S1"), (x["total"]["value"], s["ST"][i], "ST")]:
                gap = abs(ours - theirs)
                worst = max(worst, gap)
                print(f"{name:28} {x['path']:48} {label} engine {ours:+.6f}  SALib {theirs:+.6f}")
                if gap > 1e-9:
                    sys.exit(f"{name}: {x['path']} {label} differs: engine {ours} vs SALib {theirs}")
    for name, args, _ in cases:
        d = engine(binary, [*args, "--trajectories", "30"], "morris")
        k = len(d["inputs"])
        x = np.array([p["values"] for p in d["points"]])
        y = np.array([p["output"] for p in d["points"]])
        problem = {"num_vars": k, "names": [i["path"] for i in d["inputs"]],
                   "bounds": [[i["lo"], i["hi"]] for i in d["inputs"]]}
        m = morris.analyze(problem, x, y, num_levels=d["levels"], seed=1)
        for i, inp in enumerate(d["inputs"]):
            for ours, theirs, label in [(inp["mu_star"]["value"], m["mu_star"][i], "mu*"),
                                        (inp["mu"], m["mu"][i], "mu"), (inp["sigma"], m["sigma"][i], "sigma")]:
                gap = abs(ours - theirs)
                worst = max(worst, gap)
                print(f"{name:28} {inp['path']:48} {label:5} engine {ours:+.6f}  SALib {theirs:+.6f}")
                if gap > 1e-9:
                    sys.exit(f"{name}: {inp['path']} {label} differs: engine {ours} vs SALib {theirs}")
    print(f"every index agrees with SALib (largest gap {worst:.1e})")


if __name__ == "__main__":
    main()
