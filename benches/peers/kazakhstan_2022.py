#!/usr/bin/env python3
"""kazakhstan-2022 in NumPy: the yardstick and the second method for alliance-sim.

Written from the scenario's text (scenarios/kazakhstan-2022.yaml on top of
scenarios/base/csto.yaml) and the model's contract (docs/trial.md, "What one trial
means"), not from the engine's code, the way an analyst would write it in an
afternoon: whole arrays of trials, chunk by chunk, one NumPy generator
(PCG64), every stage on the subset of trials that reaches it.

It draws different random numbers from the engine, so figures agree only
within sampling error: tests/python/against_numpy.py compares the two.

    python3 benches/peers/kazakhstan_2022.py --trials 2000000 --seed 1

prints a JSON object of sums (counts, sums of values and of squares) from
which every compared figure and its standard error follow. Single-threaded:
nothing here calls BLAS, and OMP/OPENBLAS threads are pinned to 1 anyway.
"""

import argparse
import json
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402  (after the thread pins)

# The members in the contribution order, with the attributes the rules read
# (base/csto.yaml). Kazakhstan is the host: it votes (and supports its own
# request) but does not contribute.
MEMBERS = ["russia", "belarus", "kazakhstan", "armenia", "tajikistan", "kyrgyzstan"]
HOST = "kazakhstan"
ALIGNMENT = {"russia": 0.95, "belarus": 0.85, "kazakhstan": 0.7, "armenia": 0.55, "tajikistan": 0.8, "kyrgyzstan": 0.75}
NEEDS_PARLIAMENT = {"russia": False, "belarus": False, "kazakhstan": True, "armenia": False, "tajikistan": True, "kyrgyzstan": True}
OWN_AIRLIFT = {"russia": True, "belarus": False, "kazakhstan": False, "armenia": False, "tajikistan": False, "kyrgyzstan": True}
PROTEST_RISK = {"russia": 0.1, "belarus": 0.3, "kazakhstan": 0.3, "armenia": 0.5, "tajikistan": 0.2, "kyrgyzstan": 0.6}
LEAD_TIME = {"russia": 0.25, "belarus": 1.5, "kazakhstan": 1.5, "armenia": 1.5, "tajikistan": 1.5, "kyrgyzstan": 1.0}
# Pools, smallest first: (id, cap, pledges).
POOLS = [
    ("peacekeeping", 3600, {"russia": 1800, "belarus": 500, "kazakhstan": 600, "armenia": 200, "tajikistan": 250, "kyrgyzstan": 250}),
    ("rapid_reaction", 20000, {"russia": 8000, "belarus": 5000, "kazakhstan": 4000, "armenia": 500, "tajikistan": 500, "kyrgyzstan": 500}),
]
CONTRIBUTORS = [m for m in MEMBERS if m != HOST]
# What the members that may contribute (all but the host) pledge to each pool.
POOL_PLEDGED = [sum(pl[m] for m in CONTRIBUTORS) for _, _, pl in POOLS]
PARLIAMENTS = sum(NEEDS_PARLIAMENT[c] for c in CONTRIBUTORS)


class Sums:
    """Counts and moments accumulated over chunks (mergeable, like the engine's)."""

    def __init__(self):
        self.counts = {}
        self.moments = {}
        self.fired = {}

    def count(self, name, k, n):
        ck, cn = self.counts.get(name, (0, 0))
        self.counts[name] = (ck + int(k), cn + int(n))

    def fire(self, rule, times, most):
        """A rule fired `times` more times, at most `most` times in one trial."""
        total, _ = self.fired.get(rule, (0, most))
        self.fired[rule] = (total + int(times), most)

    def values(self, name, x):
        x = np.asarray(x, dtype=np.float64)
        n, s, ss = self.moments.get(name, (0, 0.0, 0.0))
        self.moments[name] = (n + x.size, s + float(x.sum()), ss + float(np.dot(x, x)))

    def to_json(self):
        lists = lambda d: {k: list(v) for k, v in d.items()}  # noqa: E731
        return {"counts": lists(self.counts), "moments": lists(self.moments), "fired": lists(self.fired)}


def odds(p, factor):
    """p with its odds multiplied by factor (the `odds:` effect)."""
    return factor * p / (1.0 - p + factor * p)


def chunk(rng, n, sums):
    # 1. Crisis variables.
    severity = rng.beta(6.0, 2.0, n)
    foreign = rng.random(n) < 0.85
    need = np.ceil(rng.triangular(1500.0, 2500.0, 3500.0, n))
    sums.values("need", need)

    # 2. Request: base 0, +0.803 when severe and the host is aligned, odds x4 when framed as
    # foreign (the calibrated base; the other request rules need an external attack, a fallen
    # government, disputed territory, a bilateral route, an estranged or a lead-nation host).
    survival = severity > 0.6  # host alignment 0.7 > 0.5
    p = 0.0 + 0.803 * survival
    p = np.where(foreign, odds(p, 4.0), p)
    requested = rng.random(n) < p
    sums.count("request", requested.sum(), n)
    sums.fire("request/survival", survival.sum(), 1)
    sums.fire("request/foreign_framing", foreign.sum(), 1)

    # 3. Council, on the trials that asked.
    r = np.flatnonzero(requested)
    nr = r.size
    sev_r, foreign_r, need_r = severity[r], foreign[r], need[r]
    blocked = {}
    supported = {}
    abstentions = np.zeros(nr, dtype=np.int64)
    blocks = np.zeros(nr, dtype=np.int64)
    for m in MEMBERS:
        if m == HOST:
            blocked[m] = np.zeros(nr, dtype=bool)
            sums.count(f"support/{m}", nr, nr)
            sums.count(f"block/{m}", 0, nr)
            continue
        ps = ALIGNMENT[m] * np.where(foreign_r, 1.0, 0.35)  # internal matter without a foreign link
        # Block: 0.03, +0.923 for the lead nation (Russia) in internal unrest without a foreign link.
        pb = np.minimum(0.03 + np.where((m == "russia") & ~foreign_r, 0.923, 0.0), 1.0)
        u = rng.random(nr)
        support = u < ps
        block = ~support & (u < ps + (1.0 - ps) * pb)
        abstentions += ~support & ~block
        blocks += block
        blocked[m] = block
        supported[m] = support
        sums.count(f"support/{m}", support.sum(), nr)
        sums.count(f"block/{m}", block.sum(), nr)
    sums.fire("council.support/host_asks", nr, 1)
    sums.fire("council.support/internal_matter", (len(MEMBERS) - 1) * (~foreign_r).sum(), len(MEMBERS) - 1)
    sums.fire("council.block/lead_nation_internal", (~foreign_r).sum(), 1)
    passed = blocks == 0  # consensus: nobody blocks (the host always supports)
    mission_only = rng.random(nr) < 0.05 + 0.4 * (sev_r < 0.3)
    fallback = rng.random(nr) < 0.3 + 0.698 * (sev_r > 0.5)
    deploy_r = passed & ~mission_only
    non_military = (passed & mission_only) | (~passed & fallback)
    sums.fire("council.mission_only/small_crisis", (passed & (sev_r < 0.3)).sum(), 1)
    sums.fire("council.fallback/show_support", (~passed & (sev_r > 0.5)).sum(), 1)
    # Hours to meet; an objection sends the request back for 1.47 days of consultations.
    days = rng.uniform(0.1, 0.8, nr) + np.where(blocks > 0, 1.47, 0.0)
    sums.fire("council.days/objection", (blocks > 0).sum(), 1)
    sums.values("timing/decision", days)
    sums.count("invoked", (deploy_r | non_military).sum(), n)
    sums.count("non_military", non_military.sum(), n)
    sums.count("deploy", deploy_r.sum(), n)
    sums.count("refused", (~passed & ~fallback).sum(), n)

    # 4. Pool: the smallest whose cap covers the need, else the largest.
    d = np.flatnonzero(deploy_r)
    nd = d.size
    need_d, days_d = need_r[d], days[d]
    pool = np.full(nd, len(POOLS) - 1)
    for i in reversed(range(len(POOLS))):
        pool = np.where(need_d <= POOLS[i][1], i, pool)
    cap = np.array([c for _, c, _ in POOLS], dtype=np.float64)[pool]
    pool_pledged = np.array(POOL_PLEDGED, dtype=np.float64)[pool]

    # 5. Contributions in the declared order; later members see Russia's choice.
    committed = {}
    arrival = {}
    russia_in = np.zeros(nd, dtype=bool)
    for m in CONTRIBUTORS:
        pledge = np.array([pl[m] for _, _, pl in POOLS], dtype=np.float64)[pool]
        p = np.full(nd, ALIGNMENT[m])
        p = np.where(blocked[m][d], 0.0, p)
        leads = np.zeros(nd, dtype=bool)
        if m == "russia":
            # The lead nation that voted for troops leads the force (set 1, stop).
            leads = supported[m][d]
            sums.fire("contribute.probability/lead_nation_leads", leads.sum(), 1)
        if NEEDS_PARLIAMENT[m]:
            p *= 0.8
            sums.fire("contribute.probability/parliament", nd, PARLIAMENTS)
        if m != "russia":
            p = np.where(russia_in, p + 0.25, p)
            sums.fire("contribute.probability/follow_the_lead", russia_in.sum(), len(CONTRIBUTORS) - 1)
        if not OWN_AIRLIFT[m]:
            p = np.where(russia_in, p, p * 0.3)
            sums.fire("contribute.probability/no_airlift", (~russia_in).sum(), sum(not OWN_AIRLIFT[c] for c in CONTRIBUTORS))
        if PROTEST_RISK[m] > 0.5:
            p *= 0.8
            sums.fire("contribute.probability/protests", nd, sum(PROTEST_RISK[c] > 0.5 for c in CONTRIBUTORS))
        p = np.where(leads, 1.0, p)
        yes = rng.random(nd) < np.clip(p, 0.0, 1.0)
        # Sized to the need: the member's pledge's share of what may contribute.
        raw = need_d * pledge / pool_pledged * rng.uniform(0.6, 1.2, nd)
        personnel = np.where(yes, np.floor(np.minimum(raw, pledge) + 0.5), 0.0)
        arrives = personnel >= 1.0
        day = LEAD_TIME[m] + rng.exponential(0.25, nd) + (1.35 if NEEDS_PARLIAMENT[m] else 0.0)  # exponential(rate 4)
        if NEEDS_PARLIAMENT[m]:
            sums.fire("contribute.arrival_day/parliament_delay", arrives.sum(), PARLIAMENTS)
        committed[m] = personnel
        arrival[m] = np.where(arrives, days_d + day, np.nan)
        if m == "russia":
            russia_in = arrives

    # 6. Deployment: capped by the pool, the excess trimmed from the last contributors first.
    total = sum(committed.values())
    excess = np.maximum(total - cap, 0.0)
    for m in reversed(CONTRIBUTORS):
        removed = np.minimum(committed[m], excess)
        committed[m] = committed[m] - removed
        excess -= removed
        arrival[m] = np.where(committed[m] > 0.0, arrival[m], np.nan)
    deployed = np.minimum(total, cap)
    # Personnel over the deployments in which troops went; the others by name.
    sums.values("deployed|deploy", deployed[deployed > 0])
    sums.count("deploy_unsent", (deployed == 0).sum(), n)
    sums.count("surplus_positive", (deployed > need_d).sum(), nd)
    sums.values("shortfall|deploy", np.maximum(need_d - deployed, 0.0))
    sums.count("shortfall_positive", (need_d > deployed).sum(), nd)
    for m in CONTRIBUTORS:
        c = committed[m]
        sums.count(f"contributes/{m}", (c > 0).sum(), nd)
        sums.values(f"personnel/{m}", c[c > 0])
    times = np.column_stack([arrival[m] for m in CONTRIBUTORS])
    anyone = ~np.all(np.isnan(times), axis=1)
    first = np.full(nd, np.nan)
    first[anyone] = np.nanmin(times[anyone], axis=1)
    sums.values("timing/first_arrival", first[anyone])
    sums.values("timing/full_strength", np.nanmax(times[anyone], axis=1))

    # 7. Outcomes, over every trial.
    deployed_all = np.zeros(n)
    deployed_all[r[d]] = deployed
    sums.values("deployed|trial", deployed_all)
    coverage = np.minimum(deployed_all / need, 1.0)
    sums.values("outcome/coverage", coverage)
    stab_p = np.full(n, 0.35)
    arrived = np.zeros(n, dtype=bool)
    arrived[r[d]] = deployed > 0
    first_all = np.zeros(n)
    first_all[r[d]] = np.nan_to_num(first)
    stab_p = np.where(arrived, np.clip(0.45 + 0.5 * coverage - 0.04 * first_all, 0.0, 1.0), stab_p)
    sums.values("outcome/stabilised", (rng.random(n) < stab_p).astype(np.float64))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chunk", type=int, default=1 << 18, help="trials per array (memory stays flat)")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    sums = Sums()
    done = 0
    while done < args.trials:
        n = min(args.chunk, args.trials - done)
        chunk(rng, n, sums)
        done += n
    print(json.dumps({"trials": args.trials, "seed": args.seed, **sums.to_json()}))


if __name__ == "__main__":
    main()
