"""alliance-sim in Python: the Monte Carlo engine of how a military alliance
(the CSTO, by default) answers a crisis, run in process.

Load a scenario, run it, read the tables as pandas DataFrames::

    import alliance_sim as asim

    s = asim.load("kazakhstan-2022")                  # bundled name, path or YAML text
    summary = s.run(trials=100_000, seed=1)
    summary.funnel                                    # DataFrame: request … deploy, refused
    summary.p("deploy")
    summary.to_dict()                                 # = alliance-sim run --export-json

    what_if = asim.load("kazakhstan-2022", set={"alliance.pools.peacekeeping.cap": 2000})
    asim.compare(s, what_if, trials=50_000).differences
    asim.sweep(s, {"members.russia.attributes.alignment": (0.5, 1.0, 6)}).points
    asim.sensitivity(s, method="sobol", samples=64).inputs

    import polars as pl
    pl.DataFrame(s.trials(1_000_000))                 # per-trial records, Arrow, no copy

Figures equal the command line's for the same scenario, overrides, seed and
trials, byte for byte: the same engine computes them and the same JSON
carries them. Long calls release the GIL, run on the engine's threads,
stop on Ctrl-C (KeyboardInterrupt), on a :class:`Cancel` token from any
thread (``cancel=``) or after ``timeout=`` seconds, and show a progress
bar with ``progress=True`` (tqdm, in notebooks too). The EMA Workbench connector is
:mod:`alliance_sim.ema`.
"""

from __future__ import annotations

import json
import numbers
import os
import sys
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import _engine
from ._engine import Cancel, Cancelled, ScenarioError, TrialRecords, __version__
from .results import Comparison, Result, Sensitivity, Summary, Sweep

__all__ = [
    "Cancel",
    "Cancelled",
    "Comparison",
    "Records",
    "Result",
    "Scenario",
    "ScenarioError",
    "Sensitivity",
    "Summary",
    "Sweep",
    "TrialRecords",
    "__version__",
    "bundled",
    "compare",
    "load",
    "sensitivity",
    "sweep",
]

Value = Union[str, int, float, bool]
Progress = Union[bool, Callable[[int, int], Any], None]


def _yaml(value: Value) -> str:
    """A Python value as the YAML text ``--set PATH=VALUE`` takes. NumPy's
    and pandas' scalars count as the numbers they are (an EMA experiment or
    an integer column gives ``np.int64``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, _numpy_bools())):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return json.dumps(float(value))
    raise TypeError(f"set: {value!r} is not a string, number or boolean")


def _numpy_bools() -> Tuple[type, ...]:
    """NumPy's boolean scalar type, when NumPy is loaded (it is not a ``bool``)."""
    numpy = sys.modules.get("numpy")
    return (numpy.bool_,) if numpy is not None else ()


def _whole(name: str, value: Optional[int], least: int) -> Optional[int]:
    """``value`` checked as a whole number of at least ``least`` (None
    passes: the scenario's own), in the words of the call's argument."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}={value!r}: expected a whole number")
    if value < least:
        raise ValueError(f"{name}={value}: expected a whole number of at least {least}")
    return int(value)


def _counts(trials: Optional[int], seed: Optional[int], threads: Optional[int]) -> Tuple[Any, Any, Any]:
    """A call's ``trials``, ``seed`` and ``threads``, checked."""
    return _whole("trials", trials, 1), _whole("seed", seed, 0), _whole("threads", threads, 1)


def _pairs(set: Optional[Mapping[str, Value]]) -> List[Tuple[str, str]]:
    if set is None:
        return []
    if not isinstance(set, Mapping):
        raise TypeError("set: expected a dict of {path: value}, e.g. {'alliance.pools.peacekeeping.cap': 2000}")
    return [(str(path), _yaml(value)) for path, value in set.items()]


class _Bar:
    """A tqdm progress bar (tqdm.auto: a widget in notebooks) fed by the
    engine's (done, total) reports."""

    def __init__(self, description: str):
        from tqdm.auto import tqdm

        self._tqdm = tqdm
        self._bar = None
        self._description = description

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = self._tqdm(total=total, desc=self._description, unit=" trials", unit_scale=True)
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _watch(progress: Progress, description: str, call: Callable[[Optional[Callable[[int, int], Any]]], str]) -> str:
    """Runs ``call`` with a progress callable: a tqdm bar for ``True``, the
    caller's own callable, or none."""
    if progress is True:
        bar = _Bar(description)
        try:
            return call(bar)
        finally:
            bar.close()
    if progress is False or progress is None:
        return call(None)
    if callable(progress):
        return call(progress)
    raise TypeError("progress: expected True, False or a callable(done, total)")


class Records:
    """Per-trial records (from :meth:`Scenario.trials`), computed chunk by
    chunk as they are read. The Arrow PyCapsule interface
    (``__arrow_c_stream__``) lets ``pyarrow.table(r)`` and
    ``polars.DataFrame(r)`` take them without a copy, and
    ``pandas.DataFrame.from_arrow(r)`` (pandas ≥ 3) convert them; each read
    gives the same rows."""

    def __init__(self, engine: TrialRecords):
        self._engine = engine

    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object:
        """A new Arrow C stream of the records."""
        return self._engine.__arrow_c_stream__(requested_schema)

    def __len__(self) -> int:
        return len(self._engine)

    @property
    def columns(self) -> List[str]:
        """The column names, in order."""
        return self._engine.columns

    def to_arrow(self):
        """A ``pyarrow.Table`` (one record batch per chunk)."""
        import pyarrow

        return pyarrow.table(self)

    def to_polars(self):
        """A ``polars.DataFrame``."""
        import polars

        return polars.DataFrame(self)

    def to_pandas(self):
        """A ``pandas.DataFrame`` (labels as categoricals, undefined values as NaN)."""
        return self.to_arrow().to_pandas()

    def __repr__(self) -> str:
        return repr(self._engine)


class Scenario:
    """A loaded scenario (from :func:`load`): run it, stream its per-trial
    records, tell one trial's story, or derive a variant with more ``set``."""

    def __init__(self, engine: "_engine.Scenario", source: str):
        self._engine = engine
        self._source = source

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self._engine.name

    @property
    def origin(self) -> str:
        """Where it was loaded from: ``<bundled>/NAME``, a path, or ``<text>``."""
        return self._engine.origin

    @property
    def overrides(self) -> Dict[str, str]:
        """The ``set`` overrides it was loaded with (values as YAML text)."""
        return dict(self._engine.overrides)

    @property
    def members(self) -> List[str]:
        """The members' ids."""
        return self._engine.members

    @property
    def variables(self) -> List[str]:
        """The crisis variables' names."""
        return self._engine.variables

    @property
    def columns(self) -> List[str]:
        """The per-trial record columns (see :meth:`trials`)."""
        return self._engine.columns

    @property
    def warnings(self) -> List[str]:
        """Warnings from loading (the scenario runs anyway)."""
        return self._engine.warnings

    @property
    def default_trials(self) -> int:
        """The scenario's own trial count (``run.trials``)."""
        return self._engine.defaults[0]

    @property
    def default_seed(self) -> int:
        """The scenario's own seed (``run.seed``)."""
        return self._engine.defaults[1]

    def numeric_inputs(self) -> Dict[str, float]:
        """Every number of the scenario by its ``set`` path: what sweeps,
        sensitivity analyses and the EMA connector can move."""
        return dict(self._engine.numeric_inputs())

    def variant(self, set: Mapping[str, Value]) -> "Scenario":
        """This scenario with more overrides (later ones win)."""
        merged = dict(self._engine.overrides)
        merged.update(dict(_pairs(set)))
        return Scenario(_engine.load(self._source, list(merged.items())), self._source)

    def run(
        self,
        trials: Optional[int] = None,
        seed: Optional[int] = None,
        threads: Optional[int] = None,
        precision: Optional[float] = None,
        precision_of: str = "deploy",
        progress: Progress = False,
        cancel: Optional[Cancel] = None,
        timeout: Optional[float] = None,
    ) -> Summary:
        """Runs a batch and returns its :class:`Summary`.

        ``trials`` and ``seed`` default to the scenario's own; ``threads`` to
        every core (results do not depend on it). With ``precision=h`` the run
        stops at the first chunk where the 95% interval of ``precision_of``
        (a funnel stage such as ``deploy``, or ``deployed``) is at most ±h.
        ``summary.to_dict()`` equals ``alliance-sim run --export-json`` with
        the same ``set``, ``--seed`` and ``--trials``. A run stops on Ctrl-C
        (main thread), on ``cancel.cancel()`` from any thread (raising
        :class:`Cancelled`) and after ``timeout`` seconds (``TimeoutError``),
        within about 100 ms; a stopped run returns nothing.
        """
        trials, seed, threads = _counts(trials, seed, threads)
        text = _watch(
            progress,
            self.name,
            lambda p: self._engine.run(trials, seed, threads, precision, precision_of, p, cancel, timeout),
        )
        return Summary(text)

    def trials(
        self,
        n: int,
        seed: Optional[int] = None,
        columns: Optional[Sequence[str]] = None,
        chunk: int = 65536,
        threads: Optional[int] = None,
        cancel: Optional[Cancel] = None,
    ) -> Records:
        """Per-trial records of trials 0 … n − 1 as Arrow record batches of
        ``chunk`` trials, computed as they are read.

        The object speaks the Arrow PyCapsule interface, so
        ``pyarrow.table(r)`` and ``polars.DataFrame(r)`` take it without a
        copy and ``pandas.DataFrame.from_arrow(r)`` (pandas ≥ 3) or
        ``r.to_pandas()`` convert it; it can be read again and gives the
        same rows. Columns are
        those of ``run --trials-out`` (see :attr:`columns`); ``columns``
        keeps only some. Reading stops between waves of chunks on Ctrl-C
        and when ``cancel`` is cancelled (the reader raises).
        """
        n, (_, seed, threads) = _whole("n", n, 0), _counts(None, seed, threads)
        if isinstance(columns, str):
            columns = [columns]
        return Records(
            self._engine.trials(n, seed, None if columns is None else list(columns), chunk, threads, cancel)
        )

    def explain(self, trial: int, seed: Optional[int] = None) -> Dict[str, Any]:
        """One trial told rule by rule (``alliance-sim explain --format json``)."""
        return json.loads(self._engine.explain(trial, seed))

    def __reduce__(self) -> Tuple[Callable[..., "Scenario"], Tuple[str, Tuple[Tuple[str, str], ...]]]:
        """Pickled as its source and overrides, and loaded again where it is
        unpickled (a process pool's worker, EMA's evaluators). A relative
        path is read from the unpickling process's working directory, which
        a pool's workers share with their parent."""
        return (_reload, (self._source, tuple(self._engine.overrides)))

    def __repr__(self) -> str:
        return f"<Scenario '{self.name}' from {self.origin}>"


def _reload(source: str, overrides: Tuple[Tuple[str, str], ...]) -> Scenario:
    """A pickled :class:`Scenario` loaded again."""
    return Scenario(_engine.load(source, list(overrides)), source)


def load(source: Union[str, "os.PathLike[str]"], set: Optional[Mapping[str, Value]] = None) -> Scenario:
    """Loads a scenario: a bundled name (``"kazakhstan-2022"``,
    ``"what-if/kazakhstan-chair"``), a path to a YAML file, or YAML text
    (any string with a line break; its ``extends:`` may name bundled
    scenarios). ``set`` overrides values by dotted path, as ``--set`` does::

        load("kazakhstan-2022", set={"members.russia.attributes.alignment": 0.6})

    A scenario that does not load raises :class:`ScenarioError`, whose
    ``.file``, ``.line``, ``.column`` and ``.message`` locate the first error
    and ``.diagnostics`` lists them all.
    """
    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    if not isinstance(source, str):
        raise TypeError(f"source: expected a bundled name, a path or YAML text, not {type(source).__name__}")
    return Scenario(_engine.load(source, _pairs(set)), source)


def bundled() -> Dict[str, str]:
    """The bundled scenarios that run on their own, with their descriptions."""
    return dict(_engine.bundled_scenarios())


def compare(
    *scenarios: Scenario,
    trials: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    progress: Progress = False,
    cancel: Optional[Cancel] = None,
    timeout: Optional[float] = None,
) -> Comparison:
    """Runs scenarios on common random numbers, each later one paired with
    the first (``alliance-sim compare``): ``compare(a, b, c)`` or
    ``compare([a, b, c])``. ``trials`` and ``seed`` default to the first
    scenario's."""
    if len(scenarios) == 1 and isinstance(scenarios[0], (list, tuple)):
        scenarios = tuple(scenarios[0])
    for s in scenarios:
        if not isinstance(s, Scenario):
            raise TypeError(f"compare: expected Scenarios (from load()), not {type(s).__name__}")
    if len(scenarios) < 2:
        raise ValueError("compare: expected at least two scenarios, the first the baseline")
    trials, seed, threads = _counts(trials, seed, threads)
    engines = [s._engine for s in scenarios]
    text = _watch(progress, "compare", lambda p: _engine.compare(engines, trials, seed, threads, p, cancel, timeout))
    return Comparison(text)


VarySpec = Union[str, Tuple[float, float], Tuple[float, float, int], Sequence[Value]]


def _vary(vary: Union[Mapping[str, VarySpec], Iterable[str]]) -> List[str]:
    """``--vary`` texts from ``{path: spec}`` or from ready ``PATH=…`` strings.

    A spec is ``(lo, hi, steps)`` (a grid), ``(lo, hi)`` (a range for a
    sampling design), a list of values, or a string as after ``PATH=`` on
    the command line (``"normal:0.8:0.05"``, ``"0.2:0.9:8"``).
    """
    if isinstance(vary, Mapping):
        out = []
        for path, spec in vary.items():
            if isinstance(spec, str):
                text = spec
            elif isinstance(spec, tuple) and len(spec) in (2, 3) and all(isinstance(x, (int, float)) for x in spec):
                text = ":".join(_yaml(x) for x in spec)
            elif isinstance(spec, (list, tuple)):
                text = ",".join(_yaml(x) for x in spec)
            else:
                raise TypeError(f"vary[{path!r}]: expected (lo, hi, steps), (lo, hi), a list of values or a string")
            out.append(f"{path}={text}")
        return out
    return [str(v) for v in vary]


def sweep(
    scenario: Scenario,
    vary: Union[Mapping[str, VarySpec], Iterable[str], None] = None,
    sample: Optional[str] = None,
    trials: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    progress: Progress = False,
    cancel: Optional[Cancel] = None,
    timeout: Optional[float] = None,
) -> Sweep:
    """Runs the scenario at each point of a grid (``vary={path: (lo, hi,
    steps)}``, several paths make a product) or of a sampling design
    (``sample="lhs:64"`` or ``"sobol:64"`` over ``{path: (lo, hi)}`` or
    distributions; without ``vary``, the scenario's ``uncertain:`` block),
    all on common random numbers (``alliance-sim sweep``)."""
    texts = _vary(vary or {})
    if not texts and sample is None:
        raise ValueError(
            "sweep: nothing to vary: give vary={path: (lo, hi, steps)}, or sample='lhs:64' "
            "for the scenario's uncertain: block (see Scenario.numeric_inputs() for the paths)"
        )
    trials, seed, threads = _counts(trials, seed, threads)
    text = _watch(
        progress,
        "sweep",
        lambda p: _engine.sweep(scenario._engine, texts, sample, trials, seed, threads, p, cancel, timeout),
    )
    return Sweep(text)


def sensitivity(
    scenario: Scenario,
    method: str = "oat",
    metric: str = "deploy",
    inputs: Sequence[str] = (),
    fraction: float = 0.1,
    vary: Union[Mapping[str, VarySpec], Iterable[str], None] = None,
    samples: int = 512,
    trajectories: int = 20,
    levels: int = 4,
    trials: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    progress: Progress = False,
    cancel: Optional[Cancel] = None,
    timeout: Optional[float] = None,
) -> Sensitivity:
    """A sensitivity analysis of ``metric`` (``alliance-sim sensitivity``).

    ``method="oat"``: each of ``inputs`` (default: every nonzero number of
    the members, crisis, decisions and pools) moved by ± ``fraction``, on
    common random numbers (20,000 trials per point by default).
    ``"sobol"``: first and total Sobol' indices over ``vary`` ranges or
    distributions (default: the scenario's ``uncertain:`` block), Saltelli's
    design of ``samples`` (k + 2) points. ``"morris"``: elementary effects,
    ``trajectories`` (k + 1) points on a ``levels`` grid. Both default to
    2,000 trials per point.
    """
    texts = _vary(vary or {})
    trials, seed, threads = _counts(trials, seed, threads)
    samples, trajectories, levels = (
        _whole("samples", samples, 1),
        _whole("trajectories", trajectories, 1),
        _whole("levels", levels, 2),
    )
    if isinstance(inputs, str):
        inputs = [inputs]
    text = _watch(
        progress,
        f"sensitivity ({method})",
        lambda p: _engine.sensitivity(
            scenario._engine,
            method,
            metric,
            list(inputs),
            fraction,
            texts,
            samples,
            trajectories,
            levels,
            trials,
            seed,
            threads,
            p,
            cancel,
            timeout,
        ),
    )
    return Sensitivity(text)
