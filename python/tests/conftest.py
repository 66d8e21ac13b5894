"""Shared fixtures: the command-line binary the Python figures are checked
against (``ALLIANCE_SIM_BIN``, default ``target/release/alliance-sim`` of
this repository, which ``cargo build --release`` makes)."""

import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cli():
    binary = Path(os.environ.get("ALLIANCE_SIM_BIN", REPO / "target" / "release" / "alliance-sim"))
    if not binary.exists():
        pytest.fail(f"{binary} is missing: run `cargo build --release` first (or set ALLIANCE_SIM_BIN)")

    def run(*args: str) -> dict:
        done = subprocess.run([str(binary), *args, "--format", "json"], capture_output=True, text=True, cwd=REPO)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    run.binary = binary
    return run
