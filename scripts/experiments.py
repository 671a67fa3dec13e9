#!/usr/bin/env python3
"""experiments.py: the article's open questions, measured.

Subcommands (each reruns its experiment into a session of its own under results/):
  traverse   the article's traversal micro-benchmark (bin/traverse):
             results/experiments/sessions/<id>/{context.json,traverse.csv}
  forkcost   fork() cost against the parent's memory, with and without THP
             (the same, forkcost.csv)
  touch      fork, fork-deepcopy, pool, spawn with the pairs laid out flat or
             as separate objects, with and without reference-count writes
  pinning    pin none/compact/scatter for fork, pool, pthread, openmp, and a
             shuffled chunk order for pool
  report     only regenerate the REPORT.md sections and plots of all of them
  all        every experiment, then report

touch and pinning run scripts/bench.py (its sessions, results/<dataset>-<tag>/). The
cost model (per-merge overhead as a function of W and live pairs, fitted over every
merge run in results/) is part of `report`. Each section shows one machine's runs
(sessions.pick and report.py's rules; the results/experiments/{traverse,forkcost}.csv
written before sessions are read as a legacy session whose machine was not recorded).

Usage: scripts/experiments.py SUBCOMMAND [--dataset sample] [--repeat 3]
"""

import argparse
import csv
import datetime
import math
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import report as R  # noqa: E402  (the bench's data sets as the report reads them)
from benchlib import backends as B, machine, sessions  # noqa: E402
from benchlib.gnuplot import COMMON, g_, gq, run_gnuplot  # noqa: E402
from benchlib.reportfile import (ReportError, figure, read_report,  # noqa: E402
                                 save_report, update_report)
from benchlib.tables import MISSING, fmt, median, mmm, num, table  # noqa: E402
from benchlib.tools import BIN, source_commit  # noqa: E402

EXP = os.path.join(ROOT, "results", "experiments")
PLOTS = os.path.join(ROOT, "plots", "experiments")
REPORT = os.path.join(ROOT, "REPORT.md")
ORDER = ("python", "traverse", "forkcost", "touch", "pinning", "model")


def save_output(cmd, name):
    """Run a tool whose stdout is CSV; only if it succeeds, its rows become a new session
    of results/experiments (NAME.csv beside its context.json)."""
    started = datetime.datetime.now(datetime.timezone.utc)
    load = list(os.getloadavg())
    p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, universal_newlines=True)
    if p.returncode != 0:
        sys.exit("experiments: %s failed (exit %d)" % (cmd[0], p.returncode))
    rd = csv.DictReader(p.stdout.splitlines())
    rows = list(rd)
    ctx = {"experiment": name, "command": [os.path.relpath(cmd[0], ROOT)] + cmd[1:],
           "started": started.strftime("%Y-%m-%dT%H:%M:%SZ"), "loadavg_before": load,
           "loadavg_after": list(os.getloadavg()),
           "git_commit": source_commit()}
    sdir = sessions.save_set(EXP, name + ".csv", rd.fieldnames or [], rows, ctx, now=started)
    sys.stderr.write("experiments: wrote %s\n" % os.path.relpath(sdir, ROOT))


def exp_rows(name):
    """(rows, "Measured on ..." or "") of results/experiments' NAME.csv the report shows:
    one session (sessions.pick); a legacy file names no machine, none was recorded."""
    s, _, _ = sessions.load_set(EXP, name + ".csv", "experiments")
    if s is None:
        return None, ""
    if not s.context:
        return s.rows, ""
    return s.rows, " Measured on %s (id `%s`)." % (s.machine["label"], s.machine["id"])


def bench(dataset, tag, backends, workers, repeat, extra):
    cmd = [sys.executable, os.path.join(ROOT, "scripts", "bench.py"), "--dataset", dataset,
           "--tag", tag, "--backends", " ".join(backends), "--workers", workers,
           "--repeat", str(repeat), "--no-count"] + extra
    rc = subprocess.call(cmd, cwd=ROOT)
    if rc != 0:
        sys.exit(rc)


def run_touch(a):
    """Every backend with a layout and a touch option, in each combination of the two."""
    bk = B.load()
    which = [b for b in bk.declaring("layout") if b in bk.declaring("touch")]
    for layout in ("flat", "objects"):
        for touch in (0, 1):
            bench(a.dataset, "%s%s" % (layout, "-touch" if touch else ""), which, "1 2",
                  a.repeat, ["--backend-opts", "layout=%s,touch=%d" % (layout, touch)])


def run_pinning(a):
    """The parallel backends the bench runs, under each pin policy; a shuffled chunk order
    for every backend that has one."""
    bk = B.load()
    parallel = [b for b in bk.of_kind("threads", "processes") if b in bk.bench_default()]
    for pin in ("none", "compact", "scatter"):
        bench(a.dataset, "pin-%s" % pin, parallel, "1 2", a.repeat, ["--pin", pin])
    bench(a.dataset, "pool-shuffled", bk.declaring("shuffle"), "1 2", a.repeat,
          ["--backend-opts", "shuffle"])


# ---- reading ------------------------------------------------------------------------

_chosen = {}


def chosen_runs(results, name):
    """The runs of results/NAME the report shows (one machine's, as report.py picks it),
    or None when NAME has none."""
    if name not in _chosen:
        d = os.path.join(results, name)
        _chosen[name] = (R.machine_rows(d, B.load(), machine.report_machine_id(),
                                        os.environ.get("MACHINE") or None)
                         if R.sessions.has_runs(d) else None)
    return _chosen[name]


def measured_on(results, names):
    """'Measured on LABEL (id `ID`).' for the machines whose runs of these result sets the
    report shows."""
    shown = {}
    for n in names:
        got = chosen_runs(results, n)
        if got and got.machine_id:
            shown[got.machine_id] = got.machines[got.machine_id].label
    return "Measured on %s." % "; ".join("%s (id `%s`)" % (lab, mid)
                                         for mid, lab in shown.items()) if shown else ""


def merge_rows(results, name):
    got = chosen_runs(results, name)
    return [r for r in got.rows if r.get("kind") == "merge"] if got else []


def groups(rows, *keys):
    out = {}
    for r in rows:
        out.setdefault(tuple(r.get(k, "") for k in keys), []).append(r)
    return out


def col(rows, name, scale=1.0):
    return [None if num(r.get(name)) is None else num(r.get(name)) * scale for r in rows]


def per_merge_us(rows, name):
    return [None if num(r.get(name)) is None or not num(r.get("merges")) else
            num(r.get(name)) / num(r.get("merges")) * 1e6 for r in rows]


# ---- sections -----------------------------------------------------------------------

def sec_traverse(made):
    rows, measured = exp_rows("traverse")
    if not rows:
        return ["Not measured yet: `make experiments EXP=traverse`."]
    n = rows[0]["n"]
    out = ["%s 2-tuples traversed in the parent, in a forked child (reading inherited "
           "memory) and in a spawned child (which receives a serialised copy and rebuilds "
           "it); medians (min–max) of %d runs. *Article*: Python, fork 1.07 s total / "
           "0.28 s traversal, spawn 4.8 s / 0.08 s (the article's numbers, copied).%s"
           % (n, len(rows) // 12 or 1, measured), ""]
    body = []
    for (where, layout, touch), rs in sorted(groups(rows, "where", "layout", "touch").items(),
                                             key=lambda kv: (kv[0][1], kv[0][2], kv[0][0])):
        body.append([where, layout, "yes" if touch == "1" else "no",
                     mmm(col(rs, "total_s")), mmm(col(rs, "traverse_s")),
                     mmm(col(rs, "child_minflt"))])
    out += table(["where", "layout", "refcount writes", "total (s)", "traversal (s)",
                    "minor faults in the traversal"], body)
    return out + plot_lines(made, "traverse", "Traversal time by where it runs, layout and "
                            "reference-count writes")


def sec_forkcost(made):
    rows, measured = exp_rows("forkcost")
    if not rows:
        return ["Not measured yet: `make experiments EXP=forkcost`."]
    body = []
    for (mb, thp), rs in sorted(groups(rows, "size_mb", "thp").items(),
                                key=lambda kv: (int(kv[0][0]), kv[0][1])):
        fork_ms = mmm(col(rs, "fork_s", 1e3))
        huge = num(rs[0].get("anon_huge_kb"))
        body.append([mb, "MADV_HUGEPAGE" if thp == "1" else "MADV_NOHUGEPAGE", fork_ms,
                     fmt(num(rs[0]["rss_kb"]) / 1024),
                     fmt(huge / 1024) if huge is not None else MISSING])
    out = ["fork + child exit + waitpid, against the parent's resident memory (all of it "
           "touched), medians (min–max) of %d runs each.%s" % (len(
               groups(rows, "size_mb", "thp").get((rows[0]["size_mb"], rows[0]["thp"]), [])),
               measured), ""]
    out += table(["parent memory (MB)", "THP advice", "fork cost (ms)", "RSS (MiB)",
                    "of which huge pages (MiB)"], body)
    return out + plot_lines(made, "forkcost", "fork cost against parent memory")


def touch_sets(results, dataset):
    out = []
    for layout in ("flat", "objects"):
        for touch in ("", "-touch"):
            name = "%s-%s%s" % (dataset, layout, touch)
            out.append((layout, touch != "", merge_rows(results, name)))
    return out


def sec_touch(results, dataset):
    sets = touch_sets(results, dataset)
    if not any(rs for _, _, rs in sets):
        return ["Not measured yet: `make experiments EXP=touch`."]
    body = []
    for layout, touch, rs in sets:
        for (b, w), g in sorted(groups(rs, "backend", "workers").items()):
            body.append([b, w, layout, "yes" if touch else "no", len(g),
                         mmm(col(g, "merge_s")), mmm(col(g, "copy_s")),
                         mmm(col(g, "compute_s")),
                         mmm(per_merge_us(g, "compute_s")),
                         mmm(col(g, "worker_minflt")),
                         mmm([None if num(r.get("worker_minflt")) is None or
                                not num(r.get("merges")) else
                                num(r["worker_minflt"]) / num(r["merges"]) for r in g])])
    body.sort(key=lambda r: (r[0], int(r[1]), r[2], r[3]))
    return (["Data set `%s`; each worker's scan timed and its page faults counted inside the "
             "worker (getrusage), summed over workers and merges; medians (min–max). %s"
             % (dataset, measured_on(results, ["%s-%s%s" % (dataset, layout, "-touch" if t
                                                            else "")
                                               for layout, t, _ in sets])), ""] +
            table(["backend", "W", "layout", "refcount writes", "runs", "merge_s", "copy_s",
                     "compute_s", "compute per merge (µs)", "worker minor faults",
                     "faults per merge"], body))


def sec_pinning(results, dataset):
    body = []
    for pin in ("none", "compact", "scatter"):
        for (b, w), g in sorted(groups(merge_rows(results, "%s-pin-%s" % (dataset, pin)),
                                       "backend", "workers").items()):
            body.append([b, w, pin, len(g), mmm(col(g, "merge_s")), mmm(col(g, "max_s")),
                         mmm(col(g, "compute_s")), g[0].get("worker_pus") or "—"])
    for (b, w), g in sorted(groups(merge_rows(results, "%s-pool-shuffled" % dataset),
                                   "backend", "workers").items()):
        body.append([b + " (shuffled chunks)", w, "none", len(g), mmm(col(g, "merge_s")),
                     mmm(col(g, "max_s")), mmm(col(g, "compute_s")), "—"])
    if not body:
        return ["Not measured yet: `make experiments EXP=pinning`."]
    body.sort(key=lambda r: (r[0], int(r[1]), r[2]))
    topo = ""
    got = chosen_runs(results, "%s-pin-compact" % dataset)
    if got and got.newest.context:
        t = got.newest.context.get("topology", {})
        topo = (" Topology: %s package(s), %s cores, %s PUs, %s." %
                (t.get("packages"), t.get("cores"), t.get("pus"), t.get("caches")))
    names = ["%s-pin-%s" % (dataset, p) for p in ("none", "compact", "scatter")]
    return (["Data set `%s`; each worker bound to one PU by hwloc (recorded as L#:P# per "
             "worker).%s %s" % (dataset, topo, measured_on(results, names + [
                 "%s-pool-shuffled" % dataset])), ""] +
            table(["backend", "W", "pin", "runs", "merge_s", "max_s", "compute_s",
                     "worker PUs"], body))


def fit(points):
    """Least squares y = c0 + c1*W + c2*live for points (W, live, y); None if singular."""
    if len(points) < 3:
        return None
    # Normal equations, 3x3, solved by Gaussian elimination.
    xs = [(1.0, float(w), float(l)) for w, l, _ in points]
    a = [[sum(x[i] * x[j] for x in xs) for j in range(3)] for i in range(3)]
    b = [sum(x[i] * p[2] for x, p in zip(xs, points)) for i in range(3)]
    for i in range(3):
        piv = max(range(i, 3), key=lambda r: abs(a[r][i]))
        if abs(a[piv][i]) < 1e-12:
            return None
        a[i], a[piv], b[i], b[piv] = a[piv], a[i], b[piv], b[i]
        for r in range(i + 1, 3):
            f = a[r][i] / a[i][i]
            for c in range(i, 3):
                a[r][c] -= f * a[i][c]
            b[r] -= f * b[i]
    c = [0.0] * 3
    for i in (2, 1, 0):
        c[i] = (b[i] - sum(a[i][j] * c[j] for j in range(i + 1, 3))) / a[i][i]
    return c


def model_rows(results):
    """The plain merge runs of every data set in results/ (no experiment
    variant, no pinning, default options), each with its live pairs."""
    rows, live_of = [], {}
    for d in sorted(os.listdir(results)) if os.path.isdir(results) else []:
        runs = merge_rows(results, d)
        # Live pairs per merge depend only on the input and the vocabulary
        # (every backend learns the same merges), so a run that recorded
        # them speaks for runs of the same input that did not.
        for r in runs:
            if num(r.get("avg_live_pairs")):
                live_of[(r["input_bytes"], r["vocab_size"])] = r["avg_live_pairs"]
        if R.EXPERIMENT_VARIANT.search(d):
            continue  # one variable changed: not the plain configuration
        rows += [r for r in runs if r.get("pin", "none") == "none"
                 and B.load().is_default_opts(r["backend"], r["backend_opts"])]
    for r in rows:
        if not num(r.get("avg_live_pairs")):
            r["avg_live_pairs"] = live_of.get((r["input_bytes"], r["vocab_size"]), "")
    return rows


def fit_models(rows):
    """Per backend with runs at two W or more and two live-pair counts or more:
    its fit (c0, c1, c2) and its table row."""
    body, models = [], {}
    for (b,), g in sorted(groups(rows, "backend").items()):
        pts = []
        for r in g:
            m, live = num(r.get("merges")), num(r.get("avg_live_pairs"))
            mx, cp = num(r.get("max_s")), num(r.get("compute_s"))
            cpy = num(r.get("copy_s")) or 0.0
            if not m or live is None or mx is None or cp is None:
                continue
            pts.append((int(r["workers"]), live, (mx - cp + cpy) / m * 1e6))
        c = fit(pts)
        if c is None or len({p[0] for p in pts}) < 2 or len({round(p[1]) for p in pts}) < 2:
            continue
        models[b] = c
        res = [p[2] - (c[0] + c[1] * p[0] + c[2] * p[1]) for p in pts]
        rms = math.sqrt(sum(x * x for x in res) / len(res))
        body.append([b, len(pts), "%.1f" % c[0], "%.1f" % c[1], "%.4f" % c[2], "%.1f" % rms])
    return body, models


def predict_article(rows, models):
    """The article's TinyStories configuration on an 8-core machine, as the
    models predict it from the synthetic runs, beside the article's times."""
    synth = [r for r in rows if r.get("dataset", "").startswith("synth")]
    serial = [r for r in synth if r["backend"] == "serial"]
    if not serial or not models:
        return []
    merges = median(col(serial, "merges"))
    live = median(col(serial, "avg_live_pairs"))
    scan_us = median(col(serial, "compute_s")) / merges * 1e6
    upd = median(col(serial, "update_s"))
    ser_merge = median(col(serial, "merge_s"))
    art = R.load_article(os.path.join(ROOT, "scripts", "article_tables.csv")) or []
    art_med = {}
    for r in art:
        art_med.setdefault((r["backend"], r["w"]), []).append(r["merge_s"])
    art_serial = median(art_med.get(("serial", 1), []))
    pred = []
    bk = B.load()
    for b in [b for b in bk.of_kind("threads", "processes") if b in bk.bench_default()]:
        if b not in models:
            continue
        c = models[b]
        for w in (1, 4, 8):
            over = c[0] + c[1] * w + c[2] * live
            merge_s = merges * (scan_us / w + over) / 1e6 + upd
            a = median(art_med.get((b, w), []))
            pred.append([b, w, fmt(merge_s), fmt(merge_s / ser_merge),
                         fmt(a) if a else "—",
                         fmt(a / art_serial) if a and art_serial else "—"])
    out = ["", "Prediction for the article's configuration (TinyStories scale: %d merges, "
           "%d live pairs on average, taken from the synthetic 2 GB runs; an 8-core "
           "machine where W workers really run in parallel, so the scan takes 1/W of the "
           "serial scan) beside the article's measured Python times (copied):"
           % (merges, live), ""]
    return out + table(["backend", "W", "predicted merge_s (C)", "÷ C serial",
                        "article merge_s (Python)", "article ÷ serial"], pred)


def sec_model(results):
    """Overhead per merge = (max_s - compute_s)/merges against W and live pairs."""
    rows = model_rows(results)
    if not rows:
        return ["No merge runs yet."]
    body, models = fit_models(rows)
    if not body:
        return ["Too few runs with different W and live-pair counts to fit a model."]
    out = ["Per merge, the time a backend spends beyond the scan itself (copy + max − "
           "compute) is fitted as c0 + c1·W + c2·L, with W the workers and L the live pairs "
           "(averaged over the run's merges), by least squares over every plain merge run "
           "in results/ (all data sets, all repeats). Microseconds.", ""]
    out += table(["backend", "runs", "c0 (µs)", "c1 (µs per worker)",
                  "c2 (µs per live pair)", "rms residual (µs)"], body)
    return out + predict_article(rows, models)


def plot_lines(made, name, caption):
    if name not in made:
        return []
    return [""] + figure(name, os.path.join(PLOTS, name), REPORT, caption, ".")


def make_plots():
    made = set()
    rows, _ = exp_rows("traverse")
    if rows:
        lines = []
        labels = []
        for i, ((where, layout, touch), rs) in enumerate(sorted(
                groups(rows, "where", "layout", "touch").items(),
                key=lambda kv: (kv[0][1], kv[0][2], kv[0][0]))):
            labels.append("%s %s%s" % (where, layout, " +rc" if touch == "1" else ""))
            lines.append("%d,%s,%s" % (i, g_(median(col(rs, "traverse_s"))),
                                       g_(median(col(rs, "total_s")))))
        xt = ", ".join("'%s' %d" % (l, i) for i, l in enumerate(labels))
        setup = COMMON.format(key="top left", title=gq("Traversal of 2-tuples")) + (
            "set style data histogram\nset style fill solid 0.8 border -1\n"
            "set boxwidth 0.4\nset xtics (%s) rotate by -35\nset ylabel 'seconds'\n"
            "set logscale y\n" % xt)
        cmd = ("plot {d} using ($1-0.2):2 with boxes title 'traversal', "
               "{d} using ($1+0.2):3 with boxes title 'total'")
        if run_gnuplot(setup, cmd, {"d": "\n".join(lines) + "\n"},
                         os.path.join(PLOTS, "traverse")) is None:
            made.add("traverse")
    rows, _ = exp_rows("forkcost")
    if rows:
        data = {}
        for thp in ("0", "1"):
            pts = []
            for (mb, t), rs in sorted(groups(rows, "size_mb", "thp").items(),
                                      key=lambda kv: int(kv[0][0])):
                if t == thp:
                    pts.append("%s,%s" % (mb, g_(median(col(rs, "fork_s", 1e3)))))
            data["t%s" % thp] = "\n".join(pts) + "\n"
        setup = COMMON.format(key="top left", title=gq("fork() cost vs parent memory")) + (
            "set logscale xy\nset xlabel 'parent resident memory (MB)'\n"
            "set ylabel 'fork + exit + wait (ms)'\n")
        cmd = ("plot {t0} using 1:2 with linespoints lw 2 pt 7 title '4 KiB pages "
               "(MADV_NOHUGEPAGE)', {t1} using 1:2 with linespoints lw 2 pt 5 title "
               "'huge pages asked (MADV_HUGEPAGE)'")
        if run_gnuplot(setup, cmd, data, os.path.join(PLOTS, "forkcost")) is None:
            made.add("forkcost")
    return made


# The article's questions as ratios: (question, what is compared, numerator, denominator,
# the article's own ratio from its tables). A term is (backend, W, column); "py-" names the
# Python strategy, and the C backend is the same name without it.
PY_QUESTIONS = (
    ("Is a forked child's scan slower than the parent's max?", "compute: fork W=1 ÷ serial",
     ("fork", 1, "compute_s"), ("serial", 1, "compute_s"), 231 / 115.0),
    ("Is Pool slower than Process?", "merge: pool ÷ fork, W=1",
     ("pool", 1, "merge_s"), ("fork", 1, "merge_s"), 876 / 650.0),
    ("Is Pool slower than Process?", "merge: pool ÷ fork, W=2",
     ("pool", 2, "merge_s"), ("fork", 2, "merge_s"), None),
    ("Does Pool's worker scan faster than Process's?", "compute: pool ÷ fork, W=1",
     ("pool", 1, "compute_s"), ("fork", 1, "compute_s"), 79 / 231.0),
    ("Does a deep copy make the forked scan faster?", "compute: fork-deepcopy ÷ fork, W=1",
     ("fork-deepcopy", 1, "compute_s"), ("fork", 1, "compute_s"), 298 / 231.0),
    ("Is spawn the slowest?", "merge: spawn ÷ fork, W=1",
     ("spawn", 1, "merge_s"), ("fork", 1, "merge_s"), 2227 / 650.0),
    ("Do more workers make fork faster?", "merge: fork W=2 ÷ W=1",
     ("fork", 2, "merge_s"), ("fork", 1, "merge_s"), None),
)
# The C emulation of the Python mechanism behind a question, W=1: ((result set suffix,
# backend), (suffix, backend), column, how it reads): the first over the second.
EMULATIONS = {
    "compute: fork W=1 ÷ serial": (("-objects-touch", "fork"), ("-flat", "fork"), "compute_s",
                                   "fork objects+touch ÷ fork flat"),
    "compute: fork-deepcopy ÷ fork, W=1": (("-objects-touch", "fork-deepcopy"),
                                           ("-objects-touch", "fork"), "compute_s",
                                           "both objects+touch"),
}


def med_of(rows, backend, w, column):
    g = [r for r in rows if r.get("backend") == backend and str(r.get("workers")) == str(w)]
    return median(col(g, column)) if g else None


def quotient(a, b):
    return a / b if a is not None and b else None


def sec_python(results, dataset):
    """The article's questions answered by the Python strategies measured here beside the
    C backends (results/<dataset>-python: one bench, one machine) and beside the C
    emulations of the Python mechanisms (the touch experiment)."""
    rows = merge_rows(results, dataset + "-python")
    if not any(r.get("backend", "").startswith("py-") for r in rows):
        return ["Not measured yet: `scripts/bench.py --dataset %s --tag python --backends "
                "\"py-serial py-fork ... serial fork ...\"`." % dataset]
    body = []
    for question, what, num_, den, art in PY_QUESTIONS:
        py = quotient(med_of(rows, "py-" + num_[0], *num_[1:]),
                      med_of(rows, "py-" + den[0], *den[1:]))
        c = quotient(med_of(rows, *num_), med_of(rows, *den))
        emu = MISSING
        holds = "n/a"
        e = EMULATIONS.get(what)
        if e:
            q = quotient(med_of(merge_rows(results, dataset + e[0][0]), e[0][1], 1, e[2]),
                         med_of(merge_rows(results, dataset + e[1][0]), e[1][1], 1, e[2]))
            emu = MISSING if q is None else "%s (%s)" % (fmt(q), e[3])
        ref = c if not e or emu == MISSING else q
        if py is not None and ref is not None:
            holds = "yes" if (py > 1) == (ref > 1) else "no"
        finding = "n/a" if py is None or art is None else (
            "yes" if (py > 1) == (art > 1) else "no")
        body.append([question, what, MISSING if art is None else fmt(art),
                     MISSING if py is None else fmt(py), finding,
                     MISSING if c is None else fmt(c), emu, holds])
    n = {r.get("repeat") for r in rows}
    return (["The article's questions as ratios of medians, measured directly: the article's "
             "strategies written in Python (scripts/pybpe, backends py-*) and the C backends "
             "in one bench of `%s-python`, interleaved, %d repeat(s) (py-spawn fewer: one "
             "spawn of an interpreter per worker per merge); the C emulation of the Python "
             "mechanism (objects laid out one by one, a reference count written at every "
             "visit) from the touch experiment. *article*: its own ratio, from its tables "
             "(another machine, TinyStories, vocab 10000). finding holds?: the article's ratio and "
             "Python here on the same side of 1. emulation holds?: Python here and the C "
             "emulation (where C emulates nothing, plain C) on the same side of 1; the size of "
             "the effect is another matter (compare the numbers). %s" % (dataset, len(n), measured_on(results, [dataset + "-python"])), ""] +
            table(["question", "ratio", "article", "Python here", "finding holds?", "C here",
                   "C emulation", "emulation holds?"], body))


def render(a):
    made = make_plots()
    secs = {"python": sec_python(a.results, a.dataset), "traverse": sec_traverse(made), "forkcost": sec_forkcost(made),
            "touch": sec_touch(a.results, a.dataset),
            "pinning": sec_pinning(a.results, a.dataset), "model": sec_model(a.results)}
    text, _ = read_report(REPORT)
    save_report(REPORT, update_report(text, "experiments", secs, REPORT, ORDER))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=["traverse", "forkcost", "touch", "pinning", "report",
                                     "all"])
    ap.add_argument("--dataset", default="sample")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--results", default=os.path.join(ROOT, "results"))
    a = ap.parse_args()
    if a.what in ("traverse", "all"):
        save_output([os.path.join(BIN, "traverse"), "--repeat", str(a.repeat)], "traverse")
    if a.what in ("forkcost", "all"):
        save_output([os.path.join(BIN, "forkcost"), "--repeat", str(max(a.repeat, 5))],
                    "forkcost")
    if a.what in ("touch", "all"):
        run_touch(a)
    if a.what in ("pinning", "all"):
        run_pinning(a)
    try:
        render(a)
    except (ReportError, B.BackendError) as e:
        sys.exit("experiments: %s" % e)


if __name__ == "__main__":
    main()
