#!/usr/bin/env bash
# test_count_workers.sh: the count threads combine their word tables in
# parallel, each word in exactly one part; a word lost or counted in two
# parts would change the counts. At 1, 2, 3 and 8 count workers, bpetrain
# gives the same counts_hash (a hash of every word, its count, the number of
# words and of pre-tokens), the same saved counts size and the same merges, on
# the TinyStories sample, on four copies of it (larger tables, more chunks)
# and on corpus.en (no special token: cuts at newlines); and the same counts when
# a combine thread cannot start; and, from saved counts, the same merges
# however many threads lay out the words before the first merge.
set -u
BPETRAIN=${BPETRAIN:-bin/bpetrain}
. "$(dirname "$0")/lib.sh"
TS=data/sample/tinystories_v1_head_1097.txt
D=tests/fixtures/cs336
cat "$TS" "$TS" "$TS" "$TS" >"$tmp/ts4.txt"
# hash_of CSV: the counts_hash of its last row.
hash_of() {
    python3 -c "import csv,sys; print(list(csv.DictReader(open(sys.argv[1])))[-1]['counts_hash'])" "$1"
}

for f in "$TS" "$tmp/ts4.txt" "$D/corpus.en"; do
    v=1000; [ "$f" = "$D/corpus.en" ] && v=500
    bad=""
    for cw in 1 2 3 8; do
        "$BPETRAIN" --quiet --input "$f" --vocab-size $v --count-workers $cw \
            --csv "$tmp/runs-$cw.csv" --save-counts "$tmp/counts-$cw" --out "$tmp/o-$cw" \
            2>"$tmp/err" || { bad="$bad cw=$cw:failed"; cat "$tmp/err"; continue; }
        h=$(hash_of "$tmp/runs-$cw.csv")
        if [ $cw = 1 ]; then
            h1=$h
            [ -n "$h1" ] || bad="$bad cw=1:no-hash"
        else
            [ "$h" = "$h1" ] || bad="$bad cw=$cw:counts_hash"
            [ "$(stat -c %s "$tmp/counts-$cw")" = "$(stat -c %s "$tmp/counts-1")" ] \
                || bad="$bad cw=$cw:counts-size"
            cmp -s "$tmp/o-$cw/merges.txt" "$tmp/o-1/merges.txt" || bad="$bad cw=$cw:merges"
        fi
    done
    check "$(basename "$f"): 1, 2, 3 and 8 count workers give the same counts and merges" \
        eval '[ -z "$bad" ] || { echo "  differ at$bad"; false; }'
done

# A combine thread that cannot start leaves its part to the calling thread:
# the 2nd and 3rd thread a 2-worker count starts are the combine's two rounds.
"$BPETRAIN" --quiet --input "$tmp/ts4.txt" --count-only --count-workers 1 --csv "$tmp/ref.csv"
bad=""
for k in 2 3; do
    BPEBENCH_FAIL_SYSCALL=pthread_create:$k "$BPETRAIN" --quiet --input "$tmp/ts4.txt" \
        --vocab-size 300 --count-only --count-workers 2 --csv "$tmp/fail-$k.csv" 2>"$tmp/err" \
        || { bad="$bad k=$k:failed"; continue; }
    [ "$(hash_of "$tmp/fail-$k.csv")" = "$(hash_of "$tmp/ref.csv")" ] || bad="$bad k=$k:counts_hash"
done
check "a combine thread that cannot start: the count still succeeds with the same counts" \
    eval '[ -z "$bad" ] || { echo "  differ at$bad"; false; }'

# From saved counts, the count workers are the threads that lay out the words
# and count the initial pairs: the same merges at 1, 2 and 3, and when one of
# those threads cannot start (its part then runs on the calling thread): the
# first three threads such a run starts are shard_build's and the two passes'.
"$BPETRAIN" --quiet --input "$tmp/ts4.txt" --vocab-size 1000 --count-workers 1 \
    --save-counts "$tmp/ts4.wc" --out "$tmp/lref"
bad=""
for run in cw=1 cw=2 cw=3 fail=1 fail=2 fail=3; do
    cw=${run#cw=}; env=()
    case $run in fail=*) cw=2; env=(BPEBENCH_FAIL_SYSCALL=pthread_create:${run#fail=}) ;; esac
    env "${env[@]}" "$BPETRAIN" --quiet --input "$tmp/ts4.txt" --load-counts "$tmp/ts4.wc" \
        --vocab-size 1000 --count-workers "$cw" --out "$tmp/l-$run" 2>"$tmp/err" \
        || { bad="$bad $run:failed"; cat "$tmp/err"; continue; }
    cmp -s "$tmp/l-$run/merges.txt" "$tmp/lref/merges.txt" || bad="$bad $run:merges"
done
check "from saved counts: 1, 2 and 3 threads before the merges, or a thread that cannot start, give the same merges" \
    eval '[ -z "$bad" ] || { echo "  differ at$bad"; false; }'
