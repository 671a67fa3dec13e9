"""The word-count file bpetrain --save-counts writes and --load-counts reads
(harness/core/wordfile.c), read in Python.

Little-endian throughout:

    magic        8 bytes  "BPEWC001" (the last three: the format's version)
    input_len    u64      size of the input the words were counted from
    input_hash   u64      bpetrain's hash of that input (1 MiB blocks chained with FNV-1a)
    n_specials   u32      then per special token, longest first: u32 length, its bytes
    n_words      u64
    total        u64      pre-tokens counted (the sum of the frequencies)
    per word     u32 length, u64 frequency, its bytes (a pre-token, specials never among them)
"""
import struct

MAGIC = b"BPEWC001"


class WordCountsError(Exception):
    """Not a word-count file of this version, or a damaged one."""


class WordCounts:
    def __init__(self, input_len, input_hash, specials, total, words):
        self.input_len, self.input_hash = input_len, input_hash
        self.specials = specials      # [bytes], longest first
        self.total = total            # pre-tokens counted
        self.words = words            # [(bytes, frequency)]


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != MAGIC:
        raise WordCountsError("%s is not a bpetrain word-count file of version 001" % path)
    try:
        input_len, input_hash, ns = struct.unpack_from("<QQI", data, 8)
        pos = 28
        specials = []
        for _ in range(ns):
            (l,) = struct.unpack_from("<I", data, pos)
            specials.append(data[pos + 4:pos + 4 + l])
            pos += 4 + l
        n, total = struct.unpack_from("<QQ", data, pos)
        pos += 16
        words = []
        for _ in range(n):
            l, freq = struct.unpack_from("<IQ", data, pos)
            pos += 12
            words.append((data[pos:pos + l], freq))
            pos += l
    except struct.error:
        raise WordCountsError("%s is damaged (truncated or malformed)" % path)
    if pos != len(data) or any(len(s) == 0 for s in specials):
        raise WordCountsError("%s is damaged (truncated or malformed)" % path)
    return WordCounts(input_len, input_hash, specials, total, words)
