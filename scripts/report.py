#!/usr/bin/env python3
"""report.py: REPORT.md tables and gnuplot plots, regenerated from results/ alone.

    python3 scripts/report.py [--results DIR] [--plots DIR] [--report FILE] [--no-plots]
                              [DATASET ...]

For each data set D (default: every DIR/*/runs.csv) it reads results/D/runs.csv and
results/D/context.json, draws plots/D/*.svg and *.png with gnuplot, and rewrites the
generated sections of REPORT.md: everything between the lines
    <!-- BEGIN GENERATED: D/NAME -->  and  <!-- END GENERATED: D/NAME -->
for NAME in context, table1, table2, table3, counting, plots. Text outside the markers is
never touched. Missing sections are added under a heading "## Data set: D". Every file is
written to a temporary file in its own directory and renamed into place, and the output is
byte-identical for an identical input (no clock, no host name but the context's).

Python standard library only. The article's numbers come from scripts/article_tables.csv
(next to this script): they are the article's, copied, never measured here.
"""
import argparse
import csv
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

SECTIONS = ("context", "table1", "table2", "table3", "counting", "plots")

# Result sets that scripts/experiments.py makes (a data set run with one
# variable changed): it reports them itself, side by side, so the default
# list of data sets leaves them out.
EXPERIMENT_VARIANT = re.compile(r"-(flat|objects)(-touch)?$|-pin-(none|compact|scatter)$"
                                r"|-pool-shuffled$|-live$")

# Columns the report cannot do without; every other column is optional.
REQUIRED = ("backend", "workers", "count_workers", "input_bytes", "merges", "total_s",
            "count_s", "copy_s", "max_s", "compute_s", "update_s", "merge_s", "repeat",
            "kind")

# The article's script for each backend that has one.
ARTICLE_SCRIPT = {
    "serial": "bpe_v3_time",
    "fork": "bpe_v4_mp_time",
    "pool": "bpe_v4_time",
    "spawn": "bpe_v4_mp_spawn_time",
    "fork-deepcopy": "bpe_v4_mp_deepcopy_time",
}
BACKEND_ORDER = ("serial", "fork", "fork-deepcopy", "pool", "spawn", "pthread", "openmp",
                 "heap", "lazyheap")
PIN_ORDER = ("none", "compact", "scatter")
# Backends that only run with one worker: drawn as horizontal reference lines.
SINGLE_WORKER = ("serial", "heap", "lazyheap")
ARTICLE_LABEL = "article (Python, TinyStories 2.1 GB, vocab 10000)"
NOISY = 0.10                    # relative spread (max-min)/median above this is "noisy"
EPS = 1e-9                      # so that exactly 10 % is not "above" through rounding
MISSING = "—"

PLOT_SIZE = (800, 500)
TERMINALS = (
    ("svg", "set terminal svg size {w},{h} dynamic background rgb 'white' "
            "font 'sans,11' noenhanced"),
    ("png", "set terminal pngcairo size {w},{h} background rgb 'white' "
            "font 'sans,10' noenhanced"),
)


class ReportError(Exception):
    """A fatal problem with the input: one line, exit status 1."""


# ---- numbers ------------------------------------------------------------------------

def num(s):
    """A finite float from a CSV/JSON field, or None (empty, NaN, inf, junk)."""
    if s is None:
        return None
    try:
        v = float(s)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def intval(s):
    v = num(s)
    if v is None or v != int(v):
        return None
    return int(v)


def fmt(x):
    """Three significant digits, never scientific, integers from 100 up:
    0.0123 -> 0.0123, 1.5 -> 1.50, 12.34 -> 12.3, 1234.4 -> 1234."""
    if x is None:
        return MISSING
    if x == 0:
        return "0"
    if abs(x) >= 99.5:
        return "%.0f" % x
    e = math.floor(math.log10(abs(x)))
    r = round(x, 2 - e)
    if r == 0:
        return "0"
    e = math.floor(math.log10(abs(r)))          # 9.996 rounds up to 10.0
    if e >= 2:
        return "%.0f" % r
    return "%.*f" % (2 - e, r)


def summary(values):
    """(n, median, min, max) of the values that are not None, or None."""
    v = [x for x in values if x is not None]
    if not v:
        return None
    return len(v), statistics.median(v), min(v), max(v)


def mmm(values, scale=1.0):
    """'median (min–max)', or the value alone for one run, or MISSING."""
    s = summary(values)
    if s is None:
        return MISSING
    n, med, lo, hi = s
    if n == 1:
        return fmt(med * scale)
    return "%s (%s–%s)" % (fmt(med * scale), fmt(lo * scale), fmt(hi * scale))


def median(values):
    s = summary(values)
    return None if s is None else s[1]


def ratio(a, b):
    if a is None or b is None or b <= 0:
        return None
    return a / b


def cell(s):
    """A markdown table cell: no pipes, no newlines."""
    return str(s).replace("|", "\\|").replace("\n", " ")


def table(header, rows):
    out = ["| " + " | ".join(cell(h) for h in header) + " |",
           "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return out


# ---- files --------------------------------------------------------------------------

def write_atomic(path, data):
    """Write bytes to path through a temporary file in the same directory."""
    d = os.path.dirname(path) or "."
    os.makedirs(d, exist_ok=True)
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o644
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".tmp.", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


# ---- input --------------------------------------------------------------------------

def load_runs(path):
    """(merge rows, count rows, notes). Raises ReportError when the file is missing or
    malformed; skips (with a note) rows that cannot be used."""
    label = path
    if not os.path.isfile(path):
        raise ReportError("%s: missing" % label)
    try:
        with open(path, newline="", encoding="utf-8", errors="replace") as f:
            reader = csv.DictReader(f)
            fields = reader.fieldnames
            if not fields:
                raise ReportError("%s: malformed: empty file, no header line" % label)
            missing = [c for c in REQUIRED if c not in fields]
            if missing:
                raise ReportError("%s: malformed: missing required column%s: %s"
                                  % (label, "s" if len(missing) > 1 else "",
                                     ", ".join(missing)))
            raw = list(reader)
    except csv.Error as e:
        raise ReportError("%s: malformed: %s" % (label, e))
    merges, counts, notes = [], [], []
    bad = {}
    for i, r in enumerate(raw):
        line = i + 2
        if None in r or any(v is None for v in r.values()):
            bad.setdefault("wrong number of fields", []).append(line)
            continue
        backend = (r.get("backend") or "").strip()
        if not backend:
            bad.setdefault("no backend", []).append(line)
            continue
        kind = (r.get("kind") or "").strip()
        if not kind:
            kind = "count" if (r.get("count_only") or "").strip() == "1" else "merge"
        if kind not in ("count", "merge"):
            bad.setdefault("kind neither count nor merge", []).append(line)
            continue
        row = {k: (v.strip() if isinstance(v, str) else v) for k, v in r.items()}
        row["backend"] = backend
        row["kind"] = kind
        row["_line"] = line
        row["_repeat"] = intval(row.get("repeat"))
        if kind == "merge":
            row["_w"] = intval(row.get("workers"))
            if row["_w"] is None or row["_w"] < 1:
                bad.setdefault("no valid workers", []).append(line)
                continue
            row["_pin"] = row.get("pin") or "none"
            merges.append(row)
        else:
            row["_k"] = intval(row.get("count_workers"))
            if row["_k"] is None or row["_k"] < 1:
                bad.setdefault("no valid count_workers", []).append(line)
                continue
            counts.append(row)
    for why in sorted(bad):
        lines = bad[why]
        shown = ", ".join(str(x) for x in lines[:10]) + (", ..." if len(lines) > 10 else "")
        notes.append("skipped %d row%s of runs.csv (%s): line%s %s"
                     % (len(lines), "" if len(lines) == 1 else "s", why,
                        "" if len(lines) == 1 else "s", shown))
    return merges, counts, notes


def load_context(path):
    if not os.path.isfile(path):
        return {}, ["context.json missing: machine details unknown"]
    try:
        with open(path, encoding="utf-8") as f:
            ctx = json.load(f)
    except (OSError, ValueError) as e:
        return {}, ["context.json unreadable (%s): machine details unknown"
                    % str(e).splitlines()[0]]
    if not isinstance(ctx, dict):
        return {}, ["context.json is not an object: machine details unknown"]
    return ctx, []


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

def backend_key(b):
    return (BACKEND_ORDER.index(b) if b in BACKEND_ORDER else len(BACKEND_ORDER), b)


def pin_key(p):
    return (PIN_ORDER.index(p) if p in PIN_ORDER else len(PIN_ORDER), p)


def run_key(r):
    return (r["_repeat"] if r["_repeat"] is not None else 1 << 30, r["_line"])


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


class Dataset:
    def __init__(self, name, results_dir):
        self.name = name
        d = os.path.join(results_dir, name)
        self.merges, self.counts, self.notes = load_runs(os.path.join(d, "runs.csv"))
        self.ctx, cnotes = load_context(os.path.join(d, "context.json"))
        self.notes = cnotes + self.notes
        pins = {}
        for r in self.merges:
            pins.setdefault(r["backend"], set()).add(r["_pin"])
        by = {}
        for r in self.merges:
            by.setdefault((r["backend"], r["_w"], r["_pin"]), []).append(r)
        self.groups = []
        for (b, w, p) in sorted(by, key=lambda k: (backend_key(k[0]), pin_key(k[2]), k[1])):
            label = b if len(pins[b]) == 1 else "%s pin=%s" % (b, p)
            self.groups.append(Group(b, w, p, by[(b, w, p)], label))
        cby = {}
        for r in self.counts:
            cby.setdefault(r["_k"], []).append(r)
        self.count_groups = [(k, sorted(cby[k], key=run_key)) for k in sorted(cby)]
        self.serial = self.find("serial", 1) or self.find("serial", None)
        self.serial_med = self.serial.med("merge_s") if self.serial else None

    def find(self, backend, w):
        """The group of backend at w workers (any w when None); pin none preferred."""
        c = [g for g in self.groups if g.backend == backend and (w is None or g.w == w)]
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
    return out


def version_name(g):
    s = ARTICLE_SCRIPT.get(g.backend)
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
        rows.append([version_name(g), data, slash(totals), slash(counts), merge,
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


def sec_table3(ds, article):
    out = ["### Table 3: the article beside this project", ""]
    if article is None:
        return out + ["scripts/article_tables.csv not found: Table 3 skipped."]
    am = article_medians(article)
    aserial = am.get(("serial", 1), {}).get("merge_s")
    out += ["Columns marked *article* are **%s**: the article's published numbers, copied "
            "from scripts/article_tables.csv, not measured here (medians over its runs). "
            "Columns marked *ours* are this data set's medians." % ARTICLE_LABEL, ""]
    rows = []
    for (b, w), a in am.items():
        g = ds.find(b, w)
        ar = ratio(a["merge_s"], aserial)
        orr = ratio(g.med("merge_s"), ds.serial_med) if g else None
        shape = "reference" if b == "serial" else same_side(ar, orr)
        if g:
            ours = [fmt(g.med("merge_s")), fmt(g.med("max_s")), fmt(g.med("compute_s")),
                    "n/a" if orr is None else fmt(orr)]
        else:
            ours = ["not measured"] + [MISSING] * 3
        rows.append(["%s (%s)" % (b, a["version"]), w, a["n"], fmt(a["merge_s"]),
                     fmt(a["max_s"]), fmt(a["compute_s"]),
                     "n/a" if ar is None else fmt(ar)]
                    + [len(g.runs) if g else 0] + ours + [shape])
    out += table(["Backend (article script)", "W", "article runs", "article merge_s",
                  "article max_s", "article compute_s", "article ÷ serial", "our runs",
                  "ours merge_s", "ours max_s", "ours compute_s", "ours ÷ serial",
                  "same shape?"], rows)
    out.append("")
    out.append("÷ serial: median merge time over the serial backend's (the article's "
               "bpe_v3_time: %s s). same shape?: yes when both ratios are on the same side "
               "of 1." % fmt(aserial))
    if ds.serial_med is None:
        out.append("No serial runs in this data set: our ratios are n/a.")
    pins = {g.backend for g in ds.groups if g.label != g.backend}
    if pins:
        out.append("Backends measured with several pin policies (%s): ours uses pin=%s "
                   "where present." % (", ".join(sorted(pins)), PIN_ORDER[0]))
    return out


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
    base = os.path.dirname(os.path.abspath(report_path))
    for name, caption in PLOTS:
        if name in made:
            rel = os.path.relpath(os.path.join(plots_dir, ds.name, name),
                                  base).replace(os.sep, "/")
            out += ["![%s](%s.png)" % (name, rel), "",
                    "%s ([SVG](%s.svg))" % (caption, rel), ""]
        elif name in skipped:
            out += ["%s: not drawn, %s." % (name, skipped[name]), ""]
    return out[:-1] if out[-1] == "" else out


# ---- plots --------------------------------------------------------------------------

def gq(s):
    return "'" + str(s).replace("'", "''") + "'"


def run_gnuplot(setup, plot_cmd, data, outbase):
    """Draw outbase.svg and outbase.png. setup/plot_cmd refer to the data files as
    {name}, replaced by their quoted paths. Returns None or an error string."""
    d = os.path.dirname(outbase)
    os.makedirs(d, exist_ok=True)
    work = tempfile.mkdtemp(prefix="report-gp.")
    tmps = {ext: "%s.%s.tmp.%d" % (outbase, ext, os.getpid()) for ext, _ in TERMINALS}
    try:
        paths = {}
        for name, text in data.items():
            paths[name] = os.path.join(work, name + ".dat")
            with open(paths[name], "w", encoding="utf-8") as f:
                f.write(text)
        def fill(s):
            for k, v in paths.items():
                s = s.replace("{%s}" % k, gq(v))
            return s
        script = ["set encoding utf8", fill(setup)]
        for ext, term in TERMINALS:
            script += [term.format(w=PLOT_SIZE[0], h=PLOT_SIZE[1]),
                       "set output %s" % gq(tmps[ext]), fill(plot_cmd)]
        script.append("unset output")
        gp = os.path.join(work, "plot.gp")
        with open(gp, "w", encoding="utf-8") as f:
            f.write("\n".join(script) + "\n")
        p = subprocess.run(["gnuplot", gp], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True)
        if p.returncode != 0:
            lines = [x for x in p.stderr.splitlines() if x.strip()]
            return "gnuplot failed: %s" % (lines[-1].strip() if lines else p.returncode)
        for ext, _ in TERMINALS:
            if not os.path.isfile(tmps[ext]) or os.path.getsize(tmps[ext]) == 0:
                return "gnuplot wrote no %s" % ext
        for ext, _ in TERMINALS:
            os.replace(tmps[ext], "%s.%s" % (outbase, ext))
        return None
    finally:
        for t in tmps.values():
            if os.path.exists(t):
                os.unlink(t)
        shutil.rmtree(work, ignore_errors=True)


def g_(x):
    """A number for a gnuplot data file: repr is exact and stable."""
    return "NaN" if x is None else repr(float(x))


def log_axis(values):
    """'set yrange [...]' and 'set ytics (...)' for a log y axis over positive values:
    padded, with 1-2-5 ticks so that a narrow range still has labels."""
    v = [x for x in values if x is not None and x > 0]
    lo, hi = min(v) / 1.4, max(v) * 1.4
    ticks = []
    for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        for m in ((1, 2, 5) if hi / lo < 1000 else (1,)):
            t = m * 10.0 ** e
            if lo <= t <= hi:
                ticks.append(t)
    out = ["set yrange [%s:%s]" % (g_(lo), g_(hi))]
    if len(ticks) >= 2:
        out.append("set ytics (%s)" % ", ".join("'%s' %s" % ("%g" % t, g_(t)) for t in ticks))
    return out


COMMON = """set datafile separator comma
set key noautotitle
set grid
set border lw 1
set key {key}
set title {title}
"""


def plot_merge_time(ds):
    sers = []
    single = {}
    multi = []
    for g in ds.groups:
        m = g.med("merge_s")
        if m is None or m <= 0:
            continue
        if g.backend in SINGLE_WORKER:
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
                                             key=lambda kv: backend_key(kv[0]))):
        parts.append("%s with lines dt %d lw 2 lc %d title %s"
                     % (g_(m), 2 + j % 4, n + j + 1, gq("%s (W=%d)" % (lab, w))))
    return (setup, "plot " + ", \\\n     ".join(parts), {"merge": data}), None


def plot_phases(ds):
    rows = ["# group,copy,overhead,compute,update,rest"]
    any_ = False
    for g in ds.groups:
        cp, mx, co, up, mg = (g.med(c) for c in
                              ("copy_s", "max_s", "compute_s", "update_s", "merge_s"))
        if mg is None:
            continue
        cp, co, up = cp or 0.0, co or 0.0, up or 0.0
        ov = max(0.0, (mx or 0.0) - co)
        rest = max(0.0, mg - cp - (mx or 0.0) - up)
        rows.append(",".join([g.name.replace(",", " ")] + [g_(x) for x in
                                                              (cp, ov, co, up, rest)]))
        any_ = True
    if not any_:
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
    parts = []
    for i, (t, c) in enumerate(cols):
        u = "using %d:xtic(1)" % c if i == 0 else "using %d" % c
        parts.append("{phases} %s lc %d title %s" % (u, i + 1, gq(t)))
    return (setup, "plot " + ", \\\n     ".join(parts), {"phases": "\n".join(rows) + "\n"}), None


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


def plot_article(ds, article):
    if article is None:
        return None, "scripts/article_tables.csv not found"
    if ds.serial_med is None:
        return None, "no serial runs in this data set, so no ratio to serial"
    am = article_medians(article)
    aserial = am.get(("serial", 1), {}).get("merge_s")
    cats = []
    for (b, w), a in am.items():
        if b == "serial":
            continue
        gr = ds.find(b, w)
        cats.append(("%s W=%d" % (b, w), ratio(a["merge_s"], aserial),
                     ratio(gr.med("merge_s"), ds.serial_med) if gr else None))
    seen = {(b, w) for (b, w) in am}
    for gr in ds.groups:
        if gr.backend == "serial" or (gr.backend, gr.w) in seen:
            continue
        seen.add((gr.backend, gr.w))
        cats.append((gr.name, None, ratio(gr.med("merge_s"), ds.serial_med)))
    cats = [c for c in cats if (c[1] or 0) > 0 or (c[2] or 0) > 0]
    if not cats:
        return None, "no backend to compare"
    data = ["# i,label,article,ours"]
    for i, (lab, a, o) in enumerate(cats):
        data.append(",".join([str(i), lab.replace(",", " "), g_(a if a and a > 0 else None),
                              g_(o if o and o > 0 else None)]))
    setup = COMMON.format(key="below", title=gq(
        "Merge time ÷ serial: article (Python) vs this project: %s" % ds.name))
    setup += "\n".join([
        "set logscale y", "set xrange [-0.7:%s]" % g_(len(cats) - 0.3)]
        + log_axis([1.0] + [c[1] for c in cats] + [c[2] for c in cats]) + [
        "set xtics rotate by -40 scale 0",
        "set xtics (%s)" % ", ".join("%s %d" % (gq(c[0]), i) for i, c in enumerate(cats)),
        "set ylabel 'median merge time ÷ serial median'", "set grid noxtics"])
    plot = ("plot 1 with lines dt 3 lw 1.5 lc rgb 'gray40' title 'serial (= 1)', \\\n"
            "     {art} using ($1-0.12):3 with points pt 5 ps 1.3 lc 2 "
            "title " + gq(ARTICLE_LABEL) + ", \\\n"
            "     {art} using ($1+0.12):4 with points pt 7 ps 1.3 lc 1 "
            "title 'this project (median)'")
    return (setup, plot, {"art": "\n".join(data) + "\n"}), None


def make_plots(ds, article, plots_dir):
    """Draw every plot of the data set; returns (made names, {name: why skipped})."""
    made, skipped = [], {}
    if shutil.which("gnuplot") is None:
        return made, {n: "gnuplot not found" for n, _ in PLOTS}
    makers = {"merge_time": lambda: plot_merge_time(ds), "phases": lambda: plot_phases(ds),
              "counting": lambda: plot_counting(ds),
              "article": lambda: plot_article(ds, article)}
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
        for ext, _ in TERMINALS:                 # no stale picture of older data
            p = "%s.%s" % (outbase, ext)
            if os.path.exists(p):
                os.unlink(p)
    return made, skipped


# ---- REPORT.md ----------------------------------------------------------------------

MARK = re.compile(r"^<!-- (BEGIN|END) GENERATED: (\S+) -->$")


def parse_markers(lines, path):
    """{id: (begin index, end index)} of well-formed marker pairs; ReportError otherwise."""
    spans, open_ = {}, None
    for i, ln in enumerate(lines):
        m = MARK.match(ln.strip())
        if not m:
            continue
        what, sid = m.groups()
        if what == "BEGIN":
            if open_ is not None:
                raise ReportError("%s:%d: BEGIN GENERATED: %s inside %s"
                                  % (path, i + 1, sid, open_[0]))
            if sid in spans:
                raise ReportError("%s:%d: section %s appears twice" % (path, i + 1, sid))
            open_ = (sid, i)
        else:
            if open_ is None or open_[0] != sid:
                raise ReportError("%s:%d: END GENERATED: %s without its BEGIN"
                                  % (path, i + 1, sid))
            spans[sid] = (open_[1], i)
            open_ = None
    if open_ is not None:
        raise ReportError("%s:%d: BEGIN GENERATED: %s without its END"
                          % (path, open_[1] + 1, open_[0]))
    return spans


def begin(sid):
    return "<!-- BEGIN GENERATED: %s -->\n" % sid


def end(sid):
    return "<!-- END GENERATED: %s -->\n" % sid


def body(content):
    return ["\n"] + [ln + "\n" for ln in content] + ["\n"]


def update_report(text, dsname, sections, path, order=SECTIONS):
    """sections: {name: list of lines or None (keep as is)} in `order`."""
    lines = text.splitlines(keepends=True)
    spans = parse_markers(lines, path)
    # Replace from the bottom up so earlier indexes stay valid.
    present = [(spans["%s/%s" % (dsname, n)], n) for n in order
               if "%s/%s" % (dsname, n) in spans]
    for (b, e), n in sorted(present, reverse=True):
        if sections.get(n) is not None:
            lines[b + 1:e] = body(sections[n])
    missing = [n for n in order if "%s/%s" % (dsname, n) not in spans]
    if not missing:
        return "".join(lines)
    add = []
    for n in missing:
        content = sections.get(n)
        if content is None:
            content = ["Not generated yet (run without --no-plots)."]
        add += ["\n", begin("%s/%s" % (dsname, n))] + body(content) + [end(
            "%s/%s" % (dsname, n))]
    if present:
        # Right after this data set's last section, not under another data set's heading.
        spans = parse_markers(lines, path)
        last = max(spans["%s/%s" % (dsname, n)][1] for _, n in present)
        if not lines[last].endswith("\n"):
            lines[last] += "\n"
        lines[last + 1:last + 1] = add
        return "".join(lines)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    heading = "## Data set: %s" % dsname
    if not any(ln.rstrip("\r\n") == heading for ln in lines):
        add = ["\n", heading + "\n"] + add
    return "".join(lines + add)


# ---- distinct words and pairs versus size (scripts/heaps.py) ----------------------

HEAPS_ORDER = ("table", "plot")


def heaps_sections(results_dir, plots_dir, report_path, plots):
    """The Heaps'-law sections from RESULTS/heaps/heaps.csv, or None if absent."""
    path = os.path.join(results_dir, "heaps", "heaps.csv")
    if not os.path.isfile(path):
        return None
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    need = {"corpus", "kind", "bytes", "words", "initial_pairs"}
    if not rows or not need <= set(rows[0]):
        raise ReportError("%s: missing columns (needs %s)" % (path, ", ".join(sorted(need))))
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
        base = os.path.dirname(os.path.abspath(report_path))
        rel = os.path.relpath(outbase, base).replace(os.sep, "/")
        plot_lines = (["heaps: not drawn, %s." % errmsg] if errmsg else
                      ["![heaps](%s.png)" % rel, "",
                       "Distinct words and initial pairs versus corpus size, log-log "
                       "([SVG](%s.svg))." % rel])
    return {"table": table_lines, "plot": plot_lines}


# ---- established trainers (scripts/peers.py) ---------------------------------------

PEERS_ORDER = ("table", "plot")


def peers_sections(results_dir, dsname, plots_dir, report_path, plots):
    """The peers comparison of one data set from RESULTS/D/peers.md and peers.csv."""
    md = os.path.join(results_dir, dsname, "peers.md")
    if not os.path.isfile(md):
        return None
    with open(md, encoding="utf-8") as f:
        lines = [ln.rstrip("\n") for ln in f]
    # peers.py writes a whole document; its title becomes this section's heading.
    if lines and lines[0].startswith("# "):
        lines[0] = "### " + lines[0][2:]
    lines = [("#### " + ln[3:]) if ln.startswith("## ") else ln for ln in lines]
    plot_lines = None
    rows = []
    pcsv = os.path.join(results_dir, dsname, "peers.csv")
    if plots and os.path.isfile(pcsv):
        with open(pcsv, newline="") as f:
            rows = list(csv.DictReader(f))
    if rows:
        label_rows = {}
        for r in rows:
            label = "%s %s W=%s" % (r["trainer"], r["backend"], r["workers"])
            label_rows.setdefault(label, []).append(r)
        data, ticks = [], []
        for i, (label, rs) in enumerate(label_rows.items()):
            t = median([num(r["total_s"]) for r in rs])
            m = median([num(r["peak_rss_kb"]) for r in rs])
            data.append("%d,%s,%s" % (i, g_(t), g_(None if m is None else m / 1024)))
            ticks.append("'%s' %d" % (label.replace("'", ""), i))
        setup = COMMON.format(key="top left", title=gq("Training at vocab 30000: %s" % dsname)) + (
            "set style fill solid 0.8 border -1\nset boxwidth 0.35\nset logscale y\n"
            "set xtics (%s) rotate by -20\nset ylabel 'seconds / MiB'\n" % ", ".join(ticks))
        cmd = ("plot {d} using ($1-0.18):2 with boxes title 'total time (s)', "
               "{d} using ($1+0.18):3 with boxes title 'peak RSS (MiB)'")
        outbase = os.path.join(plots_dir, dsname, "peers")
        errmsg = run_gnuplot(setup, cmd, {"d": "\n".join(data) + "\n"}, outbase)
        base = os.path.dirname(os.path.abspath(report_path))
        rel = os.path.relpath(outbase, base).replace(os.sep, "/")
        plot_lines = (["peers: not drawn, %s." % errmsg] if errmsg else
                      ["![peers](%s.png)" % rel, "",
                       "Median total time and peak RSS per trainer, log scale "
                       "([SVG](%s.svg)); medians over the runs in peers.csv." % rel])
    return {"table": lines, "plot": plot_lines}


# ---- main ---------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Regenerate REPORT.md's generated sections and the plots from results/.")
    ap.add_argument("--results", default="results", help="results directory (default results)")
    ap.add_argument("--plots", default="plots", help="plots directory (default plots)")
    ap.add_argument("--report", default="REPORT.md", help="report file (default REPORT.md)")
    ap.add_argument("--no-plots", action="store_true",
                    help="do not run gnuplot; the plots sections are left as they are")
    ap.add_argument("datasets", nargs="*", metavar="DATASET",
                    help="data sets (default: every RESULTS/*/runs.csv)")
    a = ap.parse_args(argv)
    try:
        names = a.datasets
        if not names:
            if os.path.isdir(a.results):
                names = sorted(d for d in os.listdir(a.results)
                               if os.path.isfile(os.path.join(a.results, d, "runs.csv"))
                               and not EXPERIMENT_VARIANT.search(d))
            if not names:
                raise ReportError("no %s/*/runs.csv found" % a.results)
        for n in names:
            if not n or n in (".", "..") or "/" in n or MARK.match(
                    "<!-- BEGIN GENERATED: %s/x -->" % n) is None:
                raise ReportError("bad data set name %r" % n)
        # Read and check everything before writing anything.
        sets = [Dataset(n, a.results) for n in names]
        art_path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "article_tables.csv")
        article = load_article(art_path)
        try:
            with open(a.report, encoding="utf-8", errors="surrogateescape",
                      newline="") as f:
                text = f.read()
            existed = True
        except FileNotFoundError:
            text, existed = "# bpebench report\n", False
        parse_markers(text.splitlines(keepends=True), a.report)
        for ds in sets:
            secs = {"context": sec_context(ds), "table1": sec_table1(ds),
                    "table2": sec_table2(ds), "table3": sec_table3(ds, article),
                    "counting": sec_counting(ds), "plots": None}
            if not a.no_plots:
                made, skipped = make_plots(ds, article, a.plots)
                secs["plots"] = sec_plots(ds, made, skipped, a.plots, a.report)
            text = update_report(text, ds.name, secs, a.report)
        for d in sorted(os.listdir(a.results)) if os.path.isdir(a.results) else []:
            ps = peers_sections(a.results, d, a.plots, a.report, not a.no_plots)
            if ps is not None:
                text = update_report(text, "peers-" + d, ps, a.report, PEERS_ORDER)
        hs = heaps_sections(a.results, a.plots, a.report, not a.no_plots)
        if hs is not None:
            text = update_report(text, "heaps", hs, a.report, HEAPS_ORDER)
        new = text.encode("utf-8", errors="surrogateescape")
        old = None
        if existed:
            with open(a.report, "rb") as f:
                old = f.read()
        if new != old:
            write_atomic(a.report, new)
    except ReportError as e:
        print("report.py: error: %s" % e, file=sys.stderr)
        return 1
    except OSError as e:
        print("report.py: error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
