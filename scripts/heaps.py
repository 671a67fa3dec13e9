#!/usr/bin/env python3
"""heaps.py: distinct words and initial pairs versus corpus size.

For the bundled sample and for synthetic corpora of growing size (bin/synthgen,
seed 1), runs bpetrain once (one merge, so the initial pair table is built)
and records the input size, the number of distinct pre-tokens ("words") and of
distinct adjacent byte pairs. Real text keeps finding new words as it grows
(Heaps' law, V ~ K n^beta); the synthetic corpus must too, or benchmarks at
2 GB would be run on an unrealistically small vocabulary.

Writes a session of its own, results/heaps/sessions/<id>/{context.json,heaps.csv}, each
whole and atomically (scripts/benchlib/sessions.py); the results/heaps/heaps.csv from
before sessions is read as it is. The counts depend on the corpora and the trainer, not
on the machine; the report shows the newest session of the machine sessions.pick chooses.
Usage: scripts/heaps.py [--sizes "1M 4M 16M 64M 256M 1G 2G"] [--keep]
"""

import argparse
import datetime
import math
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from benchlib import runs, sessions  # noqa: E402
from benchlib.gnuplot import COMMON, g_, gq, run_gnuplot  # noqa: E402
from benchlib.reportfile import ReportError, figure  # noqa: E402
from benchlib.tables import table  # noqa: E402
from benchlib.tools import BIN, source_commit  # noqa: E402
COLUMNS = ["corpus", "kind", "bytes", "words", "initial_pairs"]
SAMPLE = "data/sample/tinystories_v1_head_1097.txt"


def measure(path):
    row, _ = runs.trainer_row([os.path.join(BIN, "bpetrain"), "--input", path,
                               "--vocab-size", "258", "--quiet"], cwd=ROOT)
    return int(row["input_bytes"]), int(row["words"]), int(row["initial_pairs"])


# ---- its REPORT.md sections (report.py calls them) -------------------------------

SECTIONS = ("table", "plot")


def report_sections(results_dir, plots_dir, report_path, plots):
    """The Heaps'-law sections from one session of RESULTS/heaps, or None if absent."""
    s, _, _ = sessions.load_set(os.path.join(results_dir, "heaps"), "heaps.csv", "report.py")
    if s is None:
        return None
    rows = s.rows
    if not set(COLUMNS) <= set(s.header or ()):
        raise ReportError("%s: missing columns (needs %s)" % (s.runs_path,
                                                             ", ".join(sorted(COLUMNS))))
    synth = [r for r in rows if r["kind"] == "synthetic"]
    fit = ""
    if len(synth) >= 2:
        xs = [math.log(float(r["bytes"])) for r in synth]
        ys = [math.log(float(r["words"])) for r in synth]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sxx = sum((x - mx) ** 2 for x in xs)
        beta = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else float("nan")
        k = math.exp(my - beta * mx)
        fit = ("Least-squares fit over the synthetic corpora: distinct words ≈ %.3g · bytes^%.2f "
               "(Heaps' law; real English text typically has β between 0.4 and 0.6)." % (k, beta))
    table_rows = []
    prev = None
    for r in rows:
        growth = ""
        if r["kind"] == "synthetic" and prev is not None:
            growth = "%.2f×" % (float(r["words"]) / float(prev["words"]))
        table_rows.append([r["corpus"] + (" (synthetic)" if r["kind"] == "synthetic" else
                                          " (real)"),
                           "%.1f" % (float(r["bytes"]) / 1e6), r["words"], growth,
                           r["initial_pairs"]])
        if r["kind"] == "synthetic":
            prev = r
    table_lines = ["Distinct pre-tokens (\"words\") and distinct adjacent byte pairs of each "
                   "corpus, as bpetrain counts them (`scripts/heaps.py`).", ""]
    table_lines += table(["corpus", "MB", "distinct words", "× previous", "initial pairs"],
                         table_rows)
    if fit:
        table_lines += ["", fit]
    plot_lines = None
    if plots:
        data = "\n".join("%s,%s,%s" % (g_(float(r["bytes"]) / 1e6), g_(float(r["words"])),
                                        g_(float(r["initial_pairs"]))) for r in synth) + "\n"
        real = "\n".join("%s,%s,%s" % (g_(float(r["bytes"]) / 1e6), g_(float(r["words"])),
                                        g_(float(r["initial_pairs"])))
                         for r in rows if r["kind"] != "synthetic") + "\n"
        setup = COMMON.format(key="top left", title=gq("Distinct words and pairs vs size")) + (
            "set logscale xy\nset xlabel 'corpus size (MB)'\nset ylabel 'count'\n")
        cmd = ("plot {synth} using 1:2 with linespoints lw 2 pt 7 title 'distinct words "
               "(synthetic)', {synth} using 1:3 with linespoints lw 2 pt 5 title 'initial pairs "
               "(synthetic)', {real} using 1:2 with points pt 9 ps 2 title 'distinct words "
               "(real sample)', {real} using 1:3 with points pt 11 ps 2 title 'initial pairs "
               "(real sample)'")
        outbase = os.path.join(plots_dir, "heaps", "heaps")
        errmsg = run_gnuplot(setup, cmd, {"synth": data, "real": real}, outbase)
        plot_lines = figure("heaps", outbase, report_path, "Distinct words and initial pairs "
                            "versus corpus size, log-log", ".", errmsg)
    return {"table": table_lines, "plot": plot_lines}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1M 4M 16M 64M 256M 1G 2G")
    ap.add_argument("--keep", action="store_true",
                    help="keep generated corpora under 1G (larger ones are always kept)")
    ap.add_argument("--results", default=os.path.join(ROOT, "results", "heaps"))
    args = ap.parse_args()
    started = datetime.datetime.now(datetime.timezone.utc)
    rows = []
    b, w, p = measure(SAMPLE)
    rows.append(["sample", "real", b, w, p])
    for size in args.sizes.split():
        path = os.path.join("data", "synth", "synth-%s-seed1.txt" % size)
        made = False
        if not os.path.exists(os.path.join(ROOT, path)):
            os.makedirs(os.path.join(ROOT, "data", "synth"), exist_ok=True)
            subprocess.run([os.path.join(BIN, "synthgen"), "--sample", SAMPLE, "--size", size,
                            "--seed", "1", "--out", path], cwd=ROOT, check=True)
            made = True
        b, w, p = measure(path)
        rows.append(["synth-%s" % size, "synthetic", b, w, p])
        sys.stderr.write("heaps: %-12s %12d bytes %9d words %7d pairs\n" % (size, b, w, p))
        if made and not args.keep and size[-1] not in "G":
            os.unlink(os.path.join(ROOT, path))
            meta = os.path.join(ROOT, path + ".meta.json")
            if os.path.exists(meta):
                os.unlink(meta)
    ctx = {"started": started.strftime("%Y-%m-%dT%H:%M:%SZ"), "sizes": args.sizes.split(),
           "git_commit": source_commit()}
    dest = sessions.save_set(args.results, "heaps.csv", COLUMNS,
                             [dict(zip(COLUMNS, r)) for r in rows], ctx, now=started)
    sys.stderr.write("heaps: wrote %s\n" % os.path.relpath(dest, ROOT))


if __name__ == "__main__":
    main()
