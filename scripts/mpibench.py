#!/usr/bin/env python3
"""mpibench.py: bpetrain-mpi measured, and REPORT.md's section "Over MPI".

    scripts/mpibench.py measure [--repeat 3]   run the benches (make mpi-bench)
    scripts/mpibench.py report                 REPORT.md's mpi/* sections (report.py
                                               calls report_sections() itself)

`measure` runs scripts/bench.py into results/mpi/ (results/mpi/<dataset>/sessions/,
the bench's own format), one repeat at a time so that the configurations interleave:
  - the merge phase on the sample: pool and mpi (wait=spin) at W = 1 2 4 8 in one
    session per repeat, then mpi with wait=yield and wait=sleep;
  - the counting on the synthetic 256 MiB corpus: bpetrain with 1 and 2 threads and
    bpetrain-mpi with 1 2 4 8 ranks of one thread each.
The sections are made from those results alone. The projection to several nodes is
arithmetic on the measured message sizes with a stated network model, not a measurement.
"""
import argparse
import math
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import backends as B, machine, runs, sessions  # noqa: E402
from benchlib.reportfile import ReportError, read_report, save_report, update_report  # noqa: E402
from benchlib.tables import MISSING, fmt, median, mmm, num, ratio, table  # noqa: E402
from benchlib.tools import ROOT  # noqa: E402

SECTIONS = ("context", "merge", "bytes", "counting", "projection", "targets")
MERGE_SET, COUNT_SET = "sample", "synth-256M"
WORKERS = (1, 2, 4, 8)
WAITS = ("spin", "yield", "sleep")
# The network model of the projection: latency per message (s), bandwidth (bytes/s).
NETWORKS = (("10 Gb/s Ethernet, TCP", 25e-6, 1.25e9),
            ("100 Gb/s InfiniBand, RDMA", 2e-6, 12.5e9))
TARGET_MERGE, TARGET_COUNT = 10.0, 1.8


# ---- measuring -------------------------------------------------------------------------

def bench(results, *args):
    cmd = [sys.executable, os.path.join(ROOT, "scripts", "bench.py"), "--results", results]
    rc = subprocess.call(cmd + list(args), cwd=ROOT)
    if rc != 0:
        sys.exit(rc)


def measure(results, repeat):
    w = " ".join(map(str, WORKERS))
    for r in range(1, repeat + 1):
        # Each call plans repeats 0..r-1 and runs only the one not yet measured.
        bench(results, "--dataset", "sample", "--backends", "pool mpi", "--workers", w,
              "--repeat", str(r), "--no-count")
        for wait in WAITS[1:]:
            bench(results, "--dataset", "sample", "--backends", "mpi", "--workers", w,
                  "--repeat", str(r), "--no-count", "--backend-opts", "wait=" + wait)
    bench(results, "--dataset", "synth", "--size", "256M", "--backends", "mpi", "--workers", w,
          "--count-workers", "1 2", "--repeat", str(repeat), "--no-merge")


# ---- reading -----------------------------------------------------------------------------

def load_rows(results, dataset):
    """(rows, contexts) of every session of results/mpi/<dataset>, oldest first."""
    d = os.path.join(results, dataset)
    if not sessions.has_runs(d):
        return [], []
    found = sessions.load(d, B.Backends([]))
    sessions.warn_problems(found, "report.py")
    for s in found:
        for r in s.rows:
            r["_session"] = s.id
    # One machine's runs, the newest row for each run's parameters, the machine chosen by
    # the report's rules (MACHINE, else this one when complete, else the newest complete).
    machines = sessions.by_machine(found)
    if not machines:
        return [], []
    mid, _ = sessions.choose(machines, machine.report_machine_id(), sessions.wanted_machine())
    m = machines[mid]
    rows = m.rows()
    used = {r["_session"] for r in rows}
    return rows, [s.context for s in m.sessions if s.id in used]


def counters(row):
    out = {}
    for item in (row.get("backend_counters") or "").split(";"):
        k, _, v = item.partition("=")
        if _:
            out[k] = num(v)
    return out


def wait_of(row):
    return dict(kv.split("=", 1) for kv in row["backend_opts"].split(";") if "=" in kv).get(
        "wait", "")


def merge_groups(rows):
    """{(backend label, W): [rows]}: pool, and mpi by its wait option."""
    g = {}
    for r in rows:
        if r.get("kind") != "merge":
            continue
        label = r["backend"] if r["backend"] != "mpi" else "mpi wait=" + wait_of(r)
        g.setdefault((label, int(r["workers"])), []).append(r)
    return g


def per_merge(rows, cols, minus="compute_s"):
    """Per run: (sum of cols − minus, when given) / merges, in µs."""
    out = []
    for r in rows:
        m, sub = num(r.get("merges")), num(r.get(minus)) if minus else 0.0
        vals = [num(r.get(c)) for c in cols]
        out.append((sum(vals) - sub) / m * 1e6 if None not in vals + [m, sub] and m else None)
    return out


def full_overhead(rows):
    return per_merge(rows, ("copy_s", "max_s"))


def select_overhead(rows):
    return per_merge(rows, ("max_s",))


def paired_ratios(rows, num_of, den_of, key):
    """Per session and repeat, num_of(rows) / den_of(rows): ratios within one run."""
    by = {}
    for r in rows:
        by.setdefault((r["_session"], r.get("repeat")), []).append(r)
    out = []
    for group in by.values():
        a, b = num_of(group, key), den_of(group, key)
        if a is not None and b:
            out.append(a / b)
    return out


def med_of(rows, f):
    return median(f(rows))


# ---- sections --------------------------------------------------------------------------

def sec_context(merge_ctx, count_ctx, merge_rows, count_rows):
    ctxs = merge_ctx + count_ctx
    labels = sorted({"%(label)s (id `%(id)s`)" % machine.from_context(c) for c in ctxs if c})
    loads = [c["loadavg"][0] for c in ctxs if isinstance(c.get("loadavg"), list) and c["loadavg"]]
    pus = sorted({machine.from_context(c)["fingerprint"].get("pus") for c in ctxs if c} - {None})
    reps = sorted({r.get("repeat") for r in merge_rows})
    out = ["### Machine and runs", ""]
    out.append("Machine: %s. %d bench sessions made the rows below (`make mpi-bench`: "
               "`scripts/mpibench.py measure`, results in `results/mpi/`), one-minute load "
               "average %s when they started (a load above the %s PUs means that other jobs "
               "shared the machine); W above the PUs is oversubscribed."
               % ("; ".join(labels) or MISSING, len(ctxs),
                  ("%s–%s" % (fmt(min(loads)), fmt(max(loads)))) if loads else MISSING,
                  "/".join(str(p) for p in pus) or MISSING))
    out.append("")
    out.append("Merge phase: **%s** (real text), vocabulary %s, %s merges, %d repeats of each "
               "configuration, interleaved (pool and mpi wait=spin in one session per repeat, "
               "then mpi wait=yield and wait=sleep). Counting: **%s (SYNTHETIC)**, %d runs of "
               "each configuration in one session." %
               (MERGE_SET, merge_rows[0]["vocab_size"] if merge_rows else MISSING,
                merge_rows[0]["merges"] if merge_rows else MISSING, len(reps), COUNT_SET,
                len({r.get("repeat") for r in count_rows})))
    return out


def sec_merge(groups):
    out = ["### The parallel max over MPI beside pool", ""]
    rows = []
    for w in WORKERS:
        for label in ["pool"] + ["mpi wait=" + x for x in WAITS]:
            g = groups.get((label, w))
            if not g:
                continue
            rows.append([label, w, len(g), mmm(per_merge(g, ("copy_s",), minus=None)),
                         mmm(select_overhead(g)), mmm(full_overhead(g)),
                         mmm([num(r.get("merge_s")) for r in g])])
    out += table(["backend", "W", "runs", "copy/merge (µs)", "(max − compute)/merge (µs)",
                  "overhead/merge: (copy + max − compute)/merge (µs)", "merge_s"], rows)
    out += ["", "Median (min–max). pool writes the live pairs into its pipes (copy) and waits "
            "for the replies in max; mpi's copy is a broadcast of the live-pair count and an "
            "MPI_Scatterv of the pairs, which wait for every rank to arrive, so its waiting "
            "shows in copy, not in max. The per-merge overhead compared below is therefore "
            "(copy + max − compute) / merges, the whole cost of the parallel max beyond the "
            "slowest scan; Table 2's (max − compute) / merges is the middle column."]
    ratios = []
    for w in WORKERS:
        both = groups.get(("pool", w), []) + groups.get(("mpi wait=spin", w), [])
        rs = paired_ratios(both, overhead_of("pool"), overhead_of("mpi"), w)
        if rs:
            ratios.append("W=%d: %s" % (w, mmm(rs)))
    if ratios:
        out += ["", "pool's overhead ÷ mpi wait=spin's, per repeat within one session: "
                + "; ".join(ratios) + " (above 1: mpi cheaper)."]
    modes = []
    for w in WORKERS[1:]:
        meds = [(median(full_overhead(groups[("mpi wait=" + x, w)])), x) for x in WAITS
                if groups.get(("mpi wait=" + x, w))]
        meds = [m for m in meds if m[0] is not None]
        if meds:
            modes.append("W=%d: %s" % (w, ", ".join("%s %s µs" % (x, fmt(v)) for v, x in meds))
                         + " (least: %s)" % min(meds)[1])
    if modes:
        out += ["", "The waiting mode, overhead per merge (medians): " + "; ".join(modes) + ". "
                "Most of mpi's overhead is waiting for a rank to be scheduled on the shared "
                "cores, so how a rank waits decides it: polling keeps the waiting rank's CPU "
                "busy, sleeping adds the wake-up delay to every collective."]
    return out


def overhead_of(backend):
    def f(group, w):
        g = [r for r in group if r["backend"] == backend]
        return median(full_overhead(g)) if g else None
    return f


def sec_bytes(groups):
    out = ["### Bytes each merge moves (backend mpi)", ""]
    rows = []
    for w in WORKERS:
        g = groups.get(("mpi wait=spin", w))
        if not g:
            continue
        c = [counters(r) for r in g]
        m = [num(r.get("merges")) or 1 for r in g]

        def per(k):
            return median([x.get(k, 0) / mm for x, mm in zip(c, m)])
        rows.append([w, fmt(median([num(r.get("avg_live_pairs")) for r in g])),
                     fmt(per("scatter_bytes")), fmt(per("order_bytes")),
                     fmt(per("reduce_bytes")), fmt(median([x.get("bytes_per_merge") for x in c])),
                     fmt(median([x.get("reduce_elem_bytes") for x in c]))])
    out += table(["W (ranks)", "live pairs (mean)", "scatter B/merge", "order B/merge",
                  "reduce B/merge", "total B/merge", "reduce element (B)"], rows)
    out += ["", "From backend mpi's counters (`backend_counters`): the scatter sends 16 bytes a "
            "live pair to the W − 1 other ranks (rank 0 keeps its chunk), the order is the "
            "live-pair count broadcast, the reduction counts 2 (W − 1) elements (count, ids, "
            "the bytes of both tokens, sized for the longest token so far)."]
    return out


def count_groups(rows):
    g = {}
    for r in rows:
        if r.get("kind") != "count":
            continue
        key = ("ranks", int(r["workers"])) if r["backend"] == "mpi" else \
            ("threads", int(r["count_workers"]))
        g.setdefault(key, []).append(r)
    return g


def slowest_rank(r):
    v = [num(x) for x in (r.get("rank_count_s") or "").split(";") if x]
    v = [x for x in v if x is not None]
    return max(v) if v else None


def largest_share(r):
    """The largest fraction of the input one rank counted (rank_count_bytes)."""
    v = [num(x) for x in (r.get("rank_count_bytes") or "").split(";") if x]
    v = [x for x in v if x is not None]
    return max(v) / sum(v) if v and sum(v) else None


def count_speedups(rows, k):
    def f(group, key):
        one = [num(r["count_s"]) for r in group if r["backend"] == "mpi" and r["workers"] == "1"]
        many = [num(r["count_s"]) for r in group
                if r["backend"] == "mpi" and r["workers"] == str(key)]
        return (one[0] / many[0]) if one and many and many[0] else None
    return paired_ratios(rows, f, lambda g, key: 1.0, k)


def sec_counting(rows):
    out = ["### Counting against ranks", ""]
    g = count_groups(rows)
    table_rows = []
    for (kind, n) in sorted(g, key=lambda k: (k[0] != "threads", k[1])):
        rs = g[(kind, n)]
        what = ("bpetrain, %d thread%s" % (n, "" if n == 1 else "s")) if kind == "threads" \
            else "bpetrain-mpi, %d rank%s × 1 thread" % (n, "" if n == 1 else "s")
        sp = count_speedups(rows, n) if kind == "ranks" else []
        table_rows.append([what, len(rs), mmm([num(r["count_s"]) for r in rs]),
                           mmm(sp) if sp else MISSING,
                           mmm([slowest_rank(r) for r in rs]) if kind == "ranks" else MISSING,
                           mmm([largest_share(r) for r in rs]) if kind == "ranks" else MISSING,
                           mmm([num(r.get("count_merge_s")) for r in rs]),
                           fmt(median([num(r.get("count_bytes")) for r in rs]))])
    out += table(["counting", "runs", "count_s", "speed-up over 1 rank, per repeat",
                  "slowest rank (s)", "largest rank's share of the input",
                  "table combine + reduce (s)", "bytes of counts sent"], table_rows)
    out += ["", "count_s is rank 0's wall time from the start to the reduced table. The ranks "
            "(all on this one node) count the input's chunks, cut where the counting threads "
            "may cut, each taking the next chunk from one counter in the node's shared memory "
            "as its threads do, so the share a rank counts follows its speed; the tables are "
            "then summed up a binomial tree in the word-count file's record format. Every "
            "row's counts_hash is bpetrain's (the tests check it)."]
    return out


def steps_of(w):
    return math.ceil(math.log2(w))


def scatter_time(alpha, beta, w, scatter_b, elem_b):
    """Seconds per merge on the network as backend mpi works: the messages on the critical
    path (broadcast and allreduce trees of ceil(log2 W) steps, the allreduce there and back,
    W − 1 scatter sends from rank 0) at latency alpha, rank 0's bytes at bandwidth beta."""
    k = steps_of(w)
    return alpha * (3 * k + w - 1) + (scatter_b + 8 * k + 2 * k * elem_b) / beta


def allreduce_time(alpha, beta, w, elem_b):
    """The same for the allreduce alone (pairs that stay on their ranks)."""
    k = steps_of(w)
    return 2 * k * (alpha + elem_b / beta)


def mpi_sizes(groups, w):
    g = groups.get(("mpi wait=spin", w)) or []
    c = [counters(r) for r in g]
    m = [num(r.get("merges")) or 1 for r in g]
    return (median([x.get("scatter_bytes", 0) / mm for x, mm in zip(c, m)]),
            median([x.get("reduce_elem_bytes", 0) for x in c])) if g else (None, None)


def sec_projection(groups, count_rows):
    out = ["### On paper: several nodes", ""]
    one = groups.get(("mpi wait=spin", 1), [])
    scan_us = median(per_merge(one, ("compute_s",), minus=None)) if one else None
    live = median([num(r.get("avg_live_pairs")) for r in one]) if one else None
    if scan_us is None or not live:
        return out + ["No backend mpi runs at W = 1: nothing to project from."]
    ns_pair = scan_us * 1e3 / live
    out.append("A model, not a measurement: one rank per node, the message sizes measured above, "
               "each message costing the latency α and rank 0's bytes its link's bandwidth β. "
               "Backend mpi, per merge: α · (3 ⌈log₂W⌉ + W − 1) + (scatter bytes + 2 ⌈log₂W⌉ "
               "· element) / β. The scan it splits costs %s µs a merge on one rank here (%s ns "
               "per live pair, %s live pairs on average)." % (fmt(scan_us), fmt(ns_pair),
                                                              fmt(live)))
    out.append("")
    rows, never = [], True
    for name, alpha, beta in NETWORKS:
        for w in WORKERS[1:]:
            sb, eb = mpi_sizes(groups, w)
            if sb is None:
                continue
            saved = scan_us * (1 - 1 / w)
            wire_ns = 16 * (w - 1) / w / beta * 1e9     # a pair's share of the scatter
            ar = allreduce_time(alpha, beta, w, eb) * 1e6
            need = ar * 1e3 / (ns_pair * (1 - 1 / w))
            never = never and wire_ns >= ns_pair * (1 - 1 / w)
            rows.append([name, w, fmt(scatter_time(alpha, beta, w, sb, eb) * 1e6), fmt(saved),
                         "%s vs %s" % (fmt(wire_ns), fmt(ns_pair * (1 - 1 / w))), fmt(ar),
                         fmt(need)])
    out += table(["network", "W nodes", "backend mpi: network µs/merge", "scan µs saved/merge",
                  "ns per pair: scatter vs scan saved", "allreduce alone µs/merge",
                  "live pairs to break even, allreduce alone"], rows)
    nets = "; ".join("%s: α = %s µs, β = %s GB/s" % (n, fmt(a * 1e6), fmt(b / 1e9))
                     for n, a, b in NETWORKS)
    verdict = ("Scattering a pair costs more on the wire than scanning it saves (the "
               "ns-per-pair column) on every network and W above, so backend mpi's split of the "
               "select cannot pay across nodes at any number of pairs: its copy grows with the "
               "pairs as fast as the saving." if never else
               "Where the ns-per-pair column shows the scan saving more than the wire costs, "
               "backend mpi pays once the pairs are many enough to cover the latency terms.")
    out += ["", "Networks: %s. %s Only a design that keeps each rank's pairs on the rank (each "
            "rank updating its own share, as the sharded update does within a node) leaves just "
            "the allreduce per merge; that pays once a merge has more live pairs than the last "
            "column." % (nets, verdict)]
    out += projection_counting(count_rows)
    return out


def projection_counting(rows):
    g = count_groups(rows)
    base = g.get(("ranks", 1))
    if not base:
        return []
    t1 = median([num(r["count_s"]) for r in base])
    out = ["", "Counting over nodes, with the same model: the tree moves each rank's table once "
           "and rank 0 waits ⌈log₂R⌉ rounds of one table each."]
    rows = []
    for name, alpha, beta in NETWORKS:
        for (kind, n), rs in sorted(g.items()):
            if kind != "ranks" or n == 1:
                continue
            table_b = median([num(r.get("count_bytes")) for r in rs]) / (n - 1)
            steps = math.ceil(math.log2(n))
            net = steps * (alpha + table_b / beta)
            rows.append([name, n, fmt(t1 / n), fmt(net), fmt(t1 / (t1 / n + net))])
    out += [""] + table(["network", "R nodes", "counting s (1 rank ÷ R)", "reduction s",
                         "projected speed-up"], rows)
    out += ["", "With one table of a few MB per rank, the reduction is a small part of the "
            "counting, as the issue expects: the distinct-word table stays small while the "
            "corpus grows."]
    return out


def sec_targets(groups, count_rows):
    both = groups.get(("pool", 2), []) + groups.get(("mpi wait=spin", 2), [])
    rs = paired_ratios(both, overhead_of("pool"), overhead_of("mpi"), 2)
    sel = paired_ratios(both, sel_of("pool"), sel_of("mpi"), 2)
    sp = count_speedups(count_rows, 2)
    out = ["### Targets", ""]

    def verdict(vals, target):
        v = median(vals)
        return MISSING if v is None else ("met" if v >= target else "not met")
    out.append("- mpi's per-merge overhead at W = 2 at least %s× lower than pool's: pool ÷ "
               "mpi = %s, median (min–max) of the per-repeat ratios of one session each: "
               "**%s** with the whole overhead (copy + max − compute). Counting only "
               "(max − compute), as Table 2 does, the ratio is %s (%s), because mpi's waiting "
               "for the ranks falls in its copy step." %
               (fmt(TARGET_MERGE), mmm(rs), verdict(rs, TARGET_MERGE), mmm(sel),
                verdict(sel, TARGET_MERGE)))
    out.append("- Counting with 2 ranks at least %s× faster than one rank: %s, per repeat, "
               "in one session: **%s**." % (fmt(TARGET_COUNT), mmm(sp), verdict(sp, TARGET_COUNT)))
    return out


def sel_of(backend):
    def f(group, w):
        g = [r for r in group if r["backend"] == backend]
        return median(select_overhead(g)) if g else None
    return f


def report_sections(results_dir, report_path):
    """The mpi/* sections from RESULTS/mpi/, or None when nothing was measured."""
    d = os.path.join(results_dir, "mpi")
    merge_rows, merge_ctx = load_rows(d, MERGE_SET)
    count_rows, count_ctx = load_rows(d, COUNT_SET)
    if not merge_rows and not count_rows:
        return None
    groups = merge_groups(merge_rows)
    return {"context": sec_context(merge_ctx, count_ctx, merge_rows, count_rows),
            "merge": sec_merge(groups), "bytes": sec_bytes(groups),
            "counting": sec_counting(count_rows),
            "projection": sec_projection(groups, count_rows),
            "targets": sec_targets(groups, count_rows)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=("measure", "report"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--results", default=os.path.join(ROOT, "results", "mpi"))
    a = ap.parse_args(argv)
    if a.what == "measure":
        measure(a.results, a.repeat)
        return
    report = os.path.join(ROOT, "REPORT.md")
    try:
        secs = report_sections(os.path.dirname(a.results), report)
    except ReportError as e:
        sys.exit("mpibench: %s" % e)
    if secs is None:
        sys.exit("mpibench: nothing measured in %s (make mpi-bench)" % a.results)
    text, _ = read_report(report)
    save_report(report, update_report(text, "mpi", secs, report, SECTIONS))


if __name__ == "__main__":
    main()
