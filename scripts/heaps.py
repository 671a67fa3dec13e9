#!/usr/bin/env python3
"""heaps.py: distinct words and initial pairs versus corpus size.

For the bundled sample and for synthetic corpora of growing size (bin/synthgen,
seed 1), runs bpetrain once (one merge, so the initial pair table is built)
and records the input size, the number of distinct pre-tokens ("words") and of
distinct adjacent byte pairs. Real text keeps finding new words as it grows
(Heaps' law, V ~ K n^beta); the synthetic corpus must too, or benchmarks at
2 GB would be run on an unrealistically small vocabulary.

Writes results/heaps/heaps.csv (one complete file, replaced atomically).
Usage: scripts/heaps.py [--sizes "1M 4M 16M 64M 256M 1G 2G"] [--keep]
"""

import argparse
import csv
import io
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("BPEBENCH_BIN", os.path.join(ROOT, "bin"))
SAMPLE = "data/sample/tinystories_v1_head_1097.txt"


def measure(path):
    fd, tmpcsv = tempfile.mkstemp(suffix=".csv")
    os.close(fd)
    os.unlink(tmpcsv)
    try:
        subprocess.run([os.path.join(BIN, "bpetrain"), "--input", path, "--vocab-size", "258",
                        "--quiet", "--csv", tmpcsv], cwd=ROOT, check=True)
        with open(tmpcsv, newline="") as f:
            row = next(csv.DictReader(f))
    finally:
        if os.path.exists(tmpcsv):
            os.unlink(tmpcsv)
    return int(row["input_bytes"]), int(row["words"]), int(row["initial_pairs"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1M 4M 16M 64M 256M 1G 2G")
    ap.add_argument("--keep", action="store_true",
                    help="keep generated corpora under 1G (larger ones are always kept)")
    args = ap.parse_args()
    rows = []
    b, w, p = measure(SAMPLE)
    rows.append(["sample", "real", b, w, p])
    for size in args.sizes.split():
        path = os.path.join("data", "synth", "synth-%s-seed1.txt" % size)
        made = False
        if not os.path.exists(os.path.join(ROOT, path)):
            os.makedirs(os.path.join(ROOT, "data", "synth"), exist_ok=True)
            subprocess.run([os.path.join(BIN, "synthgen"), "--sample", SAMPLE, "--size", size,
                            "--seed", "1", "--out", path], cwd=ROOT, check=True)
            made = True
        b, w, p = measure(path)
        rows.append(["synth-%s" % size, "synthetic", b, w, p])
        sys.stderr.write("heaps: %-12s %12d bytes %9d words %7d pairs\n" % (size, b, w, p))
        if made and not args.keep and size[-1] not in "G":
            os.unlink(os.path.join(ROOT, path))
            meta = os.path.join(ROOT, path + ".meta.json")
            if os.path.exists(meta):
                os.unlink(meta)
    out = io.StringIO()
    wr = csv.writer(out, lineterminator="\n")
    wr.writerow(["corpus", "kind", "bytes", "words", "initial_pairs"])
    wr.writerows(rows)
    dest = os.path.join(ROOT, "results", "heaps", "heaps.csv")
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(dest), prefix=".tmp-")
    with os.fdopen(fd, "w") as f:
        f.write(out.getvalue())
    os.replace(tmp, dest)
    sys.stderr.write("heaps: wrote %s\n" % os.path.relpath(dest, ROOT))


if __name__ == "__main__":
    main()
