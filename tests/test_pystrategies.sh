#!/usr/bin/env bash
# test_pystrategies.sh: the article's strategies in Python (scripts/pytrain.py, the py-*
# backends) learn the reference merges, with bpetrain's merges_hash; the bench's time
# limit and Ctrl-C leave complete rows and no process; a CS336 train_bpe given to the
# bench (TRAINER=) is checked against bpetrain: a wrong one is reported with its first
# differing merge, one that crashes or runs past its time limit gives one line, no row.
set -u
. "$(dirname "$0")/lib.sh"   # $tmp, check, our_workers (only this test's processes)
if [ -n "${SANITIZE:-}" ]; then
    # Python code, whose C (bpetrain's counting, the bench's runs) the sanitized
    # tests cover elsewhere; minutes of interpreters that a sanitizer cannot see.
    skip "the Python strategies (corpus.en, the bench and TRAINER=) are tested in the release build (SANITIZE=$SANITIZE)"
    exit 0
fi
. "$(dirname "$0")/pystrategies_lib.sh"

want=$(ours $REF/corpus.en cs336 500)
"$BPETRAIN" --input $REF/corpus.en --vocab-size 500 --out "$tmp/c" --quiet && cp "$tmp/c/vocab.json" "$tmp/cvocab.json"
learn $REF/corpus.en cs336 500 "$want" "$strategies"
# Counting in Python (no --load-counts): the same merges as bpetrain's counting.
$PY scripts/pytrain.py --input $REF/corpus.en --vocab-size 500 --backend py-serial \
    --count-workers 2 --csv "$tmp/pycount.csv" --quiet
check "pytrain counting with the regex module: merges_hash = bpetrain's" \
    test "$(hash_of "$tmp/pycount.csv")" = "$(hash_of "$tmp/cs336-c.csv")"
"$BPETRAIN" --input $SAMPLE --count-only --save-counts "$tmp/sample.wc" --quiet
$PY scripts/pytrain.py --input $REF/corpus.en --load-counts "$tmp/sample.wc" --vocab-size 500 \
    2>"$tmp/wrongwc.err"
rc=$?
check "the CSV row has bpetrain's columns, in its order" \
    bash -c "[ \"\$(head -1 '$tmp/cs336-py-fork-2.csv')\" = \"\$(head -1 '$tmp/cs336-c.csv')\" ]"
check "pytrain refuses counts of another input, one line" \
    bash -c "[ $rc -ne 0 ] && [ \$(wc -l <'$tmp/wrongwc.err') = 1 ] && grep -q 'another input' '$tmp/wrongwc.err'"

# ---- the bench: py-* rows, the time limit, Ctrl-C ----------------------------------
bench() { python3 scripts/bench.py --results "$tmp/res" --dataset cs336 --repeat 1 --no-count "$@"; }
bench --backends "serial py-serial py-pool" --workers "1 2" --pin compact 2>"$tmp/b1.err"
check "bench with py-* backends: exit 0" test $? -eq 0
csv=$(ls "$tmp"/res/cs336/sessions/*/runs.csv)
check "bench: py-serial and py-pool W=1 2 rows, one merges_hash for C and Python, pinned" \
    python3 - "$csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
got = sorted((r["backend"], r["workers"]) for r in rows)
assert got == [("py-pool", "1"), ("py-pool", "2"), ("py-serial", "1"), ("serial", "1")], got
assert len({r["merges_hash"] for r in rows}) == 1
assert all(r["pin"] == "compact" and r["worker_pus"] for r in rows if r["backend"] == "py-pool"), \
    [r["worker_pus"] for r in rows]
PY
rm -rf "$tmp/res"
python3 scripts/bench.py --results "$tmp/res" --dataset sample --repeat 2 --no-count \
    --backends "serial py-fork" --workers "1 2" --time-limit 2 2>"$tmp/limit.err"
check "time limit: one notice per configuration skipped for time (W=1 killed; W=2, repeat 1 skipped)" \
    bash -c "[ \$(grep -c 'skipped for time: py-fork' '$tmp/limit.err') = 4 ] && grep -q 'W=1 pin=none repeat 0 ran past its time limit of 2 s' '$tmp/limit.err'"
check "time limit: no py-fork row, the serial rows complete" \
    python3 -c "
import csv,sys,glob
rows=[r for p in glob.glob(sys.argv[1]+'/res/sample/sessions/*/runs.csv') for r in csv.DictReader(open(p))]
assert sorted(r['backend'] for r in rows)==['serial','serial'], rows" "$tmp"
sleep 0.3
check "time limit: no pytrain process left" test "$(our_workers 'pytrain')" -eq 0

rm -rf "$tmp/res"
python3 scripts/bench.py --results "$tmp/res" --dataset sample --repeat 1 --no-count \
    --backends "py-serial py-fork" --workers "2" 2>"$tmp/int.err" &
pid=$!
# Not on a TTY, a run's progress line appears when it ends: py-serial's, then py-fork runs.
wait_for_line "$tmp/int.err" "py-serial.*: [0-9.]* s$" 120
sleep 2
kill -INT "$pid"
wait "$pid"
check "Ctrl-C during a Python run: the bench exits 130" test $? -eq 130
check "Ctrl-C: only complete rows (py-serial's), no temporary CSV, no process left" \
    python3 - "$tmp" <<'PY'
import glob, os, subprocess, sys
tmp = sys.argv[1]
p = glob.glob(tmp + "/res/sample/sessions/*/runs.csv")[0]
text = open(p).read()
assert text.endswith("\n")
import csv
rows = list(csv.reader(text.splitlines()))
assert all(len(r) == len(rows[0]) for r in rows) and len(rows) == 2, len(rows)
assert not glob.glob(tmp + "/res/sample/sessions/*/.run-*")
PY
sleep 0.3
check "Ctrl-C: no pytrain process left" test "$(our_workers 'pytrain')" -eq 0

# ---- TRAINER=: a CS336 train_bpe against bpetrain ------------------------------------
T=tests/fixtures/trainers/trainers.py
trainer() { python3 scripts/bench.py --results "$tmp/tres" --dataset cs336 --repeat 1 \
    --time-limit 5 --trainer "$T:$1" 2>"$tmp/$1.err"; }
# Each TRAINER run is a session of its own (results/cs336/sessions/<id>/peers.csv).
prows() { python3 -c "import csv,glob,sys; print(sum(r['trainer'] == 'train_bpe' and r['backend'] == sys.argv[2] for p in glob.glob(sys.argv[1]) for r in csv.DictReader(open(p))))" "$tmp/tres/cs336/sessions/*/peers.csv" "$1"; }
trainer right
rc=$?
check "TRAINER right: exit 0, merges identical to bpetrain's, a row with time and RSS" \
    bash -c "[ $rc -eq 0 ] && grep -q \"merges identical to bpetrain's (243 merges)\" '$tmp/right.err' && [ $(prows right) = 1 ]"
trainer wrong_ties
rc=$?
check "TRAINER wrong_ties: non-zero, its first differing merge named with both pairs" \
    bash -c "[ $rc -ne 0 ] && tail -1 '$tmp/wrong_ties.err' | grep -q \"differ from bpetrain's at merge 31 (0-based): bpetrain b' a' b'nd', .*wrong_ties b' ' b'd'\""
trainer crashes
rc=$?
check "TRAINER crashes: non-zero, one line naming the error, no row" \
    bash -c "[ $rc -ne 0 ] && tail -1 '$tmp/crashes.err' | grep -q 'train_bpe crashes failed (exit 1): .*ZeroDivisionError' && [ $(prows crashes) = 0 ]"
trainer hangs
rc=$?
check "TRAINER hangs: non-zero, one line for the time limit, no row" \
    bash -c "[ $rc -ne 0 ] && tail -1 '$tmp/hangs.err' | grep -q 'train_bpe hangs ran past its time limit of 5 s; killed with its workers, no row' && [ $(prows hangs) = 0 ]"
sleep 0.3
check "TRAINER hangs: neither it nor its worker left" test "$(our_workers 'run_train_bpe')" -eq 0
