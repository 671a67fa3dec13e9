#!/usr/bin/env bash
# test_large.sh: an input past 4 GiB is counted with 64-bit offsets and
# without being loaded into anonymous memory: the bundled sample repeated
# 4,600 times must give exactly 4,600 times the sample's counts, with a
# resident set far below the input's size.
set -u
BPETRAIN=${BPETRAIN:-bin/bpetrain}
TS=data/sample/tinystories_v1_head_1097.txt
. "$(dirname "$0")/lib.sh"

# Under a sanitizer, counting 4.4 GB takes many minutes; the release build
# checks this, the sanitizer builds check the same code on small inputs.
if [ -n "${SANITIZE:-}" ]; then
    skip "4 GiB input: not run in the ${SANITIZE} build (checked by the release build)"
    exit 0
fi
free_kb=$(df -Pk "$tmp" | awk 'NR==2 {print $4}')
if [ "$free_kb" -lt $((12 * 1024 * 1024)) ]; then
    skip "4 GiB input: only $((free_kb / 1024)) MiB free in $tmp"
    exit 0
fi
# 100 copies, then 46 copies of those: 4,600 copies, 4.41 GB.
for _ in $(seq 100); do cat "$TS"; done >"$tmp/100.txt"
for _ in $(seq 46); do cat "$tmp/100.txt"; done >"$tmp/big.txt"
rm -f "$tmp/100.txt"
"$BPETRAIN" --quiet --input "$TS" --count-only --csv "$tmp/small.csv" --count-workers 1
"$BPETRAIN" --quiet --input "$tmp/big.txt" --count-only --csv "$tmp/big.csv" --count-workers 2
rc=$?
field() { python3 -c "import csv,sys; print(next(csv.DictReader(open(sys.argv[1])))[sys.argv[2]])" "$1" "$2"; }
if [ $rc -ne 0 ]; then
    fail "4 GiB input: bpetrain exited $rc"
    exit 0
fi
bytes=$(field "$tmp/big.csv" input_bytes)
[ "$bytes" -gt 4294967296 ] && pass "4 GiB input: $bytes bytes counted (past 2^32)" \
    || fail "4 GiB input: only $bytes bytes"
[ "$(field "$tmp/big.csv" pretokens)" = $(( $(field "$tmp/small.csv" pretokens) * 4600 )) ] \
    && pass "4 GiB input: exactly 4,600 times the sample's pre-tokens" \
    || fail "4 GiB input: pre-token count is not 4,600 times the sample's"
[ "$(field "$tmp/big.csv" words)" = "$(field "$tmp/small.csv" words)" ] \
    && pass "4 GiB input: the same distinct words as the sample" \
    || fail "4 GiB input: distinct words differ from the sample's"
peak=$(field "$tmp/big.csv" peak_rss_kb)
anon=$(field "$tmp/big.csv" count_rss_anon_kb)
[ "$peak" -lt $((512 * 1024)) ] && [ "$anon" -lt $((256 * 1024)) ] \
    && pass "4 GiB input: peak RSS $((peak / 1024)) MiB, anonymous $((anon / 1024)) MiB after counting" \
    || fail "4 GiB input: peak RSS $peak KiB, anonymous $anon KiB"
