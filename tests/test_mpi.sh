#!/usr/bin/env bash
# test_mpi.sh: bin/bpetrain-mpi under mpirun with 1 to 4 ranks on this
# machine: the CS336 oracle and bpetrain's merges and counts on the sample,
# for the counting over ranks and for backend mpi; bad flags; a rank killed
# with SIGKILL; Ctrl-C. Skipped (one SKIP line) only where Open MPI is not
# installed and cannot be; installed but not built is a failure.
set -u
set -m # background runs get their own process group and keep SIGINT
BPETRAIN=${BPETRAIN:-bin/bpetrain}
BPETRAIN_MPI=${BPETRAIN_MPI:-bin/bpetrain-mpi}
D=tests/fixtures/cs336
TS=data/sample/tinystories_v1_head_1097.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
check() { local d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }

if ! command -v mpirun >/dev/null 2>&1; then
    if [ -x "$BPETRAIN_MPI" ]; then
        fail "$BPETRAIN_MPI exists but mpirun does not"
    else
        echo "SKIP Open MPI is not installed and could not be (make mpi says why)"
    fi
    exit 0
fi
if [ ! -x "$BPETRAIN_MPI" ]; then
    fail "Open MPI is installed but $BPETRAIN_MPI was not built (make mpi)"
    exit 0
fi
# Root may run ranks only when told; this 2-core machine runs up to 4.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Sanitizer builds: Open MPI's own start-up allocations are not our leaks.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
mpi() { # mpi RANKS ARGS...: bpetrain-mpi with a time limit
    local n=$1; shift
    timeout -k 5 120 mpirun -q --oversubscribe -n "$n" "$BPETRAIN_MPI" "$@"
}
col() { # col CSV NAME: that column of the last row
    awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i }
                          END { print $c }' "$1"
}
ours() { pgrep -f "$tmp" | wc -l; }

# ---- the references: bpetrain ----------------------------------------------------
"$BPETRAIN" --quiet --input "$TS" --vocab-size 2000 --out "$tmp/ref" --csv "$tmp/ref.csv"
ref_counts=$(col "$tmp/ref.csv" counts_hash)

# ---- counting over 1-4 ranks: the oracle, bpetrain's merges and counts -------------
for n in 1 2 3 4; do
    mpi $n --quiet --input "$D/corpus.en" --vocab-size 500 --out "$tmp/cs$n" 2>"$tmp/cs$n.err"
    check "$n ranks: corpus.en vocab 500 equals the CS336 reference merges" \
        cmp -s "$tmp/cs$n/merges.txt" "$D/train-bpe-reference-merges.txt"
    mpi $n --quiet --input "$TS" --vocab-size 2000 --count-workers $((n % 2 + 1)) \
        --out "$tmp/ts$n" --csv "$tmp/ts$n.csv" --save-counts "$tmp/ts$n.wc"
    check "$n ranks, $((n % 2 + 1)) threads each: sample vocab 2000 merges equal bpetrain's" \
        cmp -s "$tmp/ts$n/merges.txt" "$tmp/ref/merges.txt"
    check "$n ranks: word counts equal bpetrain's (counts_hash)" \
        test "$(col "$tmp/ts$n.csv" counts_hash)" = "$ref_counts"
    check "$n ranks: the CSV row names $n ranks and $n counting times" \
        test "$(col "$tmp/ts$n.csv" ranks)" = $n -a \
        "$(col "$tmp/ts$n.csv" rank_count_s | tr ';' '\n' | grep -c .)" = $n
done
check "1 rank sends no counts; 4 ranks send some" \
    test "$(col "$tmp/ts1.csv" count_bytes)" = 0 -a "$(col "$tmp/ts4.csv" count_bytes)" -gt 0
"$BPETRAIN" --quiet --input "$TS" --vocab-size 2000 --load-counts "$tmp/ts3.wc" \
    --out "$tmp/loaded"
check "--save-counts of 3 ranks loads in bpetrain and gives the same merges" \
    cmp -s "$tmp/loaded/merges.txt" "$tmp/ref/merges.txt"

# ---- backend mpi: the live pairs over the ranks ----------------------------------------
for n in 1 2 3 4; do
    mpi $n --quiet --input "$D/corpus.en" --vocab-size 500 --backend mpi --out "$tmp/m$n" \
        --csv "$tmp/m$n.csv"
    check "backend mpi, $n ranks: corpus.en equals the CS336 reference" \
        cmp -s "$tmp/m$n/merges.txt" "$D/train-bpe-reference-merges.txt"
done
check "backend mpi: W is the rank count and the bytes moved are counted" \
    bash -c "[ '$(col "$tmp/m3.csv" workers)' = 3 ] &&
             grep -q 'scatter_bytes=[1-9]' <<<'$(col "$tmp/m3.csv" backend_counters)'"
mpi 3 --quiet --input "$D/corpus.en" --vocab-size 500 --backend mpi --backend-opts wait=sleep \
    --out "$tmp/sleep"
check "backend mpi, 3 ranks, wait=sleep: corpus.en equals the CS336 reference" \
    cmp -s "$tmp/sleep/merges.txt" "$D/train-bpe-reference-merges.txt"
for n in 2 3; do
    mpi $n --quiet --input "$TS" --vocab-size 2000 --backend mpi --out "$tmp/tm$n"
    check "backend mpi, $n ranks: sample vocab 2000 merges equal bpetrain's" \
        cmp -s "$tmp/tm$n/merges.txt" "$tmp/ref/merges.txt"
done
mpi 2 --quiet --input "$D/corpus.en" --vocab-size 500 --backend pool --workers 2 --out "$tmp/pool"
check "2 ranks, backend pool (forked workers under MPI): corpus.en equals the reference" \
    cmp -s "$tmp/pool/merges.txt" "$D/train-bpe-reference-merges.txt"
check "--list-backends lists mpi after bpetrain's own" \
    test "$(mpi 2 --list-backends | awk 'NF && $1 !~ /^option/ {print $1}' | grep -v '^option' |
            tail -1)" = mpi

# ---- bad input: one line from rank 0, nothing written ----------------------------
bad() { # bad DESCR PATTERN ARGS...
    local d=$1 pat=$2; shift 2
    bad_run "$d: one line" "$pat" "$tmp/bad" mpi 3 --out "$tmp/bad" "$@"
}
bad "a bad --vocab-size" "^bpetrain-mpi: --vocab-size expects" --input "$TS" --vocab-size x
check "a bad option: exit 2, as bpetrain" test "$(mpi 2 --input "$TS" --vocab-size x 2>/dev/null
                                                  echo $?)" = 2
bad "an unknown backend" "unknown backend 'nope'; known: .* mpi" --input "$TS" --vocab-size 300 \
    --backend nope
bad "backend mpi with --workers other than the ranks" "W is the rank count" --input "$TS" \
    --vocab-size 300 --backend mpi --workers 2
bad "a missing input" "cannot open" --input "$tmp/none.txt" --vocab-size 300
bad "an unknown flag" "unknown option" --input "$TS" --vocab-size 300 --frobnicate

# ---- a rank that dies, and Ctrl-C: the job ends, nothing written, nothing left -----------
ended() { # ended DESCR RC OUTDIR SECONDS ERRFILE MIN_LINES
    local d=$1 rc=$2 out=$3 took=$4 err=$5 lines
    sleep 0.2
    lines=$(wc -l <"$err")
    if [ "$rc" -ne 0 ] && [ ! -e "$out" ] && [ "$(ours)" -eq 0 ] && [ "$took" -le 15 ] \
        && [ "$lines" -ge "$6" ] && [ "$lines" -le 1 ]; then
        pass "$d: exit $rc in ${took}s, $lines line, no file, no process left"
    else
        fail "$d: rc=$rc, ${took}s, $(ours) processes left, files: $(ls -A "$out" 2>/dev/null |
             wc -l), stderr: $(head -c 300 "$err")"
    fi
}
start=$SECONDS
BPEBENCH_RANK_FAIL=1:20 mpi 2 --quiet --input "$TS" --vocab-size 2000 --backend mpi \
    --out "$tmp/killed" 2>"$tmp/killed.err"
ended "backend mpi, rank 1 killed (SIGKILL) at merge 20" $? "$tmp/killed" $((SECONDS - start)) \
    "$tmp/killed.err" 1

big="$tmp/big.txt"
for _ in $(seq 64); do cat "$TS"; done >"$big"
# wait_ranks N: until N ranks of this test are running; prints their pids
# (the ranks' command lines begin with the program, unlike mpirun's).
wait_ranks() {
    local pids
    for _ in $(seq 300); do
        pids=$(pgrep -f "^$BPETRAIN_MPI .*$tmp/big.txt")
        [ "$(echo "$pids" | grep -c .)" -ge "$1" ] && { echo "$pids"; return 0; }
        sleep 0.02
    done
    return 1
}
mpi 2 --quiet --input "$big" --vocab-size 3000 --count-workers 1 --out "$tmp/k2" \
    2>"$tmp/k2.err" &
job=$!
start=$SECONDS
if pids=$(wait_ranks 2); then
    sleep 1 # past MPI_Init (slow under a sanitizer), well before counting ends
    for p in $pids; do # rank 1: rank 0 is the one that reports
        tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx OMPI_COMM_WORLD_RANK=1 &&
            kill -KILL "$p"
    done
    wait $job
    ended "a rank killed (SIGKILL) while counting" $? "$tmp/k2" $((SECONDS - start)) \
        "$tmp/k2.err" 1
else
    kill -KILL $job 2>/dev/null
    wait $job
    fail "a rank killed while counting: the ranks never started"
fi

mpi 2 --quiet --input "$big" --vocab-size 3000 --backend mpi --out "$tmp/int" \
    2>"$tmp/int.err" &
job=$!
start=$SECONDS
if wait_ranks 2 >/dev/null; then
    sleep 0.5
    # Ctrl-C at a terminal: SIGINT to mpirun (its ranks have groups of
    # their own, so the terminal's SIGINT reaches mpirun alone).
    kill -INT "$(pgrep -f "^mpirun .*$tmp/big.txt")"
    wait $job
    # mpirun drops what the ranks print once it is interrupted: no line.
    ended "Ctrl-C (SIGINT to mpirun)" $? "$tmp/int" $((SECONDS - start)) "$tmp/int.err" 0
else
    kill -KILL $job 2>/dev/null
    wait $job
    fail "Ctrl-C: the ranks never started"
fi
