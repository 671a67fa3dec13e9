#!/usr/bin/env bash
# test_update.sh: the update strategies. Every strategy, shard count U and
# select backend learns the same merges: the CS336 reference on corpus.en,
# serial's on the TinyStories sample; the work counters that do not depend
# on the sharding agree; pinning is recorded; a thread that cannot start
# ends the run with one line and no output.
set -u
BPETRAIN=${BPETRAIN:-bin/bpetrain}
D=tests/fixtures/cs336
TS=data/sample/tinystories_v1_head_1097.txt
if [ -n "${SANITIZE:-}" ]; then TS_VOCAB=${TS_VOCAB:-600}; else TS_VOCAB=${TS_VOCAB:-2000}; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"

ALL=$("$BPETRAIN" --list-backends --json | python3 -c "import json,sys; print(' '.join(b['name'] for b in json.load(sys.stdin)))")
[ "$(echo "$ALL" | wc -w)" -ge 9 ] && pass "every backend listed ($ALL)" \
    || fail "every backend listed (got '$ALL')"
BACKENDS=${BACKENDS:-$ALL}
"$BPETRAIN" --quiet --input "$TS" --vocab-size "$TS_VOCAB" --out "$tmp/serial_ts" 2>/dev/null

# col FILE NAME: the column NAME of every row of the CSV FILE, one a line.
col() { python3 -c "import csv,sys; [print(r[sys.argv[2]]) for r in csv.DictReader(open(sys.argv[1]))]" "$1" "$2"; }

for b in $BACKENDS; do
    bad_ref=""; bad_ts=""
    for u in 1 2 3 4; do
        o="$tmp/$b-$u"
        "$BPETRAIN" --quiet --input "$D/corpus.en" --vocab-size 500 --backend "$b" --workers 2 \
            --update sharded --update-workers "$u" --out "$o" --csv "$tmp/ref.csv" 2>"$o.err" \
            && cmp -s "$o/merges.txt" "$D/train-bpe-reference-merges.txt" || bad_ref="$bad_ref U=$u"
        "$BPETRAIN" --quiet --input "$TS" --vocab-size "$TS_VOCAB" --backend "$b" --workers 2 \
            --update sharded --update-workers "$u" --out "$o-ts" 2>"$o-ts.err" \
            && cmp -s "$o-ts/merges.txt" "$tmp/serial_ts/merges.txt" || bad_ts="$bad_ts U=$u"
    done
    [ -z "$bad_ref" ] && pass "$b, sharded U 1 2 3 4: corpus.en merges = CS336 reference" \
        || fail "$b, sharded: corpus.en merges differ from the reference at$bad_ref"
    [ -z "$bad_ts" ] && pass "$b, sharded U 1 2 3 4: TinyStories vocab $TS_VOCAB = serial" \
        || fail "$b, sharded: TinyStories merges differ from serial at$bad_ts"
done

# The serial strategy with several shards runs them in turn: same merges.
bad=""
for u in 2 3 4; do
    "$BPETRAIN" --quiet --input "$D/corpus.en" --vocab-size 500 --update serial \
        --update-workers "$u" --out "$tmp/ser-$u" --csv "$tmp/ref.csv" 2>/dev/null \
        && cmp -s "$tmp/ser-$u/merges.txt" "$D/train-bpe-reference-merges.txt" || bad="$bad U=$u"
done
[ -z "$bad" ] && pass "serial, U 2 3 4 shards in turn: merges = reference" \
    || fail "serial with shards: merges differ at$bad"

# With a cutoff, small merges run on the main thread and large ones in
# rounds: the same merges, and fewer rounds than merges.
bad=""
for u in 2 3; do
    "$BPETRAIN" --quiet --input "$D/corpus.en" --vocab-size 500 --update sharded \
        --update-workers "$u" --update-min-words 50 --out "$tmp/mw-$u" --csv "$tmp/ref.csv" \
        2>/dev/null && cmp -s "$tmp/mw-$u/merges.txt" "$D/train-bpe-reference-merges.txt" \
        || bad="$bad U=$u"
    "$BPETRAIN" --quiet --input "$TS" --vocab-size "$TS_VOCAB" --update sharded \
        --update-workers "$u" --update-min-words 50 --out "$tmp/mw-ts-$u" \
        --csv "$tmp/mw.csv" 2>/dev/null \
        && cmp -s "$tmp/mw-ts-$u/merges.txt" "$tmp/serial_ts/merges.txt" || bad="$bad TS/U=$u"
done
rounds=$(paste -d' ' <(col "$tmp/mw.csv" upd_rounds) <(col "$tmp/mw.csv" merges) | awk '$1 > 0 && $1 < $2' | wc -l)
[ -z "$bad" ] && [ "$rounds" -eq 2 ] \
    && pass "sharded, --update-min-words 50, U 2 3: merges = reference and serial, some merges in rounds" \
    || fail "sharded with --update-min-words: merges differ at$bad, or rounds not fewer ($rounds)"

# Sharding splits the work, it does not change it: every row of ref.csv
# counts the same pair-count changes and net changes.
n=$(paste -d' ' <(col "$tmp/ref.csv" upd_pair_changes) <(col "$tmp/ref.csv" upd_net_changes) | sort -u | wc -l)
rows=$(col "$tmp/ref.csv" upd_pair_changes | wc -l)
[ "$rows" -eq $(( 4 * $(echo "$BACKENDS" | wc -w) + 5 )) ] && [ "$n" -eq 1 ] \
    && pass "pair-count changes and net changes equal for every backend, strategy and U ($rows runs)" \
    || fail "pair-count changes or net changes differ between runs ($n distinct in $rows)"

"$BPETRAIN" --quiet --input "$D/corpus.en" --vocab-size 300 --update sharded --update-workers 2 \
    --pin compact --csv "$tmp/pin.csv" 2>/dev/null
pus=$(col "$tmp/pin.csv" update_pus)
[ "$pus" = "L0:P0;L1:P1" ] && pass "pin compact: the CSV records each update thread's PU (L0:P0;L1:P1)" \
    || fail "pin compact: the CSV records each update thread's PU (got '$pus')"
got=$(paste -d' ' <(col "$tmp/pin.csv" update) <(col "$tmp/pin.csv" update_workers))
[ "$got" = "sharded 2" ] && pass "CSV: update and update_workers columns" \
    || fail "CSV: update and update_workers columns (got '$got')"

"$BPETRAIN" --quiet --input "$D/corpus.en" --vocab-size 300 --update bogus 2>"$tmp/bad.err"
[ $? -eq 2 ] && grep -qx "bpetrain: --update expects serial or sharded, got 'bogus'" "$tmp/bad.err" \
    && pass "--update with an unknown name: a clear error" || fail "--update bogus: $(cat "$tmp/bad.err")"

# An update thread that cannot start. Counting and the work before the first
# merge start their threads first, so the k-th pthread_create is tried from 1
# up until one lands on the update.
hit=""
for k in $(seq 1 24); do
    out="$tmp/fail-$k"
    BPEBENCH_FAIL_SYSCALL="pthread_create:$k" timeout 30 "$BPETRAIN" --quiet --input "$TS" \
        --vocab-size 600 --count-workers 2 --update sharded --update-workers 2 --out "$out" \
        2>"$out.err"
    rc=$?
    if grep -q "^bpetrain: update sharded: cannot start thread" "$out.err"; then
        hit=$k
        break
    fi
done
if [ -z "$hit" ]; then
    fail "pthread_create failing for an update thread: never reached"
elif [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ "$(err_lines "$out.err")" -eq 1 ] && [ ! -e "$out/merges.txt" ]; then
    pass "pthread_create:$hit fails for an update thread: exit $rc, one line, no output"
else
    fail "pthread_create:$hit for an update thread: rc=$rc, $(cat "$out.err")"
fi
