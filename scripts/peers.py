#!/usr/bin/env python3
"""peers.py: bpetrain beside established trainers on one input and one vocab.

Trains, each REPEAT times as a separate process: bpetrain (every backend given,
at every thread count given), HuggingFace tokenizers (npm "tokenizers" through
peers/hf_train.js) and SentencePiece BPE (peers/spm_train.sh). Each process is
timed from outside (wall clock, spawn to exit); its peak RSS is the ru_maxrss
os.wait4 returns: on Linux the largest resident set of the process and of the
descendants it reaped (bpetrain's worker processes, spm_train under bash). Each
trainer is forked by a small sh rather than by Python, so that Python's own
size does not leak into that number (see run_measured). Each invocation is a session of
its own (scripts/benchlib/sessions.py), results/<dataset>/sessions/<id>/: context.json
(machine, load, inputs, the rows planned) first, then each row appended whole to its
peers.csv as the run finishes:

    dataset,trainer,backend,workers,vocab_size,repeat,total_s,peak_rss_kb,merges,notes,
    machine_id,session_id

Then the learned merges are compared, HF against ours (its peers-merges.json), and its
peers.md gets the table (medians, min-max) with the caveats that make the numbers
readable. No session touches another's files; the results/<dataset>/{peers.csv,peers.md,
peers-merges.json} written before sessions are read as one legacy session. The report
shows the newest finished session of the machine sessions.pick chooses.

The input the peers see. bpetrain always trains on INPUT as given, its special
token split off, as CS336 defines it. HF's default trainer (the only one the
Node binding exposes) has no special tokens: it would count "<|endoftext|>" as
text and learn merges of its pieces ("<|", "|>", ...) that CS336 never counts;
on the TinyStories sample that moves its merges off ours at the fifth merge. So by
default (--peer-input stripped) HF and SentencePiece train on a copy of INPUT
with the special token deleted (made once, kept in build/peers/): the same
pre-tokens as CS336's split, up to edges such as the file's end. Their input
is then ~1.5% smaller than ours on TinyStories-like text, which favours them in
time. --peer-input same gives them INPUT itself.

A CS336 trainer, train_bpe(input_path, vocab_size, special_tokens) -> (vocab, merges),
is the trainer train_bpe (--train-bpe PATH/TO/MODULE.py:FUNCTION; `make bench TRAINER=`):
run by scripts/run_train_bpe.py as a process of its own on INPUT, its merges checked
against bpetrain's (identical, or the first that differs with both pairs, and exit 1).
Every trainer runs in a session of its own; past --time-limit seconds it is killed with
its workers and leaves no row.

Usage: scripts/peers.py INPUT [--dataset NAME] [--vocab 30000] [--repeat 3]
       [--backends heap] [--workers "2 1"] [--trainers ours,hf,spm,train_bpe]
       [--train-bpe MODULE.py:FUNCTION] [--time-limit S] [--results DIR]
       [--peer-input stripped|same] [--special-token TOK] [--bpetrain PATH]
       [--spm-sample N] [--no-compare]
"""

import argparse
import codecs
import collections
import csv
import datetime
import heapq
import json
import os
import signal
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from benchlib.gpt2 import bytes_to_gpt2, gpt2_to_bytes  # noqa: E402
from benchlib.gnuplot import COMMON, g_, gq, run_gnuplot  # noqa: E402
from benchlib.reportfile import figure, write_atomic  # noqa: E402
from benchlib.tables import median, num, table  # noqa: E402
from benchlib.tools import BIN, sha256_of  # noqa: E402
from benchlib import machine, pyruns, runs, sessions, wordcounts  # noqa: E402
COLUMNS = ["dataset", "trainer", "backend", "workers", "vocab_size", "repeat",
           "total_s", "peak_rss_kb", "merges", "notes"]

CAVEATS = [
    "HF tokenizers (npm tokenizers 0.23.2): the Node binding's train() takes no trainer, so it "
    "uses the default BpeTrainer: vocab 30000, no special tokens, min_frequency 0, initial "
    "alphabet = only the byte values that occur (HF learns 30000 - (bytes seen) merges; ours "
    "learns 30000 - 257). Every comparison with HF therefore runs at vocab 30000.",
    "HF reads its files line by line and pre-tokenizes each line on its own (the newline "
    "stays at the end of the line); bpetrain pre-tokenizes whole documents between special "
    "tokens, so runs of whitespace around newlines can split differently (e.g. \" \\n\" is one "
    "pre-token for HF, two for us).",
    "HF breaks ties between equally frequent pairs by token id (the smaller pair of ids "
    "wins; ids follow the order of the alphabet, then of the merges); CS336 takes the "
    "lexicographically greatest pair of byte strings.",
    "HF counts and merges with rayon on all cores; its time includes node start-up and "
    "loading the module (about 0.05 s) and saving tokenizer.json; its peak RSS includes "
    "node's own (about 50 MB with the module loaded).",
    "SentencePiece (Debian sentencepiece 0.1.97-3+b1, spm_train --model_type=bpe) is not "
    "byte-level: it merges Unicode characters within whitespace-delimited words (\u2581 "
    "prefix), splits by script and digits, uses no GPT-2 regex; its vocabulary also holds "
    "<unk>, <s>, </s>, the special token and 256 byte-fallback pieces. Its BPE merge loop "
    "runs on one core (--num_threads=1). It is measured for scale, not for equal output.",
    "Times are whole processes, spawn to exit (reading the input, training, writing the "
    "outputs), one process at a time.",
]


def die(msg):
    sys.stderr.write("peers: %s\n" % msg)
    sys.exit(1)


def log(msg):
    sys.stderr.write("peers: %s\n" % msg)
    sys.stderr.flush()


def read_our_merges(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#version"):
                continue
            a, b = line.split(" ")
            out.append((gpt2_to_bytes(a), gpt2_to_bytes(b)))
    return out


def read_hf_tokenizer(path):
    """(merges as byte pairs, vocab as {bytes: id}) from an HF tokenizer.json."""
    with open(path, encoding="utf-8") as f:
        model = json.load(f)["model"]
    merges = []
    for m in model["merges"]:
        # tokenizers >= 0.20 writes [a, b]; older versions "a b".
        a, b = m if isinstance(m, list) else m.split(" ")
        merges.append((gpt2_to_bytes(a), gpt2_to_bytes(b)))
    vocab = {gpt2_to_bytes(t): i for t, i in model["vocab"].items()}
    return merges, vocab


def read_word_counts(path):
    """The word-count file bpetrain --save-counts writes (benchlib/wordcounts.py)."""
    try:
        return wordcounts.read(path).words
    except wordcounts.WordCountsError as e:
        die(str(e))


# ---- running and measuring one process -------------------------------------------------
# ru_maxrss is not reset by exec: a process starts with the resident size of
# the process it was forked from (the kernel records the old memory's high
# water mark at exec). A child spawned by this Python would report at least
# Python's own 15-20 MB, more once it has read data. So each trainer is forked
# by a small `sh` instead and left to this process as an orphan: as a child
# subreaper (prctl) it inherits the orphan and reaps it with os.wait4, whose
# ru_maxrss is then the trainer's own (at least sh's ~1 MB) and that of the
# descendants it reaped.
PR_SET_CHILD_SUBREAPER = 36
_subreaper = False


def become_subreaper():
    global _subreaper
    if not _subreaper:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
            die("prctl(PR_SET_CHILD_SUBREAPER) failed: errno %d" % ctypes.get_errno())
        _subreaper = True


class TimedOut(Exception):
    pass


def reap_orphans():
    """Reaps what the subreaper inherited from a killed trainer (its workers)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def wait_trainer(pid, limit):
    """os.wait4 of the trainer, which is a process group of its own; past limit seconds
    (0: none) the whole group is killed and reaped and TimedOut raised."""
    deadline = time.monotonic() + limit if limit else None
    while True:
        got, status, ru = os.wait4(pid, os.WNOHANG if deadline else 0)
        if got:
            pyruns.end_group(pid, grace=0.5)
            reap_orphans()
            return status, ru
        if time.monotonic() > deadline:
            pyruns.end_group(pid)
            os.wait4(pid, 0)
            time.sleep(0.05)
            reap_orphans()
            raise TimedOut("ran past its time limit of %g s" % limit)
        time.sleep(0.02)


def run_measured(cmd, out_path, err_path, env=None, limit=0):
    """Runs cmd to completion, stdout and stderr to files; returns
    (exit code, wall seconds from spawn to exit, peak RSS KiB). The trainer runs in a
    session of its own (setsid), so that its workers go with it when it is stopped."""
    become_subreaper()
    launcher = ["sh", "-c", 'out=$1 err=$2; shift 2; setsid "$@" >"$out" 2>"$err" & echo $!',
                "sh", out_path, err_path] + cmd
    t0 = time.monotonic()
    sh = subprocess.Popen(launcher, stdout=subprocess.PIPE, cwd=ROOT, env=env)
    pid = int(sh.stdout.read().decode().strip())
    sh.wait()
    try:
        status, ru = wait_trainer(pid, limit)
    except TimedOut:
        raise
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM): the trainer and its workers are ours to end and
        # reap, and a second signal (a terminal's Ctrl-C reaches the bench too, which
        # passes it on) must not cut that short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        pyruns.end_group(pid)
        try:
            os.waitpid(pid, 0)
        except OSError:
            pass
        reap_orphans()
        raise
    wall = time.monotonic() - t0
    return os.waitstatus_to_exitcode(status), wall, ru.ru_maxrss


def last_json_line(path):
    # HF's native trainer writes blank lines to stdout (its progress bars when
    # stdout is not a terminal): the result is the last non-empty line.
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = [l for l in f.read().splitlines() if l.strip()]
    return json.loads(lines[-1]) if lines else None


def tail(path, n=400):
    try:
        with open(path, "rb") as f:
            return f.read()[-n:].decode("utf-8", "replace").strip()
    except OSError:
        return ""


# ---- inputs --------------------------------------------------------------------------------
def count_invalid_utf8(err):
    """A codecs error handler: U+FFFD for each invalid sequence, counted."""
    count_invalid_utf8.n += 1
    return "\ufffd", err.end


count_invalid_utf8.n = 0
codecs.register_error("peers_count_invalid", count_invalid_utf8)


def stripped_copy(src, special, dataset):
    """src with every `special` deleted and each invalid UTF-8 sequence replaced by
    U+FFFD, made once and reused while src is unchanged: HF reads UTF-8 text only
    (real e-mail stops it with "stream did not contain valid UTF-8"). Returns the
    copy's path and how many sequences were replaced."""
    d = os.path.join(ROOT, "build", "peers", dataset)
    os.makedirs(d, exist_ok=True)
    dst = os.path.join(d, "input-nospecial.txt")
    st = os.stat(src)
    stamp = "%s %d %d %r utf8" % (os.path.abspath(src), st.st_size, st.st_mtime_ns, special)
    if os.path.exists(dst) and os.path.exists(dst + ".stamp"):
        with open(dst + ".stamp") as f:
            kept = f.read().split("\n")
        if kept[0] == stamp and len(kept) > 1 and kept[1].isdigit():
            return dst, int(kept[1])
    tok = special.encode("utf-8")
    log("writing %s (%s without %s, valid UTF-8)" % (os.path.relpath(dst, ROOT), src, special))
    removed = 0
    count_invalid_utf8.n = 0
    with open(src, "rb") as fi, open(dst + ".tmp", "wb") as fo:
        # Line by line: a special token never spans a newline (none of ours
        # contains one), and neither does a UTF-8 sequence, so no occurrence of
        # either is cut between two reads.
        for line in fi:
            removed += line.count(tok)
            line = line.replace(tok, b"")
            fo.write(line.decode("utf-8", "peers_count_invalid").encode("utf-8"))
    os.replace(dst + ".tmp", dst)
    with open(dst + ".stamp", "w") as f:
        f.write("%s\n%d" % (stamp, count_invalid_utf8.n))
    log("removed %d occurrences, replaced %d invalid UTF-8 sequences"
        % (removed, count_invalid_utf8.n))
    return dst, count_invalid_utf8.n


# ---- the merge comparison ---------------------------------------------------------------
def merge_pair(toks, a, b):
    """toks with every occurrence of (a, b), left to right, made one token."""
    out, i = [], 0
    while i < len(toks):
        if i + 1 < len(toks) and toks[i] == a and toks[i + 1] == b:
            out.append(a + b)
            i += 2
        else:
            out.append(toks[i])
            i += 1
    return out


def apply_merges(word, ranks):
    """Tokens of `word` after the merges in `ranks`, lowest rank first (which is
    the state training reaches after applying them in order)."""
    toks = [word[i:i + 1] for i in range(len(word))]
    while len(toks) > 1:
        best, at = None, -1
        for i in range(len(toks) - 1):
            r = ranks.get((toks[i], toks[i + 1]))
            if r is not None and (best is None or r < best):
                best, at = r, i
        if best is None:
            break
        toks = merge_pair(toks, toks[at], toks[at + 1])
    return toks


def show(pair):
    return [bytes_to_gpt2(pair[0]), bytes_to_gpt2(pair[1])]


def last_common_state(ours, hf):
    """The largest L at which the first L merges of both lists are the same set
    (order aside): after L merges both tokenizers hold the same vocabulary, so
    a difference before L was only an order swap, such as a tie broken the
    other way."""
    pending = collections.Counter()  # +1: seen in ours only, -1: in HF only
    open_ = 0
    last = 0
    for i in range(min(len(ours), len(hf))):
        for p, d in ((ours[i], 1), (hf[i], -1)):
            before = pending[p]
            pending[p] += d
            open_ += (pending[p] != 0) - (before != 0)
        if open_ == 0:
            last = i + 1
    return last


def describe_difference(k, ours, hf, hf_vocab, words):
    """Merge k of both lists, with the pair counts at the state after ours'
    first k merges (from bpetrain's word counts) and what explains the choice."""
    ours_pos = {p: i for i, p in enumerate(ours)}
    hf_pos = {p: i for i, p in enumerate(hf)}
    d = {
        "index": k,
        "ours": show(ours[k]),
        "hf": show(hf[k]),
        "ours_merge_in_hf_at": hf_pos.get(ours[k]),
        "hf_merge_in_ours_at": ours_pos.get(hf[k]),
    }
    if words is None:
        d["classification"] = "not recounted (no word counts)"
        return d
    ranks = {p: i for i, p in enumerate(ours[:k])}
    counts = collections.Counter()
    for w, f in words:
        toks = apply_merges(w, ranks)
        for i in range(len(toks) - 1):
            counts[(toks[i], toks[i + 1])] += f
    top = max(counts.values())
    tied = sorted((p for p, c in counts.items() if c == top), reverse=True)
    d["count_top"] = top
    d["count_ours_merge"] = counts.get(ours[k], 0)
    d["count_hf_merge"] = counts.get(hf[k], 0)
    d["tied_at_top"] = len(tied)
    d["tied_pairs"] = [show(p) for p in tied[:12]]
    # CS336: the lexicographically greatest (bytes a, bytes b) among the tied.
    d["ours_is_greatest_tied"] = bool(tied) and tied[0] == ours[k]
    # HF: the smallest (id a, id b) among the tied, ids from its vocab.
    ids = [(hf_vocab.get(a), hf_vocab.get(b), (a, b)) for a, b in tied]
    if all(i[0] is not None and i[1] is not None for i in ids):
        d["hf_is_smallest_ids_tied"] = min(ids)[2] == hf[k]
    if d["count_ours_merge"] != top:
        d["classification"] = "recount disagrees with our own choice (a bug in this script?)"
    elif d["count_hf_merge"] == top:
        d["classification"] = ("tie: both pairs have the top count %d; CS336 takes the "
                               "lexicographically greatest, HF the smallest token ids" % top)
    else:
        d["classification"] = (
            "not a tie in our counts (%d, HF's pair %d): HF counted differently, e.g. "
            "through its line-by-line pre-tokenization" % (top, d["count_hf_merge"]))
    return d


def unexplained(i, pair, c, top, counts, hf_ids):
    """Why HF's merge i, `pair` (count c under CS336 counting, top the highest
    count), is not the pair CS336 counting with HF's tie-break picks."""
    tied_now = [p for p, n in counts.items() if n == top and n > 0]
    # The pairs CS336 counting ranks above HF's choice (HF ids break ties).
    above = sorted((p for p in tied_now if c != top or hf_ids(p) < hf_ids(pair)), key=hf_ids)
    # A newline inside a token pair (not at its end) is what HF's
    # line-by-line reading never produces.
    inner_nl = [show(p) for p in above if b"\n" in (p[0] + p[1])[:-1]]
    reason = ("not a most frequent pair under CS336 counting (count %d, top %d)" % (c, top)
              if c != top else
              "a most frequent pair (count %d), but not the tied one with the smallest "
              "HF ids" % top)
    if inner_nl:
        reason += ("; pairs ranked above it hold a newline before their end (%s), which "
                   "HF, reading line by line, never counts"
                   % ", ".join(str(x) for x in inner_nl[:4]))
    return {
        "index": i, "hf": show(pair), "count_hf_merge": c, "count_top": top,
        "ranked_above": [show(p) for p in above[:12]], "reason": reason,
    }


def merge_words(pair, toks, freq, where, counts):
    """Merges `pair` in every word the index lists for it, keeping counts and
    the index up to date; returns the pairs whose count changed."""
    a, b = pair
    changed = set()
    for wi in where.pop(pair, ()):
        t = toks[wi]
        if len(t) < 2:
            continue
        new = merge_pair(t, a, b)
        if len(new) == len(t):
            continue  # a stale index entry: the word no longer has the pair
        f = freq[wi]
        for p in zip(t, t[1:]):
            counts[p] -= f
            changed.add(p)
        for p in zip(new, new[1:]):
            counts[p] += f
            where[p].add(wi)
            changed.add(p)
        toks[wi] = new
    return changed


def replay_hf(hf, hf_vocab, words):
    """Replays HF's merges, in its order, on bpetrain's word counts (CS336's
    pre-tokenization and counting) and finds the first HF merge that is not
    explained there: a pair that is not among the most frequent at that point,
    or one that is but is not the tied pair with the smallest HF token ids
    (HF's tie-break). Every HF merge before it is what CS336 counting with
    HF's tie-break picks. Pair counts are kept up to date incrementally (an
    index pair -> words and a lazy max-heap), like a trainer."""
    toks = [[w[i:i + 1] for i in range(len(w))] for w, _ in words]
    freq = [f for _, f in words]
    counts = collections.Counter()
    where = collections.defaultdict(set)
    for wi, t in enumerate(toks):
        for p in zip(t, t[1:]):
            counts[p] += freq[wi]
            where[p].add(wi)
    def hf_ids(p):
        return (hf_vocab.get(p[0], 1 << 62), hf_vocab.get(p[1], 1 << 62))

    # Keyed by count, then HF's ids: the valid top is the pair CS336 counting with
    # HF's tie-break picks, without gathering every tied pair each merge (on a
    # small corpus thousands of pairs tie at the end).
    heap = [(-c, hf_ids(p), p) for p, c in counts.items()]
    heapq.heapify(heap)

    def valid_top():
        while heap and counts.get(heap[0][2], 0) != -heap[0][0]:
            heapq.heappop(heap)
        return (-heap[0][0], heap[0][2]) if heap else (0, None)

    for i, pair in enumerate(hf):
        top, best = valid_top()
        c = counts.get(pair, 0)
        if c != top or best != pair:
            return unexplained(i, pair, c, top, counts, hf_ids)
        for p in merge_words(pair, toks, freq, where, counts):
            if counts[p] > 0:
                heapq.heappush(heap, (-counts[p], hf_ids(p), p))
    return None


def compare_merges(ours, hf, hf_vocab, words):
    """Summary of ours vs HF's merge lists. words (bpetrain --save-counts of
    the input ours trained on) let it recount the pairs where the lists part:
    both trainers agree on the merges before, so both stand at the same state
    there (up to HF's line-by-line pre-tokenization)."""
    n = min(len(ours), len(hf))
    k = 0
    while k < n and ours[k] == hf[k]:
        k += 1
    res = {
        "ours_merges": len(ours),
        "hf_merges": len(hf),
        "identical_leading_merges": k,
        "same_set_leading_merges": last_common_state(ours, hf),
        "overlap": {},
    }
    for m in sorted({100, 1000, 10000, n}):
        if m <= n:
            res["overlap"]["first_%d" % m] = len(set(ours[:m]) & set(hf[:m]))
    res["first_difference"] = describe_difference(k, ours, hf, hf_vocab, words) if k < n else None
    if words is not None:
        res["hf_first_unexplained"] = replay_hf(hf, hf_vocab, words)
    return res


# ---- the report --------------------------------------------------------------------------
def summarize(rows):
    groups = collections.OrderedDict()
    for r in rows:
        groups.setdefault((r["trainer"], r["backend"], r["workers"]), []).append(r)
    out = []
    for (trainer, backend, workers), rs in groups.items():
        t = [float(r["total_s"]) for r in rs]
        m = [int(r["peak_rss_kb"]) for r in rs]
        out.append({"trainer": trainer, "backend": backend, "workers": workers, "n": len(rs),
                    "t_med": statistics.median(t), "t_min": min(t), "t_max": max(t),
                    "rss_med": statistics.median(m), "rss_min": min(m), "rss_max": max(m),
                    "merges": rs[0]["merges"]})
    return out


def write_report(path, dataset, args, inputs, summary, merges_summary, context):
    ref = next((s for s in summary if s["trainer"] == "bpetrain" and s["backend"] == "heap"
                and str(s["workers"]) == "2"), None) or next(
                    (s for s in summary if s["trainer"] == "bpetrain"), None)
    lines = ["# Peers: %s, vocab %d" % (dataset, args.vocab), ""]
    lines.append("Input: `%s` (%d bytes, sha256 %s), which bpetrain reads; HF and SentencePiece "
                 "read `%s` (%d bytes, %s)."
                 % (inputs["input"], inputs["input_bytes"], inputs["input_sha256"][:16],
                    inputs["peer_input"], inputs["peer_input_bytes"], inputs["peer_input_note"]))
    lines.append("Measured %s on %s (machine %s; %d CPUs, load %s before), REPEAT %d; "
                 "times are spawn-to-exit wall clock, RSS is wait4's ru_maxrss."
                 % (context["started"], context["machine"]["label"], context["machine"]["id"],
                    context["cpus"], context["load_before"], args.repeat))
    lines.append("")
    rows = []
    for s in summary:
        ratio = ""
        if ref:
            ratio = "%.1f\u00d7" % (s["t_med"] / ref["t_med"]) if ref["t_med"] > 0 else ""
        rows.append([s["trainer"], s["backend"], s["workers"], s["n"],
                     "%.2f (%.2f-%.2f)" % (s["t_med"], s["t_min"], s["t_max"]),
                     "%.0f (%.0f-%.0f)" % (s["rss_med"] / 1024, s["rss_min"] / 1024,
                                           s["rss_max"] / 1024), s["merges"], ratio])
    lines += table(["trainer", "backend", "threads", "runs", "total s, median (min-max)",
                    "peak RSS MB, median (min-max)", "merges", "time vs ours"], rows)
    if ref:
        lines.append("")
        lines.append("\"time vs ours\": median total time over that of bpetrain %s with %s threads."
                     % (ref["backend"], ref["workers"]))
    if merges_summary:
        lines += ["", "## Merges: HF against ours", ""]
        ms = merges_summary
        lines.append("- identical leading merges: %d (ours %d merges, HF %d)"
                     % (ms["identical_leading_merges"], ms["ours_merges"], ms["hf_merges"]))
        for key, v in ms["overlap"].items():
            lines.append("- same merges, ignoring order, in the %s: %d" % (key.replace("_", " "), v))
        lines.append("- the first %d merges of both are the same set (order aside): the same "
                     "vocabulary up to there" % ms["same_set_leading_merges"])
        d = ms.get("first_difference")
        if d:
            lines.append("- first difference at merge %d (0-based): ours %s, HF %s; ours' is HF's "
                         "merge %s, HF's is our merge %s. %s"
                         % (d["index"], d["ours"], d["hf"], d["ours_merge_in_hf_at"],
                            d["hf_merge_in_ours_at"], d.get("classification", "")))
        if "hf_first_unexplained" in ms:
            u = ms["hf_first_unexplained"]
            if u is None:
                lines.append("- replaying HF's merges on our word counts: every one of them is a "
                             "most frequent pair there, ties broken by smallest HF ids: HF's "
                             "list is CS336 counting with HF's tie-break")
            else:
                lines.append("- replaying HF's merges on our word counts: the first %d are each a "
                             "most frequent pair there, ties broken by smallest HF ids; merge %d, "
                             "HF %s, is %s"
                             % (u["index"], u["index"], u["hf"], u["reason"]))
    lines += ["", "## Caveats", ""] + ["- " + c for c in CAVEATS]
    if args.spm_sample:
        lines.append("- SentencePiece trained on a sample of %d lines (--input_sentence_size), "
                     "not the whole input: its time is not comparable." % args.spm_sample)
    write_atomic(path, "\n".join(lines) + "\n")


# ---- its REPORT.md sections (report.py calls them) -------------------------------

SECTIONS = ("table", "plot")


def chosen(results_dir, dsname):
    """(session, why, machines) of the peers runs of RESULTS/D a report shows: the newest
    finished session of the machine sessions.pick chooses; session None without any."""
    return sessions.load_set(os.path.join(results_dir, dsname), "peers.csv", "report.py")


def report_sections(results_dir, dsname, plots_dir, report_path, plots):
    """The peers comparison of one data set from the chosen session's peers.md (written by
    that session, naming its machine) and its peers.csv rows."""
    s, why, machines = chosen(results_dir, dsname)
    md = os.path.join(s.dir, "peers.md") if s else None
    if not md or not os.path.isfile(md):
        return None
    with open(md, encoding="utf-8") as f:
        lines = [ln.rstrip("\n") for ln in f]
    if len(machines) > 1:
        lines[1:1] = ["", "%d machines ran this comparison; shown: `%s` (%s; MACHINE=ID "
                      "picks another)." % (len(machines), s.rows[0]["machine_id"], why)]
    # peers.py writes a whole document; its title becomes this section's heading.
    if lines and lines[0].startswith("# "):
        lines[0] = "### " + lines[0][2:]
    lines = [("#### " + ln[3:]) if ln.startswith("## ") else ln for ln in lines]
    plot_lines = None
    rows = s.rows if plots else []
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
        plot_lines = figure("peers", outbase, report_path, "Median total time and peak RSS "
                            "per trainer, log scale", "; medians over the runs in peers.csv.",
                            errmsg)
    return {"table": lines, "plot": plot_lines}


# ---- the trainers ---------------------------------------------------------------------------
class Trainer:
    """One trainer at one configuration: how to start it and how to read what it learned.
    A new trainer is one subclass and one entry in TRAINERS."""
    key = ""                 # its name in --trainers
    name = ""                # its name in peers.csv's trainer column
    reads_peer_input = True  # trains on the peer input (see --peer-input), not INPUT

    def __init__(self, run, backend, workers):
        self.run, self.backend, self.workers = run, backend, workers
        self.outdir = os.path.join(run.work, "%s-%s-w%d" % (self.name, backend, workers))

    @classmethod
    def unavailable(cls, args):
        """Why it cannot run with these arguments, or None."""
        return None

    @classmethod
    def configs(cls, run):
        """Its instances for this run, one per (backend, threads)."""
        raise NotImplementedError

    def command(self):
        """(argv, environment or None)."""
        raise NotImplementedError

    def result(self, stdout, stderr):
        """(merges learned, notes, merges_hash or None) once it exited 0."""
        raise NotImplementedError


class Bpetrain(Trainer):
    key, name, reads_peer_input = "ours", "bpetrain", False

    @classmethod
    def unavailable(cls, args):
        if not os.access(args.bpetrain, os.X_OK):
            return "no bpetrain at %s (make, or --bpetrain PATH)" % args.bpetrain
        return None

    @classmethod
    def configs(cls, run):
        return [cls(run, b, int(w)) for b in run.args.backends.split()
                for w in run.args.workers.split()]

    def command(self):
        a = self.run.args
        self.csv = os.path.join(self.outdir, "run.csv")
        if os.path.exists(self.csv):
            os.unlink(self.csv)
        return [a.bpetrain, "--input", self.run.src, "--vocab-size", str(a.vocab),
                "--special-token", a.special_token, "--backend", self.backend,
                "--workers", str(self.workers), "--count-workers", str(self.workers),
                "--out", self.outdir, "--csv", self.csv, "--quiet"], None

    def result(self, stdout, stderr):
        with open(self.csv) as f:
            r = next(csv.DictReader(f))
        notes = ["bpetrain total_s %s (count %s, merge %s); merges_hash %s"
                 % (r["total_s"], r["count_s"], r["merge_s"], r["merges_hash"])]
        if "no pair left" in tail(stderr, 4000) or r.get("stopped_early") == "1":
            notes.append("stopped early: no pair left")
        return r["merges"], notes, r["merges_hash"]


class HFTokenizers(Trainer):
    key, name = "hf", "hf-tokenizers"

    @classmethod
    def unavailable(cls, args):
        if args.vocab != 30000:
            return ("HF's Node binding trains at its default vocab 30000 only: use --vocab "
                    "30000 or leave hf out (--trainers ours,spm)")
        if not os.path.exists(os.path.join(ROOT, "peers", "node_modules", "tokenizers",
                                           "package.json")):
            return "HF tokenizers not installed: make peers"
        return None

    @classmethod
    def configs(cls, run):
        return [cls(run, "BpeTrainer", os.cpu_count())]

    def command(self):
        return ["node", os.path.join(ROOT, "peers", "hf_train.js"), self.run.peer_input,
                self.outdir], None

    def result(self, stdout, stderr):
        a, j = self.run.args, last_json_line(stdout)
        notes = ["train() %.3f s; vocab %d = %d bytes seen + %d merges; no special tokens; "
                 "rayon on %d CPUs" % (j["train_s"], j["vocab_size"],
                                       j["vocab_size"] - j["merges"], j["merges"],
                                       os.cpu_count())]
        if j["vocab_size"] < a.vocab:
            notes.append("stopped early: no pair left")
        if a.peer_input == "same":
            notes.append("counts %s as text" % a.special_token)
        return j["merges"], notes, None


class SentencePiece(Trainer):
    key, name = "spm", "sentencepiece"

    @classmethod
    def unavailable(cls, args):
        if subprocess.call(["sh", "-c", "command -v spm_train >/dev/null"]) != 0:
            return "spm_train not installed: make peers"
        return None

    @classmethod
    def configs(cls, run):
        return [cls(run, "bpe", 1)]

    def command(self):
        a = self.run.args
        return (["bash", os.path.join(ROOT, "peers", "spm_train.sh"), self.run.peer_input,
                 self.outdir, str(a.vocab)],
                dict(os.environ, SPM_INPUT_SENTENCE_SIZE=str(a.spm_sample)))

    def result(self, stdout, stderr):
        a, j = self.run.args, last_json_line(stdout)
        merges = spm_merges(os.path.join(self.outdir, "spm.vocab"), a.special_token)
        notes = ["spm_train %.3f s; %d pieces, %d of them merges; not byte-level; one core"
                 % (j["train_s"], j["vocab_size"], merges)]
        if a.spm_sample:
            notes.append("sampled %d lines" % a.spm_sample)
        return merges, notes, None


class TrainBpe(Trainer):
    """Any trainer with CS336's signature, train_bpe(input_path, vocab_size, special_tokens)
    -> (vocab, merges), given as --train-bpe PATH/TO/MODULE.py:FUNCTION and run by
    scripts/run_train_bpe.py in a process of its own (PYTHON, else this interpreter). It
    trains on INPUT with its special token, as bpetrain does, and its merges are checked
    against bpetrain's: identical, or the first merge that differs, both pairs shown."""
    key, name, reads_peer_input = "train_bpe", "train_bpe", False

    @classmethod
    def unavailable(cls, args):
        if not args.train_bpe:
            return "the train_bpe trainer needs --train-bpe PATH/TO/MODULE.py:FUNCTION"
        path = args.train_bpe.rpartition(":")[0]
        if not path or not os.path.isfile(path):
            return "no trainer module %r (--train-bpe PATH/TO/MODULE.py:FUNCTION)" % path
        return None

    @classmethod
    def configs(cls, run):
        return [cls(run, run.args.train_bpe.rpartition(":")[2], 1)]

    def __init__(self, run, backend, workers):
        Trainer.__init__(self, run, backend, workers)
        self.outdir = os.path.join(run.work, "train_bpe-%s" % backend)
        self.difference = None

    def command(self):
        a = self.run.args
        return [pyruns.python(), os.path.join(ROOT, "scripts", "run_train_bpe.py"),
                os.path.abspath(a.train_bpe), self.run.src, str(a.vocab), self.outdir,
                a.special_token], None

    def result(self, stdout, stderr):
        j = last_json_line(stdout)
        mine = read_our_merges(os.path.join(self.outdir, "merges.txt"))
        ref_t = self.run.find(Bpetrain)
        ref = read_our_merges(os.path.join(ref_t.outdir, "merges.txt"))
        notes = ["train_bpe() %.3f s" % j["train_s"]]
        k = next((i for i in range(min(len(ref), len(mine))) if ref[i] != mine[i]),
                 None if len(ref) == len(mine) else min(len(ref), len(mine)))
        if k is None:
            notes.append("merges identical to bpetrain's")
            log("  %s: merges identical to bpetrain's (%d merges)" % (self.run.args.train_bpe,
                                                                      len(mine)))
        else:
            def pair(m):
                return " ".join(repr(x) for x in m[k]) if k < len(m) else "(none: %d merges)" \
                    % len(m)
            self.difference = ("merges differ from bpetrain's at merge %d (0-based): bpetrain "
                               "%s, %s %s" % (k, pair(ref), self.run.args.train_bpe, pair(mine)))
            notes.append(self.difference)
            log("  " + self.difference)
        return j["merges"], notes, None


TRAINERS = {t.key: t for t in (Bpetrain, HFTokenizers, SentencePiece, TrainBpe)}


def spm_merges(vocab_path, special):
    """Pieces SentencePiece learned by merging: all but the meta pieces (<unk>,
    <s>, </s>), the user symbol, the <0xNN> byte pieces and single characters."""
    n = 0
    with open(vocab_path, encoding="utf-8") as f:
        for line in f:
            piece = line.rstrip("\n").rsplit("\t", 1)[0]
            if piece in ("<unk>", "<s>", "</s>", special) or len(piece) <= 1:
                continue
            if len(piece) == 6 and piece.startswith("<0x") and piece.endswith(">"):
                continue
            n += 1
    return n



# ---- main ---------------------------------------------------------------------------------
def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input")
    ap.add_argument("--dataset", help="results/<dataset>/ (default: the input's file name)")
    ap.add_argument("--vocab", type=int, default=30000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--backends", default="heap", help="bpetrain backends (space-separated)")
    ap.add_argument("--workers", default="2 1",
                    help="bpetrain thread counts: each run uses W backend workers and W "
                         "counting threads (heap's merge step is one thread whatever W)")
    ap.add_argument("--trainers", default="ours,hf,spm")
    ap.add_argument("--peer-input", choices=["stripped", "same"], default="stripped")
    ap.add_argument("--special-token", default="<|endoftext|>")
    ap.add_argument("--bpetrain", default=os.path.join(BIN, "bpetrain"))
    ap.add_argument("--spm-sample", type=int, default=0,
                    help="SentencePiece --input_sentence_size (default 0: every line)")
    ap.add_argument("--no-compare", action="store_true", help="skip the merge comparison")
    ap.add_argument("--train-bpe", default="",
                    help="PATH/TO/MODULE.py:FUNCTION, a CS336 train_bpe (trainer train_bpe)")
    ap.add_argument("--time-limit", type=float, default=0,
                    help="seconds a trainer may run before it is killed, with its workers")
    ap.add_argument("--results", default=os.path.join(ROOT, "results"))
    return ap.parse_args()


class Run:
    """What one peers.py invocation works on: arguments, input, directories."""

    def __init__(self, args):
        self.args = args
        self.trainers = [t.strip() for t in args.trainers.split(",") if t.strip()]
        if "train_bpe" in self.trainers and "ours" not in self.trainers:
            self.trainers.insert(0, "ours")    # its merges are checked against ours
        for t in self.trainers:
            if t not in TRAINERS:
                die("unknown trainer %r (%s)" % (t, ", ".join(TRAINERS)))
        self.src = os.path.abspath(args.input)
        if not os.path.isfile(self.src):
            die("no such input: %s" % args.input)
        self.dataset = args.dataset or os.path.splitext(os.path.basename(self.src))[0]
        for t in self.trainers:
            why = TRAINERS[t].unavailable(args)
            if why:
                die(why)
        self.resdir = os.path.join(args.results, self.dataset)
        self.work = os.path.join(ROOT, "build", "peers", self.dataset)
        os.makedirs(self.resdir, exist_ok=True)
        os.makedirs(self.work, exist_ok=True)
        if args.peer_input == "stripped":
            self.peer_input, invalid = stripped_copy(self.src, args.special_token, self.dataset)
            peer_note = "the input with every %s deleted" % args.special_token
            if invalid:
                peer_note += (" and its %d invalid UTF-8 sequences each replaced by U+FFFD "
                              "(HF reads UTF-8 only)" % invalid)
        else:
            self.peer_input = self.src
            peer_note = "the input itself; HF counts %s as text" % args.special_token
        with open("/proc/loadavg") as f:
            load_before = " ".join(f.read().split()[:3])
        self.now = datetime.datetime.now(datetime.timezone.utc)
        self.context = {
            "started": self.now.strftime("%Y-%m-%dT%H:%M:%SZ"), "machine": machine.this_machine(),
            "host": os.uname().nodename, "cpus": os.cpu_count(), "load_before": load_before,
        }
        self.inputs = {
            "input": os.path.relpath(self.src, ROOT), "input_bytes": os.path.getsize(self.src),
            "input_sha256": sha256_of(self.src),
            "peer_input": os.path.relpath(self.peer_input, ROOT),
            "peer_input_bytes": os.path.getsize(self.peer_input), "peer_input_note": peer_note,
        }
        # What runs, each writing to build/peers/<dataset>/.
        self.configs = [c for t in self.trainers for c in TRAINERS[t].configs(self)]

    def find(self, cls):
        return next((c for c in self.configs if isinstance(c, cls)), None)


def measure_one(run, trainer, rep):
    """Run one trainer once; its peers.csv row."""
    a = run.args
    os.makedirs(trainer.outdir, exist_ok=True)
    so, se = os.path.join(trainer.outdir, "stdout"), os.path.join(trainer.outdir, "stderr")
    cmd, env = trainer.command()
    log("repeat %d: %s %s w%d" % (rep, trainer.name, trainer.backend, trainer.workers))
    # The peers read the peer input, ours the input: each run starts with both cached.
    runs.page_in([run.src, run.peer_input])
    try:
        rc, wall, rss = run_measured(cmd, so, se, env, a.time_limit)
    except TimedOut as e:
        die("%s %s %s; killed with its workers, no row" % (trainer.name, trainer.backend, e))
    if rc != 0 and isinstance(trainer, TrainBpe):
        last = (tail(se).splitlines() or ["no message"])[-1]
        die("%s %s failed (%s): %s; no row" % (trainer.name, trainer.backend,
                                             "exit %d" % rc if rc > 0 else "signal %d" % -rc,
                                             last))
    if rc != 0:
        die("%s failed (exit %d): %s" % (" ".join(cmd), rc, tail(se)))
    merges, notes, merges_hash = trainer.result(so, se)
    if a.peer_input == "stripped" and trainer.reads_peer_input:
        notes.append("input without %s" % a.special_token)
    log("  %.2f s, %d MB" % (wall, rss // 1024))
    row = {"dataset": run.dataset, "trainer": trainer.name, "backend": trainer.backend,
           "workers": trainer.workers, "vocab_size": a.vocab, "repeat": rep,
           "total_s": "%.6f" % wall, "peak_rss_kb": rss, "merges": merges,
           "notes": "; ".join(notes)}
    return row, merges_hash


def open_session(run):
    """This invocation's session under results/<dataset>/sessions/: its context.json."""
    a = run.args
    ctx = dict(run.context, dataset=run.dataset, inputs=run.inputs, vocab_size=a.vocab,
               repeat=a.repeat, trainers=run.trainers, peer_input=a.peer_input,
               rows_planned=a.repeat * len(run.configs), python=sys.version.split()[0],
               bpetrain=os.path.relpath(a.bpetrain, ROOT))
    return sessions.open_session(run.resdir, ctx, run.context["machine"], run.now)


def measure(run, session):
    """Every configuration REPEAT times, each row appended whole to the session's
    peers.csv as it finishes."""
    rows, hashes = [], {}
    csv_path = os.path.join(session["dir"], "peers.csv")
    header = COLUMNS + ["machine_id", "session_id"]
    # Repeats outermost: every trainer sees the machine in each of its
    # moods, not one trainer all the quiet minutes.
    for rep in range(run.args.repeat):
        for trainer in run.configs:
            row, h = measure_one(run, trainer, rep)
            if h is not None:
                hashes.setdefault(h, []).append("%s-w%d" % (trainer.backend, trainer.workers))
            runs.append_row(csv_path, header, sessions.stamp(row, session))
            rows.append(row)
    if len(hashes) > 1:
        why = "bpetrain runs learned different merges: %s" % hashes
        sessions.mark_failed(session["dir"], why)
        die(why)
    return rows


def compare(run, session):
    """HF's merges against ours (the first bpetrain configuration's), or None."""
    a = run.args
    ours_t, hf_t = run.find(Bpetrain), run.find(HFTokenizers)
    if a.no_compare or ours_t is None or hf_t is None:
        return None
    ours = read_our_merges(os.path.join(ours_t.outdir, "merges.txt"))
    hf, hf_vocab = read_hf_tokenizer(os.path.join(hf_t.outdir, "tokenizer.json"))
    wc = os.path.join(run.work, "counts.wc")
    log("counting words once more for the recount (bpetrain --count-only)")
    rc = subprocess.call([a.bpetrain, "--input", run.src, "--vocab-size", str(a.vocab),
                          "--special-token", a.special_token, "--count-only",
                          "--save-counts", wc, "--quiet"], cwd=ROOT)
    words = read_word_counts(wc) if rc == 0 else None
    log("comparing merges")
    summary = compare_merges(ours, hf, hf_vocab, words)
    summary.update({"dataset": run.dataset, "vocab_size": a.vocab, "inputs": run.inputs,
                    "ours": os.path.relpath(ours_t.outdir, ROOT),
                    "hf": os.path.relpath(hf_t.outdir, ROOT), "caveats": CAVEATS})
    write_atomic(os.path.join(session["dir"], "peers-merges.json"),
                 json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    return summary


def on_terminate(signum, frame):
    """SIGTERM as an exception, so that the run in progress is ended and reaped with its
    workers (run_measured), as on Ctrl-C, instead of left running in its own session."""
    raise SystemExit(128 + signum)


def main():
    signal.signal(signal.SIGTERM, on_terminate)
    run = Run(parse_args())
    session = open_session(run)
    rows = measure(run, session)
    merges_summary = compare(run, session)
    write_report(os.path.join(session["dir"], "peers.md"), run.dataset, run.args, run.inputs,
                 summarize(rows), merges_summary, run.context)
    log("wrote %s/{peers.csv,peers.md%s}" % (os.path.relpath(session["dir"], ROOT),
                                             ",peers-merges.json" if merges_summary else ""))
    wrong = [c.difference for c in run.configs if isinstance(c, TrainBpe) and c.difference]
    if wrong:
        die(wrong[0])


if __name__ == "__main__":
    main()
