"""The package against the command line: the same figures for the same
scenario, overrides, seed and trials; located errors; records as Arrow;
stops, progress and the GIL."""

import os
import signal
import threading

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.feather as feather
import pytest

import alliance_sim as asim

from conftest import REPO

KAZ = "kazakhstan-2022"


def test_run_equals_the_cli_json_export(cli):
    s = asim.load(KAZ, set={"members.russia.attributes.alignment": 0.8})
    summary = s.run(trials=20_000, seed=7, threads=2)
    expected = cli("run", KAZ, "--set", "members.russia.attributes.alignment=0.8", "-n", "20000", "--seed", "7")
    assert summary.to_dict() == expected


def test_results_do_not_depend_on_threads():
    s = asim.load(KAZ)
    one = s.run(trials=30_000, seed=3, threads=1).to_dict()
    two = s.run(trials=30_000, seed=3, threads=2).to_dict()
    assert one == two


def test_tables_read_the_document():
    summary = asim.load(KAZ).run(trials=5_000, seed=1)
    d = summary.to_dict()
    assert summary.funnel.loc["deploy", "p"] == d["funnel"]["deploy"]["p"] == summary.p("deploy")
    assert list(summary.funnel.index) == list(d["funnel"])
    assert list(summary.members.index) == [m["id"] for m in d["members"]]
    assert summary.members.loc["russia", "support.p"] == d["members"][0]["support"]["p"]
    assert summary.deployment.loc["personnel", "mean"] == d["deployment"]["personnel"]["mean"]
    assert summary.timing.loc["decision", "mean"] == d["timing"]["decision"]["mean"]
    assert list(summary.outcomes.index) == [o["name"] for o in d["outcomes"]]
    assert summary.percentiles.loc["need", "p50"] == d["deployment"]["need_percentiles"]["p50"]
    assert summary.history.loc[:, "outcome"].iloc[0] == d["backtest"]["outcome"]
    assert len(summary.rules) == len(d["rules"])
    # to_dict hands out a copy.
    summary.to_dict()["funnel"]["deploy"]["p"] = -1
    assert summary.p("deploy") == d["funnel"]["deploy"]["p"]


def test_precision_stops_early_as_the_cli_does(cli):
    summary = asim.load(KAZ).run(precision=0.01, seed=5)
    expected = cli("run", KAZ, "--precision", "0.01", "--seed", "5")
    assert summary.to_dict() == expected
    assert summary.meta["trials"] < 1_000_000


def test_compare_sweep_and_sensitivity_equal_the_cli(cli):
    base, chair = asim.load(KAZ), asim.load("what-if/kazakhstan-chair")
    assert asim.compare(base, chair, trials=4_000).to_dict() == cli(
        "compare", KAZ, "what-if/kazakhstan-chair", "-n", "4000"
    )
    cap = "alliance.pools.peacekeeping.cap"
    sweep = asim.sweep(base, {cap: (2000, 6000, 3)}, trials=2_000)
    assert sweep.to_dict() == cli("sweep", KAZ, "--vary", f"{cap}=2000:6000:3", "-n", "2000")
    assert list(sweep.points[cap]) == [2000.0, 4000.0, 6000.0]
    lhs = asim.sweep(base, [f"{cap}=2000:6000"], sample="lhs:8", trials=500)
    assert lhs.to_dict() == cli("sweep", KAZ, "--vary", f"{cap}=2000:6000", "--sample", "lhs:8", "-n", "500")
    oat = asim.sensitivity(base, inputs=[cap, "members.russia.attributes.alignment"], trials=2_000)
    assert oat.to_dict() == cli(
        "sensitivity", KAZ, "--input", cap, "--input", "members.russia.attributes.alignment", "-n", "2000"
    )
    assert set(oat.inputs.index) == {cap, "members.russia.attributes.alignment"}
    assert "low.diff" in oat.inputs.columns
    uncertain = asim.load("uncertain/kazakhstan-2022")
    sobol = asim.sensitivity(uncertain, method="sobol", samples=16, trials=400)
    assert sobol.to_dict() == cli(
        "sensitivity", "uncertain/kazakhstan-2022", "--method", "sobol", "--samples", "16", "-n", "400"
    )
    morris = asim.sensitivity(uncertain, method="morris", trajectories=4, trials=400)
    assert morris.to_dict() == cli(
        "sensitivity", "uncertain/kazakhstan-2022", "--method", "morris", "--trajectories", "4", "-n", "400"
    )
    assert (sobol.method, morris.method, oat.method) == ("sobol", "morris", "oat")


def test_a_scenario_error_is_located():
    text = "extends: kazakhstan-2022\nname: typo\ncrisis:\n  severty: 0.5\n"
    with pytest.raises(asim.ScenarioError) as caught:
        asim.load(text)
    e = caught.value
    assert (e.file, e.line, e.column) == ("<text>", 4, 3), e.diagnostics
    assert "severty" in e.message
    assert e.diagnostics[0]["severity"] == "error"
    assert isinstance(e, ValueError)


def test_a_bad_override_is_located_and_names_the_path():
    with pytest.raises(asim.ScenarioError) as caught:
        asim.load(KAZ, set={"members.russia.attributes.alignment": "high"})
    assert "alignment" in str(caught.value)
    # An override has no line in a file: it is named by itself (#32).
    assert "set members.russia.attributes.alignment=high:" in str(caught.value)
    assert caught.value.line == 0


def test_sources_and_refusals(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("extends: kazakhstan-2022\nname: Mine\n")
    assert asim.load(str(path)).name == "Mine"
    assert asim.load(str(REPO / "scenarios" / "kazakhstan-2022.yaml")).name == asim.load(KAZ).name
    with pytest.raises(ValueError, match="no file and no bundled scenario"):
        asim.load("kazakhstan-2033")
    with pytest.raises(ValueError, match="threads"):
        asim.load(KAZ).run(trials=10, threads=0)
    with pytest.raises(ValueError, match="at least 1"):
        asim.load(KAZ).run(trials=0)
    with pytest.raises(ValueError, match="method"):
        asim.sensitivity(asim.load(KAZ), method="fast")
    with pytest.raises(TypeError):
        asim.load(KAZ, set={"alliance.pools.peacekeeping.cap": object()})
    assert "kazakhstan-2022" in asim.bundled()


def test_records_equal_the_cli_arrow_file(cli, tmp_path):
    out = tmp_path / "t.arrow"
    import subprocess

    subprocess.run(
        [str(cli.binary), "run", KAZ, "-n", "20000", "--seed", "9", "--trials-out", str(out)],
        check=True,
        capture_output=True,
    )
    expected = feather.read_table(out)
    records = asim.load(KAZ).trials(20_000, seed=9, chunk=3_000)
    table = pa.table(records)
    assert table.schema == expected.schema
    assert table.to_pylist() == expected.to_pylist()
    # Read again, by polars and pandas, with other chunks and threads: the same rows.
    again = asim.load(KAZ).trials(20_000, seed=9, chunk=65_536, threads=1)
    assert pl.DataFrame(again).equals(pl.from_arrow(expected))
    if hasattr(pd.DataFrame, "from_arrow"):
        assert pd.DataFrame.from_arrow(records).shape == (20_000, len(expected.schema))
    frame = records.to_pandas()
    assert frame.equals(expected.to_pandas())
    assert records.to_polars().equals(pl.from_arrow(expected))
    assert len(records) == 20_000 and records.columns == expected.schema.names


def test_records_keep_chosen_columns():
    s = asim.load(KAZ)
    table = pa.table(s.trials(1_000, columns=["trial", "outcome", "deployed", "russia.vote"]))
    assert table.column_names == ["trial", "outcome", "deployed", "russia.vote"]
    assert table.column("trial").to_pylist() == list(range(1_000))
    with pytest.raises(ValueError, match="no column 'deploy'"):
        s.trials(10, columns=["deploy"])


def test_explain_tells_one_trial(cli):
    story = asim.load(KAZ).explain(3, seed=11)
    assert story == cli("explain", KAZ, "--trial", "3", "--seed", "11")


def test_progress_reaches_the_total():
    seen = []
    asim.load(KAZ).run(trials=600_000, seed=1, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (600_000, 600_000)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_progress_true_draws_a_tqdm_bar(capsys):
    asim.load(KAZ).run(trials=300_000, seed=1, progress=True)
    assert "300k/300k" in capsys.readouterr().err


def test_an_exception_in_the_progress_callable_stops_the_run():
    def refuse(done, total):
        raise RuntimeError("enough")

    with pytest.raises(RuntimeError, match="enough"):
        asim.load(KAZ).run(trials=10**9, progress=refuse)


def test_ctrl_c_stops_a_long_run_and_the_gil_is_free_meanwhile():
    # The timer thread needs the GIL to send the signal: the run returning
    # early shows both that the GIL was released and that Ctrl-C stops it
    # (10^9 trials would take minutes).
    started = threading.Event()
    sender = threading.Thread(target=lambda: started.wait(30) and os.kill(os.getpid(), signal.SIGINT))
    sender.start()
    with pytest.raises(KeyboardInterrupt):
        asim.load(KAZ).run(trials=10**9, threads=1, progress=lambda d, t: started.set())
    sender.join()


def test_help_teaches():
    assert "set=" in asim.load.__doc__ and "ScenarioError" in asim.load.__doc__
    assert "export-json" in asim.Scenario.run.__doc__
    assert "Arrow" in asim.Scenario.trials.__doc__
