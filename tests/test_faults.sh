#!/usr/bin/env bash
# test_faults.sh: every system call behind the seam (harness/base/sys.h) made to
# fail at several points of a run. Each run must either succeed with
# complete outputs (a retried EINTR, a call that was never reached) or fail
# with one error line and a non-zero exit, quickly, leaving no temporary
# file, no output file and no worker process behind.
set -u
BPETRAIN=${BPETRAIN:-bin/bpetrain}
D=tests/fixtures/cs336
TS=data/sample/tinystories_v1_head_1097.txt
. "$(dirname "$0")/lib.sh"

# name:k[:ERRNO] backend workers
cases="
fork:1 fork 2
fork:7 fork 2
fork:2 pool 2
pipe2:1 fork 2
pipe2:6 pool 2
pipe2:4 spawn 2
read:1 fork 2
read:25 pool 2
read:3 spawn 2
write:1 fork 2
write:5 pool 2
write:2 spawn 2
write:1:ENOSPC serial 1
waitpid:1:ECHILD fork 2
waitpid:3 spawn 2
waitpid:2 pool 2
mmap:1 serial 1
malloc:1 serial 1
malloc:100 fork 2
malloc:3000 pool 2
malloc:20000 serial 1
pthread_create:1 pthread 2
pthread_create:2 pthread 2
pthread_create:3 pthread 2
pthread_create:5 pthread 2
pthread_create:1 openmp 2
rename:1 serial 1
rename:2 serial 1
posix_spawn:1 spawn 2
posix_spawn:9 spawn 2
"
tried=0
while read -r spec backend w; do
    [ -n "$spec" ] || continue
    tried=$((tried + 1))
    out="$tmp/out-$tried"
    start=$(date +%s%N)
    BPEBENCH_FAIL_SYSCALL="$spec" timeout 60 "$BPETRAIN" --quiet --input "$TS" --vocab-size 600 \
        --backend "$backend" --workers "$w" --count-workers 2 --out "$out" 2>"$out.err"
    rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    leftovers=$(ls -A "$out" 2>/dev/null | grep -c '\.tmp\.')
    workers=$(our_workers)
    if [ $rc -eq 124 ]; then
        fail "$spec ($backend): hung"
    elif [ $rc -eq 0 ]; then
        if [ -s "$out/merges.txt" ] && [ -s "$out/vocab.json" ] && [ "$leftovers" -eq 0 ]; then
            pass "$spec ($backend): recovered or never reached; complete outputs ($ms ms)"
        else
            fail "$spec ($backend): exit 0 without complete outputs"
        fi
    elif [ "$(err_lines "$out.err")" -eq 1 ] && [ ! -e "$out/merges.txt" ] && [ ! -e "$out/vocab.json" ] \
        && [ "$leftovers" -eq 0 ] && [ "$workers" -eq 0 ] && [ $ms -lt 10000 ]; then
        pass "$spec ($backend): exit $rc in $ms ms: $(cat "$out.err")"
    else
        fail "$spec ($backend): rc=$rc, $ms ms, leftovers=$leftovers, workers=$workers: $(head -c 300 "$out.err")"
    fi
done <<<"$cases"

# ENOSPC on the CSV row: the error is reported and no partial row is left.
printf 'x\n' >"$tmp/runs.csv"
BPEBENCH_FAIL_SYSCALL="write:1:ENOSPC" "$BPETRAIN" --quiet --input "$D/corpus.en" \
    --vocab-size 300 --csv "$tmp/runs.csv" 2>"$tmp/csv.err"
rc=$?
if [ $rc -ne 0 ] && grep -q "No space left on device" "$tmp/csv.err" && [ "$(cat "$tmp/runs.csv")" = x ]; then
    pass "ENOSPC appending the CSV row: reported, the file is as it was"
else
    fail "ENOSPC appending the CSV row: rc=$rc, $(cat "$tmp/csv.err"), file: $(head -c 100 "$tmp/runs.csv")"
fi
BPEBENCH_FAIL_SYSCALL="nosuch:1" "$BPETRAIN" --quiet --input "$D/corpus.en" --vocab-size 300 \
    2>"$tmp/bad.err"
grep -q "not understood" "$tmp/bad.err" && pass "an unknown BPEBENCH_FAIL_SYSCALL is reported" \
    || fail "an unknown BPEBENCH_FAIL_SYSCALL is reported"
