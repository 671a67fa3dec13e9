#!/usr/bin/env bash
# test_backends.sh: every backend, worker count and pinning policy learns
# the same merges as serial (and as the CS336 reference), and a worker that
# dies ends the run quickly, with a clear error and no output files.
set -u
BPETRAIN=${BPETRAIN:-bin/bpetrain}
D=tests/fixtures/cs336
TS=data/sample/tinystories_v1_head_1097.txt
# Sanitizer builds start every process far more slowly (spawn starts one per
# worker per merge), so they check the TinyStories text at a smaller vocab.
if [ -n "${SANITIZE:-}" ]; then TS_VOCAB=${TS_VOCAB:-600}; else TS_VOCAB=${TS_VOCAB:-2000}; fi
. "$(dirname "$0")/lib.sh"
# The backends, their kinds and options come from the trainer's own list.
ALL_BACKENDS=$(backends_where True)
WITH_LAYOUT=$(backends_where "'layout' in [o['name'] for o in b['options']]")
BACKENDS=${BACKENDS:-$ALL_BACKENDS}

[ "$(echo "$ALL_BACKENDS" | wc -w)" -ge 9 ] && pass "--list-backends --json: every backend ($ALL_BACKENDS)" \
    || fail "--list-backends --json: every backend (got '$ALL_BACKENDS')"
[ "$WITH_LAYOUT" = "fork pool spawn fork-deepcopy" ] && pass "--list-backends --json: the process backends declare layout" \
    || fail "--list-backends --json: the process backends declare layout (got '$WITH_LAYOUT')"
list=$("$BPETRAIN" --list-backends)
for b in $ALL_BACKENDS; do
    if echo "$list" | grep -qE "^$b +[^ ].{20,}"; then pass "--list-backends: $b with a description"
    else fail "--list-backends: $b with a description"; fi
done

"$BPETRAIN" --quiet --input "$TS" --vocab-size "$TS_VOCAB" --out "$tmp/serial_ts" 2>/dev/null
for b in $BACKENDS; do
    bad_ref=""; bad_ts=""
    for w in 1 2 3 4 8; do
        for pin in none compact; do
            o="$tmp/$b-$w-$pin"
            "$BPETRAIN" --quiet --input "$D/corpus.en" --vocab-size 500 --backend "$b" \
                --workers "$w" --pin "$pin" --out "$o" 2>"$o.err" \
                && cmp -s "$o/merges.txt" "$D/train-bpe-reference-merges.txt" \
                || bad_ref="$bad_ref W=$w/$pin"
            "$BPETRAIN" --quiet --input "$TS" --vocab-size "$TS_VOCAB" --backend "$b" \
                --workers "$w" --pin "$pin" --out "$o-ts" 2>"$o-ts.err" \
                && cmp -s "$o-ts/merges.txt" "$tmp/serial_ts/merges.txt" \
                || bad_ts="$bad_ts W=$w/$pin"
        done
    done
    if [ -z "$bad_ref" ]; then pass "$b, W 1 2 3 4 8, pin none/compact: corpus.en merges = CS336 reference"
    else fail "$b: corpus.en merges differ from the reference at$bad_ref"; fi
    if [ -z "$bad_ts" ]; then pass "$b, W 1 2 3 4 8, pin none/compact: TinyStories vocab $TS_VOCAB = serial"
    else fail "$b: TinyStories merges differ from serial at$bad_ts"; fi
done
"$BPETRAIN" --quiet --input "$D/corpus.en" --vocab-size 500 --backend pthread --workers 4 \
    --pin scatter --out "$tmp/scatter" 2>/dev/null && cmp -s "$tmp/scatter/merges.txt" "$D/train-bpe-reference-merges.txt" \
    && pass "pin scatter: merges = reference" || fail "pin scatter: merges = reference"
"$BPETRAIN" --quiet --input "$D/corpus.en" --vocab-size 300 --backend pthread --workers 8 \
    --out "$tmp/over" 2>"$tmp/over.err"
if [ "$(nproc)" -lt 8 ]; then
    grep -q "oversubscribed" "$tmp/over.err" && pass "8 workers on $(nproc) PUs: a warning says so" \
        || fail "8 workers on $(nproc) PUs: a warning says so"
else
    skip "oversubscription warning: this machine has $(nproc) PUs, 8 workers fit"
fi
"$BPETRAIN" --quiet --input "$D/corpus.en" --vocab-size 300 --backend pool --workers 2 \
    --pin compact --csv "$tmp/pin.csv" 2>/dev/null
col=$(head -1 "$tmp/pin.csv" | tr ',' '\n' | grep -n '^worker_pus$' | cut -d: -f1)
pus=$(sed -n 2p "$tmp/pin.csv" | cut -d, -f"$col")
[ "$pus" = "L0:P0;L1:P1" ] && pass "pin compact: the CSV records each worker's PU (L0:P0;L1:P1)" \
    || fail "pin compact: the CSV records each worker's PU (got '$pus')"

# ---- layouts, reference-count writes, shuffled chunks ---------------------------------
for b in $WITH_LAYOUT; do
    bad=""
    for layout in flat objects; do
        for touch in "" --touch; do
            for w in 1 3; do
                "$BPETRAIN" --quiet --input "$D/corpus.en" --vocab-size 500 --backend "$b" \
                    --workers $w --layout $layout $touch --out "$tmp/lt" 2>/dev/null \
                    && cmp -s "$tmp/lt/merges.txt" "$D/train-bpe-reference-merges.txt" \
                    || bad="$bad $layout$touch/W=$w"
            done
        done
    done
    [ -z "$bad" ] && pass "$b: --layout flat/objects, with and without --touch: merges = reference" \
        || fail "$b: layouts/touch differ from the reference at$bad"
done
"$BPETRAIN" --quiet --input "$TS" --vocab-size "$TS_VOCAB" --backend pool --workers 3 \
    --shuffle-chunks --out "$tmp/shuf" 2>/dev/null && cmp -s "$tmp/shuf/merges.txt" "$tmp/serial_ts/merges.txt" \
    && pass "pool --shuffle-chunks: merges = serial" || fail "pool --shuffle-chunks: merges = serial"
"$BPETRAIN" --quiet --input "$D/corpus.en" --vocab-size 300 --backend pthread --touch 2>"$tmp/t.err"
[ $? -ne 0 ] && grep -qx "bpetrain: backend pthread: unknown option 'touch' (options: none)" "$tmp/t.err" \
    && pass "--touch on a thread backend: a clear error" || fail "--touch on a thread backend: a clear error"
"$BPETRAIN" --quiet --input "$D/corpus.en" --vocab-size 300 --backend fork --shuffle-chunks 2>"$tmp/t.err"
[ $? -ne 0 ] && grep -qx "bpetrain: backend fork: unknown option 'shuffle' (options: layout, touch)" "$tmp/t.err" \
    && pass "--shuffle-chunks on fork: a clear error" || fail "--shuffle-chunks on fork: a clear error"
"$BPETRAIN" --quiet --input "$D/corpus.en" --vocab-size 300 --backend pool --backend-opts layout=x 2>"$tmp/t.err"
[ $? -eq 2 ] && grep -qx "bpetrain: backend pool: option layout expects flat|objects, got 'x'" "$tmp/t.err" \
    && pass "--backend-opts with a bad value: a clear error" || fail "--backend-opts with a bad value: a clear error"
"$BPETRAIN" --quiet --input "$D/corpus.en" --vocab-size 300 --backend pool --workers 2 \
    --backend-opts "layout=objects;touch" --shuffle-chunks --csv "$tmp/opts.csv" 2>/dev/null
opts=$(python3 -c "import csv,sys; r=list(csv.DictReader(open(sys.argv[1])))[0]; print(r['backend_opts'])" "$tmp/opts.csv")
[ "$opts" = "layout=objects;touch=1;shuffle=1" ] && pass "backend_opts column: every option, canonical" \
    || fail "backend_opts column: every option, canonical (got '$opts')"
"$BPETRAIN" --quiet --input "$D/corpus.en" --vocab-size 300 --backend lazyheap --csv "$tmp/lazy.csv"
counters=$(python3 -c "import csv,sys; r=list(csv.DictReader(open(sys.argv[1])))[0]; print(r['backend_counters'])" "$tmp/lazy.csv")
case "$counters" in heap_stale=[0-9]*) pass "backend_counters column: lazyheap's stale pops" ;;
    *) fail "backend_counters column: lazyheap's stale pops (got '$counters')" ;; esac

# ---- a worker that dies -------------------------------------------------------------
# The time limit (timeout 30) catches a hang; the time taken is reported, not
# asserted (a loaded machine or a sanitizer build is slower, not wrong).
for b in $WITH_LAYOUT; do
    for mode in abort exit close short; do
        o="$tmp/fail-$b-$mode"
        start=$(date +%s%N)
        BPEBENCH_WORKER_FAIL="1:20:$mode" timeout 30 "$BPETRAIN" --quiet --input "$TS" \
            --vocab-size 2000 --backend "$b" --workers 2 --out "$o" 2>"$o.err"
        rc=$?
        ms=$(( ($(date +%s%N) - start) / 1000000 ))
        lines=$(err_lines "$o.err")
        if [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ ! -e "$o" ] \
            && [ "$lines" -eq 1 ] && grep -q "backend $b: worker 1 failed" "$o.err"; then
            pass "$b, worker 1 fails ($mode) at merge 20: exit $rc in $ms ms, one-line error, no output"
        else
            fail "$b, worker 1 fails ($mode): rc=$rc, $ms ms, $(cat "$o.err")"
        fi
    done
done
# A worker killed from outside, mid-run. Pool workers live the whole run,
# so one is there to be killed; the run must not outlive it by much.
"$BPETRAIN" --quiet --input "$TS" --vocab-size 8000 --backend pool --workers 2 \
    --out "$tmp/killed" 2>"$tmp/killed.err" &
pid=$!
child=""
for _ in $(seq 100); do
    child=$(pgrep -P "$pid" | head -1)
    [ -n "$child" ] && break
    sleep 0.02
done
sleep 0.05
[ -n "$child" ] && kill -9 "$child" 2>/dev/null
start=$(date +%s%N)
wait "$pid"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ -z "$child" ]; then
    fail "pool worker killed with SIGKILL: no worker found to kill"
elif [ $rc -ne 0 ] && [ $ms -lt 30000 ] && [ ! -e "$tmp/killed/merges.txt" ] \
    && grep -q "killed by signal 9" "$tmp/killed.err"; then
    pass "pool worker killed with SIGKILL: driver exits $rc within $ms ms, names the signal"
elif [ $rc -eq 0 ] && [ -e "$tmp/killed/merges.txt" ]; then
    # The run finished before the kill landed: not a failure of the driver.
    pass "pool worker killed with SIGKILL: (run finished first; nothing to check)"
else
    fail "pool worker killed with SIGKILL: rc=$rc, $ms ms, $(cat "$tmp/killed.err")"
fi
left=$(our_workers "bpescan --worker")
[ "$left" -eq 0 ] && pass "no spawned worker left running" || fail "$left spawned workers left running"
