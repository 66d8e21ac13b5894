"""An analyst's check: per-trial records written as Arrow IPC and as CSV
read into pandas as the same table, with typed columns.

    python3 tests/python/read_records.py target/release/alliance-sim
"""
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

binary = sys.argv[1]
with tempfile.TemporaryDirectory() as tmp:
    paths = {fmt: Path(tmp) / f"trials.{fmt}" for fmt in ("arrow", "csv")}
    for path in paths.values():
        subprocess.run([binary, "run", "kazakhstan-2022", "-n", "50000", "-s", "7",
                        "--trials-out", str(path)], check=True, capture_output=True)
    arrow = pd.read_feather(paths["arrow"])
    csv = pd.read_csv(paths["csv"])

assert list(arrow.columns) == list(csv.columns), "the same columns"
assert len(arrow) == len(csv) == 50000
assert str(arrow["outcome"].dtype) == "category" and str(arrow["russia.vote"].dtype) == "category"
assert arrow["crisis.foreign_backed"].dtype == bool and arrow["russia.contributes"].dtype == bool
assert arrow["trial"].dtype == "uint64" and arrow["need"].dtype == "float64"
for column in arrow.columns:
    a, c = arrow[column], csv[column]
    if str(a.dtype) == "category":
        a, c = a.astype(object).where(a.notna(), ""), c.fillna("").astype(str)
    elif a.dtype == bool:
        c = c.astype(bool)
    else:
        pd.testing.assert_series_equal(a.astype("float64"), c.astype("float64"), check_names=False)
        continue
    assert (a.values == c.values).all(), column
# A scenario-discovery question answered from the typed table.
deploy = arrow[arrow["outcome"] == "deploy"]
print(f"records read by pandas {pd.__version__}: {len(arrow)} trials, {arrow.shape[1]} columns; "
      f"P(deploy) {len(deploy) / len(arrow):.3f}; "
      f"Russia contributes in {deploy['russia.contributes'].mean():.3f} of deployments")
