#!/usr/bin/env python3
"""update-bench.py: the update step measured, configuration against
configuration, in one sitting. Each configuration (a label, a bpetrain
binary and its extra arguments) runs REPEAT times, interleaved so that a
change in the machine's load hits all of them alike; each run is its own
process, starting from saved word counts. Prints medians and min-max.

  scripts/update-bench.py --input FILE --counts FILE --vocab N [--repeat 5] \\
      'serial=bin/bpetrain --update serial' 'U2=bin/bpetrain --update sharded --update-workers 2'
"""
import argparse
import csv
import os
import shlex
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib.tables import table  # noqa: E402
from benchlib.updates import COLS, derived  # noqa: E402


def run(binary_args, a, csv_path):
    cmd = shlex.split(binary_args) + ["--input", a.input, "--load-counts", a.counts,
                                      "--vocab-size", str(a.vocab), "--quiet",
                                      "--csv", csv_path]
    subprocess.run(cmd, check=True)


def cells_of(label, rows):
    """One configuration's table row: each column's median [min-max], the
    merges hashes, the work counters of its first run."""
    cells = [label]
    for c in COLS:
        v = [float(derived(r, c)) for r in rows if derived(r, c)]
        if not v:  # a binary from before the column existed
            cells.append("-")
            continue
        fmt = "{:.1f}" if c.endswith(("per_change", "_us")) else "{:.4f}"
        cells.append(f"{fmt.format(statistics.median(v))} "
                     f"[{fmt.format(min(v))}-{fmt.format(max(v))}]")
    r0 = rows[0]
    return cells + [",".join(sorted({r["merges_hash"] for r in rows})),
                    r0.get("upd_pair_changes"),
                    f"{r0.get('upd_index_stale')}/{r0.get('upd_index_reads')}"]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--input", required=True)
    p.add_argument("--counts", required=True)
    p.add_argument("--vocab", type=int, required=True)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("configs", nargs="+", help="LABEL=BINARY [ARGS...]")
    a = p.parse_args()
    configs = [c.split("=", 1) for c in a.configs]
    with tempfile.TemporaryDirectory(prefix="update-bench.") as tmp:
        paths = {label: os.path.join(tmp, f"{i}.csv") for i, (label, _) in enumerate(configs)}
        for _ in range(a.repeat):
            for label, binary_args in configs:
                run(binary_args, a, paths[label])
        rows = {}
        for label, _ in configs:
            with open(paths[label], newline="") as f:
                rows[label] = list(csv.DictReader(f))
    print(f"# {a.input}, vocab {a.vocab}, {a.repeat} runs each, interleaved; "
          "median [min-max]")
    header = ["config"] + list(COLS) + ["merges_hash", "pair changes", "stale reads"]
    print("\n".join(table(header, [cells_of(label, rows[label]) for label, _ in configs])))


if __name__ == "__main__":
    sys.exit(main())
