"""update_sections.py: REPORT.md's "The update step" sections (report.py calls
report_sections), made from one session of results/update (sessions/<id>/{updates.csv,
context.json} as scripts/updatestep.py writes them, or the legacy files straight under
results/update/): the newest of the machine sessions.pick chooses."""
import os

from benchlib.gnuplot import COMMON, g_, gq, run_gnuplot
from benchlib import sessions
from benchlib.machine import from_context
from benchlib.reportfile import ReportError, figure
from benchlib.tables import MISSING, fmt, median, mmm, num, ratio, table
from benchlib.updates import SHARDS_IN_TURN, derived

SECTIONS = ("context", "counters", "strategies", "backends", "plot", "answer")
OWNER = "update"
SERIAL = "heap serial"
BEFORE = "before heap"
US = (1, 2, 4, 8)
ONE = " 1 merge"
# The targets of the issue, measured on the real diverse corpus at vocab 10000.
TARGET_CORPUS = "mail"
MILLIONS = "synth-256M-g64"


class Runs:
    """The rows of one session, by corpus and configuration."""

    def __init__(self, rows):
        self.rows = rows
        self.corpora = []
        for r in rows:
            if r["corpus"] not in self.corpora:
                self.corpora.append(r["corpus"])

    def of(self, corpus, config):
        return [r for r in self.rows if r["corpus"] == corpus and r["config"] == config]

    def configs(self, corpus):
        out = []
        for r in self.rows:
            if r["corpus"] == corpus and r["config"] not in out:
                out.append(r["config"])
        return out

    def values(self, corpus, config, col):
        return [num(derived(r, col)) for r in self.of(corpus, config)]

    def med(self, corpus, config, col):
        return median(self.values(corpus, config, col))

    def cell(self, corpus, config, col, scale=1.0):
        return mmm(self.values(corpus, config, col), scale)

    def merge_cpu(self, corpus, config):
        """The merge phase's CPU seconds: the process CPU time of config less that of
        the same configuration stopped after one merge (medians); None without it."""
        one = self.med(corpus, config + ONE, "cpu_s")
        full = self.med(corpus, config, "cpu_s")
        return None if one is None or full is None else full - one


def load(results_dir):
    s, _, _ = sessions.load_set(os.path.join(results_dir, OWNER), "updates.csv", "report.py")
    if s is None or not s.context:
        return None, None
    need = {"corpus", "config", "rep", "merge_s", "update_s", "load1", "cpu_s"}
    if not need <= set(s.header or ()):
        raise ReportError("%s: missing columns (needs %s)" % (s.runs_path,
                                                             ", ".join(sorted(need))))
    return Runs(s.rows), s.context


def corpus_label(c):
    return "%s (%s)" % (c["name"], c["kind"])


def was_loaded(runs, ctx):
    """(loaded, PUs): did the load before some run exceed the machine's PUs?"""
    pus = from_context(ctx)["fingerprint"].get("pus") or 2
    loads = [num(r["load1"]) for r in runs.rows if num(r["load1"]) is not None]
    return bool(loads) and max(loads) > pus, pus


def sec_context(runs, ctx):
    m = from_context(ctx)
    loads = [num(r["load1"]) for r in runs.rows]
    loaded, pus = was_loaded(runs, ctx)
    lines = ["Measured by `scripts/updatestep.py` (`make update-step`) on %s (machine %s), "
             "%s to %s, %d runs; each run its own process from saved word counts, the "
             "configurations of a corpus interleaved. %s: "
             "load average (1 min) %s before the first run, %s–%s before each run, %s at "
             "the end (%s PUs). Times are medians (min–max) of the repetitions; ratios "
             "are of medians from this one session." %
             (m["label"], m["id"], ctx["started_at"], ctx["finished_at"], ctx["runs"],
              "The machine was shared and loaded" if loaded else
              "No other job kept the PUs busy (the load stayed at or under their number)",
              fmt(ctx["loadavg_start"][0]), fmt(min(loads)), fmt(max(loads)),
              fmt(ctx["loadavg_end"][0]), pus),
             "",
             "\"before\" is the trainer of commit %s, from before the update work (the "
             "\"today's\" of the targets), built from `git archive` of that commit." %
             ctx["before_commit"][:10], ""]
    rows = [[corpus_label(c), fmt(c["bytes"] / 1e6), "{:,}".format(c["words"]),
             str(c["vocab"]), str(c["repeat"]), c["about"]] for c in ctx["corpora"]]
    return lines + table(["corpus", "MB", "distinct words", "vocab", "repetitions",
                          "what it is"], rows)


def per_merge(r, col):
    m = num(r.get("merges"))
    v = num(r.get(col))
    return None if not m or v is None else v / m


def sec_counters(runs, ctx):
    lines = ["The update's work with the heap backend and the serial update, per merge (the "
             "pair changes and net changes are the same for every strategy and U, "
             "test_update.sh checks it; the words visited and index reads can differ by a "
             "few in millions between shard counts, see above); "
             "ns per change is the update's wall time (CPU time) per elementary pair-count "
             "change.", ""]
    rows = []
    for c in ctx["corpora"]:
        rs = runs.of(c["name"], SERIAL)
        if not rs:
            continue
        r = rs[0]
        reads, stale = num(r["upd_index_reads"]), num(r["upd_index_stale"])
        rows.append([corpus_label(c), r["merges"], fmt(per_merge(r, "upd_words_visited")),
                     fmt(per_merge(r, "upd_index_reads")),
                     "%s%%" % fmt(100.0 * stale / reads) if reads else MISSING,
                     fmt(per_merge(r, "upd_pair_changes")), fmt(per_merge(r, "upd_net_changes")),
                     runs.cell(c["name"], SERIAL, "upd_ns_per_change"),
                     runs.cell(c["name"], SERIAL, "cpu_ns_per_change")])
    return lines + table(["corpus", "merges", "words visited", "index reads", "of them stale",
                          "pair changes", "net changes (backend calls)", "ns per change",
                          "CPU ns per change"], rows)


def strategy_row(runs, c, cfg):
    name = c["name"]
    before_u = runs.med(name, BEFORE, "update_s")
    serial_u = runs.med(name, SERIAL, "update_s")
    merges = num(runs.of(name, cfg)[0]["merges"])
    upm = median([num(r["update_s"]) / merges * 1e3 for r in runs.of(name, cfg)])
    rss = median([num(r["peak_rss_kb"]) / 1024 for r in runs.of(name, cfg)])
    u = runs.med(name, cfg, "update_s")
    return [corpus_label(c), cfg, runs.cell(name, cfg, "update_s"),
            runs.cell(name, cfg, "upd_cpu_s"), runs.cell(name, cfg, "merge_s"),
            fmt(runs.merge_cpu(name, cfg)), fmt(upm), runs.cell(name, cfg, "round_us"),
            times(ratio(before_u, u)), times(ratio(serial_u, u)), fmt(rss)]


def strategy_configs(runs, name):
    return [cfg for cfg in runs.configs(name)
            if not cfg.startswith("split ") and not cfg.endswith(ONE)]


def sec_strategies(runs, ctx):
    lines = ["The update strategies with the heap backend (its select is a peek, so the "
             "merge phase is the update): update and merge phase in wall seconds, the "
             "update's CPU seconds on all its threads (not recorded by \"before\"), the "
             "merge phase's CPU seconds (the process's CPU time less that of the same run "
             "stopped after one merge, medians; for \"before\" and the serial update), the "
             "update per merge (wall), the cost of one round (waking U threads and waiting for "
             "them), the update's speed-up over \"before\" and over the serial update, "
             "and the peak RSS.", ""]
    rows = [strategy_row(runs, c, cfg) for c in ctx["corpora"]
            for cfg in strategy_configs(runs, c["name"])]
    return lines + table(["corpus", "configuration", "update s", "update CPU s", "merge s",
                          "merge CPU s", "update per merge ms", "round µs", "× before", "× serial",
                          "peak RSS MB"], rows)


def sec_backends(runs, ctx):
    lines = ["Every backend's merge phase split into select (copy + select, the backend) "
             "and update (the serial update, the same for all), in wall seconds; every "
             "backend on the sample, the in-process ones but openmp on mail (a process "
             "backend forks, spawns or pipes every merge, and openmp's spinning threads "
             "can crawl on a loaded 2-PU machine).", ""]
    rows = []
    for c in ctx["corpora"]:
        name = c["name"]
        cfgs = [SERIAL] + [k for k in runs.configs(name) if k.startswith("split ")]
        if len(cfgs) == 1:
            continue
        for cfg in cfgs:
            be = runs.of(name, cfg)[0]["backend"]
            share = ratio(runs.med(name, cfg, "update_s"), runs.med(name, cfg, "merge_s"))
            rows.append([corpus_label(c), be, runs.cell(name, cfg, "merge_s"),
                         runs.cell(name, cfg, "select_s"), runs.cell(name, cfg, "update_s"),
                         "%s%%" % fmt(100 * share) if share is not None else MISSING])
    return lines + table(["corpus", "backend", "merge s", "select s", "update s",
                          "update share"], rows)


def sec_plot(runs, ctx, plots_dir, report_path):
    data, lines = {}, []
    for i, c in enumerate(ctx["corpora"]):
        s = runs.med(c["name"], SERIAL, "update_s")
        pts = ["%d,%s" % (u, g_(ratio(s, runs.med(c["name"], "heap U=%d" % u, "update_s"))))
               for u in US]
        data["c%d" % i] = "\n".join(pts) + "\n"
        lines.append("{c%d} using 1:2 with linespoints lw 2 pt %d title %s" %
                     (i, 5 + 2 * i, gq(corpus_label(c))))
    setup = COMMON.format(key="below", title=gq("Sharded update against the serial one "
                                                     "(heap backend)")) + (
        "set logscale x 2\nset xtics (1, 2, 4, 8)\nset xrange [0.8:10]\n"
        "set xlabel 'update threads U'\nset ylabel 'speed-up over the serial update (wall)'\n"
        "set yrange [0:*]\n")
    cmd = "plot 1 with lines dt 2 lc rgb 'gray' title 'serial update', " + ", ".join(lines)
    outbase = os.path.join(plots_dir, OWNER, "sharded")
    err = run_gnuplot(setup, cmd, data, outbase)
    return figure("sharded", outbase, report_path, "The sharded update's speed-up over the "
                  "serial update against U, medians of wall time",
                  ".", err)


def times(x):
    return MISSING if x is None else fmt(x) + "×"


def verdict(value, goal):
    if value is None:
        return "not measured"
    return "**met**" if value >= goal else "**not met**"


def both(runs, corpus, col, goal):
    """'wall W× (verdict), CPU C× (verdict)': before against the serial update."""
    w = ratio(runs.med(corpus, BEFORE, col), runs.med(corpus, SERIAL, col))
    c = ratio(runs.merge_cpu(corpus, BEFORE), runs.merge_cpu(corpus, SERIAL))
    return "wall %s — %s; merge-phase CPU %s — %s" % (times(w), verdict(w, goal), times(c),
                                                      verdict(c, goal))


def target_lines(runs):
    t, m = TARGET_CORPUS, MILLIONS
    r2 = ratio(runs.med(t, SERIAL, "update_s"), runs.med(t, "heap U=2", "update_s"))
    rs = runs.of(m, SERIAL)
    upm = median([num(r["update_s"]) / num(r["merges"]) * 1e3 for r in rs]) if rs else None
    rss = median([num(r["peak_rss_kb"]) / 1024 for r in rs]) if rs else None
    return [
        "Targets of the issue, on %s at vocab 10000 (heap backend, medians of this session; "
        "wall times, and CPU times, which a load distorts less; "
        "with heap the merge phase's CPU is the update's):" % t,
        "",
        "- the serial update ≥ 2× faster than before: %s;" % both(runs, t, "update_s", 2),
        "- the sharded update at U = 2 ≥ 1.7× faster than the serial update (wall): %s — %s;"
        % (times(r2), verdict(r2, 1.7)),
        "- heap's merge phase ≥ 4× faster than before: %s;" % both(runs, t, "merge_s", 4),
        "- on %s (synthetic, millions of distinct words): the update takes %s ms a merge "
        "(wall) with peak RSS %s MB; against before (goal ≥ 4×): %s." %
        (m, fmt(upm), fmt(rss), both(runs, m, "update_s", 4)),
    ]


def best_sharded(runs, name):
    """(U, speed-up over the serial update, judgement) of the fastest sharded U by wall
    medians. It pays (or loses) only when its min-max range and the serial update's do
    not overlap; otherwise the load hides the difference."""
    s = runs.med(name, SERIAL, "update_s")
    gains = [(ratio(s, runs.med(name, "heap U=%d" % u, "update_s")), u) for u in US if u > 1]
    gains = [(g, u) for g, u in gains if g is not None]
    if not gains:
        return None, None, None
    g, u = max(gains)
    sv = [x for x in runs.values(name, SERIAL, "update_s") if x is not None]
    uv = [x for x in runs.values(name, "heap U=%d" % u, "update_s") if x is not None]
    if max(uv) < min(sv):
        how = "pays"
    elif min(uv) > max(sv):
        how = "loses"
    else:
        how = "within the noise"
    return u, g, how


def where_lines(runs, ctx):
    shares, pays = [], []
    for c in ctx["corpora"]:
        name = c["name"]
        sh = ratio(runs.med(name, SERIAL, "update_s"), runs.med(name, SERIAL, "merge_s"))
        u, g, how = best_sharded(runs, name)
        shares.append("%s: update %s%% of heap's merge phase" %
                      (name, fmt(100 * sh) if sh is not None else MISSING))
        pays.append((name, u, g, how))
    t = TARGET_CORPUS
    sel = ratio(runs.med(t, "split serial", "select_s"), runs.med(t, "split serial", "merge_s"))
    out = ["**Where the merge phase's time goes.** With the heap backend the select is a peek "
           "and the merge phase is the update (" + "; ".join(shares) + ")."]
    if sel is not None:
        out[0] += (" With the serial backend (a full scan each merge) the select is %s%% of "
                   "the merge phase on %s, the update the rest." % (fmt(100 * sel), t))
    paid = [p[0] for p in pays if p[3] == "pays"]
    rounds = ["%s %s µs a round, %s µs of serial update a merge" %
              (c["name"], fmt(runs.med(c["name"], "heap U=2", "round_us")),
               fmt(update_per_merge_us(runs, c["name"], SERIAL))) for c in ctx["corpora"]]
    out += ["", "**Does a parallel update pay on this machine?** %s The fastest sharded U > 1 "
            "against the serial update, wall medians: %s. At U = 2 the round alone (starting "
            "the threads and waiting for the last) costs %s." %
            ("Yes, on %s." % ", ".join(paid) if paid else "No: no U > 1 beats the serial "
             "update beyond the spread of the runs.",
             "; ".join("%s: U = %s, %s (%s)" % (n, u, times(g), how) for n, u, g, how in pays),
             "; ".join(rounds))]
    in_turn = [(c["name"], ratio(runs.med(c["name"], SHARDS_IN_TURN, "update_s"),
                                 runs.med(c["name"], SERIAL, "update_s")))
               for c in ctx["corpora"]]
    if any(x is not None for _, x in in_turn):
        out[-1] += (" Unpinned, the main thread merges shard 0 itself and the threads spin "
                    "between rounds while each has a PU of its own (harness/workers/rounds.h), "
                    "so the round is cheap when it spins; what a shard costs besides is the "
                    "work it repeats: the serial update over 2 shards in turn takes %s its "
                    "time over one shard, since each shard makes its own delta for the same "
                    "pairs, the main thread adds up one delta per pair and shard, and the "
                    "adding up and the backend's notices stay serial." %
                    "; ".join("%s %s" % (n, times(x)) for n, x in in_turn if x is not None))
    return out


def update_per_merge_us(runs, name, cfg):
    rs = runs.of(name, cfg)
    return median([num(r["update_s"]) / num(r["merges"]) * 1e6 for r in rs]) if rs else None


def sec_answer(runs, ctx):
    return where_lines(runs, ctx) + [""] + target_lines(runs)


def report_sections(results_dir, plots_dir, report_path, plots):
    """The update step's sections, or None when results/update is absent."""
    runs, ctx = load(results_dir)
    if runs is None:
        return None
    return {"context": sec_context(runs, ctx), "counters": sec_counters(runs, ctx),
            "strategies": sec_strategies(runs, ctx), "backends": sec_backends(runs, ctx),
            "plot": sec_plot(runs, ctx, plots_dir, report_path) if plots else None,
            "answer": sec_answer(runs, ctx)}
