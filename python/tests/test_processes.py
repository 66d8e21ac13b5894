"""Other processes (#38): a child forked after a run, process pools of every
start method, scenarios and errors that cross to a worker and back.

Each case runs in its own interpreter under a deadline, so that a hang —
what a forked child did before the fix — fails the test instead of
stopping the suite."""

import pickle
import subprocess
import sys
import textwrap

import pytest

import alliance_sim as asim

KAZ = "kazakhstan-2022"
DEADLINE = 120


def run_python(code: str, tmp_path) -> str:
    """Runs `code` as a script in a fresh interpreter (a file, so that
    spawned workers can import its functions); its stdout, or the test
    fails."""
    script = tmp_path / "case.py"
    script.write_text(textwrap.dedent(code))
    try:
        done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {DEADLINE} s (a child waiting on threads it does not have?)")
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_child_forked_after_a_run_runs_and_gives_the_parents_figures(tmp_path):
    out = run_python(
        f"""
        import os
        import alliance_sim as asim
        s = asim.load("{KAZ}")
        parent = s.run(trials=20_000, seed=1).to_dict()   # starts the worker threads
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                child = s.run(trials=20_000, seed=1).to_dict()
                records = s.trials(10_000, seed=2, columns=["outcome"]).to_arrow().num_rows
                os.write(write, b"same" if child == parent and records == 10_000 else b"different")
            finally:
                os._exit(0)
        os.close(write)
        print(os.read(read, 16).decode())
        os.waitpid(pid, 0)
        """,
        tmp_path,
    )
    assert out.strip() == "same"


@pytest.mark.parametrize("method", ["fork", "forkserver", "spawn"])
def test_a_process_pool_after_a_run_in_the_parent_gives_serial_figures(method, tmp_path):
    out = run_python(
        f"""
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor
        import alliance_sim as asim

        def deploy_share(args):
            scenario, seed = args
            return scenario.run(trials=20_000, seed=seed).p("deploy")

        if __name__ == "__main__":
            s = asim.load("{KAZ}", set={{"members.russia.attributes.alignment": 0.8}})
            serial = [deploy_share((s, seed)) for seed in (1, 2, 3)]
            with ProcessPoolExecutor(2, mp_context=mp.get_context("{method}")) as pool:
                pooled = list(pool.map(deploy_share, [(s, seed) for seed in (1, 2, 3)]))
            print(pooled == serial)
        """,
        tmp_path,
    )
    assert out.strip() == "True"


def test_a_scenario_pickles_as_its_source_and_overrides():
    s = asim.load(KAZ, set={"alliance.pools.peacekeeping.cap": 2000})
    back = pickle.loads(pickle.dumps(s))
    assert back.name == s.name and back.overrides == s.overrides
    assert back.run(trials=5_000, seed=4).to_dict() == s.run(trials=5_000, seed=4).to_dict()
    text = asim.load("name: typed\nextends: kazakhstan-2022\n")
    assert pickle.loads(pickle.dumps(text)).run(trials=2_000, seed=1).to_dict() == text.run(
        trials=2_000, seed=1
    ).to_dict()


def test_a_scenario_error_pickles_with_its_diagnostics():
    with pytest.raises(asim.ScenarioError) as caught:
        asim.load("name: broken\nextends: kazakhstan-2022\ncrisis:\n  variables:\n    severity: {dist: nope}\n")
    error = caught.value
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is asim.ScenarioError
    assert str(back) == str(error)
    assert back.diagnostics == error.diagnostics
    assert asim.ScenarioError.__module__ == "alliance_sim"


def test_a_scenario_error_in_a_worker_reaches_the_parent_as_itself(tmp_path):
    out = run_python(
        """
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor
        import alliance_sim as asim

        def load(text):
            return asim.load(text).name

        if __name__ == "__main__":
            with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
                try:
                    pool.submit(load, "name: x\\nextends: no-such-base\\n").result()
                except asim.ScenarioError as e:
                    print("ScenarioError", len(e.diagnostics) > 0)
        """,
        tmp_path,
    )
    assert out.strip() == "ScenarioError True"


def test_a_missing_source_is_a_scenario_error_and_paths_are_taken(tmp_path):
    with pytest.raises(asim.ScenarioError) as caught:
        asim.load("no-such-scenario")
    assert caught.value.file == "no-such-scenario" and caught.value.diagnostics == []
    assert "kazakhstan-2022" in str(caught.value)
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\nextends: kazakhstan-2022\n")
    assert asim.load(path).name == "mine"
    with pytest.raises(TypeError):
        asim.load(42)


def test_a_run_in_a_worker_thread_stops_on_its_token_and_on_its_timeout():
    # Dash, Streamlit and FastAPI run calls in worker threads, which Ctrl-C
    # never reaches: a token or a time limit must.
    import threading
    import time

    s = asim.load(KAZ)
    token = asim.Cancel()
    caught = []

    def work():
        try:
            s.run(trials=10**10, seed=1, cancel=token)
        except BaseException as e:  # noqa: BLE001 - the test looks at what was raised
            caught.append(e)

    worker = threading.Thread(target=work)
    worker.start()
    time.sleep(0.5)
    assert worker.is_alive() and not token.cancelled
    cancelled_at = time.monotonic()
    token.cancel()
    worker.join(timeout=10)
    assert not worker.is_alive(), "the token did not stop the run"
    assert time.monotonic() - cancelled_at < 2.0
    assert len(caught) == 1 and isinstance(caught[0], asim.Cancelled), caught
    with pytest.raises(asim.Cancelled):  # a cancelled token stops later calls at once
        s.run(trials=1_000, cancel=token)

    started = time.monotonic()
    with pytest.raises(TimeoutError, match="timeout=0.3"):
        asim.sweep(s, {"members.russia.attributes.alignment": (0.5, 1.0, 4)}, trials=10**9, timeout=0.3)
    assert time.monotonic() - started < 3.0
    with pytest.raises(ValueError, match="timeout"):
        s.run(trials=1_000, timeout=-1)
    # A limit that is not reached changes nothing.
    assert s.run(trials=5_000, seed=2, timeout=60).to_dict() == s.run(trials=5_000, seed=2).to_dict()


def test_reading_records_stops_on_its_token():
    pa = pytest.importorskip("pyarrow")
    s = asim.load(KAZ)
    token = asim.Cancel()
    token.cancel()
    with pytest.raises(Exception, match="cancelled by its token"):
        pa.table(s.trials(10**8, columns=["outcome"], cancel=token))


def test_ctrl_c_stops_reading_a_hundred_million_records_into_pyarrow(tmp_path):
    # Before: Ctrl-C took effect after 115 s, when all 10^8 records were read.
    script = tmp_path / "read.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            import pyarrow as pa
            import alliance_sim as asim
            s = asim.load("{KAZ}")
            print("reading", flush=True)
            pa.table(s.trials(10**8, columns=["outcome"]))
            print("finished", flush=True)
            """
        )
    )
    import signal
    import time

    child = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "reading"
    time.sleep(2.0)
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    try:
        out, err = child.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        child.kill()
        pytest.fail("still reading 30 s after Ctrl-C")
    assert time.monotonic() - sent < 5.0
    assert "finished" not in out
    assert child.returncode != 0
    assert "KeyboardInterrupt" in err or "interrupted" in err, err
