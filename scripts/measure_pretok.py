#!/usr/bin/env python3
"""Pre-tokenizing alone and counting end to end, pcre2 against fast.

    python3 scripts/measure_pretok.py [--repeat 5] [--sets sample,synth,mail,sentences]
                                      [--synth-size 256M] [--bpetrain BIN]
    make pretok [REPEAT=5]          (the same, then make report)

Inputs: the bundled TinyStories sample repeated to about the size of `mail` (real text,
repeated), the synthetic corpus of --synth-size bytes from bin/synthgen seed 1 (labelled
synthetic; made if missing), and the real data sets `mail` and `sentences` (fetched if missing,
scripts/fetch-data.sh). Each combination (input x pretok x --pretok-only/--count-only x 1, 2
count workers) runs --repeat times, each a separate bin/bpetrain process, interleaved so that a
burst of load elsewhere hits every combination alike.

Writes results/pretok/pretok.csv (one row per run: the count phase's wall time from bpetrain's
CSV, the process's CPU time) and results/pretok/context.json (the machine, load, binaries,
inputs), both replaced atomically at the end of a complete run. report.py calls
report_sections() to make REPORT.md's "Pre-tokenizers and counting" tables from them: MB/s per
CPU-second (bytes / (user + sys)) and per core from wall time (bytes / (count_s x workers)),
medians and min-max, the ratios within the run.
"""

import argparse
import csv
import datetime
import io
import json
import os
import resource
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import machine  # noqa: E402
from benchlib.reportfile import ReportError, write_atomic  # noqa: E402
from benchlib.tables import fmt, median, mmm, num, ratio, table  # noqa: E402
from benchlib.tools import run_text, sha256_of  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
SAMPLE = os.path.join(ROOT, "data", "sample", "tinystories_v1_head_1097.txt")
BPETRAIN = os.path.join(ROOT, "bin", "bpetrain")
SYNTHGEN = os.path.join(ROOT, "bin", "synthgen")
RESULTS = os.path.join(ROOT, "results", "pretok")
COLUMNS = ["set", "pretok", "phase", "count_workers", "repeat", "bytes", "count_s", "cpu_s",
           "words", "pretokens", "unicode"]
PHASES = (("pretok", "--pretok-only", "pre-tokenize alone"),
          ("count", "--count-only", "count end to end"))
SAMPLE_COPIES = 34  # about 32.6 MB, the size of `mail`


def sample_input(work):
    path = os.path.join(work, "sample-x%d.txt" % SAMPLE_COPIES)
    if not os.path.exists(path):
        with open(SAMPLE, "rb") as f:
            data = f.read()
        write_atomic(path, data * SAMPLE_COPIES)
    return path


def synth_input(size):
    path = os.path.join(ROOT, "data", "synth", "synth-%s-seed1.txt" % size)
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        subprocess.run([SYNTHGEN, "--sample", SAMPLE, "--size", size, "--seed", "1",
                        "--out", path], check=True)
    return path


def fetched_input(name):
    fetch = os.path.join(ROOT, "scripts", "fetch-data.sh")
    path = subprocess.run([fetch, "--path", name], check=True, cwd=ROOT,
                          stdout=subprocess.PIPE, text=True).stdout.strip()
    path = os.path.join(ROOT, path)
    if not os.path.exists(path):
        subprocess.run([fetch, name], check=True, cwd=ROOT)
    return path


def inputs(sets, synth_size, work):
    """{set: (label, path, synthetic)} for the sets asked for, made or fetched if missing."""
    made = {}
    for s in sets:
        if s == "sample":
            made[s] = ("TinyStories sample ×%d (real, repeated)" % SAMPLE_COPIES,
                       sample_input(work), False)
        elif s == "synth":
            made["synth-" + synth_size] = ("synth-%s (**synthetic**)" % synth_size,
                                           synth_input(synth_size), True)
        elif s in ("mail", "sentences"):
            made[s] = ({"mail": "mail (real e-mail)",
                        "sentences": "sentences (real, varied)"}[s], fetched_input(s), False)
        else:
            raise SystemExit("measure_pretok: unknown set %r (sample, synth, mail, sentences)"
                             % s)
    return made


def run_one(bpetrain, path, pretok, flag, cw, csv_path):
    """Runs bpetrain once: (its CSV row, CPU seconds of the process)."""
    if os.path.exists(csv_path):
        os.unlink(csv_path)
    cmd = [bpetrain, "--quiet", "--input", path, "--pretok", pretok, flag,
           "--count-workers", str(cw), "--csv", csv_path]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with open(csv_path, newline="") as f:
        return list(csv.DictReader(f))[-1], cpu


def measure(args):
    work = os.path.join(ROOT, "build", "measure-pretok")
    os.makedirs(work, exist_ok=True)
    sets = inputs(args.sets.split(","), args.synth_size, work)
    start = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    load_before = list(os.getloadavg())
    commit = run_text(["git", "-C", ROOT, "rev-parse", "HEAD"])  # of the binaries measured
    combos = [(s, p, phase, flag, cw) for s in sets for phase, flag, _ in PHASES
              for cw in (1, 2) for p in ("pcre2", "fast")]
    rows = []
    fd, csv_path = tempfile.mkstemp(suffix=".csv", dir=work)
    os.close(fd)
    try:
        for r in range(1, args.repeat + 1):
            for s, p, phase, flag, cw in combos:
                row, cpu = run_one(args.bpetrain, sets[s][1], p, flag, cw, csv_path)
                rows.append([s, p, phase, cw, r, row["input_bytes"], row["count_s"],
                             "%.6f" % cpu, row["words"], row["pretokens"], row["unicode"]])
            sys.stderr.write("measure_pretok: repeat %d/%d done\n" % (r, args.repeat))
    finally:
        if os.path.exists(csv_path):
            os.unlink(csv_path)
    context = {
        "started": start,
        "finished": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine.this_machine(),
        "loadavg_before": load_before,
        "loadavg_after": list(os.getloadavg()),
        "git_commit": commit,
        "compiler": run_text(["gcc", "--version"]).split("\n")[0],
        "bpetrain": os.path.relpath(args.bpetrain, ROOT),
        "repeat": args.repeat,
        "order": "interleaved: every combination once per repeat",
        "inputs": {s: {"label": lab, "path": os.path.relpath(path, ROOT),
                       "bytes": os.path.getsize(path), "sha256": sha256_of(path),
                       "synthetic": syn} for s, (lab, path, syn) in sets.items()},
    }
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    w.writerows(rows)
    write_atomic(os.path.join(RESULTS, "pretok.csv"), out.getvalue())
    write_atomic(os.path.join(RESULTS, "context.json"),
                 json.dumps(context, indent=1, sort_keys=True) + "\n")
    sys.stderr.write("measure_pretok: wrote %s\n" % os.path.relpath(RESULTS, ROOT))


# ---- its REPORT.md sections (report.py calls them) -------------------------------

SECTIONS = ("table",)


def load(results_dir):
    d = os.path.join(results_dir, "pretok")
    path, cpath = os.path.join(d, "pretok.csv"), os.path.join(d, "context.json")
    if not os.path.isfile(path):
        return None
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or not set(COLUMNS) <= set(rows[0]):
        raise ReportError("%s: missing columns (needs %s)" % (path, ", ".join(COLUMNS)))
    try:
        with open(cpath) as f:
            ctx = json.load(f)
    except (OSError, ValueError) as e:
        raise ReportError("%s: %s" % (cpath, e))
    return rows, ctx


def speeds(rows, s, p, phase, cw):
    """(MB per CPU-second, MB/s per core from wall time) of each run of one combination."""
    sel = [r for r in rows if (r["set"], r["pretok"], r["phase"], r["count_workers"]) ==
           (s, p, phase, str(cw))]
    cpu = [float(r["bytes"]) / 1e6 / num(r["cpu_s"]) for r in sel if num(r["cpu_s"])]
    wall = [float(r["bytes"]) / 1e6 / (num(r["count_s"]) * cw) for r in sel if num(r["count_s"])]
    return cpu, wall


def x(v):
    return "—" if v is None else fmt(v) + "×"


def report_sections(results_dir, report_path):
    """The "Pre-tokenizers and counting" table from RESULTS/pretok, or None if absent."""
    got = load(results_dir)
    if got is None:
        return None
    rows, ctx = got
    m = ctx.get("machine") or {}
    order = {s: k for k, s in enumerate(dict.fromkeys(r["set"] for r in rows))}
    sets = sorted((s for s in ctx.get("inputs", {}) if s in order), key=order.get)
    reps = sorted({r["repeat"] for r in rows})
    lines = ["Measured %s to %s on %s (machine %s), by `scripts/measure_pretok.py` "
             "(`make pretok`), %d runs of each combination, interleaved; load average %s "
             "before and %s after (2 CPUs: the machine was shared with other jobs). Each run "
             "is one `bin/bpetrain --pretok-only` (pre-tokenize alone: split on the special "
             "token and pre-tokenize, no table) or `--count-only` (count end to end: the word "
             "table too) process."
             % (ctx.get("started"), ctx.get("finished"), m.get("label", "?"), m.get("id", "?"),
                len(reps), " ".join("%.2f" % v for v in ctx.get("loadavg_before", [])),
                " ".join("%.2f" % v for v in ctx.get("loadavg_after", []))), ""]
    lines += ["Inputs:", ""]
    for s in sets:
        i = ctx["inputs"][s]
        lines.append("- %s: `%s`, %s bytes, sha256 %s" % (i["label"], i["path"], i["bytes"],
                                                           i["sha256"][:16]))
    lines += ["", "MB per CPU-second (bytes / the process's user + sys time): what a core "
              "does, the steadier yardstick on a loaded machine. Medians (min–max); the "
              "ratio is of the medians.", ""]
    body = []
    for s in sets:
        for phase, _, pname in PHASES:
            for cw in (1, 2):
                pc, _ = speeds(rows, s, "pcre2", phase, cw)
                fc, _ = speeds(rows, s, "fast", phase, cw)
                body.append([ctx["inputs"][s]["label"], pname, cw, mmm(pc), mmm(fc),
                             x(ratio(median(fc), median(pc)))])
    lines += table(["input", "phase", "count workers", "pcre2", "fast", "fast ÷ pcre2"], body)
    lines += ["", "MB/s per core from the count phase's wall time (bytes / (count_s × "
              "workers)); on a shared machine a worker also waits for a CPU, so these are "
              "lower bounds. The last column is the wall-clock speed-up of 2 count workers "
              "over 1 (2× is perfect).", ""]
    body = []
    for s in sets:
        for phase, _, pname in PHASES:
            for p in ("pcre2", "fast"):
                _, w1 = speeds(rows, s, p, phase, 1)
                _, w2 = speeds(rows, s, p, phase, 2)
                up = ratio(median(w2) * 2 if median(w2) else None, median(w1))
                body.append([ctx["inputs"][s]["label"], pname, p, mmm(w1), mmm(w2), x(up)])
    lines += table(["input", "phase", "pretok", "1 worker", "2 workers, per core",
                    "2 workers ÷ 1"], body)
    words = []
    for s in sets:
        per = {}
        for p in ("pcre2", "fast"):
            got = {(r["words"], r["pretokens"]) for r in rows if r["set"] == s and
                   r["pretok"] == p and r["phase"] == "count"}
            per[p] = got
        same = per["pcre2"] == per["fast"] and len(per["fast"]) == 1
        w, t = next(iter(per["fast"])) if per["fast"] else ("?", "?")
        words.append("%s: %s distinct words, %s pre-tokens%s" % (
            ctx["inputs"][s]["label"], w, t, "" if same else
            " (pcre2: %s)" % "; ".join("%s words, %s pre-tokens" % v
                                       for v in sorted(per["pcre2"]))))
    lines += ["", "Counted by every run of the input, fast and pcre2 alike unless noted: " +
              "; ".join(words) + "."]
    return {"table": lines}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--sets", default="sample,synth,mail,sentences")
    ap.add_argument("--synth-size", default="256M")
    ap.add_argument("--bpetrain", default=BPETRAIN, help="the trainer to measure")
    args = ap.parse_args()
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    measure(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
