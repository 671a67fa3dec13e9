#!/usr/bin/env python3
"""run_train_bpe.py: runs one CS336 trainer, `train_bpe(input_path, vocab_size,
special_tokens) -> (vocab, merges)`, in a process of its own (peers.py starts it and
times it from outside), and writes what it learned as bpetrain writes it.

    scripts/run_train_bpe.py PATH/TO/MODULE.py:FUNCTION INPUT VOCAB OUTDIR [SPECIAL]...

OUTDIR gets merges.txt and vocab.json (GPT-2 alphabet); the last line of stdout is JSON:
{"train_s": seconds inside the call, "merges": N, "vocab_size": N}. A trainer that
raises, or returns something else than (dict, list of byte pairs), fails with one line.
"""
import importlib
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pybpe import outputs  # noqa: E402


def load(spec):
    path, sep, name = spec.rpartition(":")
    if not sep or not path or not name:
        raise ValueError("a trainer is PATH/TO/MODULE.py:FUNCTION, not %r" % spec)
    if not os.path.isfile(path):
        raise ValueError("no such trainer module: %s" % path)
    # A module inside a package (a directory with __init__.py) is imported by its dotted
    # name, so that its relative imports work; any other by its path.
    d, parts = os.path.dirname(os.path.abspath(path)), [os.path.splitext(os.path.basename(path))[0]]
    while os.path.isfile(os.path.join(d, "__init__.py")):
        parts.insert(0, os.path.basename(d))
        d = os.path.dirname(d)
    sys.path.insert(0, d)
    mod = importlib.import_module(".".join(parts))
    fn = getattr(mod, name, None)
    if not callable(fn):
        raise ValueError("%s has no function %s" % (path, name))
    return fn


def checked(result):
    vocab, merges = result
    if not isinstance(vocab, dict) or not isinstance(merges, list) or not all(
            isinstance(m, tuple) and len(m) == 2 and all(isinstance(x, bytes) for x in m)
            for m in merges):
        raise TypeError("train_bpe must return (dict id -> bytes, list of (bytes, bytes))")
    return [vocab[i] for i in sorted(vocab)], merges


def main(argv):
    if len(argv) < 5:
        sys.stderr.write("usage: run_train_bpe.py MODULE.py:FUNCTION INPUT VOCAB OUTDIR "
                         "[SPECIAL]...\n")
        return 2
    spec, inp, vocab_size, outdir, specials = argv[1], argv[2], int(argv[3]), argv[4], argv[5:]
    try:
        fn = load(spec)
        t0 = time.perf_counter()
        result = fn(inp, vocab_size, specials)
        train_s = time.perf_counter() - t0
        vocab, merges = checked(result)
    except Exception as e:   # the trainer's own failure, whatever it is: one line
        sys.stderr.write("run_train_bpe: %s failed: %s: %s\n" % (spec, type(e).__name__, e))
        return 1
    outputs.write(outdir, vocab, merges)
    print(json.dumps({"train_s": train_s, "merges": len(merges), "vocab_size": len(vocab)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
