#!/usr/bin/env python3
"""mpibench.py: bpetrain-mpi measured, and REPORT.md's section "Over MPI".

    scripts/mpibench.py measure [--repeat 3]   run the benches (make mpi-bench)
    scripts/mpibench.py report                 REPORT.md's mpi/* sections (report.py
                                               calls report_sections() itself)

`measure` runs scripts/bench.py into results/mpi/ (results/mpi/<dataset>/sessions/,
the bench's own format), one repeat at a time so that the configurations interleave:
  - the merge phase on the sample: pool and mpi (wait=spin) at W = 1 2 4 8 in one
    session per repeat, then mpi with wait=yield and wait=sleep;
  - the counting on the synthetic 256 MiB corpus: bpetrain with 1 and 2 threads and
    bpetrain-mpi with 1 2 4 8 ranks of one thread each.
The sections are made from those results alone. The projection to several nodes is
arithmetic on the measured message sizes with a stated network model, not a measurement.
"""
import argparse
import math
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import backends as B, runs, sessions  # noqa: E402
from benchlib.reportfile import ReportError, read_report, save_report, update_report  # noqa: E402
from benchlib.tables import MISSING, fmt, median, mmm, num, ratio, table  # noqa: E402
from benchlib.tools import ROOT  # noqa: E402

SECTIONS = ("context", "merge", "bytes", "counting", "projection", "targets")
MERGE_SET, COUNT_SET = "sample", "synth-256M"
WORKERS = (1, 2, 4, 8)
WAITS = ("spin", "yield", "sleep")
# The network model of the projection: latency per message (s), bandwidth (bytes/s).
NETWORKS = (("10 Gb/s Ethernet, TCP", 25e-6, 1.25e9),
            ("100 Gb/s InfiniBand, RDMA", 2e-6, 12.5e9))
TARGET_MERGE, TARGET_COUNT = 10.0, 1.8


# ---- measuring -------------------------------------------------------------------------

def bench(results, *args):
    cmd = [sys.executable, os.path.join(ROOT, "scripts", "bench.py"), "--results", results]
    rc = subprocess.call(cmd + list(args), cwd=ROOT)
    if rc != 0:
        sys.exit(rc)


def measure(results, repeat):
    w = " ".join(map(str, WORKERS))
    for r in range(1, repeat + 1):
        # Each call plans repeats 0..r-1 and runs only the one not yet measured.
        bench(results, "--dataset", "sample", "--backends", "pool mpi", "--workers", w,
              "--repeat", str(r), "--no-count")
        for wait in WAITS[1:]:
            bench(results, "--dataset", "sample", "--backends", "mpi", "--workers", w,
                  "--repeat", str(r), "--no-count", "--backend-opts", "wait=" + wait)
    bench(results, "--dataset", "synth", "--size", "256M", "--backends", "mpi", "--workers", w,
          "--count-workers", "1 2", "--repeat", str(repeat), "--no-merge")


# ---- reading -----------------------------------------------------------------------------

def load_rows(results, dataset):
    """(rows, contexts) of every session of results/mpi/<dataset>, oldest first."""
    d = os.path.join(results, dataset)
    if not sessions.has_runs(d):
        return [], []
    found = sessions.load(d, B.Backends([]))
    rows = []
    for s in found:
        for r in s.rows:
            r["_session"] = s.id
            rows.append(r)
    return rows, [s.context for s in found]


def counters(row):
    out = {}
    for item in (row.get("backend_counters") or "").split(";"):
        k, _, v = item.partition("=")
        if _:
            out[k] = num(v)
    return out


def wait_of(row):
    return dict(kv.split("=", 1) for kv in row["backend_opts"].split(";") if "=" in kv).get(
        "wait", "")


def merge_groups(rows):
    """{(backend label, W): [rows]}: pool, and mpi by its wait option."""
    g = {}
    for r in rows:
        if r.get("kind") != "merge":
            continue
        label = r["backend"] if r["backend"] != "mpi" else "mpi wait=" + wait_of(r)
        g.setdefault((label, int(r["workers"])), []).append(r)
    return g


def per_merge(rows, cols, minus="compute_s"):
    """Per run: (sum of cols − minus) / merges, in µs."""
    out = []
    for r in rows:
        m, sub = num(r.get("merges")), num(r.get(minus))
        vals = [num(r.get(c)) for c in cols]
        out.append((sum(vals) - sub) / m * 1e6 if None not in vals + [m, sub] and m else None)
    return out


def full_overhead(rows):
    return per_merge(rows, ("copy_s", "max_s"))


def select_overhead(rows):
    return per_merge(rows, ("max_s",))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=("measure", "report"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--results", default=os.path.join(ROOT, "results", "mpi"))
    a = ap.parse_args(argv)
    if a.what == "measure":
        measure(a.results, a.repeat)


if __name__ == "__main__":
    main()
