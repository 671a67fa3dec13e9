#!/usr/bin/env python3
"""bench.py: runs the experiment matrix of one data set and records every run.

Each run is a separate bpetrain process. Counting is timed in runs of its own
(--count-only, for each count-worker count); the merge-phase runs load the word
counts saved once from the same input (bpetrain checks the input's size and
hash before using them), so a 2 GB corpus is counted once per repeat, not once
per combination. Every finished run appends one complete row to
results/<dataset>/runs.csv; an interrupted bench leaves only complete rows, and
a rerun skips what is already measured unless --force.

Usage: scripts/bench.py --dataset NAME [--vocab N] [--backends "..."]
       [--workers "1 2 4 8"] [--repeat 3] [--pin none] [--count-workers "1 2"]
       [--size 2G] [--force]
"""

import argparse
import csv
import datetime
import hashlib
import io
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("BPEBENCH_BIN", os.path.join(ROOT, "bin"))
BPETRAIN = os.path.join(BIN, "bpetrain")
SYNTHGEN = os.path.join(BIN, "synthgen")

# Backends whose select does not depend on a worker count: run at W=1 only.
SINGLE = {"serial", "heap", "lazyheap"}
EXTRA = ["dataset", "repeat", "bench_started", "kind"]

DEFAULT_VOCAB = {"sample": 2000, "cs336": 500}


def die(msg, code=1):
    sys.stderr.write("bench: %s\n" % msg)
    sys.exit(code)


def warn(msg):
    sys.stderr.write("bench: warning: %s\n" % msg)


def resolve_dataset(name, size, seed):
    """Returns (results name, input path, synthetic?), making the input if needed."""
    if name == "sample":
        return "sample", os.path.join(ROOT, "data/sample/tinystories_v1_head_1097.txt"), False
    if name == "cs336":
        return "cs336", os.path.join(ROOT, "tests/fixtures/cs336/corpus.en"), False
    if name == "synth":
        path = os.path.join(ROOT, "data", "synth", "synth-%s-seed%d.txt" % (size, seed))
        if not os.path.exists(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            sys.stderr.write("bench: generating synthetic %s corpus %s\n" % (size, path))
            rc = subprocess.call([SYNTHGEN, "--sample",
                                  os.path.join(ROOT, "data/sample/tinystories_v1_head_1097.txt"),
                                  "--size", size, "--seed", str(seed), "--out", path])
            if rc != 0:
                die("synthgen failed (exit %d)" % rc)
        return "synth-%s" % size, path, True
    manifest = os.path.join(ROOT, "scripts", "datasets.tsv")
    known = {}
    if os.path.exists(manifest):
        with open(manifest) as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                cols = line.rstrip("\n").split("\t")
                if len(cols) >= 4 and cols[0] != "name":
                    known[cols[0]] = cols[3]
    if name not in known:
        die("unknown data set '%s'; known: sample cs336 synth %s"
            % (name, " ".join(sorted(known))), 2)
    path = os.path.join(ROOT, known[name])
    if not os.path.exists(path):
        rc = subprocess.call([os.path.join(ROOT, "scripts", "fetch-data.sh"), name])
        if rc != 0:
            sys.exit(rc)
    return name, path, False


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 22)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def run_text(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT).stdout.strip()
    except OSError:
        return ""


def gather_context(dataset, path, synthetic, args, warnings):
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    governor = None
    try:
        with open("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor") as f:
            governor = f.read().strip()
    except OSError:
        pass
    try:
        topology = json.loads(run_text([BPETRAIN, "--topology"]) or "{}")
    except ValueError:
        topology = {}
    flags = ""
    try:
        with open(os.path.join(ROOT, "build/release/.flags")) as f:
            flags = f.read().strip()
    except OSError:
        pass
    commit = run_text(["git", "rev-parse", "HEAD"])
    if commit and run_text(["git", "status", "--porcelain", "--untracked-files=no"]):
        commit += "-dirty"
    # The binaries measured may come from another checkout (BPEBENCH_BIN):
    # record which commit they were built from.
    bin_commit = run_text(["git", "-C", BIN, "rev-parse", "HEAD"]) or commit
    return {
        "dataset": dataset,
        "synthetic": synthetic,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "host": socket.gethostname(),
        "cpu_model": cpu,
        "topology": topology,
        "governor": governor,
        "loadavg": list(os.getloadavg()),
        "compiler": run_text(["gcc", "--version"]).split("\n")[0],
        "cflags": flags,
        "kernel": platform.release(),
        "git_commit": commit,
        "binaries": {"dir": os.path.relpath(BIN, ROOT), "commit": bin_commit},
        "input": {"path": os.path.relpath(path, ROOT), "bytes": os.path.getsize(path),
                  "sha256": sha256_of(path)},
        "vocab_size": args.vocab,
        "repeat": args.repeat,
        "backends": args.backends.split(),
        "workers": [int(w) for w in args.workers.split()],
        "count_workers": [int(w) for w in args.count_workers.split()],
        "pin": args.pin,
        "warnings": warnings,
    }


def write_atomic(path, data):
    d = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_runs(path):
    if not os.path.exists(path):
        return None, []
    with open(path, newline="") as f:
        r = csv.DictReader(f)
        return r.fieldnames, list(r)


def run_key(row):
    return (row["kind"], row["backend"], row["workers"], row["count_workers"], row["pin"],
            row["vocab_size"], row["input_bytes"], row["repeat"], row.get("layout") or "flat",
            row.get("touch") or "0", row.get("shuffle_chunks") or "0")


def append_row(path, header, row):
    """One complete line (with the header if the file is new) in one write."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
    try:
        if os.fstat(fd).st_size == 0:
            w.writerow(header)
        w.writerow([row.get(k, "") for k in header])
        os.write(fd, out.getvalue().encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def drop_rows(path, header, keys):
    """--force: remove the rows about to be measured again (atomically)."""
    _, rows = read_runs(path)
    kept = [r for r in rows if run_key(r) not in keys]
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=header, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(kept)
    write_atomic(path, out.getvalue())


class Child:
    """The bpetrain run in progress, so Ctrl-C can stop it cleanly."""
    proc = None


def on_signal(signum, frame):
    p = Child.proc
    if p and p.poll() is None:
        # The run is a process group of its own: its workers go with it.
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except OSError:
            pass
        p.wait()
    sys.stderr.write("\nbench: interrupted; every row in runs.csv is complete\n")
    sys.exit(128 + signum)


def run_one(cmd, tmpcsv):
    if os.path.exists(tmpcsv):
        os.unlink(tmpcsv)
    Child.proc = subprocess.Popen(cmd + ["--csv", tmpcsv, "--quiet"], cwd=ROOT,
                                  stderr=subprocess.PIPE, start_new_session=True)
    _, err = Child.proc.communicate()
    rc = Child.proc.returncode
    Child.proc = None
    err = err.decode(errors="replace")
    # Warnings the user should see once, not once per run.
    err = "\n".join(l for l in err.splitlines() if "oversubscribed" not in l)
    if rc != 0:
        die("run failed (exit %d): %s\n  %s" % (rc, " ".join(cmd), err.strip()))
    with open(tmpcsv, newline="") as f:
        rows = list(csv.DictReader(f))
    os.unlink(tmpcsv)
    if len(rows) != 1:
        die("run wrote %d CSV rows, expected 1: %s" % (len(rows), " ".join(cmd)))
    return rows[0]


def fmt_eta(s):
    s = int(s)
    return "%d:%02d:%02d" % (s // 3600, s // 60 % 60, s % 60) if s >= 3600 else \
        "%d:%02d" % (s // 60, s % 60)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset", default="sample")
    ap.add_argument("--vocab", type=int, default=0)
    ap.add_argument("--backends",
                    default="serial fork pool spawn pthread openmp heap lazyheap")
    ap.add_argument("--workers", default="1 2 4 8")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pin", default="none")
    ap.add_argument("--count-workers", default="")
    ap.add_argument("--size", default="2G", help="synth: corpus size (K/M/G)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--force", action="store_true")
    ap.add_argument("--layout", default="flat", choices=["flat", "objects"],
                    help="process backends' copy of the pairs (bpetrain --layout)")
    ap.add_argument("--touch", action="store_true", help="bpetrain --touch")
    ap.add_argument("--shuffle-chunks", action="store_true", help="bpetrain --shuffle-chunks")
    ap.add_argument("--tag", default="",
                    help="results go to results/<dataset>-<tag>/ (for experiment variants)")
    ap.add_argument("--no-count", action="store_true",
                    help="skip the counting runs (experiments that vary the merge step only)")
    ap.add_argument("--results", default=os.path.join(ROOT, "results"))
    args = ap.parse_args()

    if not os.access(BPETRAIN, os.X_OK):
        die("%s not built (run make)" % BPETRAIN)
    if args.repeat < 1:
        die("--repeat must be at least 1", 2)
    pus = os.cpu_count() or 1
    if not args.count_workers:
        args.count_workers = " ".join(str(i) for i in range(1, pus + 1))
    try:
        workers = [int(w) for w in args.workers.split()]
        count_workers = [int(w) for w in args.count_workers.split()]
    except ValueError:
        die("--workers and --count-workers take whole numbers", 2)
    if any(w < 1 for w in workers + count_workers):
        die("worker counts must be at least 1", 2)
    listed = run_text([BPETRAIN, "--list-backends"]).split("\n")
    known = {l.split()[0] for l in listed if l.strip()}
    for b in args.backends.split():
        if b not in known:
            die("unknown backend '%s'; known: %s" % (b, " ".join(sorted(known))), 2)

    dataset, path, synthetic = resolve_dataset(args.dataset, args.size, args.seed)
    if not args.vocab:
        args.vocab = DEFAULT_VOCAB.get(args.dataset, 10000)
    base = dataset  # one word-count file per input, whatever the variant
    if args.tag:
        dataset = "%s-%s" % (dataset, args.tag)
    outdir = os.path.join(args.results, dataset)
    os.makedirs(outdir, exist_ok=True)
    runs_csv = os.path.join(outdir, "runs.csv")

    warnings = []
    over = [w for w in workers if w > pus]
    if over:
        warnings.append("workers %s exceed the %d PUs: those runs are oversubscribed"
                        % (" ".join(map(str, over)), pus))
    load1 = os.getloadavg()[0]
    if load1 > 0.5 * pus:
        warnings.append("load average %.2f on %d PUs when the bench started: timings may be "
                        "disturbed" % (load1, pus))
    for w in warnings:
        warn(w)
    context = gather_context(dataset, path, synthetic, args, warnings)
    write_atomic(os.path.join(outdir, "context.json"), json.dumps(context, indent=2) + "\n")

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    # The word counts the merge runs start from: made once, checked by bpetrain.
    counts = os.path.join(ROOT, "data", "counts", "%s.wc" % base)
    os.makedirs(os.path.dirname(counts), exist_ok=True)
    tmpcsv = os.path.join(outdir, ".run-%d.csv" % os.getpid())

    plan = []
    for r in range(args.repeat if not args.no_count else 0):
        for cw in count_workers:
            plan.append(("count", "serial", 1, cw, r))
    for r in range(args.repeat):
        for b in args.backends.split():
            for w in ([1] if b in SINGLE else workers):
                plan.append(("merge", b, w, pus, r))

    started = context["date"]
    header, rows = read_runs(runs_csv)
    done = {run_key(x) for x in rows}
    input_bytes = str(os.path.getsize(os.path.join(ROOT, path)))
    # Paths in the rows are relative to the repository, as the runs see them.
    path = os.path.relpath(path, ROOT)
    counts = os.path.relpath(counts, ROOT)

    variant = []
    if args.layout != "flat":
        variant += ["--layout", args.layout]
    if args.touch:
        variant += ["--touch"]
    if args.shuffle_chunks:
        variant += ["--shuffle-chunks"]

    def key_of(item):
        kind, b, w, cw, r = item
        merge = kind == "merge"
        return (kind, b, str(w), str(cw), args.pin if merge else "none",
                str(args.vocab) if merge else "0", input_bytes, str(r),
                args.layout if merge else "flat", "1" if merge and args.touch else "0",
                "1" if merge and args.shuffle_chunks else "0")

    todo = [p for p in plan if args.force or key_of(p) not in done]
    if args.force and header:
        drop_rows(runs_csv, header, {key_of(p) for p in todo})
    if not todo:
        sys.stderr.write("bench: all %d runs of %s already measured (use FORCE=1 to redo)\n"
                         % (len(plan), dataset))
        check_hashes(runs_csv)
        return
    if any(p[0] == "merge" for p in todo):
        rc = subprocess.call([BPETRAIN, "--input", path, "--count-only", "--save-counts",
                              counts, "--quiet"], cwd=ROOT)
        if rc != 0:
            die("counting for the saved word counts failed (exit %d)" % rc)

    tty = sys.stderr.isatty()
    t_start = time.time()
    for k, item in enumerate(todo):
        kind, b, w, cw, r = item
        if kind == "count":
            cmd = [BPETRAIN, "--input", path, "--count-only", "--count-workers", str(cw)]
            what = "count   count_workers=%d repeat %d" % (cw, r)
        else:
            cmd = [BPETRAIN, "--input", path, "--load-counts", counts, "--vocab-size",
                   str(args.vocab), "--backend", b, "--workers", str(w), "--pin", args.pin
                   ] + variant
            what = "%-8s W=%d pin=%s repeat %d" % (b, w, args.pin, r)
        elapsed = time.time() - t_start
        eta = "" if k == 0 else " ETA " + fmt_eta(elapsed / k * (len(todo) - k))
        line = "[%d/%d] %s %s%s" % (k + 1, len(todo), dataset, what, eta)
        if tty:
            sys.stderr.write("\r\033[K" + line)
            sys.stderr.flush()
        t0 = time.time()
        row = run_one(cmd, tmpcsv)
        if not tty:
            sys.stderr.write("%s: %.2f s\n" % (line, time.time() - t0))
        row.update({"dataset": dataset, "repeat": str(r), "bench_started": started,
                    "kind": kind})
        if kind == "count":
            row["vocab_size"] = "0"
            row["pin"] = "none"
        if header is None:
            header = list(row.keys())
        append_row(runs_csv, header, row)
        if kind == "merge":
            check_hashes(runs_csv)
    if tty:
        sys.stderr.write("\n")
    sys.stderr.write("bench: %d runs of %s in %.0f s -> %s\n"
                     % (len(todo), dataset, time.time() - t_start, os.path.relpath(runs_csv, ROOT)))


def check_hashes(runs_csv):
    """Every merge run of one input and vocab must have learned the same merges."""
    _, rows = read_runs(runs_csv)
    groups = {}
    for r in rows:
        if r.get("kind") != "merge":
            continue
        groups.setdefault((r["input_bytes"], r["vocab_size"]), {}).setdefault(
            r["merges_hash"], []).append(r)
    for (size, vocab), by_hash in groups.items():
        if len(by_hash) > 1:
            desc = "; ".join("%s: %s" % (h, ", ".join(
                "%s W=%s pin=%s repeat %s" % (r["backend"], r["workers"], r["pin"], r["repeat"])
                for r in rs[:4])) for h, rs in by_hash.items())
            die("merges differ between runs (vocab %s, input %s bytes): %s" % (vocab, size, desc))


if __name__ == "__main__":
    main()
