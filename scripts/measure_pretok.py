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

Once every run succeeded, writes a session of its own (scripts/benchlib/sessions.py):
results/pretok/sessions/<id>/pretok.csv (one row per run: the count phase's wall time from
bpetrain's CSV, the process's CPU time, the machine and session) and context.json (the
machine, load, binaries, inputs), each whole and atomically; no other session's files are
touched (the results/pretok/{pretok.csv,context.json} from before sessions are read as
they are). report.py calls
report_sections() to make REPORT.md's "Pre-tokenizers and counting" tables from them: MB/s per
CPU-second (bytes / (user + sys)) and per core from wall time (bytes / (count_s x workers)),
medians and min-max, the ratios within the run, from the newest session of the machine
sessions.pick chooses.
"""

import argparse
import datetime
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import runs, sessions  # noqa: E402
from benchlib.reportfile import ReportError, write_atomic  # noqa: E402
from benchlib.tables import fmt, median, mmm, num, ratio, table  # noqa: E402
from benchlib.tools import BEFORE, build_commit, run_text, sha256_of, source_commit  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
SAMPLE = os.path.join(ROOT, "data", "sample", "tinystories_v1_head_1097.txt")
BPETRAIN = os.path.join(ROOT, "bin", "bpetrain")
SYNTHGEN = os.path.join(ROOT, "bin", "synthgen")
RESULTS = os.path.join(ROOT, "results", "pretok")
COLUMNS = ["set", "pretok", "phase", "count_workers", "repeat", "bytes", "count_s", "cpu_s",
           "words", "pretokens", "unicode"]
PHASES = (("pretok", "--pretok-only", "pre-tokenize alone"),
          ("count", "--count-only", "count end to end"))
# "before": the trainer of commit BEFORE (the counting of the targets' "today's").
PRETOKS = ("pcre2", "fast", "before")
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


def run_one(bpetrain, path, pretok, flag, cw):
    """Runs bpetrain once: (its CSV row, CPU seconds of the process). pretok "before":
    the trainer of commit BEFORE at `bpetrain` (PCRE2 and its word table; it knows
    neither --pretok nor --pretok-only, and wants a vocabulary size)."""
    how = ["--vocab-size", "300"] if pretok == "before" else ["--pretok", pretok]
    return runs.trainer_row([bpetrain, "--quiet", "--input", path] + how +
                            [flag, "--count-workers", str(cw)])


def measure(args):
    work = os.path.join(ROOT, "build", "measure-pretok")
    os.makedirs(work, exist_ok=True)
    sets = inputs(args.sets.split(","), args.synth_size, work)
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = list(os.getloadavg())
    commit = source_commit()  # of the binaries measured
    before = build_commit(BEFORE)
    combos = [(s, p, phase, flag, cw) for s in sets for phase, flag, _ in PHASES
              for cw in (1, 2) for p in PRETOKS if p != "before" or phase == "count"]
    rows = []
    for r in range(1, args.repeat + 1):
        for s, p, phase, flag, cw in combos:
            exe = before if p == "before" else args.bpetrain
            row, cpu = run_one(exe, sets[s][1], p, flag, cw)
            rows.append([s, p, phase, cw, r, row["input_bytes"], row["count_s"],
                         "%.6f" % cpu, row["words"], row.get("pretokens", ""),
                         row.get("unicode", "")])
        sys.stderr.write("measure_pretok: repeat %d/%d done\n" % (r, args.repeat))
    context = {
        "started": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "finished": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "loadavg_before": load_before,
        "loadavg_after": list(os.getloadavg()),
        "git_commit": commit,
        "compiler": run_text(["gcc", "--version"]).split("\n")[0],
        "bpetrain": os.path.relpath(args.bpetrain, ROOT),
        "before_commit": BEFORE,
        "repeat": args.repeat,
        "order": "interleaved: every combination once per repeat",
        "inputs": {s: {"label": lab, "path": os.path.relpath(path, ROOT),
                       "bytes": os.path.getsize(path), "sha256": sha256_of(path),
                       "synthetic": syn} for s, (lab, path, syn) in sets.items()},
    }
    sdir = sessions.save_set(args.results, "pretok.csv", COLUMNS,
                             [dict(zip(COLUMNS, r)) for r in rows], context, now=started)
    sys.stderr.write("measure_pretok: wrote %s\n" % os.path.relpath(sdir, ROOT))


# ---- its REPORT.md sections (report.py calls them) -------------------------------

SECTIONS = ("table", "targets")


def load(results_dir):
    """(rows, context) of the session a report shows, or None without one."""
    s, _, _ = sessions.load_set(os.path.join(results_dir, "pretok"), "pretok.csv", "report.py")
    if s is None:
        return None
    if not set(COLUMNS) <= set(s.header or ()):
        raise ReportError("%s: missing columns (needs %s)" % (s.runs_path, ", ".join(COLUMNS)))
    if s.context_note:
        raise ReportError("%s: %s" % (os.path.join(s.dir, "context.json"), s.context_note))
    return s.rows, s.context


def speeds(rows, s, p, phase, cw):
    """(MB per CPU-second, MB/s per core from wall time) of each run of one combination."""
    sel = [r for r in rows if (r["set"], r["pretok"], r["phase"], r["count_workers"]) ==
           (s, p, phase, str(cw))]
    cpu = [float(r["bytes"]) / 1e6 / num(r["cpu_s"]) for r in sel if num(r["cpu_s"])]
    wall = [float(r["bytes"]) / 1e6 / (num(r["count_s"]) * cw) for r in sel if num(r["count_s"])]
    return cpu, wall


def x(v):
    return "—" if v is None else fmt(v) + "×"


DIVERSE_SETS = ("mail", "sentences")


def tiny_sets(sets):
    """The TinyStories-like inputs: the sample repeated and the synthetic corpus."""
    return [k for k in sets if k == "sample" or k.startswith("synth")]


def verdict(ok):
    return "—" if ok is None else ("**met**" if ok else "**not met**")


def efficiencies(rows, s, p):
    """Per repeat: the wall-clock speed-up of 2 count workers over 1, halved."""
    by = {}
    for r in rows:
        if (r["set"], r["pretok"], r["phase"]) == (s, p, "count") and num(r["count_s"]):
            by.setdefault(r["repeat"], {})[r["count_workers"]] = num(r["count_s"])
    return [t["1"] / t["2"] / 2 for t in by.values() if "1" in t and "2" in t]


def hf_ratio(results_dir, dataset):
    """(HF's total time over ours, heap with 2 threads, per median; vocab) from the
    peers run of `dataset` the report shows (peers.chosen: one session), or None."""
    import peers
    s, _, _ = peers.chosen(results_dir, dataset)
    if s is None:
        return None
    rows = s.rows
    ours = [num(r["total_s"]) for r in rows if r["trainer"] == "bpetrain" and
            r["backend"] == "heap" and r["workers"] == "2"]
    hf = [num(r["total_s"]) for r in rows if r["trainer"] == "hf-tokenizers"]
    if not ours or not hf:
        return None
    return median(hf) / median(ours), rows[0]["vocab_size"], len(ours), len(hf)


def targets(rows, ctx, sets, results_dir):
    """The issue's targets, each against this run's numbers."""
    label = {k: ctx["inputs"][k]["label"] for k in sets}
    out = ["The targets, from the runs above (1 count worker unless said; \"before\" is "
           "the trainer of commit %s, the counting of the targets' \"today's\"):" %
           ctx.get("before_commit", BEFORE)[:10], ""]
    for names, floor in ((tiny_sets(sets), 500), (("mail",), 300)):
        got = [(label[k], median(speeds(rows, k, "fast", "pretok", 1)[0])) for k in names
               if k in label]
        ok = None if not got or None in [v for _, v in got] else all(v >= floor for _, v in got)
        out.append("- Pre-tokenizing alone at least %d MB per CPU-second on %s: %s: %s." % (
            floor, "TinyStories-like text" if floor == 500 else "mail",
            ", ".join("%s %s" % (n, fmt(v)) for n, v in got) or "not measured", verdict(ok)))
    got = []
    for k in DIVERSE_SETS:
        if k in label:
            for cw in (1, 2):
                r = ratio(median(speeds(rows, k, "fast", "count", cw)[0]),
                          median(speeds(rows, k, "before", "count", cw)[0]))
                got.append(("%s, %d worker%s" % (label[k], cw, "s" if cw > 1 else ""), r))
    vals = [v for _, v in got]
    ok = None if not vals or None in vals else all(v >= 5 for v in vals)
    out.append("- Counting end to end at least 5× before on the diverse sets, MB per "
               "CPU-second: %s: %s." % (", ".join("%s %s" % (n, x(v)) for n, v in got) or
                                        "not measured", verdict(ok)))
    got = [(label[k], efficiencies(rows, k, "fast")) for k in sets]
    got = [(n, e) for n, e in got if e]
    ok = None if not got else all(median(e) >= 0.9 for _, e in got)
    out.append("- Parallel efficiency at least 90 %% at 2 count workers (wall clock, per repeat; "
               "load average %s before the runs): %s: %s." % (
                   " ".join("%.2f" % v for v in ctx.get("loadavg_before", [])),
                   ", ".join("%s %s" % (n, mmm([100 * v for v in e]) + " %") for n, e in got)
                   or "not measured", verdict(ok)))
    hf = hf_ratio(results_dir, "mail")
    if hf is None:
        out.append("- Training on mail against HF tokenizers: no peers run of mail in "
                   "results/mail/ (`scripts/peers.py data/mail/... --dataset mail`).")
    else:
        out.append("- Training end to end on mail, 2 threads, at least 25× faster than HF "
                   "tokenizers in the same peers run: %s× (medians of %d and %d runs) at vocab "
                   "%s, the only vocabulary HF's Node binding trains at (its train() takes no "
                   "trainer; the issue's vocab 10000 cannot be asked of it), section \"Peers: "
                   "mail\" below: %s." % (fmt(hf[0]), hf[2], hf[3], hf[1],
                                          verdict(hf[0] >= 25)))
    return out


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
             "before and %s after (a load above the number of PUs means that other jobs "
             "shared the machine). Each run is one `bin/bpetrain --pretok-only` (pre-tokenize alone: split on the special "
             "token and pre-tokenize, no table) or `--count-only` (count end to end: the word "
             "table too) process; \"before\" (count end to end only) is the trainer of "
             "commit %s, from before the fast pre-tokenizer and the word table."
             % (ctx.get("started"), ctx.get("finished"), m.get("label", "?"), m.get("id", "?"),
                len(reps), " ".join("%.2f" % v for v in ctx.get("loadavg_before", [])),
                " ".join("%.2f" % v for v in ctx.get("loadavg_after", [])),
                ctx.get("before_commit", BEFORE)[:10]), ""]
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
                bc, _ = speeds(rows, s, "before", phase, cw)
                body.append([ctx["inputs"][s]["label"], pname, cw, mmm(bc), mmm(pc), mmm(fc),
                             x(ratio(median(fc), median(pc))), x(ratio(median(fc), median(bc)))])
    lines += table(["input", "phase", "count workers", "before", "pcre2", "fast",
                    "fast ÷ pcre2", "fast ÷ before"], body)
    lines += ["", "MB/s per core from the count phase's wall time (bytes / (count_s × "
              "workers)); on a shared machine a worker also waits for a CPU, so these are "
              "lower bounds. The last column is the wall-clock speed-up of 2 count workers "
              "over 1 (2× is perfect).", ""]
    body = []
    for s in sets:
        for phase, _, pname in PHASES:
            for p in PRETOKS:
                if p == "before" and phase != "count":
                    continue
                _, w1 = speeds(rows, s, p, phase, 1)
                _, w2 = speeds(rows, s, p, phase, 2)
                up = ratio(median(w2) * 2 if median(w2) else None, median(w1))
                body.append([ctx["inputs"][s]["label"], pname, p, mmm(w1), mmm(w2), x(up)])
    lines += table(["input", "phase", "pretok", "1 worker", "2 workers, per core",
                    "2 workers ÷ 1"], body)
    words = []
    for s in sets:
        per = {}
        for p in PRETOKS:
            # The trainer before records no pre-token count: words only.
            got = {(r["words"], r["pretokens"] if p != "before" else None) for r in rows
                   if r["set"] == s and r["pretok"] == p and r["phase"] == "count"}
            per[p] = got
        w, t = next(iter(per["fast"])) if per["fast"] else ("?", "?")
        odd = []
        for p in ("pcre2", "before"):
            if per[p] and {(a, b if p != "before" else None) for a, b in per["fast"]} != per[p]:
                odd.append("%s: %s" % (p, "; ".join(
                    "%s words" % a + (", %s pre-tokens" % b if b is not None else "")
                    for a, b in sorted(per[p]))))
        words.append("%s: %s distinct words, %s pre-tokens%s" % (
            ctx["inputs"][s]["label"], w, t, " (%s)" % "; ".join(odd) if odd else ""))
    lines += ["", "Counted by every run of the input, fast, pcre2 and before alike unless "
              "noted: " + "; ".join(words) + "."]
    return {"table": lines, "targets": targets(rows, ctx, sets, results_dir)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--sets", default="sample,synth,mail,sentences")
    ap.add_argument("--synth-size", default="256M")
    ap.add_argument("--bpetrain", default=BPETRAIN, help="the trainer to measure")
    ap.add_argument("--results", default=RESULTS, help="default results/pretok")
    args = ap.parse_args()
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    measure(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
