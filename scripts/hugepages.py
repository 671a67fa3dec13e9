#!/usr/bin/env python3
"""hugepages.py: bpetrain's --huge-pages on against off, as runs meet them on this machine.

Two cases, each mode's runs interleaved with the other's, which goes first turning every
repeat:
  train  a whole training (heap, 2 threads, --vocab) of --input, each run after GAP
         seconds with nothing running, for every GAP of --gaps: memory freed that long
         ago may have gone back to the hypervisor (README, "Huge pages");
  fork   backend fork, W=2, from the input's saved counts at --fork-vocab, back to back:
         fork copies the page tables every merge.
Every run reads its input through first, untimed (runs.page_in), and is one process:
wall clock spawn to exit, user and system CPU seconds and peak RSS from wait4, the phase
times and the mode in force from its CSV row. What `auto` decides here is recorded too.

Writes a session of its own, results/hugepages/sessions/<id>/{context.json,hugepages.csv},
each whole and atomically; report.py renders REPORT.md's "hugepages/table" from it.
Usage: scripts/hugepages.py [--input FILE] [--vocab 30000] [--repeat 5] [--gaps "0 3"]
"""

import argparse
import datetime
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from benchlib import runs, sessions  # noqa: E402
from benchlib.reportfile import ReportError  # noqa: E402
from benchlib.tables import fmt, median, mmm, num, ratio, table  # noqa: E402
from benchlib.tools import BIN, source_commit  # noqa: E402
from measure_pretok import fetched_input  # noqa: E402

COLUMNS = ["case", "gap_s", "mode", "repeat", "wall_s", "user_s", "sys_s", "peak_rss_kb",
           "count_s", "init_s", "merge_s", "huge_pages", "merges_hash"]
MODES = ("on", "off")


def measure(args, bpetrain, work):
    """Every case's runs, as rows of COLUMNS."""
    counts = os.path.join(work, "input.wc")
    subprocess.run([bpetrain, "--input", args.input, "--vocab-size", "258", "--save-counts",
                    counts, "--quiet"], cwd=ROOT, check=True)
    out = os.path.join(work, "out")
    train = [bpetrain, "--input", args.input, "--vocab-size", str(args.vocab), "--backend",
             "heap", "--workers", "2", "--count-workers", "2", "--out", out]
    fork = [bpetrain, "--input", args.input, "--load-counts", counts, "--vocab-size",
            str(args.fork_vocab), "--backend", "fork", "--workers", "2"]
    plan = [("train", float(g), train) for g in args.gaps.split()] + [("fork", 0.0, fork)]
    rows = []
    for case, gap, cmd in plan:
        for rep in range(args.repeat):
            # The order turns every repeat (on, off, off, on, ...): a run's place in the
            # round matters here (the second run after a pause was 1.1x slower in either
            # mode), and alternating cancels it between the modes.
            for mode in MODES if rep % 2 == 0 else MODES[::-1]:
                r, wall, ru = runs.trainer_run(cmd + ["--huge-pages", mode, "--quiet"], ROOT,
                                               pause=gap)
                rows.append({"case": case, "gap_s": gap, "mode": mode, "repeat": rep,
                             "wall_s": "%.6f" % wall, "user_s": "%.6f" % ru.ru_utime,
                             "sys_s": "%.6f" % ru.ru_stime, "peak_rss_kb": ru.ru_maxrss,
                             "count_s": r["count_s"], "init_s": r["init_s"],
                             "merge_s": r["merge_s"], "huge_pages": r["huge_pages"],
                             "merges_hash": r["merges_hash"]})
            sys.stderr.write("hugepages: %s gap %g s, repeat %d/%d done\n"
                             % (case, gap, rep + 1, args.repeat))
    return rows


def auto_here(bpetrain):
    """What --huge-pages auto decides on this machine, and why (bpetrain's summary)."""
    with tempfile.TemporaryDirectory(prefix="bpehuge.") as d:
        src = os.path.join(d, "in.txt")
        with open(src, "w") as f:
            f.write("ab ab")
        p = subprocess.run([bpetrain, "--input", src, "--vocab-size", "258"], cwd=ROOT,
                           capture_output=True, text=True, check=True)
    line = [ln for ln in p.stderr.splitlines() if "huge pages" in ln]
    return line[-1].split("huge pages ", 1)[1].strip() if line else ""


# ---- its REPORT.md section (report.py calls it) ------------------------------------------

SECTIONS = ("table",)


def cases(rows):
    """(case, gap) in the order measured."""
    seen = []
    for r in rows:
        k = (r["case"], r["gap_s"])
        if k not in seen:
            seen.append(k)
    return seen


def report_sections(results_dir, report_path):
    """The huge-page trade-off from one session of RESULTS/hugepages, or None if absent."""
    s, _, _ = sessions.load_set(os.path.join(results_dir, "hugepages"), "hugepages.csv",
                                "report.py")
    if s is None:
        return None
    if not set(COLUMNS) <= set(s.header or ()):
        raise ReportError("%s: missing columns (needs %s)" % (s.runs_path, ", ".join(COLUMNS)))
    ctx = s.context or {}
    body = []
    for case, gap in cases(s.rows):
        med = {}
        for mode in MODES:
            rs = [r for r in s.rows if (r["case"], r["gap_s"], r["mode"]) == (case, gap, mode)]
            v = lambda c, k=1.0: [num(r[c]) * k for r in rs]  # noqa: E731
            med[mode] = median(v("wall_s"))
            what = ("whole training, after %s s idle" % fmt(num(gap)) if case == "train"
                    else "backend fork from saved counts, back to back")
            body.append([what, mode, len(rs), mmm(v("wall_s")), mmm(v("sys_s")),
                         mmm(v("merge_s")), mmm(v("peak_rss_kb", 1 / 1024))])
        r = ratio(med["on"], med["off"])
        body[-1].append("%.2f×" % r if r else "—")
        body[-2].append("")
    machine = s.machine or {}
    out = ["Measured by `scripts/hugepages.py` (`make hugepages`) on %s (machine %s), %s, "
           "input `%s`; whole trainings at vocab %s (heap, 2 threads), backend fork at vocab "
           "%s (W = 2); each mode's runs interleaved with the other's, which goes first turning "
           "every repeat, every run its own process, wall clock spawn to exit, system CPU and peak RSS from wait4; medians "
           "(min–max). On this machine `--huge-pages auto` chose: %s."
           % (machine.get("label", "?"), machine.get("id", "?"), ctx.get("started", "?"),
              ctx.get("input", "?"), ctx.get("vocab", "?"), ctx.get("fork_vocab", "?"),
              ctx.get("auto", "?") or "?"), ""]
    out += table(["runs", "huge pages", "n", "wall s", "system CPU s", "merge s",
                  "peak RSS MB", "wall on ÷ off"], body)
    return {"table": out}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--input", help="training text (default: the mail data set, fetched)")
    ap.add_argument("--vocab", type=int, default=30000)
    ap.add_argument("--fork-vocab", type=int, default=800)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--gaps", default="0 3", help="idle seconds before each training run")
    ap.add_argument("--results", default=os.path.join(ROOT, "results", "hugepages"))
    ap.add_argument("--bpetrain", default=os.path.join(BIN, "bpetrain"))
    args = ap.parse_args()
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    try:
        gaps = [float(g) for g in args.gaps.split()]
    except ValueError:
        gaps = [-1.0]
    if not gaps or min(gaps) < 0:
        ap.error("--gaps expects seconds, 0 or more, separated by spaces")
    args.input = os.path.relpath(args.input or fetched_input("mail"), ROOT)
    started = datetime.datetime.now(datetime.timezone.utc)
    work = tempfile.mkdtemp(prefix="bpehuge.")
    try:
        rows = measure(args, args.bpetrain, work)
    except subprocess.CalledProcessError as e:
        sys.exit("hugepages: %s failed (exit %d); nothing written" % (" ".join(e.cmd), e.returncode))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ctx = {"started": started.strftime("%Y-%m-%dT%H:%M:%SZ"), "input": args.input,
           "vocab": args.vocab, "fork_vocab": args.fork_vocab, "gaps": gaps,
           "repeat": args.repeat, "auto": auto_here(args.bpetrain),
           "git_commit": source_commit()}
    dest = sessions.save_set(args.results, "hugepages.csv", COLUMNS, rows, ctx, now=started)
    sys.stderr.write("hugepages: wrote %s\n" % os.path.relpath(dest, ROOT))


if __name__ == "__main__":
    main()
