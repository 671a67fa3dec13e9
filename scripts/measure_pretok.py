#!/usr/bin/env python3
"""Pre-tokenizing alone and counting end to end, pcre2 against fast.

    python3 scripts/measure_pretok.py [--repeat 5] [--size 100M] [--work DIR]
                                      [--bpetrain BIN] [--phases pretok,count]

Inputs: data/sample concatenated to about --size bytes, and a synthetic
corpus of --size bytes from bin/synthgen (labelled synthetic). Each
combination (input x pretok x --pretok-only/--count-only x 1, 2 count
workers) runs --repeat times, each a separate bin/bpetrain process, in an
interleaved order so that a burst of load elsewhere hits every combination
alike. Prints a markdown table of MB/s per core: from the count phase's wall
time (bytes / (count_s x workers)) and from the process's CPU time
(bytes / (user + sys)), medians with min-max. Rows go to DIR/runs.csv
(bpetrain's own CSV).

Standalone on purpose: scripts/bench.py and report.py are not involved.
"""

import argparse
import csv
import os
import platform
import resource
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib.machine import cpu_model  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
SAMPLE = os.path.join(ROOT, "data", "sample", "tinystories_v1_head_1097.txt")
BPETRAIN = os.path.join(ROOT, "bin", "bpetrain")
SYNTHGEN = os.path.join(ROOT, "bin", "synthgen")


def parse_size(s):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(s[-1].upper(), 1)
    return int(s[:-1] if s[-1].isalpha() else s) * mult


def make_inputs(work, size):
    os.makedirs(work, exist_ok=True)
    sample = os.path.join(work, "sample-cat.txt")
    if not os.path.exists(sample):
        with open(SAMPLE, "rb") as f:
            data = f.read()
        with open(sample + ".tmp", "wb") as f:
            for _ in range(max(1, round(size / len(data)))):
                f.write(data)
        os.rename(sample + ".tmp", sample)
    synth = os.path.join(work, "synth.txt")
    if not os.path.exists(synth):
        subprocess.run([SYNTHGEN, "--sample", SAMPLE, "--size", str(size), "--seed", "1",
                        "--out", synth], check=True)
    return [("sample x%d" % round(size / os.path.getsize(SAMPLE)), sample),
            ("synthetic (synthgen seed 1)", synth)]


def run_one(bpetrain, path, pretok, mode, cw, csv_path):
    """Runs bpetrain once; returns (count_s, cpu_s) of that process."""
    cmd = [bpetrain, "--quiet", "--input", path, "--pretok", pretok, mode,
           "--count-workers", str(cw), "--csv", csv_path]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with open(csv_path, newline="") as f:
        row = list(csv.DictReader(f))[-1]
    return float(row["count_s"]), cpu


def fmt(values):
    return "%.0f (%.0f–%.0f)" % (statistics.median(values), min(values), max(values))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--size", default="100M")
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "measure-pretok"))
    ap.add_argument("--bpetrain", default=BPETRAIN, help="the trainer to measure")
    ap.add_argument("--phases", default="pretok,count",
                    help="pretok (--pretok-only), count (--count-only) or both")
    args = ap.parse_args()
    modes = [m for p, m in (("pretok", "--pretok-only"), ("count", "--count-only"))
             if p in args.phases.split(",")]
    inputs = make_inputs(args.work, parse_size(args.size))
    csv_path = os.path.join(args.work, "runs.csv")
    combos = [(name, path, p, mode, cw) for name, path in inputs
              for mode in modes for cw in (1, 2)
              for p in ("pcre2", "fast")]
    res = {c: ([], []) for c in combos}
    for r in range(args.repeat):
        for c in combos:
            name, path, p, mode, cw = c
            count_s, cpu = run_one(args.bpetrain, path, p, mode, cw, csv_path)
            mb = os.path.getsize(path) / 1e6
            res[c][0].append(mb / (count_s * cw))
            res[c][1].append(mb / cpu)
        print("repeat %d/%d done" % (r + 1, args.repeat), file=sys.stderr)
    load = os.getloadavg()
    print("Machine: %s, %d CPUs, %s; load average at the end %.1f %.1f %.1f" % (
        cpu_model(), os.cpu_count(), platform.node(), *load))
    print("%s; %d runs each; MB/s per core, median (min–max)\n" % (args.bpetrain, args.repeat))
    print("| input | phase | count workers | pretok | MB/s per core (wall) | MB/s per CPU-second |")
    print("|---|---|---|---|---|---|")
    for c in combos:
        name, path, p, mode, cw = c
        phase = "pre-tokenize only" if mode == "--pretok-only" else "count end to end"
        print("| %s | %s | %d | %s | %s | %s |" % (name, phase, cw, p, fmt(res[c][0]),
                                                   fmt(res[c][1])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
