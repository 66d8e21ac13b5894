"""The EMA Workbench connector: a scenario as an EMA ``Model`` whose
function runs the engine in process.

    import alliance_sim as asim
    from alliance_sim import ema
    from ema_workbench import perform_experiments
    from ema_workbench.analysis import prim

    model = ema.model(
        asim.load("kazakhstan-2022"),
        uncertainties={
            "members.kazakhstan.attributes.alignment": (0.2, 1.0),
            "alliance.pools.peacekeeping.cap": (2000, 6000),
        },
        outcomes=["deploy", "refused_or_no_request", "shortfall"],
        trials=2000,
    )
    experiments, outcomes = perform_experiments(model, scenarios=200)   # Latin hypercube
    box = prim.Prim(experiments[model.paths], outcomes["refused_or_no_request"] > 0.5,
                    threshold=0.8).find_box()

Each experiment loads the scenario with its uncertainties as ``set``
overrides (the same paths ``alliance-sim --set`` takes) and runs ``trials``
trials on the same ``seed``: common random numbers across experiments, so
differences between them are the inputs', not the dice's.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from . import Scenario

#: The outcomes by name, each read from a run's JSON summary. A scenario's
#: own outcome metrics are available by their names as well.
OUTCOMES: Dict[str, Tuple[str, Callable[[Dict[str, Any]], float]]] = {
    "request": ("P(the stricken member asks)", lambda d: d["funnel"]["request"]["p"]),
    "invoked": ("P(Article 4 invoked)", lambda d: d["funnel"]["invoked"]["p"]),
    "non_military": ("P(help without troops)", lambda d: d["funnel"]["non_military"]["p"]),
    "deploy": ("P(a deployment)", lambda d: d["funnel"]["deploy"]["p"]),
    "refused": ("P(the council refuses)", lambda d: d["funnel"]["refused"]["p"]),
    "no_request": ("P(no request)", lambda d: 1.0 - d["funnel"]["request"]["p"]),
    "refused_or_no_request": (
        "P(refused or no request)",
        lambda d: 1.0 - d["funnel"]["request"]["p"] + d["funnel"]["refused"]["p"],
    ),
    "personnel": ("mean personnel when deployed", lambda d: d["deployment"]["personnel"]["mean"]),
    "per_trial": ("mean personnel per trial", lambda d: d["deployment"]["per_trial"]["mean"]),
    "need": ("mean need", lambda d: d["deployment"]["need"]["mean"]),
    "shortfall": ("mean shortfall when deployed", lambda d: d["deployment"]["shortfall"]["mean"]),
    "decision_days": ("mean days to the decision", lambda d: d["timing"]["decision"]["mean"]),
    "first_arrival": ("mean days to the first arrival", lambda d: d["timing"]["first_arrival"]["mean"]),
    "full_strength": ("mean days to full strength", lambda d: d["timing"]["full_strength"]["mean"]),
}

Range = Union[Tuple[float, float], Sequence[Any]]


def _number(value: Any) -> float:
    """A figure, NaN where the summary has none (no deploy trial, say)."""
    return float("nan") if value is None else float(value)


def outcome_value(summary: Dict[str, Any], name: str) -> float:
    """The outcome ``name`` of a run's JSON summary (see :data:`OUTCOMES`;
    a scenario outcome metric by its name gives its mean)."""
    if name in OUTCOMES:
        try:
            return _number(OUTCOMES[name][1](summary))
        except (KeyError, TypeError):
            return math.nan
    own = [line["name"] for line in summary.get("outcomes", [])]
    for line in summary.get("outcomes", []):
        if line["name"] == name:
            return _number(line["estimate"]["mean"])
    raise KeyError(f"no outcome '{name}' (outcomes: {', '.join([*OUTCOMES, *own])})")


def _parameter(path: str, spec: Range):
    from ema_workbench import CategoricalParameter, IntegerParameter, RealParameter

    if isinstance(spec, tuple) and len(spec) == 2 and all(isinstance(x, (int, float)) for x in spec):
        lo, hi = spec
        if isinstance(lo, int) and isinstance(hi, int) and not isinstance(lo, bool):
            return IntegerParameter(path, lo, hi)
        return RealParameter(path, float(lo), float(hi))
    if isinstance(spec, (list, tuple)) and spec:
        return CategoricalParameter(path, list(spec))
    raise TypeError(f"uncertainties[{path!r}]: expected (lo, hi) or a list of values")


def model(
    scenario: Scenario,
    uncertainties: Mapping[str, Range],
    outcomes: Sequence[str] = ("deploy", "refused_or_no_request"),
    trials: int = 2000,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    name: Optional[str] = None,
):
    """An EMA Workbench ``Model`` of ``scenario``.

    ``uncertainties`` maps ``set`` paths to ``(lo, hi)`` (floats: a
    ``RealParameter``; ints: an ``IntegerParameter``) or to a list of values
    (a ``CategoricalParameter``). ``outcomes`` are names from
    :data:`OUTCOMES` or the scenario's own outcome metrics, each a
    ``ScalarOutcome``. Every experiment runs ``trials`` trials with ``seed``
    (default: the scenario's). The model's ``paths`` attribute lists the
    uncertainties' paths, in order, to select them from the experiments.
    """
    from ema_workbench import Model, ScalarOutcome

    probe = scenario.run(trials=1, seed=seed).to_dict()
    for o in outcomes:
        outcome_value(probe, o)  # raises KeyError for an unknown name
    known = scenario.numeric_inputs()
    for path, spec in uncertainties.items():
        if path not in known and not isinstance(spec, list):
            raise KeyError(f"uncertainties: '{path}' is not a number of the scenario (see Scenario.numeric_inputs())")
    outcome_names: List[str] = list(outcomes)
    run_seed = scenario.default_seed if seed is None else seed

    def run(**inputs: Any) -> Dict[str, float]:
        variant = scenario.variant(inputs)
        summary = variant.run(trials=trials, seed=run_seed, threads=threads).to_dict()
        return {o: outcome_value(summary, o) for o in outcome_names}

    ema_model = Model(name or _identifier(scenario.name), function=run)
    ema_model.uncertainties = [_parameter(path, spec) for path, spec in uncertainties.items()]
    ema_model.outcomes = [ScalarOutcome(o) for o in outcome_names]
    ema_model.paths = list(uncertainties)
    return ema_model


def _identifier(text: str) -> str:
    """A model name EMA accepts: letters and digits only."""
    word = "".join(c for c in text if c.isascii() and c.isalnum()) or "alliancesim"
    return word if word[0].isalpha() else f"m{word}"
