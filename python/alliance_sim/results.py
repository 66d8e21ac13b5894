"""Results as DataFrames.

Every result keeps the JSON document the command line exports for the same
call (``.to_dict()``; ``alliance-sim run --export-json`` and friends), and
shows its tables as pandas DataFrames built from it, so a figure read from
a DataFrame is the CLI's figure.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Dict, List, Optional

import pandas as pd


def _frame(rows: List[Dict[str, Any]], index: Optional[str] = None) -> pd.DataFrame:
    """Rows of (possibly nested) dicts as a flat DataFrame: nested keys join
    with a dot (``support.p``)."""
    frame = pd.json_normalize(rows) if rows else pd.DataFrame()
    if index is not None and index in frame.columns:
        frame = frame.set_index(index)
    return frame


def _estimates(section: Dict[str, Any]) -> pd.DataFrame:
    """The estimates of a section (entries with an interval), one row each:
    a proportion has ``k, n, p``; a mean has ``n, mean, se``; both ``lo, hi``."""
    rows = [{"quantity": name, **value} for name, value in section.items() if isinstance(value, dict) and "lo" in value]
    return _frame(rows, "quantity")


class Result:
    """A result: its JSON document and its metadata."""

    def __init__(self, document: str):
        self._doc = json.loads(document)

    def to_dict(self) -> Dict[str, Any]:
        """The JSON document the command line exports for the same call (a copy)."""
        return copy.deepcopy(self._doc)

    def to_json(self) -> str:
        """The document as JSON text."""
        return json.dumps(self._doc)

    @property
    def meta(self) -> Dict[str, Any]:
        """Scenario, origin, hash, seed, trials, random-number algorithm and overrides."""
        return copy.deepcopy(self._doc.get("meta", {}))


class Summary(Result):
    """A run's summary (``Scenario.run``). Tables: ``funnel``, ``deployment``,
    ``percentiles``, ``pools``, ``members``, ``timing``, ``outcomes``,
    ``rules``, ``history``."""

    @property
    def funnel(self) -> pd.DataFrame:
        """Each stage (request, invoked, non_military, deploy, deploy_unsent:
        decided and nobody sent, refused) as a proportion of all trials: k,
        n, p and its 95% interval lo, hi."""
        return _estimates(self._doc["funnel"])

    def p(self, stage: str = "deploy") -> float:
        """The probability of a funnel stage, e.g. ``summary.p("deploy")``."""
        funnel = self._doc["funnel"]
        if stage not in funnel:
            raise KeyError(f"no funnel stage '{stage}' (stages: {', '.join(funnel)})")
        return float(funnel[stage]["p"])

    @property
    def deployment(self) -> pd.DataFrame:
        """Deployment estimates: personnel (when deployed), per trial, need,
        shortfall, the shares above the caps, trimming."""
        return _estimates(self._doc["deployment"])

    @property
    def percentiles(self) -> pd.DataFrame:
        """Percentiles of personnel deployed (when troops went), need, and the
        days to the decision, first arrival and full strength, one row each."""
        d, t = self._doc["deployment"], self._doc["timing"]
        rows = {
            "personnel": d["percentiles"],
            "need": d["need_percentiles"],
            "decision": t["decision_percentiles"],
            "first_arrival": t["first_arrival_percentiles"],
            "full_strength": t["full_strength_percentiles"],
        }
        return pd.DataFrame.from_dict({k: v for k, v in rows.items() if v}, orient="index")

    @property
    def pools(self) -> pd.DataFrame:
        """Each force pool: cap, share of deployments drawn from it, mean personnel."""
        return _frame(self._doc["deployment"]["pools"], "id")

    @property
    def members(self) -> pd.DataFrame:
        """Each member: votes (support, block), whether and how much it contributes."""
        return _frame(self._doc["members"], "id")

    @property
    def timing(self) -> pd.DataFrame:
        """Days to the decision, the first arrival and full strength: n, mean, se, lo, hi."""
        return _estimates(self._doc["timing"])

    @property
    def outcomes(self) -> pd.DataFrame:
        """Each outcome metric the scenario defines: its mean with interval, min, max."""
        return _frame(self._doc["outcomes"], "name")

    @property
    def rules(self) -> pd.DataFrame:
        """Each rule: how often it fired, per trial, and its ``because`` text."""
        return _frame(self._doc["rules"], "id")

    @property
    def history(self) -> pd.DataFrame:
        """The backtest against what happened (scenarios with ``observed:``),
        one row (each recorded time in the ``times`` column); empty otherwise."""
        backtest = self._doc.get("backtest")
        if not backtest:
            return pd.DataFrame()
        flat = {k: v for k, v in backtest.items() if k != "contributors"}
        frame = pd.json_normalize([flat])
        frame.index = [self._doc["meta"]["scenario"]]
        return frame

    def __repr__(self) -> str:
        m = self._doc["meta"]
        return (
            f"<Summary of '{m['scenario']}': {m['trials']} trials, seed {m['seed']}, "
            f"P(deploy) = {self.p('deploy'):.4f}>"
        )


class Comparison(Result):
    """Scenarios on common random numbers, each later one against the first
    (``compare``). ``differences``: one row per measure and scenario."""

    @property
    def meta(self) -> Dict[str, Any]:
        """The first (reference) scenario's metadata."""
        return copy.deepcopy(self._doc["scenarios"][0])

    @property
    def scenarios(self) -> pd.DataFrame:
        """Each scenario's metadata, the reference first."""
        return _frame(self._doc["scenarios"])

    @property
    def differences(self) -> pd.DataFrame:
        """Paired differences (b − a) with their 95% intervals, one row per
        measure and compared scenario."""
        rows = []
        for against in self._doc["against"]:
            for line in against["lines"]:
                rows.append({"scenario": against["scenario"], "baseline": against["baseline"], **line})
        return _frame(rows)

    def __repr__(self) -> str:
        names = [s["scenario"] for s in self._doc["scenarios"]]
        return f"<Comparison of {len(names)} scenarios against '{names[0]}'>"


class Sweep(Result):
    """A sweep (``sweep``): ``points`` has one row per point, the varied
    values then each point's funnel probabilities and mean deployment."""

    @property
    def paths(self) -> List[str]:
        """The varied paths."""
        return list(self._doc["paths"])

    @property
    def points(self) -> pd.DataFrame:
        """One row per point: the varied values, then every figure of the
        point flattened (``funnel.deploy.p``, ``deployment.personnel.mean``…)."""
        rows = []
        for point in self._doc["points"]:
            row = dict(zip(self._doc["paths"], point["values"]))
            row.update({k: v for k, v in point.items() if k != "values"})
            rows.append(row)
        return _frame(rows)

    def __repr__(self) -> str:
        return f"<Sweep over {', '.join(self.paths)}: {len(self._doc['points'])} points>"


class Sensitivity(Result):
    """A sensitivity analysis (``sensitivity``): ``inputs`` has one row per
    input — the tornado's moves for ``method='oat'``, first and total Sobol'
    indices for ``'sobol'``, μ, μ* and σ for ``'morris'``. ``points`` holds
    the design for the last two."""

    @property
    def method(self) -> str:
        """``oat``, ``sobol`` or ``morris``."""
        if "samples" in self._doc:
            return "sobol"
        if "trajectories" in self._doc:
            return "morris"
        return "oat"

    @property
    def inputs(self) -> pd.DataFrame:
        """One row per input, by path. For the tornado: ``base``, ``swing``
        and for each of ``low`` and ``high`` the moved ``input`` and the
        paired difference (``low.diff``, ``low.lo``, ``low.hi``…), or
        ``low.error`` where the moved scenario does not load."""
        frame = _frame(self._doc["inputs"], "path")
        return frame.rename(columns=lambda c: c.replace(".effect.invalid", ".error").replace(".effect.", "."))

    @property
    def points(self) -> pd.DataFrame:
        """The design's points and each one's output (Sobol' and Morris)."""
        return _frame(self._doc.get("points", []))

    def __repr__(self) -> str:
        return f"<Sensitivity ({self.method}) of {self._doc['metric']}: {len(self._doc['inputs'])} inputs>"
