#!/usr/bin/env python3
"""pytrain.py: trains with one of the article's strategies in Python (scripts/pybpe) and
records the run as bpetrain does, so that the bench runs it as the py-* backends.

    scripts/pytrain.py --input FILE --vocab-size N --backend py-serial|py-fork|py-pool|
                       py-spawn|py-fork-deepcopy [--workers W] [--pin none|compact|scatter]
                       [--load-counts FILE | --count-workers N]
                       [--special-token TOK]... [--no-special-tokens]
                       [--out DIR] [--csv FILE] [--quiet]
    scripts/pytrain.py --list-backends [--json]

--load-counts starts from bpetrain's --save-counts file, so that only the merge phase
differs from the C runs; without it the input is counted in Python (count_s), as the
article did. --csv appends one row with bpetrain's columns (read from bin/bpetrain's own
header at run time), those that apply filled. Ctrl-C or SIGTERM stops the run, ends its
workers and writes nothing.
"""
import argparse
import datetime
import json
import multiprocessing as mp
import os
import resource
import signal
import sys
import time

T_START = time.perf_counter()
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import runs, wordcounts          # noqa: E402
from benchlib.tools import binary              # noqa: E402
import pybpe                                   # noqa: E402
from pybpe import core, count, outputs, pin    # noqa: E402

DEFAULT_SPECIAL = "<|endoftext|>"


class Fail(Exception):
    pass


def parse_args():
    ap = argparse.ArgumentParser(prog="pytrain", description=__doc__.split("\n\n")[0])
    ap.add_argument("--input")
    ap.add_argument("--vocab-size", type=int)
    ap.add_argument("--backend", default="py-serial")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--pin", default="none", choices=["none", "compact", "scatter"])
    ap.add_argument("--load-counts")
    ap.add_argument("--count-workers", type=int, default=0)
    ap.add_argument("--special-token", action="append", default=[])
    ap.add_argument("--no-special-tokens", action="store_true")
    ap.add_argument("--out")
    ap.add_argument("--csv")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--list-backends", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--bpetrain", default=binary("bpetrain"),
                    help="the trainer whose CSV columns the row takes")
    return ap.parse_args()


def list_backends(as_json):
    entries = pybpe.listing()
    if as_json:
        print(json.dumps(entries))
    else:
        for e in entries:
            print("%-17s %s (%s)" % (e["name"], e["description"], e["article"]))


def check(a):
    if a.backend not in pybpe.STRATEGIES:
        raise Fail("unknown backend '%s'; known: %s" % (a.backend, " ".join(pybpe.STRATEGIES)))
    if not a.input or a.vocab_size is None:
        raise Fail("--input and --vocab-size are required")
    if a.workers < 1 or a.vocab_size < 1:
        raise Fail("--workers and --vocab-size must be at least 1")
    if a.no_special_tokens and a.special_token:
        raise Fail("--no-special-tokens contradicts --special-token")
    if a.csv and not os.access(a.bpetrain, os.X_OK):
        raise Fail("%s not built (run make): it gives the CSV columns" % a.bpetrain)
    if not os.path.isfile(a.input):
        raise Fail("cannot open input %s" % a.input)
    specials = [] if a.no_special_tokens else (a.special_token or [DEFAULT_SPECIAL])
    a.specials = sorted((s.encode() for s in specials), key=len, reverse=True)


def words_of(a, stats):
    """The word counts, loaded or counted here (timed as count_s)."""
    t0 = time.perf_counter()
    if a.load_counts:
        try:
            wc = wordcounts.read(a.load_counts)
        except (OSError, wordcounts.WordCountsError) as e:
            raise Fail(str(e))
        size = os.path.getsize(a.input)
        if wc.input_len != size:
            raise Fail("%s was counted from another input (size %d; this input: size %d)"
                       % (a.load_counts, wc.input_len, size))
        if sorted(wc.specials) != sorted(a.specials):
            raise Fail("%s was counted with other special tokens" % a.load_counts)
        words, pretokens = wc.words, wc.total
        a.count_workers = a.count_workers or os.cpu_count()
    else:
        a.count_workers = a.count_workers or os.cpu_count()
        words = count.count_words(a.input, a.specials, a.count_workers)
        pretokens = sum(f for _, f in words)
        stats["pretok"] = "python-regex"
    stats["count_s"] = time.perf_counter() - t0
    stats["words"], stats["pretokens"] = len(words), pretokens
    return words


def row_of(a, stats, merges):
    self_ = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    row = {
        "backend": a.backend, "workers": a.workers, "count_workers": a.count_workers,
        "pin": a.pin, "input": a.input, "input_bytes": os.path.getsize(a.input),
        "vocab_size": a.vocab_size, "merges": len(merges),
        "peak_rss_kb": self_.ru_maxrss, "merges_hash": core.merges_hash(merges),
        "child_peak_rss_kb": kids.ru_maxrss, "child_minflt": kids.ru_minflt,
        "child_majflt": kids.ru_majflt, "child_nvcsw": kids.ru_nvcsw,
        "child_nivcsw": kids.ru_nivcsw, "pus": os.cpu_count(),
        "count_only": 0, "counts_from": a.load_counts or "", "backend_opts": "",
        "update": "serial", "update_workers": 1,
    }
    for k in ("minflt", "majflt", "nvcsw", "nivcsw"):
        row[k] = getattr(self_, "ru_" + k) + getattr(kids, "ru_" + k)
    for k, v in stats.items():
        row[k] = "%.6f" % v if k.endswith("_s") else ("%.1f" % v if isinstance(v, float) else v)
    return row


def run(a):
    check(a)
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    stats = {}
    words = words_of(a, stats)
    mod = pybpe.STRATEGIES[a.backend]
    strategy = mod.Strategy(1 if mod.KIND == "single" else a.workers, pin.pu_order(a.pin))
    try:
        merges, vocab, mstats = core.train(words, a.specials, a.vocab_size, strategy)
    finally:
        strategy.close()
    stats.update(mstats)
    stats["worker_pus"] = strategy.pus
    stats["started_at"] = started
    stats["total_s"] = time.perf_counter() - T_START
    if a.out:
        outputs.write(a.out, vocab, merges)
    row = row_of(a, stats, merges)
    if a.csv:
        # After the row's rusage: the header comes from a bpetrain child of this process.
        runs.append_row(a.csv, runs.trainer_columns(a.bpetrain), row)
    if mstats["stopped_early"]:
        sys.stderr.write("pytrain: notice: no pair left after %d merges; vocabulary %d < %d\n"
                         % (len(merges), len(vocab), a.vocab_size))
    if not a.quiet:
        sys.stderr.write("pytrain: %s W=%d: %d merges, merge %.3f s (copy %.3f, max %.3f, "
                         "compute %.3f, update %.3f), merges_hash %s\n"
                         % (a.backend, a.workers, len(merges), stats["merge_s"],
                            stats["copy_s"], stats["max_s"], stats["compute_s"],
                            stats["update_s"], row["merges_hash"]))


def end_workers():
    for p in mp.active_children():
        p.kill()
        p.join()


def on_term(signum, frame):
    raise KeyboardInterrupt


def main():
    a = parse_args()
    if a.list_backends:
        list_backends(a.json)
        return 0
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    try:
        run(a)
    except Fail as e:
        sys.stderr.write("pytrain: %s\n" % e)
        return 2
    except (RuntimeError, OSError) as e:
        end_workers()
        sys.stderr.write("pytrain: %s\n" % e)
        return 1
    except KeyboardInterrupt:
        end_workers()
        sys.stderr.write("pytrain: interrupted; no output written\n")
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
