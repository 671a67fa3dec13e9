"""Counting as the article did it: the input split at its special tokens, the documents
cut into N parts, N processes (multiprocessing.Pool, fork) pre-tokenizing with the GPT-2
pattern in the `regex` module (Debian python3-regex) and counting with a Counter; the
parent adds the counters up. Invalid UTF-8 is kept as bpetrain keeps it, through
surrogateescape."""
import collections
import multiprocessing as mp
import re

PAT = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def _count(docs):
    import regex
    pat = regex.compile(PAT)
    c = collections.Counter()
    for d in docs:
        for m in pat.finditer(d.decode("utf-8", "surrogateescape")):
            c[m.group().encode("utf-8", "surrogateescape")] += 1
    return c


def count_words(path, specials, n):
    """[(pre-token bytes, count)] of the input, specials split off (longest first)."""
    with open(path, "rb") as f:
        data = f.read()
    if specials:
        alt = b"|".join(re.escape(s) for s in sorted(specials, key=len, reverse=True))
        docs = re.split(alt, data)
    else:
        docs = [data]
    size = -(-len(docs) // n) if docs else 1
    parts = [docs[i:i + size] for i in range(0, len(docs), size)] or [[]]
    if n == 1:
        counters = [_count(parts[0])]
    else:
        with mp.get_context("fork").Pool(n) as p:
            counters = p.map(_count, parts)
    total = collections.Counter()
    for c in counters:
        total.update(c)
    return list(total.items())
