#!/usr/bin/env python3
"""Peak memory of the largest analyses the flags accept (issue #32, item 5).

Each analysis runs as a whole process under GNU time (`/usr/bin/time -v`),
and its maximum resident set size is printed; any above the bound (256 MB)
fails the script. The scenarios are written into a temporary folder: a
64-member overlay of kazakhstan-2022 (the member limit) and, over it, an
`uncertain:` block of 248 inputs.

    python3 benches/memory.py target/release/alliance-sim
"""
import os
import re
import subprocess
import sys
import tempfile

BOUND_MB = 256


def many_members(path):
    """kazakhstan-2022 with 58 members added: 64, the limit."""
    lines = ["extends: kazakhstan-2022", "name: Sixty-four members", "members:"]
    for i in range(58):
        lines.append(
            f"  m{i}: {{name: M{i}, lead_time: 1, attributes: {{alignment: 0.5, needs_parliament: false}}, "
            f"pledges: {{peacekeeping: 20, rapid_reaction: 100}}}}"
        )
    lines.append("decisions:")
    lines.append("  contribute:")
    order = ["russia", "belarus", "kazakhstan", "armenia", "tajikistan", "kyrgyzstan"] + [f"m{i}" for i in range(58)]
    lines.append(f"    order: [{', '.join(order)}]")
    open(path, "w").write("\n".join(lines) + "\n")


def many_inputs(path, parent, k):
    """`k` (at most 248) uncertain inputs over the 64-member scenario."""
    lines = [f"extends: {parent}", f"name: {k} uncertain inputs", "uncertain:"]
    members = [f"m{i}" for i in range(58)]
    founders = ["russia", "belarus", "kazakhstan", "armenia", "tajikistan", "kyrgyzstan"]
    paths = [f"members.{m}.attributes.alignment" for m in members]
    paths += [f"members.{m}.lead_time" for m in members + founders]
    paths += [f"members.{m}.pledges.peacekeeping" for m in members + founders]
    paths += [f"members.{m}.pledges.rapid_reaction" for m in members + founders[:4]]
    ranges = {"alignment": "{uniform: {min: 0.2, max: 0.9}}", "lead_time": "{uniform: {min: 0.5, max: 3}}",
              "peacekeeping": "{uniform: {min: 10, max: 40}, whole: true}",
              "rapid_reaction": "{uniform: {min: 50, max: 150}, whole: true}"}
    for p in paths[:k]:
        lines.append(f"  {p}: {ranges[p.rsplit('.', 1)[1]]}")
    open(path, "w").write("\n".join(lines) + "\n")


def peak_mb(args):
    out = subprocess.run(["/usr/bin/time", "-v"] + args, capture_output=True, text=True)
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr)
    if out.returncode != 0 or not match:
        sys.exit(f"failed ({out.returncode}): {' '.join(args)}\n{out.stderr[-2000:]}")
    return int(match.group(1)) / 1024


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/alliance-sim")
    with tempfile.TemporaryDirectory() as d:
        members = os.path.join(d, "members64.yaml")
        inputs = os.path.join(d, "inputs248.yaml")
        sobol_inputs = os.path.join(d, "inputs128.yaml")
        many_members(members)
        many_inputs(inputs, members, 248)
        many_inputs(sobol_inputs, members, 128)
        parts = [os.path.join(d, f"part{k}.json") for k in range(1, 11)]
        for k, part in enumerate(parts, 1):
            subprocess.run([binary, "run", members, "-n", "20000", "--shard", f"{k}/10", "--export-json", part],
                           check=True, capture_output=True)
        cases = [
            ("sweep --sample lhs:10000 (the most points)", ["sweep", "kazakhstan-2022", "--vary",
             "alliance.pools.peacekeeping.cap=2000:6000", "--vary", "members.russia.attributes.alignment=0:1",
             "--sample", "lhs:10000", "-n", "50", "--format", "json"]),
            ("sobol, 128 inputs (its most), N = 120 (the most values)", ["sensitivity", sobol_inputs, "--method",
             "sobol", "--samples", "120", "-n", "10", "--format", "json"]),
            ("morris, 248 inputs, r = 32 (the most values)", ["sensitivity", inputs, "--method", "morris",
             "--trajectories", "32", "-n", "20", "--format", "json"]),
            ("OAT sensitivity, 64 members", ["sensitivity", members, "-n", "2000", "--format", "json"]),
            ("compare of 64 scenarios (the most)", ["compare"] + [members] * 64 + ["-n", "2000", "--format", "json"]),
            ("merge of ten parts, 64 members", ["merge", "--scenario", members] + parts + ["--format", "json"]),
        ]
        worst = 0.0
        print(f"{'analysis':58} peak RSS")
        for name, args in cases:
            mb = peak_mb([binary] + args)
            worst = max(worst, mb)
            print(f"{name:58} {mb:7.0f} MB", flush=True)
        if worst > BOUND_MB:
            sys.exit(f"peak {worst:.0f} MB is above the bound of {BOUND_MB} MB")
        print(f"every peak within {BOUND_MB} MB")


if __name__ == "__main__":
    main()
