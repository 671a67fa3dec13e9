"""test_python.py: `import bpebench` as CS336's tests use it (run by test_python.sh).

Prints one PASS or FAIL line per check, as every test here does.
"""

import gc
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time

import bpebench

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from benchlib.gpt2 import gpt2_to_bytes  # noqa: E402  (the reference files' alphabet)

FIX = "tests/fixtures/cs336"
CORPUS = os.path.join(FIX, "corpus.en")
SAMPLE = "data/sample/tinystories_v1_head_1097.txt"
EOT = "<|endoftext|>"


def check(what, ok, detail=""):
    sys.stdout.flush()
    print("%s %s%s" % ("PASS" if ok else "FAIL", what, "" if ok or not detail else ": " + detail), flush=True)


def reference():
    to_bytes = gpt2_to_bytes
    with open(os.path.join(FIX, "train-bpe-reference-merges.txt"), encoding="utf-8") as f:
        merges = [tuple(to_bytes(t) for t in line.rstrip().split(" ")) for line in f]
    with open(os.path.join(FIX, "train-bpe-reference-vocab.json"), encoding="utf-8") as f:
        vocab = {int(i): to_bytes(t) for t, i in json.load(f).items()}
    return vocab, merges


def expect(what, exc_type, text, **kw):
    try:
        bpebench.train_bpe(**kw)
    except exc_type as e:
        check(what, text in str(e), "message %r" % str(e))
    except BaseException as e:  # the wrong kind of error is a failure, not a crash
        check(what, False, "raised %s: %s" % (type(e).__name__, e))
    else:
        check(what, False, "no error")


def no_children():
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_reference():
    ref_vocab, ref_merges = reference()
    t0 = time.monotonic()
    vocab, merges = bpebench.train_bpe(CORPUS, 500, [EOT])
    took = time.monotonic() - t0
    # The time is reported, not asserted (the assignment asks for < 1.5 s;
    # a loaded machine or a sanitizer build is slower, not wrong).
    check("corpus.en, vocab 500: the reference merges (%.3f s; the assignment asks < 1.5 s)"
          % took, merges == ref_merges)
    check("corpus.en, vocab 500: the reference vocab (ids and bytes)", vocab == ref_vocab)
    for p in ("fast", "pcre2"):
        _, m = bpebench.train_bpe(CORPUS, 500, [EOT], pretok=p)
        check("pretok %s: the reference merges" % p, m == ref_merges)
    for u in (1, 2, 3):
        _, m = bpebench.train_bpe(CORPUS, 500, [EOT], update="sharded", update_workers=u)
        check("update sharded, %d shards: the reference merges" % u, m == ref_merges)
    # openmp last: after it ran, this process refuses to fork (libgomp's
    # threads do not survive a fork), so the fork-based backends go first.
    for b in sorted(bpebench.backends, key=lambda b: b == "openmp"):
        _, m = bpebench.train_bpe(CORPUS, 500, [EOT], backend=b, workers=2)
        check("backend %s, 2 workers: the reference merges" % b, m == ref_merges)
    check("import and spawn trainings leave the environment alone (no BPEBENCH_BPESCAN)",
          "BPEBENCH_BPESCAN" not in os.environ)


def test_specials():
    vocab, merges = bpebench.train_bpe(SAMPLE, 1000, [EOT])
    inside = [t for i, t in vocab.items() if t != EOT.encode() and b"<|" in t]
    check("special tokens never inside a learned token", not inside, repr(inside[:3]))
    check("special token first, then the 256 bytes", vocab[0] == EOT.encode() and
          sorted(vocab[i] for i in range(1, 257)) == [bytes([b]) for b in range(256)])
    vocab, merges = bpebench.train_bpe(CORPUS, 300, [])
    check("no special token: 256 bytes + 44 merges, ids from 0",
          len(vocab) == 300 and len(merges) == 44 and len(vocab[0]) == 1)
    v2, m2, st = bpebench.train_bpe(CORPUS, 300, [], stats=True)
    check("stats=True: the phase times and counters", m2 == merges and st["merges"] == 44 and
          st["backend"] == "heap" and isinstance(st["merge_s"], float) and st["words"] > 0)


def test_errors():
    expect("missing input: FileNotFoundError", FileNotFoundError, "no-such-file",
           input_path="no-such-file", vocab_size=500, special_tokens=[])
    expect("a directory as input: OSError", IsADirectoryError, "tests",
           input_path="tests", vocab_size=500, special_tokens=[])
    expect("vocab size too small: ValueError", ValueError, "must exceed 256 bytes + 1 special",
           input_path=CORPUS, vocab_size=257, special_tokens=[EOT])
    expect("unknown backend: ValueError naming the known ones", ValueError, "known: serial",
           input_path=CORPUS, vocab_size=300, special_tokens=[], backend="nope")
    expect("bad backend option: ValueError", ValueError, "unknown option 'touch'",
           input_path=CORPUS, vocab_size=300, special_tokens=[], backend="heap",
           backend_opts="touch")
    expect("unknown update strategy: ValueError naming the known ones", ValueError,
           "known: serial", input_path=CORPUS, vocab_size=300, special_tokens=[],
           update="nope")
    expect("empty special token: ValueError", ValueError, "cannot be empty",
           input_path=CORPUS, vocab_size=300, special_tokens=[""])
    expect("special tokens not str: TypeError", TypeError, "list of str",
           input_path=CORPUS, vocab_size=300, special_tokens=[b"x"])
    os.environ["BPEBENCH_WORKER_FAIL"] = "1:5"
    try:
        expect("a worker that dies: RuntimeError naming it", RuntimeError,
               "backend pool: worker 1 failed", input_path=CORPUS, vocab_size=400,
               special_tokens=[EOT], backend="pool", workers=2)
    finally:
        del os.environ["BPEBENCH_WORKER_FAIL"]
    check("a worker that dies: no process left behind", no_children())


def resources():
    with open("/proc/self/status") as f:
        rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
    return rss, len(os.listdir("/proc/self/fd"))


def test_many_calls():
    for i in range(10):
        bpebench.train_bpe(CORPUS, 300, [EOT], backend="pool" if i % 5 == 0 else "heap",
                           workers=2)
    gc.collect()
    rss0, fds0 = resources()
    for i in range(100):
        bpebench.train_bpe(CORPUS, 300, [EOT], backend="pool" if i % 10 == 0 else "heap",
                           workers=2)
    gc.collect()
    rss1, fds1 = resources()
    check("100 calls: open descriptors unchanged (%d, %d)" % (fds0, fds1), fds1 == fds0)
    check("100 calls: resident set grows by < 4 MiB (%d KiB to %d KiB)" % (rss0, rss1),
          rss1 - rss0 < 4096)
    check("100 calls: no process left behind", no_children())


def test_threads():
    ref = bpebench.train_bpe(SAMPLE, 2000, [EOT])[1]
    got = [None, None, None]

    def one(i, backend):
        got[i] = bpebench.train_bpe(SAMPLE, 2000, [EOT], backend=backend, workers=2)[1]

    ts = [threading.Thread(target=one, args=(i, b)) for i, b in
          enumerate(("heap", "openmp", "pthread"))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    check("three threads training at once: each learns the serial merges",
          all(g == ref for g in got))


def test_ctrl_c():
    """A long spawn training in a child Python, interrupted with SIGINT."""
    mark = "bpebench-python-test-%d" % os.getpid()
    env = dict(os.environ, BPEBENCH_TEST_MARK=mark)
    code = ("import bpebench; bpebench.train_bpe(%r, 8000, ['<|endoftext|>'], backend='spawn', "
            "workers=2)" % SAMPLE)
    p = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE)
    time.sleep(1.5)
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    try:
        _, err = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
    took = time.monotonic() - t0
    check("Ctrl-C: KeyboardInterrupt within 5 s (%.2f s)" % took,
          b"KeyboardInterrupt" in err and took < 5, err.decode(errors="replace")[-300:])
    left = 0
    for pid in os.listdir("/proc"):
        try:
            with open("/proc/%s/environ" % pid, "rb") as f:
                left += ("BPEBENCH_TEST_MARK=" + mark).encode() in f.read().split(b"\0")
        except OSError:
            pass
    check("Ctrl-C: no worker left behind", left == 0, "%d left" % left)


def main():
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # The fork-based backends run before anything runs openmp (see test_reference).
    test_errors()
    test_many_calls()
    test_reference()
    test_specials()
    test_threads()
    test_ctrl_c()


if __name__ == "__main__":
    main()
