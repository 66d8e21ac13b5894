#!/usr/bin/env python3
"""A classroom against the studio (#19, #39): N students on one machine,
each sending what the page sends, on loopback.

Starts `alliance-sim serve`. Each client opens the page's scenario (the
controls), then moves a control every 20 s ± 50 % (a class moves the same
controls to the same few marks), and for each move sends what the page
sends: the what-if file of the change, then the picture at 20,000 trials,
refined to 200,000 and to 1,000,000 (stopping where the server says the
class is busy); after every third move it also asks the story of one trial,
and after every fifth the tornado (the page's two buttons). It prints the
first picture's and the final picture's latency percentiles (from the move),
how many moves reached 200,000 trials within 5 s, and the errors.

    python3 benches/studio_load.py target/release/alliance-sim                  # 30 clients, 60 s
    python3 benches/studio_load.py target/release/alliance-sim --clients 60
    python3 benches/studio_load.py target/release/alliance-sim --seconds 20     # a smoke run (CI)

Goals (#39), on a 2-core machine: 30 clients, first picture p95 under
500 ms and every move refined to at least 200,000 trials within 5 s; 60
clients with no error. `--check` exits 1 when a goal is missed.

Uses only the standard library (threads and http.client).
"""

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import tempfile
import threading
import time
from urllib.parse import urlparse

SCENARIO = "kazakhstan-2022"
STEPS = [20_000, 200_000, 1_000_000]
# The controls a class moves, and the marks it moves them to.
MOVES = [
    ("alliance.pools.peacekeeping.cap", ["2000", "2500", "3000", "4000", "5000"]),
    ("members.russia.attributes.alignment", ["0.5", "0.6", "0.7", "0.8"]),
    ("crisis.variables.severity.beta.alpha", ["2", "3", "4"]),
]


def percentile(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sim")
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the class moves")
    parser.add_argument("--every", type=float, default=20.0, help="mean seconds between a student's moves")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--distinct", action="store_true",
                        help="every student moves to marks of their own (nothing to share: the worst case)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal of #39 is missed")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="alliance-sim-load.")
    server = subprocess.Popen([os.path.abspath(args.sim), "serve", "--port", "0"], cwd=work, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    address = urlparse(server.stdout.readline().strip())
    token = address.query.split("token=")[1]
    lock = threading.Lock()
    answers = [0, 0]  # pictures computed, pictures shared
    moves, errors = [], []  # per move: (first, at_200k, final, final_trials, busy, shared answers)
    started = time.perf_counter()
    deadline = started + args.seconds

    def client(k):
        rng = random.Random(args.seed * 1000 + k)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
        headers = {"x-studio-token": token, "content-type": "application/json"}
        page = f"client{k:03d}"

        def send(method, path, body=None, parse=True):
            # As a browser does, a request on a kept connection the server
            # has since closed (idle past its header timeout) is sent again
            # on a new one.
            for attempt in (1, 2):
                try:
                    connection.request(method, path, body=None if body is None else json.dumps(body),
                                       headers=headers)
                    response = connection.getresponse()
                    data = response.read()
                    if path == "/api/run":
                        with lock:
                            answers[response.getheader("x-studio-shared") == "1"] += 1
                    break
                except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                    connection.close()
                    if attempt == 2:
                        raise
            if response.status != 200:
                raise RuntimeError(f"{path} {response.status}: {data[:200]!r}")
            return json.loads(data) if parse else data

        try:
            send("GET", "/api/scenarios")
            send("GET", f"/api/controls?scenario={SCENARIO}")
            changes = {}
            move = 0
            # The first move comes at a random moment of the first interval.
            next_move = started + rng.uniform(0, args.every)
            while True:
                pause = next_move - time.perf_counter()
                if next_move > deadline:
                    return
                if pause > 0:
                    time.sleep(pause)
                move += 1
                path, marks = rng.choice(MOVES)
                mark = rng.choice(marks)
                changes[path] = f"{float(mark) * (1 + (k + 1) / 1000):.6g}" if args.distinct else mark
                moved = time.perf_counter()
                change = {"scenario": SCENARIO, "set": sorted(changes.items())}
                send("POST", "/api/what-if", change, parse=False)
                first = at_200k = final = None
                trials = 0
                busy = False
                for step in STEPS:
                    answer = send("POST", "/api/run", {"page": page, "sequence": move, **change, "trials": step})
                    took = time.perf_counter() - moved
                    trials = answer["trials"]
                    first = took if first is None else first
                    if trials >= 200_000 and at_200k is None:
                        at_200k = took
                    final = took
                    if answer.get("busy"):
                        busy = True
                        break
                if move % 3 == 0:
                    send("POST", "/api/story", {"page": page, "sequence": move, **change, "outcome": "deploy"})
                if move % 5 == 0:
                    send("POST", "/api/tornado", {"page": page, "sequence": move, **change, "trials": 5000})
                with lock:
                    moves.append((first, at_200k, final, trials, busy))
                next_move = moved + args.every * rng.uniform(0.5, 1.5)
        except Exception as e:  # a refused or dropped connection is an error to report
            with lock:
                errors.append(f"client {k}: {e!r}")

    threads = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    server.terminate()
    server.wait()
    firsts = [1000 * m[0] for m in moves]
    finals = [1000 * m[2] for m in moves]
    reached = [m[1] for m in moves if m[1] is not None]
    within = sum(1 for t in reached if t <= 5.0)
    full = sum(1 for m in moves if m[3] >= 1_000_000)
    busy = sum(1 for m in moves if m[4])
    print(f"machine: {os.cpu_count()} cores; {args.clients} clients moving every {args.every:g} s ± 50 % for "
          f"{args.seconds:g} s ({wall:.0f} s in all), each move the page's chain (what-if, 20 k → 200 k → 1 M), "
          f"a story every 3rd move, a tornado every 5th")
    print(f"moves: {len(moves)}, errors: {len(errors)}")
    if moves:
        print(f"first picture: median {statistics.median(firsts):.0f} ms, p95 {percentile(firsts, 0.95):.0f} ms, "
              f"max {max(firsts):.0f} ms")
        print(f"final picture: median {statistics.median(finals):.0f} ms, p95 {percentile(finals, 0.95):.0f} ms; "
              f"{full} of {len(moves)} reached 1,000,000 trials, {busy} stopped at 200,000 (the class busy)")
        print(f"refined to 200,000 within 5 s: {within} of {len(moves)} (p95 {1000 * percentile(reached, 0.95):.0f} ms); "
              f"{answers[1]} of {sum(answers)} pictures computed once for several requests (kept or shared)")
    if errors:
        print("errors:", errors[:10])
    if args.check:
        missed = []
        if errors:
            missed.append("errors")
        if moves and percentile(firsts, 0.95) >= 500:
            missed.append("first picture p95 ≥ 500 ms")
        if within < len(moves):
            missed.append("a move not refined to 200,000 within 5 s")
        if not moves:
            missed.append("no move")
        if missed:
            print("missed:", "; ".join(missed))
            raise SystemExit(1)
    elif errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
