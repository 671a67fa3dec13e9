#!/usr/bin/env bash
# test_bench.sh: the bench runner: complete rows only, reruns skip what is
# measured, FORCE remeasures, a merges mismatch stops it, Ctrl-C is clean.
set -u
. "$(dirname "$0")/lib.sh"
bench() { python3 scripts/bench.py --results "$tmp/res" --dataset cs336 --repeat 2 \
    --workers "1 2" --backends "serial pool" --count-workers "1 2" "$@"; }
csv="$tmp/res/cs336/runs.csv"
rows() { python3 -c "import csv,sys; print(len(list(csv.DictReader(open(sys.argv[1])))))" "$csv"; }

bench 2>"$tmp/b1.err"
check "bench on cs336: exit 0" test $? -eq 0
check "bench: 4 count runs + 6 merge runs recorded" test "$(rows)" = 10
check "bench: context.json written with the input's sha256" \
    grep -q "$(sha256sum tests/fixtures/cs336/corpus.en | cut -c1-64)" "$tmp/res/cs336/context.json"
check "bench: every merge run has the same merges_hash" \
    test "$(awk -F, 'NR>1 && $NF=="merge" {print $21}' "$csv" | sort -u | wc -l)" = 1
check "bench: one progress line per run when not on a TTY" \
    test "$(grep -c '^\[[0-9]*/10\]' "$tmp/b1.err")" = 10
bench 2>"$tmp/b2.err"
check "rerun: skips what is measured" grep -q "already measured" "$tmp/b2.err"
check "rerun: no row added" test "$(rows)" = 10
bench --force 2>"$tmp/b3.err"
check "FORCE: remeasures, still 10 rows" test "$(rows)" = 10

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
for _ in $(seq 200); do
    grep -q "spawn" "$tmp/int.err" 2>/dev/null && break
    sleep 0.05
done
sleep 0.5
kill -INT "$pid"
wait "$pid"
rc=$?
check "Ctrl-C: the bench exits 130" test "$rc" -eq 130
finished=$(grep -c '^\[[0-9]*/[0-9]*\].*: [0-9.]* s$' "$tmp/int.err")
check "Ctrl-C: rows written so far are complete, one per finished run" \
    python3 - "$tmp/res/sample/runs.csv" "$finished" <<'PY'
import csv, sys
lines = open(sys.argv[1]).read().split("\n")
assert lines[-1] == "", "file does not end with a newline"
rows = list(csv.reader(lines[:-1]))
assert all(len(r) == len(rows[0]) for r in rows), "ragged rows"
assert len(rows) - 1 == int(sys.argv[2]), "rows %d, finished runs %s" % (len(rows) - 1, sys.argv[2])
assert int(sys.argv[2]) < 4, "the bench was not interrupted"
PY
check "Ctrl-C: no temporary CSV left" bash -c "! ls -A '$tmp/res/sample' | grep -q '^\.run-'"
sleep 0.2
check "Ctrl-C: no worker left running" test "$(our_workers 'bpescan --worker')" -eq 0
