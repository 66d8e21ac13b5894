"""The connectors to the analysts' tools: the EMA Workbench (experiments
and PRIM scenario discovery) and SALib (Sobol' indices)."""

import numpy as np
import pytest

import alliance_sim as asim
from alliance_sim import ema

KAZ = "kazakhstan-2022"
HOST_ALIGNMENT = "members.kazakhstan.attributes.alignment"
FOREIGN_BACKED = "crisis.variables.foreign_backed.bernoulli"
CAP = "alliance.pools.peacekeeping.cap"


def test_prim_finds_the_box_the_rules_make_decisive():
    """kazakhstan-2022's request rule `survival` adds 0.803 only when
    `host.alignment > 0.5` (base/csto.yaml): below it the host almost never
    asks. PRIM on "refused or no request" must therefore restrict the host's
    alignment to about [lo, 0.5] and leave the peacekeeping cap, which no
    request or council rule reads, alone."""
    from ema_workbench import perform_experiments
    from ema_workbench.analysis import prim

    model = ema.model(
        asim.load(KAZ),
        uncertainties={HOST_ALIGNMENT: (0.2, 1.0), FOREIGN_BACKED: (0.0, 1.0), CAP: (2000, 6000)},
        outcomes=["deploy", "refused_or_no_request", "shortfall"],
        trials=1_000,
        seed=1,
    )
    experiments, outcomes = perform_experiments(model, scenarios=200)
    assert len(experiments) == 200 and set(outcomes) == {"deploy", "refused_or_no_request", "shortfall"}
    x = experiments[model.paths]
    y = outcomes["refused_or_no_request"] > 0.5
    finder = prim.Prim(x, y, threshold=0.8)
    box = finder.find_box()
    limits = box.box_lims[box._cur_box]
    initial = finder.box_init
    restricted = [
        p for p in model.paths if limits.loc[0, p] > initial.loc[0, p] or limits.loc[1, p] < initial.loc[1, p]
    ]
    assert HOST_ALIGNMENT in restricted
    assert 0.45 <= limits.loc[1, HOST_ALIGNMENT] <= 0.55, limits
    assert CAP not in restricted, limits
    assert box.density >= 0.8 and box.coverage >= 0.8, (box.density, box.coverage)


def test_an_ema_experiment_is_a_run_with_set():
    model = ema.model(asim.load(KAZ), {CAP: (2000, 6000)}, outcomes=["deploy", "personnel"], trials=2_000, seed=4)
    got = model.function(**{CAP: 2500})
    summary = asim.load(KAZ, set={CAP: 2500}).run(trials=2_000, seed=4)
    assert got["deploy"] == summary.p("deploy")
    assert got["personnel"] == summary.deployment.loc["personnel", "mean"]
    with pytest.raises(KeyError):
        ema.model(asim.load(KAZ), {CAP: (2000, 6000)}, outcomes=["victory"])
    with pytest.raises(KeyError):
        ema.model(asim.load(KAZ), {"alliance.pools.nowhere.cap": (1, 2)})


def test_salib_sobol_agrees_with_the_engine_sobol():
    """Sobol' indices of P(deploy) over three inputs, by SALib (Saltelli's
    sampling, Jansen/Saltelli estimators, each point an engine run with
    `set`) and by the engine's own `sensitivity(method="sobol")`: two
    designs and two estimators of the same quantities. Their total indices
    must rank the inputs alike and agree within both intervals."""
    from SALib.analyze import sobol as salib_sobol
    from SALib.sample import sobol as salib_sample

    base = asim.load(KAZ)
    bounds = {HOST_ALIGNMENT: (0.2, 1.0), FOREIGN_BACKED: (0.0, 1.0), CAP: (2000.0, 6000.0)}
    problem = {"num_vars": 3, "names": list(bounds), "bounds": [list(b) for b in bounds.values()]}
    design = salib_sample.sample(problem, 128, calc_second_order=False, seed=3)
    y = np.array([base.variant(dict(zip(bounds, row))).run(trials=2_000, seed=2).p("deploy") for row in design])
    ours = salib_sobol.analyze(problem, y, calc_second_order=False, seed=3)
    engine = asim.sensitivity(base, method="sobol", vary={p: b for p, b in bounds.items()}, samples=128, trials=2_000)
    theirs = engine.inputs
    st_salib = dict(zip(problem["names"], ours["ST"]))
    st_engine = {p: theirs.loc[p, "total.value"] for p in bounds}
    assert max(st_salib, key=st_salib.get) == max(st_engine, key=st_engine.get) == HOST_ALIGNMENT
    for p in bounds:
        width = ours["ST_conf"][problem["names"].index(p)] + (theirs.loc[p, "total.hi"] - theirs.loc[p, "total.lo"]) / 2
        assert abs(st_salib[p] - st_engine[p]) <= max(width, 0.02), (p, st_salib[p], st_engine[p], width)
    assert st_salib[CAP] < 0.02 and st_engine[CAP] < 0.02
