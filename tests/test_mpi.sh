#!/usr/bin/env bash
# test_mpi.sh: bin/bpetrain-mpi under mpirun with 1 to 4 ranks on this
# machine: the CS336 oracle and bpetrain's merges and counts on the sample,
# for the counting over ranks and for backend mpi; bad flags and a bad rank
# count; a rank killed with SIGKILL, an MPI call that fails, Ctrl-C.
# Skipped (one SKIP line) only where Open MPI is not installed and cannot
# be; installed but not built is a failure.
set -u
set -m # background runs get their own process group and keep SIGINT
. "$(dirname "$0")/lib.sh"
BPETRAIN=${BPETRAIN:-bin/bpetrain}
BPETRAIN_MPI=${BPETRAIN_MPI:-bin/bpetrain-mpi}
D=tests/fixtures/cs336
TS=data/sample/tinystories_v1_head_1097.txt

if ! command -v mpirun >/dev/null 2>&1; then
    if [ -x "$BPETRAIN_MPI" ]; then
        fail "$BPETRAIN_MPI exists but mpirun does not"
    else
        skip "Open MPI is not installed and could not be (make mpi says why)"
    fi
    exit 0
fi
if [ ! -x "$BPETRAIN_MPI" ]; then
    fail "Open MPI is installed but $BPETRAIN_MPI was not built (make mpi)"
    exit 0
fi
# Root may run ranks only when told; this 2-core machine runs up to 4.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi() { # mpi RANKS ARGS...: bpetrain-mpi with a time limit
    local n=$1; shift
    timeout -k 5 300 mpirun -q --oversubscribe -n "$n" "$BPETRAIN_MPI" "$@"
}
if [ -n "${SANITIZE:-}" ]; then
    # A sanitized rank must start: if it cannot, say why and stop.
    if ! ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" mpi 2 --quiet --input "$D/corpus.en" \
        --vocab-size 300 --out "$tmp/probe" 2>"$tmp/probe.err"; then
        skip "Open MPI ranks do not run under SANITIZE=$SANITIZE here: $(head -c 200 "$tmp/probe.err")"
        exit 0
    fi
    # Open MPI leaks at exit (its components, unloaded by then, show as
    # <unknown module>), so LeakSanitizer fails every job: one job is checked
    # for leaks allocated by this project's code (the allocator's caller, frame
    # #1, in harness/ or variants/), the rest run without.
    case "$SANITIZE" in *address*|*leak*)
        ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=1" mpi 2 --quiet --input "$D/corpus.en" \
            --vocab-size 500 --backend mpi --out "$tmp/leaks" 2>"$tmp/leaks.err"
        check "sanitized, 2 ranks, backend mpi: the reference merges, no leak in harness/ or variants/" \
            bash -c "cmp -s '$tmp/leaks/merges.txt' '$D/train-bpe-reference-merges.txt' &&
                     ! grep -E '^ +#1 0x[0-9a-f]+ in [^ ]+ [^ ]*(harness|variants)/' '$tmp/leaks.err'"
        export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" ;;
    esac
fi
col() { # col CSV NAME: that column of the last row
    python3 -c 'import csv,sys; print(list(csv.DictReader(open(sys.argv[1])))[-1][sys.argv[2]])' "$1" "$2"
}
ours() { our_workers "bpetrain-mpi|mpirun|orted"; }

# ---- the references: bpetrain ----------------------------------------------------
"$BPETRAIN" --quiet --input "$TS" --vocab-size 2000 --out "$tmp/ref" --csv "$tmp/ref.csv"
ref_counts=$(col "$tmp/ref.csv" counts_hash)

# ---- counting over 1-4 ranks: the oracle, bpetrain's merges and counts -------------
for n in 1 2 3 4; do
    mpi $n --quiet --input "$D/corpus.en" --vocab-size 500 --out "$tmp/cs$n"
    check "$n ranks: corpus.en vocab 500 equals the CS336 reference merges" \
        cmp -s "$tmp/cs$n/merges.txt" "$D/train-bpe-reference-merges.txt"
    th=$((n % 2 + 1))
    mpi $n --quiet --input "$TS" --vocab-size 2000 --count-workers $th \
        --out "$tmp/ts$n" --csv "$tmp/ts$n.csv" --save-counts "$tmp/ts$n.wc"
    check "$n ranks, $th threads each: sample vocab 2000 merges equal bpetrain's" \
        cmp -s "$tmp/ts$n/merges.txt" "$tmp/ref/merges.txt"
    check "$n ranks: word counts equal bpetrain's (counts_hash $ref_counts)" \
        test "$(col "$tmp/ts$n.csv" counts_hash)" = "$ref_counts"
    check "$n ranks: the CSV row names $n ranks and $n counting times" \
        test "$(col "$tmp/ts$n.csv" ranks)" = $n -a \
        "$(col "$tmp/ts$n.csv" rank_count_s | tr ';' '\n' | grep -c .)" = $n
done
# Nodes (BPEBENCH_RANKS_PER_NODE makes them for the test): each its own range,
# its ranks sharing that range's chunks; a rank alone on its node counts its range.
for layout in "4 2 1" "3 1 2"; do
    set -- $layout
    BPEBENCH_RANKS_PER_NODE=$2 mpi $1 --quiet --input "$TS" --count-only --count-workers $3 \
        --csv "$tmp/nodes$1.csv"
    check "$1 ranks on nodes of $2, $3 threads each: word counts equal bpetrain's" \
        test "$(col "$tmp/nodes$1.csv" counts_hash)" = "$ref_counts"
done
# A rank that starts a second late finds its node's chunks taken by the other.
BPEBENCH_RANK_FAIL=1:start:late mpi 2 --quiet --input "$TS" --count-only --count-workers 1 \
    --csv "$tmp/late.csv"
late=$(col "$tmp/late.csv" rank_count_bytes)
check "2 ranks, rank 1 a second late: counts equal, rank 0 counted the input ($late bytes)" \
    test "$(col "$tmp/late.csv" counts_hash)" = "$ref_counts" -a \
    "${late%;*}" = "$(stat -c %s "$TS")" -a "${late#*;}" = 0
check "1 rank sends no counts; 4 ranks send some" \
    test "$(col "$tmp/ts1.csv" count_bytes)" = 0 -a "$(col "$tmp/ts4.csv" count_bytes)" -gt 0
"$BPETRAIN" --quiet --input "$TS" --vocab-size 2000 --load-counts "$tmp/ts3.wc" \
    --out "$tmp/loaded"
check "--save-counts of 3 ranks loads in bpetrain and gives the same merges" \
    cmp -s "$tmp/loaded/merges.txt" "$tmp/ref/merges.txt"
mpi 2 --quiet --input "$TS" --vocab-size 2000 --load-counts "$tmp/ts1.wc" --out "$tmp/mload"
check "--load-counts in bpetrain-mpi (2 ranks): the same merges" \
    cmp -s "$tmp/mload/merges.txt" "$tmp/ref/merges.txt"

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
for w in sleep yield; do
    mpi 3 --quiet --input "$D/corpus.en" --vocab-size 500 --backend mpi --backend-opts wait=$w \
        --out "$tmp/$w"
    check "backend mpi, 3 ranks, wait=$w: corpus.en equals the CS336 reference" \
        cmp -s "$tmp/$w/merges.txt" "$D/train-bpe-reference-merges.txt"
done
for n in 2 3; do
    mpi $n --quiet --input "$TS" --vocab-size 2000 --backend mpi --out "$tmp/tm$n"
    check "backend mpi, $n ranks: sample vocab 2000 merges equal bpetrain's" \
        cmp -s "$tmp/tm$n/merges.txt" "$tmp/ref/merges.txt"
done
mpi 2 --quiet --input "$D/corpus.en" --vocab-size 500 --backend pool --workers 2 --out "$tmp/pool"
check "2 ranks, backend pool (forked workers under MPI): corpus.en equals the reference" \
    cmp -s "$tmp/pool/merges.txt" "$D/train-bpe-reference-merges.txt"
check "--list-backends lists mpi after bpetrain's own" \
    test "$(mpi 2 --list-backends | awk '$1 != "option" {print $1}' | tail -1)" = mpi
check "--list-backends --json: mpi, once (rank 0 alone prints)" \
    test "$(mpi 2 --list-backends --json | grep -c '"name": "mpi"')" = 1
check "bpetrain does not list mpi, nor link MPI" \
    bash -c "! '$BPETRAIN' --list-backends | grep -q '^mpi ' && ! ldd '$BPETRAIN' | grep -q libmpi"

# ---- bad input: one line from rank 0, nothing written ----------------------------
bad() { # bad DESCR PATTERN ARGS...: exit 2, one line matching PATTERN, no output
    local d=$1 pat=$2 rc; shift 2
    rm -rf "$tmp/bad"
    mpi 3 --out "$tmp/bad" "$@" >/dev/null 2>"$tmp/bad.err"
    rc=$?
    if [ $rc -eq 2 ] && [ "$(err_lines "$tmp/bad.err")" -eq 1 ] &&
        grep -q -- "$pat" "$tmp/bad.err" && [ ! -e "$tmp/bad/merges.txt" ]; then
        pass "$d: exit 2, one line"
    else
        fail "$d (rc=$rc: $(head -c 300 "$tmp/bad.err"))"
    fi
}
bad "a bad --vocab-size, as bpetrain says it" \
    "$("$BPETRAIN" --input "$TS" --vocab-size x 2>&1)" --input "$TS" --vocab-size x
bad "an unknown backend" "unknown backend 'nope'; known: .* mpi" --input "$TS" --vocab-size 300 \
    --backend nope
bad "backend mpi with --workers other than the ranks" "W is the rank count" --input "$TS" \
    --vocab-size 300 --backend mpi --workers 2
bad "a missing input" "cannot open" --input "$tmp/none.txt" --vocab-size 300
bad "an unknown flag" "unknown option" --input "$TS" --vocab-size 300 --frobnicate
bad "a vocabulary without room for a merge" "must exceed" --input "$TS" --vocab-size 100

# ---- a rank that dies, a failed call, Ctrl-C: the job ends, nothing left ------------
ended() { # ended DESCR RC OUTDIR SECONDS ERRFILE PATTERN
    local d=$1 rc=$2 out=$3 took=$4 err=$5 pat=$6 lines left
    sleep 0.3
    lines=$(err_lines "$err")
    left=$(ours)
    if [ "$rc" -ne 0 ] && [ ! -e "$out" ] && [ "$left" -eq 0 ] && [ "$took" -le 20 ] &&
        [ "$lines" -eq 1 ] && grep -q -- "$pat" "$err"; then
        pass "$d: exit $rc in ${took}s, one line, no file, no process left"
    else
        fail "$d: rc=$rc, ${took}s, $left processes left, files: $(ls -A "$out" 2>/dev/null |
             wc -l), stderr: $(head -c 300 "$err")"
    fi
}
start=$SECONDS
BPEBENCH_RANK_FAIL=1:20 mpi 2 --quiet --input "$TS" --vocab-size 2000 --backend mpi \
    --out "$tmp/killed" 2>"$tmp/killed.err"
ended "backend mpi, rank 1 killed (SIGKILL) at merge 20" $? "$tmp/killed" $((SECONDS - start)) \
    "$tmp/killed.err" "the job was stopped"
start=$SECONDS
BPEBENCH_RANK_FAIL=2:30:mpi mpi 3 --quiet --input "$TS" --vocab-size 2000 --backend mpi \
    --out "$tmp/mpifail" 2>"$tmp/mpifail.err"
ended "backend mpi, an MPI call failing on rank 2 at merge 30" $? "$tmp/mpifail" \
    $((SECONDS - start)) "$tmp/mpifail.err" "^bpetrain-mpi: rank 2: MPI_Bcast failed"

# rank_pid R: the pid of rank R of this test's running job, once rank 0 is
# ready to say that the job was stopped (its SIGUSR1 handler is in place,
# after MPI_Init and the option checks); empty if that never comes.
rank_pid() {
    local p r0 r
    for _ in $(seq 1000); do
        r0="" r=""
        for p in $(pgrep -f "^$BPETRAIN_MPI "); do
            { tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null | grep -qx "BPEBENCH_TEST_MARK=$tmp" ||
                continue
            case "$({ tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null | grep '^OMPI_COMM_WORLD_RANK=')" in
                OMPI_COMM_WORLD_RANK=0) r0=$p ;;
                "OMPI_COMM_WORLD_RANK=$1") r=$p ;;
            esac
        done
        if [ -n "$r0" ] && [ -n "$r" ] &&
            (( 0x$(awk '/^SigCgt:/ {print $2}' "/proc/$r0/status" 2>/dev/null || echo 0) & 0x200 )); then
            echo "$r"
            return 0
        fi
        sleep 0.02
    done
    return 1
}
# Rank 1 stops for good after counting its range (BPEBENCH_RANK_FAIL=...:stop),
# so the job is surely still counting when it is killed.
BPEBENCH_RANK_FAIL=1:count:stop mpi 2 --quiet --input "$TS" --vocab-size 2000 --out "$tmp/k2" \
    2>"$tmp/k2.err" &
job=$!
start=$SECONDS
if p=$(rank_pid 1); then
    kill -KILL "$p"
    wait $job
    ended "rank 1 killed (SIGKILL) while the job counts" $? "$tmp/k2" $((SECONDS - start)) \
        "$tmp/k2.err" "the job was stopped"
else
    kill -KILL $job 2>/dev/null
    wait $job
    fail "a rank killed while counting: the ranks never got ready"
fi

BPEBENCH_RANK_FAIL=1:5:stop mpi 2 --quiet --input "$TS" --vocab-size 2000 --backend mpi \
    --out "$tmp/int" 2>"$tmp/int.err" &
job=$!
start=$SECONDS
if rank_pid 1 >/dev/null; then
    # Ctrl-C at a terminal: SIGINT to mpirun (its ranks have groups of
    # their own, so the terminal's SIGINT reaches mpirun alone).
    for p in $(pgrep -f "^mpirun .*$tmp/int"); do kill -INT "$p"; done
    wait $job
    rc=$?
    sleep 0.3
    left=$(ours)
    # mpirun drops what the ranks print once it is interrupted: at most
    # one line.
    if [ $rc -ne 0 ] && [ ! -e "$tmp/int" ] && [ "$left" -eq 0 ] &&
        [ "$(err_lines "$tmp/int.err")" -le 1 ] && [ $((SECONDS - start)) -le 20 ]; then
        pass "Ctrl-C (SIGINT to mpirun) during backend mpi's merges: exit $rc, no file, no process left"
    else
        fail "Ctrl-C: rc=$rc, $left processes left, stderr: $(head -c 300 "$tmp/int.err")"
    fi
else
    kill -KILL $job 2>/dev/null
    wait $job
    fail "Ctrl-C: the ranks never got ready"
fi
