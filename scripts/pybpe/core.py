"""The merge loop every Python strategy shares: the article's bpe_v3 data structures
(the pair-count dict, the pair -> bytes dict, the inverted index pair -> words) and its
incremental update; only the select step (which pair has the highest count) differs
between strategies.

Ids as bpetrain numbers them: the special tokens, then the 256 single bytes in GPT-2
bytes_to_unicode order, then the merges. Ties go to the lexicographically greatest pair
of (bytes of token 1, bytes of token 2), as CS336 defines it.
"""
import struct
import time

from benchlib.gpt2 import BYTE_ENC

# A byte's rank in the GPT-2 alphabet (the order vocab.json numbers the 256 bytes in).
BYTE_RANK = {b: r for r, b in enumerate(BYTE_ENC)}

FNV64_OFFSET = 0xcbf29ce484222325
FNV64_PRIME = 0x100000001b3
MASK64 = (1 << 64) - 1


def fnv1a64(h, data):
    for c in data:
        h = ((h ^ c) * FNV64_PRIME) & MASK64
    return h


def merges_hash(merges):
    """bpetrain's merges_hash (harness/core/merge.c, hash_merge): FNV-1a over every merge's
    two tokens in order, each as its length (u32, little-endian) and its bytes."""
    h = FNV64_OFFSET
    for a, b in merges:
        for tok in (a, b):
            h = fnv1a64(fnv1a64(h, struct.pack("<I", len(tok))), tok)
    return "%016x" % h


class Times:
    """The article's phase timers, summed over the merges (seconds)."""

    def __init__(self):
        self.copy = self.max = self.compute = self.update = 0.0


def local_max(pair_strings, chunk):
    """The worker's scan: the best (pair, count) of one chunk of (pair, count) items with
    the CS336 key, and how long the scan took inside the worker. None for an empty chunk."""
    t0 = time.perf_counter()
    if not chunk:
        return None, time.perf_counter() - t0
    pair, count = max(chunk, key=lambda x: (x[1], pair_strings[x[0]]))
    return (count, pair_strings[pair], pair), time.perf_counter() - t0


def chunks(items, w):
    """W chunks as the article (and the C backends) cut them: W-1 of len // W items, the
    remainder to the last."""
    size = len(items) // w
    out = [items[i * size:(i + 1) * size] for i in range(w - 1)]
    out.append(items[(w - 1) * size:])
    return out


def reduce_local(results, times):
    """The global best of the workers' (best, seconds) results; adds the slowest worker's
    scan to times.compute. Returns the pair."""
    times.compute += max(s for _, s in results)
    best = max(b for b, _ in results if b is not None)
    return best[2]


class State:
    """Words, pair counts and the vocabulary of one training."""

    def __init__(self, words, specials):
        self.vocab = list(specials) + [bytes([b]) for b in BYTE_ENC]
        base = len(specials)
        self.freq = [f for _, f in words]
        self.words = [[base + BYTE_RANK[c] for c in w] for w, _ in words]
        self.pair_counts = {}
        self.pair_strings = {}
        self.pair_to_words = {}
        for i, toks in enumerate(self.words):
            f = self.freq[i]
            for p in zip(toks, toks[1:]):
                self.add(p, f, i)

    def add(self, p, f, word):
        c = self.pair_counts.get(p)
        if c is None:
            self.pair_counts[p] = f
            if p not in self.pair_strings:
                self.pair_strings[p] = (self.vocab[p[0]], self.vocab[p[1]])
        else:
            self.pair_counts[p] = c + f
        self.pair_to_words.setdefault(p, set()).add(word)

    def merge(self, pair):
        """Appends the merged token and rewrites every word that holds pair, changing the
        counts of the pairs around each occurrence; pairs left at 0 are removed."""
        a, b = pair
        new = len(self.vocab)
        self.vocab.append(self.vocab[a] + self.vocab[b])
        changed = set()
        counts = self.pair_counts
        for i in self.pair_to_words.pop(pair, ()):
            toks = self.words[i]
            out, j, n = [], 0, len(toks)
            while j < n:
                if j + 1 < n and toks[j] == a and toks[j + 1] == b:
                    out.append(new)
                    j += 2
                else:
                    out.append(toks[j])
                    j += 1
            if len(out) == n:
                continue          # a stale index entry: the word lost the pair since
            f = self.freq[i]
            for p in zip(toks, toks[1:]):
                counts[p] -= f
                changed.add(p)
            for p in zip(out, out[1:]):
                self.add(p, f, i)
            self.words[i] = out
        for p in changed:
            if counts.get(p, 1) <= 0:
                del counts[p]
        counts.pop(pair, None)


def train(words, specials, vocab_size, strategy):
    """The merge loop. Returns (merges as (bytes, bytes), vocab [bytes], stats)."""
    stats = {}
    t0 = time.perf_counter()
    st = State(words, specials)
    stats["init_s"] = time.perf_counter() - t0
    stats["initial_pairs"] = len(st.pair_counts)
    times = Times()
    merges, live_sum = [], 0
    stopped = 0
    t_loop = time.perf_counter()
    while len(st.vocab) < vocab_size:
        if not st.pair_counts:
            stopped = 1
            break
        live_sum += len(st.pair_counts)
        pair = strategy.select(st, times)
        t = time.perf_counter()
        merges.append(st.pair_strings[pair])
        st.merge(pair)
        times.update += time.perf_counter() - t
    stats["merge_s"] = time.perf_counter() - t_loop
    stats.update(copy_s=times.copy, max_s=times.max, compute_s=times.compute,
                 update_s=times.update, stopped_early=stopped,
                 avg_live_pairs=live_sum / len(merges) if merges else 0.0)
    return merges, st.vocab, stats
