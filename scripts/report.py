#!/usr/bin/env python3
"""report.py: REPORT.md tables and gnuplot plots, regenerated from results/ alone.

    python3 scripts/report.py [--results DIR] [--plots DIR] [--report FILE] [--no-plots]
                              [--machine ID] [DATASET ...]

For each data set D (default: every DIR/* with runs) it reads the bench sessions of
results/D (scripts/benchlib/sessions.py: sessions/*/ and the legacy runs.csv and
context.json), picks one machine's runs (--machine or MACHINE, else the machine running
the report when its runs are complete, else the newest complete set; the other producers'
sections pick theirs by the same rules), draws plots/D/*.svg
and *.png with gnuplot, and rewrites the generated sections of REPORT.md: everything
between the lines
    <!-- BEGIN GENERATED: D/NAME -->  and  <!-- END GENERATED: D/NAME -->
for NAME in context, table1, table2, table3, counting, plots. Text outside the markers is
never touched. Missing sections are added under a heading "## Data set: D". Nothing under
results/ is written. Every file is written to a temporary file in its own directory and
renamed into place, and the output is byte-identical for an identical input (no clock, no
host name but the context's). heaps.py, hugepages.py and peers.py own their sections; this script calls
them so that `make report` regenerates everything.

Python standard library only. The article's numbers come from scripts/article_tables.csv
(next to this script): they are the article's, copied, never measured here.
"""
import argparse
import csv
import os
import re
import statistics
import sys
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import backends as B                                        # noqa: E402
from benchlib import gnuplot, machine, runs, sessions                          # noqa: E402
from benchlib.gnuplot import COMMON, g_, gq, log_axis, run_gnuplot        # noqa: E402
from benchlib.reportfile import (MARK, ReportError, parse_markers,        # noqa: E402
                                 figure, read_report, save_report, update_report)
from benchlib.tables import (MISSING, fmt, intval, median, mmm, num,     # noqa: E402
                             ratio, summary, table)

SECTIONS = ("context", "table1", "table2", "table3", "counting", "plots")

# Result sets that scripts/experiments.py makes (a data set run with one
# variable changed): it reports them itself, side by side, so the default
# list of data sets leaves them out.
EXPERIMENT_VARIANT = re.compile(r"-(flat|objects)(-touch)?$|-pin-(none|compact|scatter)$"
                                r"|-pool-shuffled$|-live$|-python$")
# The Python strategies (scripts/pytrain.py) are the C backends' names with this prefix.
PY_PREFIX = "py-"

# Columns the report cannot do without; every other column is optional.
REQUIRED = ("backend", "workers", "count_workers", "input_bytes", "merges", "total_s",
            "count_s", "copy_s", "max_s", "compute_s", "update_s", "merge_s", "repeat",
            "kind")

PIN_ORDER = ("none", "compact", "scatter")
ARTICLE_LABEL = "article (Python, TinyStories 2.1 GB, vocab 10000)"
NOISY = 0.10                    # relative spread (max-min)/median above this is "noisy"
EPS = 1e-9                      # so that exactly 10 % is not "above" through rounding


# ---- input --------------------------------------------------------------------------

def check_header(session):
    """ReportError when a session's runs.csv lacks a required column. (A file without a
    header line, as a bench that died before its first row or a full disk leaves, only has
    no rows.)"""
    path = session.runs_path
    if not session.header:
        return
    missing = [c for c in REQUIRED if c not in session.header]
    if missing:
        raise ReportError("%s: malformed: missing required column%s: %s"
                          % (path, "s" if len(missing) > 1 else "", ", ".join(missing)))


def row_problem(r):
    """Why a parsed row cannot be used, or None; sets the report's own fields."""
    r["backend"] = (r.get("backend") or "").strip()
    if not r["backend"]:
        return "no backend"
    kind = (r.get("kind") or "").strip()
    if not kind:
        kind = "count" if (r.get("count_only") or "").strip() == "1" else "merge"
    if kind not in ("count", "merge"):
        return "kind neither count nor merge"
    r["kind"] = kind
    r["_repeat"] = intval(r.get("repeat"))
    if kind == "merge":
        r["_w"] = intval(r.get("workers"))
        r["_pin"] = r.get("pin") or "none"
        return None if r["_w"] is not None and r["_w"] >= 1 else "no valid workers"
    r["_k"] = intval(r.get("count_workers"))
    return None if r["_k"] is not None and r["_k"] >= 1 else "no valid count_workers"


def load_sessions(dataset_dir, backends):
    """The data set's sessions, each row checked: (sessions, problems). A line that cannot
    be used is skipped and reported with its file and line number."""
    if not sessions.has_runs(dataset_dir):
        raise ReportError("%s: missing" % os.path.join(dataset_dir, "runs.csv"))
    found = sessions.load(dataset_dir, backends)
    problems = []
    seq = 0
    for s in found:
        check_header(s)
        problems += s.problems
        usable = []
        for r in s.rows:
            for k, v in r.items():
                if isinstance(v, str):
                    r[k] = v.strip()
            why = row_problem(r)
            if why:
                problems.append(runs.Problem(s.runs_path, r["_line"], why))
                continue
            r["_seq"] = seq
            seq += 1
            usable.append(r)
        s.rows = usable
    return found, problems


def load_article(path):
    """The article's rows as dicts with float fields, or None when the file is absent."""
    if not os.path.isfile(path):
        return None
    with open(path, newline="", encoding="utf-8") as f:
        lines = [ln for ln in f if ln.strip() and not ln.lstrip().startswith("#")]
    rows = []
    for r in csv.DictReader(lines):
        w = intval(r.get("num_max"))
        if not r.get("backend") or w is None:
            continue
        rows.append({"version": r.get("version", ""), "backend": r["backend"], "w": w,
                     "merge_s": num(r.get("merge_s")), "max_s": num(r.get("max_s")),
                     "compute_s": num(r.get("compute_s"))})
    return rows


def cget(ctx, *keys):
    """ctx[k1][k2]... or None."""
    for k in keys:
        if not isinstance(ctx, dict) or k not in ctx:
            return None
        ctx = ctx[k]
    return ctx


# ---- the data set -------------------------------------------------------------------

def pin_key(p):
    return (PIN_ORDER.index(p) if p in PIN_ORDER else len(PIN_ORDER), p)


def run_key(r):
    return (r["_repeat"] if r["_repeat"] is not None else 1 << 30, r["_seq"])


class Group:
    """The merge runs of one backend, worker count and pin policy."""

    def __init__(self, backend, w, pin, runs, label):
        self.backend, self.w, self.pin, self.label = backend, w, pin, label
        self.runs = sorted(runs, key=run_key)

    def vals(self, col):
        return [num(r.get(col)) for r in self.runs]

    def overhead_us(self):
        out = []
        for r in self.runs:
            mx, co, m = num(r.get("max_s")), num(r.get("compute_s")), num(r.get("merges"))
            out.append((mx - co) / m * 1e6 if None not in (mx, co, m) and m > 0 else None)
        return out

    def med(self, col):
        return median(self.vals(col))

    @property
    def name(self):
        return "%s W=%d" % (self.label, self.w)


def machine_rows(dataset_dir, backends, here, wanted=None):
    """The runs of a data set a report shows: .rows (the usable rows of the machine
    sessions.choose picks, in file order), .newest (the newest session they come from),
    .machines (every machine's runs), .machine_id, .why, .problems (lines skipped)."""
    found, problems = load_sessions(dataset_dir, backends)
    for p in problems:
        print("report.py: warning: %s (line skipped)" % p, file=sys.stderr)
    machines = sessions.by_machine(found)
    mid, why = sessions.choose(machines, here, wanted)
    chosen = machines.get(mid)
    rows = sorted(chosen.rows(), key=lambda r: r["_seq"]) if chosen else []
    return types.SimpleNamespace(rows=rows, newest=chosen.newest if chosen else found[-1],
                                 machines=machines, machine_id=mid, why=why,
                                 problems=problems)


def make_groups(merges, backends, label_rows=None):
    """The Groups of merge rows (one per backend, W, pin policy and backend options), in
    registry order, then pin policy, then W. A label names the pin policy or the options
    only for a backend measured with several (in label_rows, default merges)."""
    variants = {}
    for r in merges if label_rows is None else label_rows:
        variants.setdefault(r["backend"], set()).add((r["_pin"], r.get("backend_opts", "")))
    by = {}
    for r in merges:
        by.setdefault((r["backend"], r["_w"], r["_pin"], r.get("backend_opts", "")), []).append(r)
    out = []
    for (b, w, p, o) in sorted(by, key=lambda k: (backends.order_key(k[0]), pin_key(k[2]),
                                                  k[3], k[1])):
        label = b
        if len({v[0] for v in variants[b]}) > 1:
            label += " pin=%s" % p
        if len({v[1] for v in variants[b]}) > 1:
            label += " %s" % (o or "(no options)")
        out.append(Group(b, w, p, by[(b, w, p, o)], label))
    return out


class Dataset:
    """One data set as the report shows it: the runs of one machine (sessions.choose)."""

    def __init__(self, name, results_dir, backends, here, wanted=None):
        self.name, self.backends = name, backends
        got = machine_rows(os.path.join(results_dir, name), backends, here, wanted)
        rows, newest, problems = got.rows, got.newest, got.problems
        self.machines, self.machine_id, self.chosen_why = got.machines, got.machine_id, got.why
        self.ctx, self.machine = newest.context, newest.machine
        self.skipped = self.machines[self.machine_id].skipped() if self.machine_id else {}
        self.merges = [r for r in rows if r["kind"] == "merge"]
        # Counting over MPI ranks (backend mpi) is the MPI section's; this
        # table is counting against threads in one process.
        self.counts = [r for r in rows if r["kind"] == "count" and r.get("backend") != "mpi"]
        self.notes = ([newest.context_note] if newest.context_note else []) + [
            "skipped line %d of %s: %s" % (p.line, p.path, p.why) for p in problems]
        self.groups = make_groups(self.merges, backends)
        cby = {}
        for r in self.counts:
            cby.setdefault(r["_k"], []).append(r)
        self.count_groups = [(k, sorted(cby[k], key=run_key)) for k in sorted(cby)]
        self.serial = self.find("serial", 1) or self.find("serial", None)
        self.serial_med = self.serial.med("merge_s") if self.serial else None

    def find(self, backend, w):
        """The group of backend at w workers (any w when None); pin none and the
        backend's default options preferred."""
        c = [g for g in self.groups if g.backend == backend and (w is None or g.w == w)]
        c.sort(key=lambda g: (pin_key(g.pin), not self.backends.is_default_opts(
            g.backend, g.runs[0].get("backend_opts", ""))))
        return c[0] if c else None

    def input_bytes(self):
        v = [num(r.get("input_bytes")) for r in self.merges + self.counts]
        v = [x for x in v if x]
        if v:
            return statistics.median(v)
        return num(cget(self.ctx, "input", "bytes"))

    def pus(self):
        p = intval(cget(self.ctx, "topology", "pus"))
        if p:
            return p
        v = [intval(r.get("pus")) for r in self.merges + self.counts]
        v = [x for x in v if x]
        return max(v) if v else None

    def repeats(self):
        r = intval(self.ctx.get("repeat"))
        seen = {x["_repeat"] for x in self.merges + self.counts if x["_repeat"] is not None}
        return r, len(seen)


def distinct(rows, col, nonzero=True):
    out = set()
    for r in rows:
        v = (r.get(col) or "").strip()
        if v and not (nonzero and num(v) == 0):
            out.add(v)
    return sorted(out, key=lambda s: (num(s) if num(s) is not None else 0, s))


# ---- sections -----------------------------------------------------------------------

def computed_warnings(ds):
    w = []
    pus = ds.pus()
    if pus:
        over = [g.name for g in ds.groups if g.w > pus]
        over += ["counting with %d workers" % k for k, _ in ds.count_groups if k > pus]
        if over:
            w.append("W > PUs: oversubscribed (%d PUs): %s" % (pus, ", ".join(over)))
    noisy = []
    for g in ds.groups:
        s = summary(g.vals("merge_s"))
        if s and s[0] > 1 and s[1] > 0 and (s[3] - s[2]) / s[1] > NOISY + EPS:
            noisy.append("%s merge_s %.1f %%" % (g.name, 100 * (s[3] - s[2]) / s[1]))
    for k, runs in ds.count_groups:
        s = summary([num(r.get("count_s")) for r in runs])
        if s and s[0] > 1 and s[1] > 0 and (s[3] - s[2]) / s[1] > NOISY + EPS:
            noisy.append("counting k=%d count_s %.1f %%"
                         % (k, 100 * (s[3] - s[2]) / s[1]))
    if noisy:
        w.append("noisy: relative spread (max−min)/median > %d %%: %s"
                 % (round(NOISY * 100), "; ".join(noisy)))
    full = [r for r in ds.merges if (r.get("stopped_early") or "0") in ("0", "")]
    hashes = {}
    for r in full:
        h = r.get("merges_hash") or ""
        if h:
            hashes.setdefault((r.get("vocab_size") or "", h), set()).add(
                "%s W=%s" % (r["backend"], r["_w"]))
    for vs in sorted({k[0] for k in hashes}):
        hs = sorted(h for (v, h) in hashes if v == vs)
        if len(hs) > 1:
            w.append("merges_hash differs between runs at vocab %s: %s" % (vs, "; ".join(
                "%s (%s)" % (h, ", ".join(sorted(hashes[(vs, h)]))) for h in hs)))
    if ds.skipped:
        over = {tuple(k.split("|")[1:3]) for k in ds.skipped}
        w.append("skipped for time (ran past the %g s limit, no row): %s"
                 % (num(ds.ctx.get("time_limit_s")) or 0, ", ".join(
                     "%s W=%s" % bw for bw in sorted(over, key=lambda bw: (bw[0], intval(bw[1]))))))
    early = sorted({"%s W=%s" % (r["backend"], r["_w"]) for r in ds.merges
                    if (r.get("stopped_early") or "0") not in ("0", "")})
    if early:
        w.append("stopped early (no pair left before the vocabulary was full): "
                 + ", ".join(early))
    return w


def sec_context(ds):
    c = ds.ctx
    out = ["### Machine and data", ""]
    if c.get("synthetic") is True:
        out += ["**SYNTHETIC data**: generated text, not a real corpus; compare shapes, "
                "not absolute times.", ""]
    topo = c.get("topology") if isinstance(c.get("topology"), dict) else {}
    tparts = []
    for k, lab in (("packages", "package"), ("cores", "core"), ("pus", "PU")):
        if topo.get(k) is not None:
            tparts.append("%s %s%s" % (topo[k], lab, "" if topo[k] == 1 else "s"))
    topo_s = ", ".join(tparts) if tparts else MISSING
    if topo.get("caches"):
        topo_s += "; caches: %s" % topo["caches"]
    load = c.get("loadavg")
    load_s = " ".join(str(x) for x in load) if isinstance(load, list) and load else MISSING
    gov = c.get("governor")

    def v(x):
        return MISSING if x is None or x == "" else str(x)

    comp = v(c.get("compiler"))
    if c.get("cflags"):
        comp += ", flags `%s`" % c["cflags"]
    inp = c.get("input") if isinstance(c.get("input"), dict) else {}
    nbytes = intval(inp.get("bytes"))
    if nbytes is None and ds.input_bytes() is not None:
        nbytes = int(ds.input_bytes())
    size_s = MISSING if nbytes is None else "%d bytes (%s MB)" % (nbytes, fmt(nbytes / 1e6))
    words = distinct(ds.merges, "words") or distinct(ds.counts, "words")
    pairs = distinct(ds.merges, "initial_pairs")
    merges_n = distinct(ds.merges, "merges")
    vocab = c.get("vocab_size") or (distinct(ds.merges, "vocab_size") or [None])[0]
    rep_ctx, rep_seen = ds.repeats()
    rep_s = "%s per configuration (context)" % rep_ctx if rep_ctx else MISSING
    rep_s += "; %d distinct repeat indexes in runs.csv" % rep_seen
    ns = sorted({len(g.runs) for g in ds.groups} | {len(r) for _, r in ds.count_groups})
    if ns:
        rep_s += "; runs per group: %s" % (
            str(ns[0]) if len(ns) == 1 else "%d–%d" % (ns[0], ns[-1]))
    out += [
        machine_line(ds),
    ] + sessions_line(ds) + [
        "- Host: %s" % v(c.get("host")),
        "- CPU: %s" % v(c.get("cpu_model")),
        "- Topology: %s" % topo_s,
        "- Governor: %s" % ("unknown (not reported)" if gov is None else gov),
        "- Load average at start: %s" % load_s,
        "- Compiler: %s" % comp,
        "- Git commit: %s" % v(c.get("git_commit")),
        "- Date: %s" % v(c.get("date")),
        "- Input: %s, %s, sha256 `%s`" % ("`%s`" % inp["path"] if inp.get("path") else MISSING,
                                          size_s, v(inp.get("sha256"))),
        "- Distinct words: %s; initial pairs: %s" % (" / ".join(words) or MISSING,
                                                     " / ".join(pairs) or MISSING),
        "- Vocab size: %s (%s merges)" % (v(vocab), " / ".join(merges_n) or MISSING),
        "- Repetitions: %s" % rep_s,
        "- Runs: %d merge-phase runs in %d groups, %d counting-only runs"
        % (len(ds.merges), len(ds.groups), len(ds.counts)),
    ]
    warns = [str(x) for x in (c.get("warnings") or []) if str(x).strip()]
    warns = ["(bench) " + x for x in warns]
    warns += computed_warnings(ds)
    out += ["", "Warnings:" if warns else "Warnings: none."]
    out += ["- %s" % x for x in warns]
    if ds.notes:
        out += ["", "Input notes:"] + ["- %s" % x for x in ds.notes]
    return out + across_machines(ds)


def sessions_line(ds):
    """The bench sessions the rows come from, when more than one."""
    ids = sorted({r.get("session_id") for r in ds.merges + ds.counts})
    if len(ids) < 2:
        return []
    return ["- Bench sessions: %s (a later session's row replaces an earlier one's with the "
            "same parameters)" % ", ".join("`%s`" % i for i in ids)]


def machine_line(ds):
    if ds.machine_id is None:
        return "- Machine: none (no usable runs)"
    s = "- Machine: %s, id `%s`" % (ds.machine["label"], ds.machine_id)
    if len(ds.machines) > 1:
        s += (" (%s; %d machines measured this data set, compared below; MACHINE=ID "
              "picks another)" % (ds.chosen_why, len(ds.machines)))
    return s


def across_machines(ds):
    """Each backend's merge time over serial's, per machine, when several machines
    measured the data set: which conclusions hold across machines, which are one's."""
    if len(ds.machines) < 2:
        return []
    cols, cells = [], {}
    every = [r for m in ds.machines.values() for r in m.rows() if r["kind"] == "merge"]
    for mid, m in ds.machines.items():
        groups = make_groups([r for r in m.rows() if r["kind"] == "merge"], ds.backends, every)
        serial = [g for g in groups if g.backend == "serial"]
        smed = serial[0].med("merge_s") if serial else None
        cols.append("`%s`" % mid)
        for g in groups:
            cells.setdefault((g.label, g.w), {})[mid] = ratio(g.med("merge_s"), smed)
    order = sorted(cells, key=lambda k: (ds.backends.order_key(k[0].split()[0]), k[0], k[1]))
    rows = [[lab, w] + [MISSING if cells[(lab, w)].get(mid) is None else
                        fmt(cells[(lab, w)][mid]) for mid in ds.machines] for lab, w in order]
    return (["", "#### Across machines: merge time ÷ serial", ""]
            + table(["Backend", "W"] + cols, rows)
            + [""] + ["- `%s`%s: %s" % (mid, " (the tables above)" if mid == ds.machine_id
                                         else "", m.label) for mid, m in ds.machines.items()]
            + ["", "Each cell: that machine's median merge_s over its own serial median "
               "(below 1: faster than serial). A ratio on the same side of 1 on every "
               "machine is a conclusion that holds across these machines."])


def version_name(ds, g):
    s = ds.backends.article(g.backend)
    return "%s (%s)" % (g.label, s) if s else g.label


def slash(values):
    return "/".join(fmt(x) for x in values)


def sec_table1(ds):
    out = ["### Table 1: runs in the article's layout", ""]
    if not ds.groups:
        return out + ["No merge-phase runs (kind=merge): Table 1 skipped."]
    kmax = max((k for k, _ in ds.count_groups), default=None)
    wc = {}
    if kmax is not None:
        for r in dict(ds.count_groups)[kmax]:
            if r["_repeat"] is not None:
                wc.setdefault(r["_repeat"], num(r.get("count_s")))
    data = ds.name + (" (synthetic)" if ds.ctx.get("synthetic") is True else "")
    rows, missing_wc = [], 0
    for g in ds.groups:
        counts, totals = [], []
        for r in g.runs:
            c = wc.get(r["_repeat"])
            t, cs = num(r.get("total_s")), num(r.get("count_s"))
            if c is None:
                missing_wc += 1
            counts.append(c)
            totals.append(c + (t - cs) if None not in (c, t, cs) else None)
        merge = "<br>".join("%s: %s" % (lab, slash(g.vals(col))) for lab, col in (
            ("merge", "merge_s"), ("copy", "copy_s"), ("max", "max_s"),
            ("compute", "compute_s"), ("update", "update_s")))
        rows.append([version_name(ds, g), data, slash(totals), slash(counts), merge,
                     "workers=%d, pin=%s" % (g.w, g.pin)])
    out += table(["Version", "Data", "Total Time(s)", "Word Count Time(s)", "Merge Time(s)",
                  "Other"], rows)
    out.append("")
    if kmax is None:
        out.append("Word Count Time: n/a, this data set has no counting-only runs "
                   "(kind=count); Total Time is therefore n/a too.")
    else:
        out.append("Word Count Time: the counting-only run (kind=count) with %d count "
                   "workers (the most measured here; the article counted with 8 processes) "
                   "of the same repeat index. Total Time = that + (total_s − count_s) of the "
                   "merge run, whose own count_s only loads the saved word counts." % kmax)
        if missing_wc:
            out.append("%d merge run%s had no counting run of the same repeat index "
                       "(shown as %s)." % (missing_wc, "" if missing_wc == 1 else "s",
                                           MISSING))
    out.append("Each cell lists the runs in repeat order (a/b/c), seconds; max is the select "
               "step as the driver saw it, compute the longest scan any worker did.")
    return out


def sec_table2(ds):
    out = ["### Table 2: merge phase, medians (min–max)", ""]
    if not ds.groups:
        return out + ["No merge-phase runs (kind=merge): Table 2 skipped."]
    rows = []
    for g in ds.groups:
        r = ratio(g.med("merge_s"), ds.serial_med)
        rows.append([g.label, g.w, g.pin, len(g.runs), mmm(g.vals("merge_s")),
                     mmm(g.vals("max_s")), mmm(g.vals("compute_s")), mmm(g.overhead_us()),
                     mmm(g.vals("copy_s")), mmm(g.vals("update_s")),
                     mmm(g.vals("peak_rss_kb"), 1 / 1024),
                     mmm(g.vals("child_peak_rss_kb"), 1 / 1024),
                     "n/a" if r is None else fmt(r)])
    out += table(["Backend", "W", "pin", "runs", "merge_s", "max_s", "compute_s",
                  "overhead/merge (µs)", "copy_s", "update_s", "peak RSS (MiB)",
                  "child peak RSS (MiB)", "merge ÷ serial"], rows)
    out.append("")
    out.append("Seconds unless stated; median (min–max) over the runs column. overhead/merge "
               "= (max_s − compute_s) / merges: the select step's cost beyond the slowest "
               "worker's scan. Peak RSS: the trainer process; child: its largest child.")
    if ds.serial_med is None:
        out.append("No serial runs in this data set: the ratios to serial are n/a.")
    else:
        out.append("merge ÷ serial: median merge_s over serial's median merge_s (%s s)."
                   % fmt(ds.serial_med))
    return out


def article_medians(article):
    """{(backend, w): {"version", "n", "merge_s", "max_s", "compute_s"}} in file order."""
    by = {}
    for r in article:
        by.setdefault((r["backend"], r["w"]), []).append(r)
    out = {}
    for k, rs in by.items():
        out[k] = {"version": rs[0]["version"], "n": len(rs)}
        for col in ("merge_s", "max_s", "compute_s"):
            out[k][col] = median([x[col] for x in rs])
    return out


def same_side(a, b):
    if a is None or b is None:
        return "n/a"
    return "yes" if (a > 1) == (b > 1) and (a < 1) == (b < 1) else "no"


def here_set(ds, sets_by_name):
    """The runs Table 3 shows as "Python here" and "C here": the data set's own when it
    has py-* runs, else those of <data set>-python (Python and C measured in one bench on
    one machine), else None."""
    if any(g.backend.startswith(PY_PREFIX) for g in ds.groups):
        return ds
    return sets_by_name.get(ds.name + "-python")


def table3_configs(am, here):
    """(backend, W) of every row: the article's and those measured here, article order
    first, W ascending."""
    order = [b for b, _ in am]
    keys = set(am)
    if here is not None:
        for g in here.groups:
            b = g.backend[len(PY_PREFIX):] if g.backend.startswith(PY_PREFIX) else g.backend
            if b in order and g.pin == "none":
                keys.add((b, g.w))
    return sorted(keys, key=lambda k: (order.index(k[0]), k[1]))


def table3_ratios(am, pyset, cset, b, w):
    """(article, Python here, C here) ratios to their own serial, None where not measured."""
    aserial = am.get(("serial", 1), {}).get("merge_s")
    a = am.get((b, w))
    out = [ratio(a["merge_s"], aserial) if a else None]
    for name, src, ser in ((PY_PREFIX + b, pyset, PY_PREFIX + "serial"), (b, cset, "serial")):
        g = src.find(name, w) if src is not None else None
        s = src.find(ser, 1) if src is not None else None
        out.append(ratio(g.med("merge_s"), s.med("merge_s")) if g and s else None)
    return out


def sec_table3(ds, article, here=None):
    out = ["### Table 3: the article beside this project", ""]
    if article is None:
        return out + ["scripts/article_tables.csv not found: Table 3 skipped."]
    am = article_medians(article)
    aserial = am.get(("serial", 1), {}).get("merge_s")
    cset = here if here is not None else ds
    where = ("this data set; Python here is not measured (no py-* runs in `%s` nor in "
             "`%s-python`: `make bench`, or scripts/bench.py --tag python)"
             % (ds.name, ds.name)) if here is None else (
        "`%s`, measured on %s (id `%s`) in one bench, Python and C interleaved"
        % (here.name, here.machine.get("label") or "?", here.machine_id))
    out += ["Three groups, each with the ratio to its own serial: *article* is **%s**: the "
            "article's published numbers, copied from scripts/article_tables.csv, not "
            "measured here (medians over its runs); *Python here* is the article's strategy "
            "written in Python (scripts/pybpe, backend py-*) and *C here* the C backend, both "
            "from %s, medians. Where W differs between the article and here a group says "
            "\"—\"." % (ARTICLE_LABEL, where), ""]
    rows = []
    for b, w in table3_configs(am, cset):
        a = am.get((b, w))
        ar, pr, cr = table3_ratios(am, here, cset, b, w)
        py = here.find(PY_PREFIX + b, w) if here is not None else None
        c = cset.find(b, w)
        present = [x for x in (ar, pr, cr) if x is not None]
        shape = "reference" if b == "serial" else "n/a" if len(present) < 2 else (
            "yes" if all(same_side(present[0], x) == "yes" for x in present[1:]) else "no")
        rows.append(["%s (%s)" % (b, a["version"] if a else version_of(am, b)), w]
                    + ([a["n"], fmt(a["merge_s"]), fmt(a["compute_s"]),
                        "n/a" if ar is None else fmt(ar)] if a else [0] + [MISSING] * 3)
                    + ([len(py.runs), fmt(py.med("merge_s")), fmt(py.med("copy_s")),
                        fmt(py.med("compute_s")), "n/a" if pr is None else fmt(pr)]
                       if py else [0] + [MISSING] * 4)
                    + ([len(c.runs), fmt(c.med("merge_s")), fmt(c.med("compute_s")),
                        "n/a" if cr is None else fmt(cr)] if c else [0] + [MISSING] * 3)
                    + [shape])
    out += table(["Backend (article script)", "W", "article runs", "article merge_s",
                  "article compute_s", "article ÷ serial", "Python runs", "Python merge_s",
                  "Python copy_s", "Python compute_s", "Python ÷ py-serial", "C runs",
                  "C merge_s", "C compute_s", "C ÷ serial", "same shape?"], rows)
    out.append("")
    out.append("÷ serial: median merge time over the median of that group's serial (the "
               "article's bpe_v3_time: %s s; Python here: py-serial; C here: serial). same "
               "shape?: yes when the ratios measured (two or three) are on the same side of 1. compute_s: the "
               "slowest worker's scan, timed inside the worker, summed over the merges."
               % fmt(aserial))
    if here is not None:
        out.append("The rest of this section (Tables 1, 2, plots) shows `%s`'s own runs."
                   % ds.name if here is not ds else
                   "Python here and C here are this data set's runs.")
    return out


def version_of(am, b):
    return next((a["version"] for (x, _), a in am.items() if x == b), "")


def count_rows(ds):
    """[(k, runs, count_s values, MB/s values)]."""
    nb = ds.input_bytes()
    out = []
    for k, runs in ds.count_groups:
        cs = [num(r.get("count_s")) for r in runs]
        mbs = []
        for r, c in zip(runs, cs):
            b = num(r.get("input_bytes")) or nb
            mbs.append(b / 1e6 / c if b and c else None)
        out.append((k, runs, cs, mbs))
    return out


def sec_counting(ds):
    out = ["### Counting (word-count phase alone)", ""]
    rows = count_rows(ds)
    if not rows:
        return out + ["No counting-only runs (kind=count) in this data set: the counting "
                      "table and plot are skipped."]
    t1 = median(rows[0][2]) if rows[0][0] == 1 else None
    tab = []
    for k, runs, cs, mbs in rows:
        mb = median(mbs)
        tk = median(cs)
        eff = t1 / (k * tk) if t1 is not None and tk else None
        tab.append([k, len(runs), mmm(cs), mmm(mbs),
                    MISSING if mb is None else fmt(mb / k),
                    "n/a" if eff is None else "%.2f" % eff])
    out += table(["count workers", "runs", "count_s", "MB/s", "MB/s per core",
                  "efficiency T1/(k·Tk)"], tab)
    out.append("")
    out.append("median (min–max); MB/s = input_bytes / 1e6 / count_s per run; MB/s per core "
               "= median MB/s / k; efficiency from the median times.")
    if t1 is None:
        out.append("No 1-worker counting run: efficiency n/a.")
    return out


PLOTS = (
    ("merge_time", "Merge phase time against workers: medians with min–max bars, log y; "
                   "serial, heap and lazyheap (one worker) as horizontal lines."),
    ("phases", "Merge phase breakdown per backend and W (medians): copy, overhead "
               "(max − compute), compute, update, rest of the merge loop."),
    ("counting", "Counting throughput (MB/s, median with min–max) against counting "
                 "workers, with the ideal linear scaling from the smallest worker count."),
    ("article", "Merge time relative to serial, the article (Python) beside this project, "
                "log y; 1 = as fast as serial."),
)


def sec_plots(ds, made, skipped, plots_dir, report_path):
    out = ["### Plots", ""]
    for name, caption in PLOTS:
        if name in made or name in skipped:
            out += figure(name, os.path.join(plots_dir, ds.name, name), report_path, caption,
                          error=skipped.get(name)) + [""]
    return out[:-1] if out[-1] == "" else out


# ---- plots --------------------------------------------------------------------------



def plot_merge_time(ds):
    sers = []
    single = {}
    multi = []
    for g in ds.groups:
        m = g.med("merge_s")
        if m is None or m <= 0:
            continue
        if ds.backends.single(g.backend):
            single.setdefault(g.label, (g.w, m))
            if g.w == 1:
                single[g.label] = (g.w, m)
        else:
            if g.label not in sers:
                sers.append(g.label)
            multi.append(g)
    if not single and not multi:
        return None, "no merge-phase run with a positive merge time"
    ws = sorted({g.w for g in multi} | {1})
    blocks = []
    yvals = [m for _, m in single.values()]
    n = len(sers)
    for i, s in enumerate(sers):
        shift = 2 ** (0.035 * (i - (n - 1) / 2.0))      # keep error bars apart
        rows = ["# %s: workers,x,median,min,max" % s]
        for g in multi:
            if g.label != s:
                continue
            st = summary(g.vals("merge_s"))
            yvals += [st[2], st[3]]
            rows.append(",".join([str(g.w), g_(g.w * shift), g_(st[1]), g_(st[2]),
                                  g_(st[3])]))
        blocks.append("\n".join(rows))
    data = "\n\n\n".join(blocks) + "\n" if blocks else "# none\n"
    setup = COMMON.format(key="outside right top", title=gq(
        "Merge phase time vs workers: %s" % ds.name))
    setup += "\n".join([
        "set logscale x 2", "set logscale y",
        "set xrange [%s:%s]" % (g_(ws[0] / 1.5), g_(ws[-1] * 1.5)),
        "set xtics (%s)" % ", ".join("'%d' %d" % (w, w) for w in ws),
        "set xlabel 'workers (W)'",
        "set ylabel 'merge_s (s): median, min–max'",
        "set bars 1.5"] + log_axis(yvals))
    parts = []
    for i, s in enumerate(sers):
        parts.append("{merge} index %d using 2:3:4:5 with yerrorlines lw 2 pt 7 ps 0.8 "
                     "lc %d title %s" % (i, i + 1, gq(s)))
    for j, (lab, (w, m)) in enumerate(sorted(single.items(),
                                             key=lambda kv: ds.backends.order_key(kv[0]))):
        parts.append("%s with lines dt %d lw 2 lc %d title %s"
                     % (g_(m), 2 + j % 4, n + j + 1, gq("%s (W=%d)" % (lab, w))))
    return (setup, "plot " + ", \\\n     ".join(parts), {"merge": data}), None


def phase_rows(ds, groups):
    rows = ["# group,copy,overhead,compute,update,rest"]
    for g in groups:
        cp, mx, co, up, mg = (g.med(c) for c in
                              ("copy_s", "max_s", "compute_s", "update_s", "merge_s"))
        if mg is None:
            continue
        cp, co, up = cp or 0.0, co or 0.0, up or 0.0
        ov = max(0.0, (mx or 0.0) - co)
        rest = max(0.0, mg - cp - (mx or 0.0) - up)
        rows.append(",".join([g.name.replace(",", " ")] + [g_(x) for x in
                                                              (cp, ov, co, up, rest)]))
    return rows


def plot_phases(ds):
    """Two panels, each with its own linear y axis: the process backends (and the Python
    strategies), whose merge loop is seconds, and the rest (serial, threads, heaps), whose
    is milliseconds and would not show beside them."""
    procs = [g for g in ds.groups if ds.backends.by_name.get(g.backend, {}).get("kind")
             == "processes" or g.backend.startswith(PY_PREFIX)]
    rest = [g for g in ds.groups if g not in procs]
    panels = [(t, phase_rows(ds, gs)) for t, gs in
              (("process backends", procs), ("serial, threads and heaps", rest))]
    panels = [(t, r) for t, r in panels if len(r) > 1]
    if not panels:
        return None, "no merge-phase run with a merge time"
    setup = COMMON.format(key="outside right top", title=gq(
        "Merge phase breakdown (medians): %s" % ds.name))
    setup += "\n".join([
        "set style data histograms", "set style histogram rowstacked",
        "set style fill solid 0.85 border -1", "set boxwidth 0.7",
        "set xtics rotate by -40 scale 0", "set ylabel 'seconds'", "set yrange [0:*]",
        "set grid noxtics"])
    cols = (("copy", 2), ("overhead (max − compute)", 3), ("compute", 4), ("update", 5),
            ("rest of merge loop", 6))
    cmds = ["set multiplot layout 1,%d title %s" % (len(panels), gq(
        "Merge phase breakdown (medians): %s" % ds.name))]
    data = {}
    for k, (t, rows) in enumerate(panels):
        name = "phases%d" % k
        data[name] = "\n".join(rows) + "\n"
        parts = []
        for i, (ct, c) in enumerate(cols):
            u = "using %d:xtic(1)" % c if i == 0 else "using %d" % c
            parts.append("{%s} %s lc %d title %s" % (name, u, i + 1,
                                                     gq(ct) if k == 0 else "notitle"))
        cmds.append("set title %s" % gq(t))
        cmds.append("set key inside top left" if k == 0 else "unset key")
        cmds.append("plot " + ", \\\n     ".join(parts).replace("title notitle", "notitle"))
    cmds.append("unset multiplot")
    return (setup, "\n".join(cmds), data), None


def plot_counting(ds):
    rows = count_rows(ds)
    pts = []
    for k, runs, cs, mbs in rows:
        s = summary(mbs)
        if s:
            pts.append((k, s))
    if not pts:
        return None, "no counting-only runs (kind=count)"
    k0, s0 = pts[0]
    data = ["# count_workers,median,min,max,ideal"]
    for k, s in pts:
        data.append(",".join([str(k), g_(s[1]), g_(s[2]), g_(s[3]), g_(s0[1] * k / k0)]))
    ks = [k for k, _ in pts]
    setup = COMMON.format(key="top left", title=gq("Counting throughput: %s" % ds.name))
    setup += "\n".join([
        "set logscale x 2",
        "set xrange [%s:%s]" % (g_(ks[0] / 1.5), g_(ks[-1] * 1.5)),
        "set xtics (%s)" % ", ".join("'%d' %d" % (k, k) for k in ks),
        "set xlabel 'counting workers'", "set ylabel 'MB/s (1 MB = 10^6 bytes)'",
        "set yrange [0:*]", "set bars 1.5"])
    plot = ("plot {count} using 1:5 with lines dt 2 lw 2 lc rgb 'gray40' "
            "title 'ideal linear scaling', \\\n"
            "     {count} using 1:2:3:4 with yerrorlines lw 2 pt 7 lc 1 "
            "title 'measured (median, min–max)'")
    return (setup, plot, {"count": "\n".join(data) + "\n"}), None


def plot_article(ds, article, here=None):
    """Merge time over serial per configuration (backend, W): the article's, Python here
    and C here at one x position, so the eye compares them; without a Python set, C is
    this data set's."""
    if article is None:
        return None, "scripts/article_tables.csv not found"
    csrc = here if here is not None else ds
    if csrc.find("serial", 1) is None:
        return None, "no serial runs in this data set, so no ratio to serial"
    am = article_medians(article)
    cats = []
    for b, w in table3_configs(am, csrc):
        if b == "serial":
            continue
        a, p, c = table3_ratios(am, here, csrc, b, w)
        if any((x or 0) > 0 for x in (a, p, c)):
            cats.append(("%s W=%d" % (b, w), a, p, c))
    if not cats:
        return None, "no backend to compare"
    data = ["# i,label,article,python,c"]
    for i, (lab, a, p, c) in enumerate(cats):
        data.append(",".join([str(i), lab] + [g_(x if x and x > 0 else None)
                                              for x in (a, p, c)]))
    setup = COMMON.format(key="below", title=gq(
        "Merge time ÷ own serial, per configuration: %s" % ds.name))
    setup += "\n".join([
        "set logscale y", "set xrange [-0.7:%s]" % g_(len(cats) - 0.3)]
        + log_axis([1.0] + [x for c in cats for x in c[1:]]) + [
        "set xtics rotate by -40 scale 0",
        "set xtics (%s)" % ", ".join("%s %d" % (gq(c[0]), i) for i, c in enumerate(cats)),
        "set ylabel 'median merge time ÷ its serial median'", "set grid xtics ytics"])
    plot = ("plot 1 with lines dt 3 lw 1.5 lc rgb 'gray40' title 'serial (= 1)', \\\n"
            "     {art} using 1:3 with points pt 5 ps 1.4 lc 2 "
            "title " + gq(ARTICLE_LABEL) + ", \\\n"
            "     {art} using 1:4 with points pt 9 ps 1.5 lc 4 "
            "title 'Python here (py-*, median)', \\\n"
            "     {art} using 1:5 with points pt 7 ps 1.2 lc 1 "
            "title 'C here (median)'")
    return (setup, plot, {"art": "\n".join(data) + "\n"}), None


def make_plots(ds, article, plots_dir, here=None):
    """Draw every plot of the data set; returns (made names, {name: why skipped})."""
    made, skipped = [], {}
    if not gnuplot.available():
        return made, {n: "gnuplot not found" for n, _ in PLOTS}
    makers = {"merge_time": lambda: plot_merge_time(ds), "phases": lambda: plot_phases(ds),
              "counting": lambda: plot_counting(ds),
              "article": lambda: plot_article(ds, article, here)}
    for name, _ in PLOTS:
        outbase = os.path.join(plots_dir, ds.name, name)
        spec, why = makers[name]()
        if spec is not None:
            why = run_gnuplot(spec[0], spec[1], spec[2], outbase)
        if why is None:
            made.append(name)
            continue
        skipped[name] = why
        if spec is not None:
            print("report.py: %s: plot %s: %s" % (ds.name, name, why), file=sys.stderr)
        gnuplot.remove_plot(outbase)
    return made, skipped


# ---- main ---------------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Regenerate REPORT.md's generated sections and the plots from results/.")
    ap.add_argument("--results", default="results", help="results directory (default results)")
    ap.add_argument("--plots", default="plots", help="plots directory (default plots)")
    ap.add_argument("--report", default="REPORT.md", help="report file (default REPORT.md)")
    ap.add_argument("--no-plots", action="store_true",
                    help="do not run gnuplot; the plots sections are left as they are")
    ap.add_argument("--machine", default=os.environ.get("MACHINE") or None,
                    help="show this machine's runs (id or label; default: the machine "
                         "running the report when its runs are complete, else the newest "
                         "complete set; environment MACHINE; the other producers' sections "
                         "follow it too)")
    ap.add_argument("datasets", nargs="*", metavar="DATASET",
                    help="data sets (default: every RESULTS/* with runs)")
    a = ap.parse_args(argv)
    if a.machine:
        # The producers' sections (peers, update, pretok, mpi, heaps) read MACHINE.
        os.environ["MACHINE"] = a.machine
    return a


def dataset_names(a):
    names = a.datasets
    if not names:
        if os.path.isdir(a.results):
            names = sorted(d for d in os.listdir(a.results)
                           if sessions.has_runs(os.path.join(a.results, d))
                           and not EXPERIMENT_VARIANT.search(d))
        if not names:
            raise ReportError("no %s/*/runs.csv found" % a.results)
    for n in names:
        if not n or n in (".", "..") or "/" in n or MARK.match(
                "<!-- BEGIN GENERATED: %s/x -->" % n) is None:
            raise ReportError("bad data set name %r" % n)
    return names


def load_datasets(a, names):
    """Read and check every data set before anything is written."""
    backends = B.load()
    here = machine.report_machine_id()
    sets = [Dataset(n, a.results, backends, here, a.machine) for n in names]
    if a.machine and not any(a.machine in (mid, m.label) for ds in sets
                             for mid, m in ds.machines.items()):
        raise ReportError("MACHINE=%s measured none of %s" % (a.machine, ", ".join(names)))
    return sets


def python_datasets(a, names):
    """{name: Dataset} of the <data set>-python result sets (Python and C in one bench)
    of the data sets shown."""
    backends = B.load()
    here = machine.report_machine_id()
    out = {}
    for n in names:
        d = n + "-python"
        if sessions.has_runs(os.path.join(a.results, d)):
            out[d] = Dataset(d, a.results, backends, here, a.machine)
    return out


# The producers that own sections of their own: (module, marker name, makes plots).
PRODUCERS = (("heaps", "heaps", True), ("mpibench", "mpi", False),
             ("measure_pretok", "pretok", False), ("update_sections", "update", True),
             ("hugepages", "hugepages", False))


def producers_sections(text, a):
    """The sections other producers own (peers.py and PRODUCERS), from their results."""
    import importlib
    import peers
    for d in sorted(os.listdir(a.results)) if os.path.isdir(a.results) else []:
        ps = peers.report_sections(a.results, d, a.plots, a.report, not a.no_plots)
        if ps is not None:
            text = update_report(text, "peers-" + d, ps, a.report, peers.SECTIONS)
    for name, owner, plots in PRODUCERS:
        mod = importlib.import_module(name)
        args = (a.results, a.plots, a.report, not a.no_plots) if plots else (a.results, a.report)
        secs = mod.report_sections(*args)
        if secs is not None:
            text = update_report(text, owner, secs, a.report, mod.SECTIONS)
    return text


def main(argv=None):
    a = parse_args(argv)
    try:
        sets = load_datasets(a, dataset_names(a))
        names_of = lambda ss: [x.name for x in ss]  # noqa: E731
        article = load_article(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                            "article_tables.csv"))
        text, _ = read_report(a.report)
        parse_markers(text.splitlines(keepends=True), a.report)
        python_sets = python_datasets(a, names_of(sets))
        for ds in sets:
            here = here_set(ds, python_sets)
            secs = {"context": sec_context(ds), "table1": sec_table1(ds),
                    "table2": sec_table2(ds), "table3": sec_table3(ds, article, here),
                    "counting": sec_counting(ds), "plots": None}
            if not a.no_plots:
                made, skipped = make_plots(ds, article, a.plots, here)
                secs["plots"] = sec_plots(ds, made, skipped, a.plots, a.report)
            text = update_report(text, ds.name, secs, a.report, SECTIONS)
        save_report(a.report, producers_sections(text, a))
    except (ReportError, B.BackendError, ValueError, OSError) as e:
        print("report.py: error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
