#!/usr/bin/env bash
# test_bench.sh: the bench runner: complete rows only, reruns skip what is
# measured, FORCE remeasures in a session of its own, a merges mismatch stops it,
# Ctrl-C is clean. (tests/test_machines.sh: several machines.)
set -u
. "$(dirname "$0")/lib.sh"   # $tmp, check, our_workers (only this test's, not other jobs')
bench() { python3 scripts/bench.py --results "$tmp/res" --dataset cs336 --repeat 2 \
    --workers "1 2" --backends "serial pool" --count-workers "1 2" "$@"; }
# Each bench that measures something writes its own session's runs.csv.
session_csvs() { ls "$tmp"/res/$1/sessions/*/runs.csv 2>/dev/null; }
rows() { python3 -c "import csv,sys; print(sum(len(list(csv.DictReader(open(p)))) for p in sys.argv[1:]))" $(session_csvs cs336); }

# Each run first reads the files it will read (runs.page_in), so a cold page cache is not
# timed: the files are the values of --input and --load-counts in either spelling.
check "bench runner: the files a command reads are found; a missing one is no error" \
    python3 -c 'import sys; sys.path.insert(0, "scripts"); from benchlib import runs
cmd = ["bin/bpetrain", "--input", "a.txt", "--vocab-size", "300", "--load-counts=b.wc", "--input"]
assert runs.files_read(cmd) == ["a.txt", "b.wc"], runs.files_read(cmd)
runs.page_in(["tests/fixtures/cs336/corpus.en", "/nonexistent/x"])'
bench 2>"$tmp/b1.err"
check "bench on cs336: exit 0" test $? -eq 0
check "bench: 4 count runs + 6 merge runs recorded" test "$(rows)" = 10
csv=$(session_csvs cs336)
check "bench: one session, its context.json written with the input's sha256" \
    bash -c "test $(session_csvs cs336 | wc -l) = 1 && grep -q $(sha256sum tests/fixtures/cs336/corpus.en | cut -c1-64) '$(dirname "$csv")/context.json'"
check "bench: every merge run has the same merges_hash" \
    test "$(python3 -c "import csv,sys; print(len({r['merges_hash'] for r in csv.DictReader(open(sys.argv[1])) if r['kind'] == 'merge'}))" "$csv")" = 1
check "bench: one progress line per run when not on a TTY" \
    test "$(grep -c '^\[[0-9]*/10\]' "$tmp/b1.err")" = 10
bench 2>"$tmp/b2.err"
check "rerun: skips what is measured" grep -q "already measured" "$tmp/b2.err"
check "rerun: no row added" test "$(rows)" = 10
cp "$csv" "$tmp/first.csv"
bench --force 2>"$tmp/b3.err"
check "FORCE: remeasures all 10 runs in a new session; the first session's rows untouched" \
    bash -c "test $(rows) = 20 && test $(session_csvs cs336 | wc -l) = 2 && cmp -s '$csv' '$tmp/first.csv'"
csv=$(session_csvs cs336 | tail -1)

# A row whose merges differ must stop the bench, naming the runs.
python3 - "$csv" <<'PY'
import csv, sys
p = sys.argv[1]
rows = list(csv.DictReader(open(p)))
hdr = list(rows[0].keys())
for r in rows:
    if r["kind"] == "merge" and r["backend"] == "pool" and r["workers"] == "2":
        r["merges_hash"] = "0123456789abcdef"
        break
w = csv.DictWriter(open(p, "w", newline=""), fieldnames=hdr, lineterminator="\n")
w.writeheader(); w.writerows(rows)
PY
bench 2>"$tmp/b4.err"
rc=$?
check "a merges_hash mismatch stops the bench with an error naming the run" \
    bash -c "[ $rc -ne 0 ] && grep -q 'merges differ' '$tmp/b4.err' && grep -q 'pool W=2' '$tmp/b4.err'"

# Ctrl-C in the middle of a slow run: clean stop, complete rows only.
rm -rf "$tmp/res"
python3 scripts/bench.py --results "$tmp/res" --dataset sample --repeat 1 --workers "1 8" \
    --backends "serial spawn" --count-workers "1" --vocab 3000 2>"$tmp/int.err" &
pid=$!
wait_for_line "$tmp/int.err" "spawn" 10
sleep 0.5
kill -INT "$pid"
wait "$pid"
rc=$?
check "Ctrl-C: the bench exits 130" test "$rc" -eq 130
finished=$(grep -c '^\[[0-9]*/[0-9]*\].*: [0-9.]* s$' "$tmp/int.err")
check "Ctrl-C: rows written so far are complete, one per finished run" \
    python3 - "$(session_csvs sample)" "$finished" <<'PY'
import csv, sys
lines = open(sys.argv[1]).read().split("\n")
assert lines[-1] == "", "file does not end with a newline"
rows = list(csv.reader(lines[:-1]))
assert all(len(r) == len(rows[0]) for r in rows), "ragged rows"
assert len(rows) - 1 == int(sys.argv[2]), "rows %d, finished runs %s" % (len(rows) - 1, sys.argv[2])
assert int(sys.argv[2]) < 4, "the bench was not interrupted"
PY
check "Ctrl-C: no temporary CSV left" test -z "$(find "$tmp/res/sample" -name '.run-*')"
sleep 0.2
check "Ctrl-C: no worker left running" test "$(our_workers 'bpescan --worker')" -eq 0
