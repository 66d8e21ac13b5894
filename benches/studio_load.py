#!/usr/bin/env python3
"""A classroom against the studio (#19): N browsers at once, each moving
sliders, on loopback. Starts `alliance-sim serve`, then N clients each send
R run requests (kazakhstan-2022, 20,000 trials — the page's first picture —
with a changed peacekeeping cap) one after another, plus a controls request,
and prints the latency median and p95 and the errors. The README quotes it.

    python3 benches/studio_load.py target/release/alliance-sim             # 30 clients × 10 requests
    python3 benches/studio_load.py target/release/alliance-sim --rounds 2  # a smoke run (CI)

Uses only the standard library (threads and http.client).
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
from urllib.parse import urlparse


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sim")
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--trials", type=int, default=20_000)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="alliance-sim-load.")
    server = subprocess.Popen([os.path.abspath(args.sim), "serve", "--port", "0"], cwd=work, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    address = urlparse(server.stdout.readline().strip())
    token = address.query.split("token=")[1]
    latencies, errors, lock = [], [], threading.Lock()

    def client(k):
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        headers = {"x-studio-token": token, "content-type": "application/json"}
        try:
            started = time.perf_counter()
            connection.request("GET", "/api/controls?scenario=kazakhstan-2022", headers=headers)
            response = connection.getresponse()
            response.read()
            with lock:
                (latencies if response.status == 200 else errors).append(
                    time.perf_counter() - started if response.status == 200 else f"controls {response.status}")
            for r in range(args.rounds):
                body = json.dumps({"page": f"client-{k}", "sequence": r + 1, "scenario": "kazakhstan-2022",
                                   "set": [["alliance.pools.peacekeeping.cap", str(2000 + 100 * ((k + r) % 30))]],
                                   "trials": args.trials})
                started = time.perf_counter()
                connection.request("POST", "/api/run", body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                took = time.perf_counter() - started
                with lock:
                    if response.status == 200:
                        latencies.append(took)
                    else:
                        errors.append(f"run {response.status}")
        except Exception as e:  # a refused or dropped connection is an error to report
            with lock:
                errors.append(repr(e))

    threads = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    server.terminate()
    server.wait()
    ms = sorted(1000 * x for x in latencies)
    p95 = statistics.quantiles(ms, n=20)[-1] if len(ms) >= 2 else float("nan")
    print(f"machine: {os.cpu_count()} cores; {args.clients} clients × ({args.rounds} runs of {args.trials:,} trials "
          f"+ 1 controls) on loopback, {wall:.1f} s")
    print(f"responses: {len(ms)}, errors: {len(errors)}; latency median {statistics.median(ms):.0f} ms, "
          f"p95 {p95:.0f} ms, max {ms[-1]:.0f} ms")
    if errors:
        print("errors:", errors[:10])
        raise SystemExit(1)


if __name__ == "__main__":
    main()
