#!/usr/bin/env python3
"""bench.py: runs the experiment matrix of one data set and records every run.

Each run is a separate bpetrain process. Counting is timed in runs of its own
(--count-only, for each count-worker count); the merge-phase runs load the word
counts saved once from the same input (bpetrain checks the input's size and
hash before using them), so a 2 GB corpus is counted once per repeat, not once
per combination.

Results belong to the machine that measured them. A bench that has something to
measure opens a session of its own, results/<dataset>/sessions/<id>/, and writes
there only: context.json (this machine's fingerprint, compiler and flags, the
binaries' commit, load, input, the plan) and runs.csv (one complete row per
finished run, each naming its machine and session), and skipped.csv for the runs that
ran past --time-limit (killed, no row; a planned run with as many or more workers of
that backend is not started). No session rewrites another's files. A planned run is
skipped when a row with the same machine id, the same binaries (commit and build
flags) and the same parameters exists, or when such a session skipped it for the same
time limit; --force runs it again, and the new session's rows supersede the old ones
for every reader.

Usage: scripts/bench.py --dataset NAME [--vocab N] [--backends "..."]
       [--workers "1 2 4 8"] [--repeat 3] [--pin none] [--count-workers "1 2"]
       [--backend-opts k=v,...] [--size 2G] [--force]
"""

import argparse
import csv
import datetime
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import backends as B, machine, pyruns, runs, sessions  # noqa: E402
from benchlib.tools import BIN, ROOT, binary, run_text, sha256_of, source_commit  # noqa: E402

BPETRAIN = binary("bpetrain")
# Backend mpi runs under mpirun with W = ranks (bin/bpetrain-mpi, make mpi).
BPETRAIN_MPI = binary("bpetrain-mpi")
MPIRUN = ["mpirun", "-q", "--oversubscribe"]
SYNTHGEN = binary("synthgen")
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


def binaries_of_this_build():
    """(commit, build flags) of the binaries measured: the skip rule's "same binaries"."""
    flags = ""
    try:
        with open(os.path.join(ROOT, "build/release/.flags")) as f:
            flags = f.read().strip()
    except OSError:
        pass
    return source_commit(BIN) or source_commit(), flags


# ---- the command line -----------------------------------------------------------------

def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset", default="sample")
    ap.add_argument("--vocab", type=int, default=0)
    ap.add_argument("--backends", default="",
                    help="default: every backend bpetrain --list-backends --json marks bench")
    ap.add_argument("--workers", default="1 2 4 8")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pin", default="none")
    ap.add_argument("--count-workers", default="")
    ap.add_argument("--size", default="2G", help="synth: corpus size (K/M/G)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--force", action="store_true")
    ap.add_argument("--backend-opts", default="",
                    help="options for every backend run (bpetrain --backend-opts)")
    ap.add_argument("--layout", choices=["flat", "objects"], help="= --backend-opts layout=X")
    ap.add_argument("--touch", action="store_true", help="= --backend-opts touch")
    ap.add_argument("--shuffle-chunks", action="store_true", help="= --backend-opts shuffle")
    ap.add_argument("--tag", default="",
                    help="results go to results/<dataset>-<tag>/ (for experiment variants)")
    ap.add_argument("--no-count", action="store_true",
                    help="skip the counting runs (experiments that vary the merge step only)")
    ap.add_argument("--results", default=os.path.join(ROOT, "results"))
    ap.add_argument("--no-merge", action="store_true",
                    help="only the counting runs (counting against threads and ranks)")
    ap.add_argument("--time-limit", type=float, default=0,
                    help="seconds a run may take before it is killed, with its workers, and "
                         "skipped (no row); 0: none")
    ap.add_argument("--py-workers", default="",
                    help="worker counts for the py-* backends (default: --workers)")
    ap.add_argument("--trainer", default="",
                    help="PATH/TO/MODULE.py:FUNCTION: benchmark this CS336 train_bpe against "
                         "bpetrain (scripts/peers.py, trainer train_bpe) instead of the matrix")
    ap.add_argument("--peers", action="store_true",
                    help="train with bpetrain, HF tokenizers and SentencePiece on the data set "
                         "at vocab 30000 (scripts/peers.py; make peers installs them) instead "
                         "of the matrix")
    ap.add_argument("--py-repeat", type=int, default=0,
                    help="repeats for the py-* backends (default: --repeat)")
    return ap.parse_args()


def whole_numbers(text, what):
    try:
        v = [int(w) for w in text.split()]
    except ValueError:
        die("%s takes whole numbers" % what, 2)
    if any(w < 1 for w in v):
        die("worker counts must be at least 1", 2)
    return v


def check_args(args, bk):
    """Validate the command line against the trainer's backends; fills in the defaults
    and sets args.opts ({option: value}) and args.canonical ({backend: backend_opts})."""
    if args.repeat < 1:
        die("--repeat must be at least 1", 2)
    args.pus = os.cpu_count() or 1
    if not args.count_workers:
        args.count_workers = " ".join(str(i) for i in range(1, args.pus + 1))
    args.worker_list = whole_numbers(args.workers, "--workers")
    args.count_list = whole_numbers(args.count_workers, "--count-workers")
    args.backend_list = args.backends.split() or bk.bench_default()
    args.py_worker_list = whole_numbers(args.py_workers, "--py-workers") or args.worker_list
    args.py_repeat = min(args.py_repeat or args.repeat, args.repeat)
    args.opts = B.parse_opts(args.backend_opts)
    if args.layout:
        args.opts["layout"] = args.layout
    if args.touch:
        args.opts["touch"] = "1"
    if args.shuffle_chunks:
        args.opts["shuffle"] = "1"
    try:
        args.canonical = {b: bk.canonical_opts(b, args.opts) for b in args.backend_list}
        args.count_opts = bk.canonical_opts(bk.names()[0], {})
    except B.BackendError as e:
        die(str(e), 2)


# ---- the plan ---------------------------------------------------------------------------

def plan_runs(args, bk, input_bytes):
    """Every run to make, as the parameters its row will carry (runs.run_params)."""
    plan = []
    common = {"input_bytes": str(input_bytes)}
    for r in range(0 if args.no_count else args.repeat):
        for cw in args.count_list:
            plan.append(dict(common, kind="count", backend=bk.names()[0], workers="1",
                             count_workers=str(cw), pin="none", vocab_size="0", repeat=str(r),
                             backend_opts=args.count_opts))
    for r in range(0 if args.no_count or "mpi" not in args.backend_list else args.repeat):
        # Counting over R ranks of one thread each (bpetrain-mpi --count-only).
        for w in args.worker_list:
            plan.append(dict(common, kind="count", backend="mpi", workers=str(w),
                             count_workers="1", pin="none", vocab_size="0", repeat=str(r),
                             backend_opts=args.canonical["mpi"]))
    for r in range(0 if args.no_merge else args.repeat):
        for b in args.backend_list:
            py = pyruns.is_python(b)
            if py and r >= args.py_repeat:
                continue
            for w in ([1] if bk.single(b) else args.py_worker_list if py else args.worker_list):
                plan.append(dict(common, kind="merge", backend=b, workers=str(w),
                                 count_workers=str(args.pus), pin=args.pin,
                                 vocab_size=str(args.vocab), repeat=str(r),
                                 backend_opts=args.canonical[b]))
    return plan


def measured(found, machine_id, binaries, limit):
    """(plan keys of the runs this machine already measured with these binaries, how many
    of them ran past the same time limit before and were skipped for it)."""
    done = {sessions.plan_key(runs.run_params(r)) for s in found if s.binaries() == binaries
            for r in s.rows if r["machine_id"] == machine_id}
    over = {k for s in found if s.binaries() == binaries and s.machine["id"] == machine_id
            and s.context.get("time_limit_s") == limit for k in s.skipped} - done
    return done | over, len(over)


def gather_context(args, dataset, path, synthetic, here, binaries, plan, warnings):
    return {
        "dataset": dataset,
        "synthetic": synthetic,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "host": here["host"],
        "machine": here,
        "cpu_model": here["fingerprint"]["cpu_model"],
        "topology": args.topology,
        "governor": read_first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
        "loadavg": list(os.getloadavg()),
        "compiler": run_text(["gcc", "--version"]).split("\n")[0],
        "cflags": binaries[1],
        "kernel": here["fingerprint"]["kernel"],
        "git_commit": source_commit(dirty=True),
        "binaries": {"dir": os.path.relpath(BIN, ROOT), "commit": binaries[0]},
        "input": {"path": os.path.relpath(path, ROOT), "bytes": os.path.getsize(path),
                  "sha256": sha256_of(path)},
        "vocab_size": args.vocab,
        "repeat": args.repeat,
        "backends": args.backend_list,
        "backend_opts": args.canonical,
        "workers": args.worker_list,
        "count_workers": args.count_list,
        "pin": args.pin,
        "plan": [sessions.plan_key(runs.run_params(p)) for p in plan],
        "warnings": warnings,
        "python": sys.version.split()[0],
        "time_limit_s": args.time_limit,
    }


def read_first_line(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def machine_warnings(args):
    warnings = []
    over = [w for w in args.worker_list if w > args.pus]
    if over:
        warnings.append("workers %s exceed the %d PUs: those runs are oversubscribed"
                        % (" ".join(map(str, over)), args.pus))
    load1 = os.getloadavg()[0]
    if load1 > 0.5 * args.pus:
        warnings.append("load average %.2f on %d PUs when the bench started: timings may be "
                        "disturbed" % (load1, args.pus))
    return warnings


# ---- running ------------------------------------------------------------------------------

class Child:
    """The bpetrain run in progress, so Ctrl-C can stop it cleanly; or the peers.py
    driving the runs, which ends its own run when told (forward)."""
    proc = None
    forward = None


def on_signal(signum, frame):
    f = Child.forward
    if f:
        # Passed on; call_peers, waiting for it, then exits with its code (waiting
        # here too would deadlock on the wait it interrupted).
        if f.poll() is None:
            f.send_signal(signum)
        return
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


def run_one(cmd, tmpcsv, limit=0):
    if os.path.exists(tmpcsv):
        os.unlink(tmpcsv)
    runs.page_in(runs.files_read(cmd), ROOT)
    Child.proc = subprocess.Popen(cmd + ["--csv", tmpcsv, "--quiet"], cwd=ROOT,
                                  stderr=subprocess.PIPE, start_new_session=True)
    try:
        _, err = pyruns.wait_limited(Child.proc, limit)
    finally:
        rc = Child.proc.returncode
        Child.proc = None
        if os.path.exists(tmpcsv) and rc != 0:
            os.unlink(tmpcsv)
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


def mpi_command(item, path, counts):
    """A run of backend mpi: mpirun -n W bpetrain-mpi, counting or merging."""
    cmd = MPIRUN + ["-n", item["workers"], BPETRAIN_MPI, "--input", path, "--backend", "mpi",
                    "--workers", item["workers"]]
    if item["backend_opts"]:
        cmd += ["--backend-opts", item["backend_opts"]]
    if item["kind"] == "count":
        return (cmd + ["--count-only", "--count-workers", item["count_workers"]],
                "count   mpi ranks=%s repeat %s" % (item["workers"], item["repeat"]))
    return (cmd + ["--load-counts", counts, "--vocab-size", item["vocab_size"], "--pin",
                   item["pin"], "--count-workers", item["count_workers"]],
            "%-8s W=%s pin=%s repeat %s" % ("mpi", item["workers"], item["pin"], item["repeat"]))


def command(item, path, counts):
    """The bpetrain command line of a planned run, and its progress label."""
    if item["backend"] == "mpi":
        return mpi_command(item, path, counts)
    if item["kind"] == "count":
        return ([BPETRAIN, "--input", path, "--count-only", "--count-workers",
                 item["count_workers"]],
                "count   count_workers=%s repeat %s" % (item["count_workers"], item["repeat"]))
    if pyruns.is_python(item["backend"]):
        return (pyruns.command(item, path, counts, BPETRAIN),
                "%-8s W=%s pin=%s repeat %s" % (item["backend"], item["workers"], item["pin"],
                                               item["repeat"]))
    cmd = [BPETRAIN, "--input", path, "--load-counts", counts, "--vocab-size",
           item["vocab_size"], "--backend", item["backend"], "--workers", item["workers"],
           "--pin", item["pin"]]
    if item["backend_opts"]:
        cmd += ["--backend-opts", item["backend_opts"]]
    return cmd, "%-8s W=%s pin=%s repeat %s" % (item["backend"], item["workers"], item["pin"],
                                              item["repeat"])


def skipped_for_time(item, over):
    """A configuration is skipped once it, or the same backend with fewer workers, ran past
    the time limit: more workers of a per-merge process backend only take longer."""
    return next((w for b, w in over if b == item["backend"] and int(item["workers"]) >= w),
                None)


def run_plan(todo, bench, session, limit=0):
    """Run every planned item, appending each finished run's row to the session's
    runs.csv, and each run skipped for time to its skipped.csv (so that the machine's
    runs still count as complete, and a rerun with the same limit does not try it again);
    the merges must agree with every run measured before."""
    runs_csv = os.path.join(session["dir"], "runs.csv")
    skipped_csv = os.path.join(session["dir"], sessions.SKIPPED)

    def skip(item, why):
        runs.append_row(skipped_csv, sessions.SKIPPED_COLUMNS,
                        {"plan_key": sessions.plan_key(runs.run_params(item)), "why": why})

    tmpcsv = os.path.join(session["dir"], ".run-%d.csv" % os.getpid())
    header = None
    tty = sys.stderr.isatty()
    t_start = time.time()
    over = set()      # (backend, workers) that ran past the time limit
    for k, item in enumerate(todo):
        cmd, what = command(item, bench["path"], bench["counts"])
        if item["kind"] == "merge" and skipped_for_time(item, over) is not None:
            why = "W=%d ran past %g s" % (skipped_for_time(item, over), limit)
            sys.stderr.write("%sbench: skipped for time: %s (%s)\n"
                             % ("\r\033[K" if tty else "", what.strip(), why))
            skip(item, why)
            continue
        elapsed = time.time() - t_start
        eta = "" if k == 0 else " ETA " + fmt_eta(elapsed / k * (len(todo) - k))
        line = "[%d/%d] %s %s%s" % (k + 1, len(todo), bench["dataset"], what, eta)
        if tty:
            sys.stderr.write("\r\033[K" + line)
            sys.stderr.flush()
        t0 = time.time()
        try:
            row = run_one(cmd, tmpcsv, limit)
        except pyruns.TimedOut as e:
            over.add((item["backend"], int(item["workers"])))
            sys.stderr.write("%sbench: skipped for time: %s %s: killed with its workers, no "
                             "row\n" % ("\r\033[K" if tty else "", what.strip(), e))
            skip(item, str(e))
            continue
        if not tty:
            sys.stderr.write("%s: %.2f s\n" % (line, time.time() - t0))
        row.update({"dataset": bench["dataset"], "repeat": item["repeat"],
                    "bench_started": session["started"], "kind": item["kind"],
                    "machine_id": session["machine_id"], "session_id": session["id"]})
        if item["kind"] == "count":
            row["vocab_size"] = "0"
            row["pin"] = "none"
        header = header or list(row.keys())
        runs.append_row(runs_csv, header, row)
        if item["kind"] == "merge":
            check_hashes(bench["dir"], bench["backends"])
    if tty:
        sys.stderr.write("\n")
    sys.stderr.write("bench: %d runs of %s in %.0f s -> %s\n"
                     % (len(todo), bench["dataset"], time.time() - t_start,
                        os.path.relpath(runs_csv, ROOT)))


def check_hashes(dataset_dir, bk):
    """Every merge run of one input and vocab must have learned the same merges, on every
    machine (superseded rows aside)."""
    groups = {}
    for m in sessions.by_machine(sessions.load(dataset_dir, bk)).values():
        for r in m.rows():
            if r.get("kind") == "merge":
                groups.setdefault((r["input_bytes"], r["vocab_size"]), {}).setdefault(
                    r["merges_hash"], []).append(r)
    for (size, vocab), by_hash in groups.items():
        if len(by_hash) > 1:
            desc = "; ".join("%s: %s" % (h, ", ".join(runs.describe(r) for r in rs[:4]))
                             for h, rs in by_hash.items())
            die("merges differ between runs (vocab %s, input %s bytes): %s" % (vocab, size, desc))


# ---- main -------------------------------------------------------------------------------

def setup(args):
    """Check everything, find the input; returns the bench's description."""
    if not os.access(BPETRAIN, os.X_OK):
        die("%s not built (run make)" % BPETRAIN)
    args.topology = machine.topology(BPETRAIN)
    if "mpi" in args.backends.split():
        # bpetrain-mpi lists bpetrain's backends and mpi.
        if not os.access(BPETRAIN_MPI, os.X_OK):
            die("%s not built (run make mpi)" % BPETRAIN_MPI)
        if os.geteuid() == 0:
            os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
            os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    try:
        bk = pyruns.with_python(B.load(BPETRAIN_MPI if "mpi" in args.backends.split() else BPETRAIN))
        here = machine.this_machine(args.topology)
    except (B.BackendError, ValueError) as e:
        die(str(e), 2)
    check_args(args, bk)
    dataset, path, synthetic = resolve_dataset(args.dataset, args.size, args.seed)
    if not args.vocab:
        args.vocab = DEFAULT_VOCAB.get(args.dataset, 10000)
    # One word-count file per input, whatever the variant.
    counts = os.path.join(ROOT, "data", "counts", "%s.wc" % dataset)
    if args.tag:
        dataset = "%s-%s" % (dataset, args.tag)
    # Paths in the rows are relative to the repository, as the runs see them.
    return {"dataset": dataset, "dir": os.path.join(args.results, dataset),
            "path": os.path.relpath(path, ROOT), "synthetic": synthetic,
            "counts": os.path.relpath(counts, ROOT), "backends": bk, "machine": here}


def open_session(args, bench, plan, binaries):
    """A new session directory with its context.json: {"id", "dir", "started", ...}."""
    warnings = machine_warnings(args)
    for w in warnings:
        warn(w)
    here = bench["machine"]
    ctx = gather_context(args, bench["dataset"], os.path.join(ROOT, bench["path"]),
                         bench["synthetic"], here, binaries, plan, warnings)
    return dict(sessions.open_session(bench["dir"], ctx, here), started=ctx["date"])


def save_counts(bench):
    os.makedirs(os.path.join(ROOT, os.path.dirname(bench["counts"])), exist_ok=True)
    rc = subprocess.call([BPETRAIN, "--input", bench["path"], "--count-only", "--save-counts",
                          bench["counts"], "--quiet"], cwd=ROOT)
    if rc != 0:
        die("counting for the saved word counts failed (exit %d)" % rc)


def run_trainer(args, bench):
    """--trainer: the CS336 trainer and bpetrain (heap, one worker) on the data set, each
    REPEAT times as a process of its own, timed with peak RSS, merges checked (peers.py)."""
    cmd = [sys.executable, os.path.join(ROOT, "scripts", "peers.py"),
           os.path.join(ROOT, bench["path"]), "--dataset", bench["dataset"],
           "--vocab", str(args.vocab), "--repeat", str(args.repeat), "--trainers",
           "ours,train_bpe", "--train-bpe", args.trainer, "--backends", "heap",
           "--workers", "1", "--time-limit", str(args.time_limit), "--results", args.results,
           "--bpetrain", BPETRAIN]
    sys.exit(call_peers(cmd))


def call_peers(cmd):
    """peers.py's exit code; a signal to the bench is passed on to it (on_signal)."""
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    Child.forward = subprocess.Popen(cmd, cwd=ROOT)
    return Child.forward.wait()


def run_peers(args, bench):
    """--peers: bpetrain (heap, 2 and 1 threads) beside the established trainers, each
    REPEAT times as a process of its own, at the one vocabulary HF's Node binding offers."""
    cmd = [sys.executable, os.path.join(ROOT, "scripts", "peers.py"),
           os.path.join(ROOT, bench["path"]), "--dataset", bench["dataset"],
           "--repeat", str(args.repeat), "--results", args.results, "--bpetrain", BPETRAIN]
    sys.exit(call_peers(cmd))


def main():
    args = parse_args()
    bench = setup(args)
    if args.trainer:
        run_trainer(args, bench)
    if args.peers:
        run_peers(args, bench)
    here, bk = bench["machine"], bench["backends"]
    plan = plan_runs(args, bk, os.path.getsize(os.path.join(ROOT, bench["path"])))
    binaries = binaries_of_this_build()
    found = sessions.load(bench["dir"], bk)
    sessions.warn_problems(found, "bench")
    done, over = (set(), 0) if args.force else measured(found, here["id"], binaries,
                                                        args.time_limit)
    todo = [p for p in plan if sessions.plan_key(runs.run_params(p)) not in done]
    if not todo:
        sys.stderr.write("bench: all %d runs of %s already measured on this machine (%s, "
                         "id %s) with these binaries%s (use FORCE=1 to redo)\n"
                         % (len(plan), bench["dataset"], here["label"], here["id"],
                            "; %d of them ran past the %g s time limit and stay skipped"
                            % (over, args.time_limit) if over else ""))
        check_hashes(bench["dir"], bk)
        return
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    session = open_session(args, bench, plan, binaries)
    if any(p["kind"] == "merge" for p in todo):
        save_counts(bench)
    run_plan(todo, bench, session, args.time_limit)


if __name__ == "__main__":
    main()
