"""Type stubs of the extension module (Rust, PyO3). The Python API is
`alliance_sim` itself; these are the calls it makes."""

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

__version__: str

class ScenarioError(ValueError):
    """A scenario that does not load; the first error's place and every diagnostic."""

    file: Optional[str]
    line: Optional[int]
    column: Optional[int]
    message: Optional[str]
    diagnostics: List[Dict[str, Any]]

class Cancelled(Exception):
    """A call stopped by its `Cancel` token."""

class Cancel:
    """A token that stops the calls it is given, from any thread."""

    cancelled: bool
    def __init__(self) -> None: ...
    def cancel(self) -> None: ...

class TrialRecords:
    """Per-trial records, read as Arrow through `__arrow_c_stream__`."""

    columns: List[str]
    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object: ...
    def __len__(self) -> int: ...

class Scenario:
    name: str
    origin: str
    overrides: List[Tuple[str, str]]
    members: List[str]
    variables: List[str]
    columns: List[str]
    defaults: Tuple[int, int]
    warnings: List[str]
    def numeric_inputs(self) -> List[Tuple[str, float]]: ...
    def run(
        self,
        trials: Optional[int] = None,
        seed: Optional[int] = None,
        threads: Optional[int] = None,
        precision: Optional[float] = None,
        precision_of: str = "deploy",
        progress: Optional[Callable[[int, int], Any]] = None,
        cancel: Optional[Cancel] = None,
        timeout: Optional[float] = None,
    ) -> str: ...
    def trials(
        self,
        n: int,
        seed: Optional[int] = None,
        columns: Optional[List[str]] = None,
        chunk: int = 65536,
        threads: Optional[int] = None,
        cancel: Optional[Cancel] = None,
    ) -> TrialRecords: ...
    def explain(self, trial: int, seed: Optional[int] = None) -> str: ...

def load(source: str, set: Sequence[Tuple[str, str]] = ...) -> Scenario: ...
def compare(
    scenarios: Sequence[Scenario],
    trials: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    progress: Optional[Callable[[int, int], Any]] = None,
    cancel: Optional[Cancel] = None,
    timeout: Optional[float] = None,
) -> str: ...
def sweep(
    scenario: Scenario,
    vary: Sequence[str],
    sample: Optional[str] = None,
    trials: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    progress: Optional[Callable[[int, int], Any]] = None,
    cancel: Optional[Cancel] = None,
    timeout: Optional[float] = None,
) -> str: ...
def sensitivity(
    scenario: Scenario,
    method: str = "oat",
    metric: str = "deploy",
    inputs: Sequence[str] = ...,
    fraction: float = 0.1,
    vary: Sequence[str] = ...,
    samples: int = 512,
    trajectories: int = 20,
    levels: int = 4,
    trials: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    progress: Optional[Callable[[int, int], Any]] = None,
    cancel: Optional[Cancel] = None,
    timeout: Optional[float] = None,
) -> str: ...
def bundled_scenarios() -> List[Tuple[str, str]]: ...
def _time_run(scenario: Scenario, trials: int, repeats: int) -> List[float]: ...
