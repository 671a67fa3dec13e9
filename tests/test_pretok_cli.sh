#!/usr/bin/env bash
# test_pretok_cli.sh: --pretok pcre2|fast in bpetrain: every backend with
# either pre-tokenizer at 1 and 2 count workers learns the CS336 reference
# merges; on the TinyStories sample both pre-tokenizers and every count-worker
# count learn the same merges; the CSV records the pre-tokenizer and its
# Unicode version; --help names the versions; a bad name is one line, exit 2.
set -u
BPETRAIN=${BPETRAIN:-bin/bpetrain}
D=tests/fixtures/cs336
TS=data/sample/tinystories_v1_head_1097.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }

BACKENDS=$("$BPETRAIN" --list-backends --json | python3 -c \
    "import json,sys; print(' '.join(b['name'] for b in json.load(sys.stdin)))")
for b in $BACKENDS; do
    bad=""
    for p in pcre2 fast; do
        for cw in 1 2; do
            o="$tmp/$b-$p-$cw"
            "$BPETRAIN" --quiet --input "$D/corpus.en" --vocab-size 500 --backend "$b" \
                --workers 2 --pretok "$p" --count-workers "$cw" --out "$o" 2>/dev/null \
                && cmp -s "$o/merges.txt" "$D/train-bpe-reference-merges.txt" || bad="$bad $p/cw=$cw"
        done
    done
    check "$b, pretok pcre2/fast, 1 and 2 count workers: corpus.en merges = CS336 reference" \
        '[ -z "$bad" ] || { echo "  differ at$bad"; false; }'
done

# Larger text, more chunks: the sample and the small fixtures with non-ASCII.
for f in "$TS" "$D/german.txt" "$D/address.txt" "$D/tinystories_sample.txt"; do
    v=1000; [ "$f" = "$TS" ] || v=300
    bad=""
    "$BPETRAIN" --quiet --input "$f" --vocab-size $v --pretok pcre2 --count-workers 1 \
        --out "$tmp/base" 2>/dev/null || bad=" pcre2/cw=1 failed"
    for p in pcre2 fast; do
        for cw in 1 2 3; do
            "$BPETRAIN" --quiet --input "$f" --vocab-size $v --pretok "$p" --count-workers "$cw" \
                --out "$tmp/o" 2>/dev/null && cmp -s "$tmp/o/merges.txt" "$tmp/base/merges.txt" \
                || bad="$bad $p/cw=$cw"
        done
    done
    check "$(basename "$f") vocab $v: pcre2 and fast at 1, 2, 3 count workers learn the same merges" \
        '[ -z "$bad" ] || { echo "  differ at$bad"; false; }'
done

"$BPETRAIN" --quiet --input "$D/corpus.en" --count-only --csv "$tmp/d.csv" 2>/dev/null
check "the default pre-tokenizer is fast" \
    '[ "$(python3 -c "import csv,sys; print(list(csv.DictReader(open(sys.argv[1])))[0][\"pretok\"])" "$tmp/d.csv")" = fast ]'

# --pretok-only counts the same pre-tokens as a full count, keeps no words.
for p in pcre2 fast; do
    "$BPETRAIN" --quiet --input "$TS" --count-only --pretok "$p" --csv "$tmp/c.csv" 2>/dev/null
    "$BPETRAIN" --quiet --input "$TS" --pretok-only --pretok "$p" --csv "$tmp/c.csv" 2>/dev/null
done
python3 - "$tmp/c.csv" >"$tmp/csv.out" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
cols = list(rows[0].keys())
print("pair", cols[cols.index("pretok") + 1] if "pretok" in cols else "-")
for r in rows:
    print(r["pretok"], r["unicode"], r["count_only"], r["words"] != "0", r["pretokens"])
PY
check "CSV: pretok and unicode columns, side by side" 'grep -qx "pair unicode" "$tmp/csv.out"'
pt=$(awk 'NR==2 {print $5}' "$tmp/csv.out")
check "CSV: pcre2 rows say PCRE2's Unicode 14.0.0, fast rows Unicode 16.0.0; --pretok-only is count_only=2 with no words and the same pre-tokens" \
    '[ "$(sed 1d "$tmp/csv.out" | tr "\n" ";")" = "pcre2 14.0.0 1 True $pt;pcre2 14.0.0 2 False $pt;fast 16.0.0 1 True $pt;fast 16.0.0 2 False $pt;" ]'

# At two count workers too: no words, and the workers' totals add up to the whole.
"$BPETRAIN" --quiet --input "$TS" --pretok-only --count-workers 2 --csv "$tmp/c2.csv" 2>/dev/null
check "--pretok-only at 2 count workers: no words, the same pre-tokens" \
    '[ "$(python3 -c "import csv,sys; r=list(csv.DictReader(open(sys.argv[1])))[0]; print(r[\"count_workers\"], r[\"words\"], r[\"pretokens\"])" "$tmp/c2.csv")" = "2 0 $pt" ]'

"$BPETRAIN" --help >"$tmp/help"
check "--help names the Unicode version of each pre-tokenizer" \
    'grep -q "fast (hand-written, Unicode 16.0.0 tables)" "$tmp/help" && grep -q "its Unicode 14.0.0" "$tmp/help"'
"$BPETRAIN" --version >"$tmp/version"
check "--version names the Unicode version of each pre-tokenizer" \
    'grep -qx "pretok fast: Unicode 16.0.0 (scripts/gen_unicode_tables.py)" "$tmp/version"'
"$BPETRAIN" --input "$D/corpus.en" --vocab-size 300 --pretok re2 2>"$tmp/err"
rc=$?
check "--pretok re2: exit 2, one line naming the choices" \
    '[ $rc -eq 2 ] && [ "$(cat "$tmp/err")" = "bpetrain: --pretok expects fast or pcre2, got '"'"'re2'"'"'" ]'
"$BPETRAIN" --input "$D/corpus.en" --pretok-only --save-counts "$tmp/x.counts" 2>"$tmp/err"
rc=$?
check "--pretok-only with --save-counts: exit 2, one line" \
    '[ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ ! -e "$tmp/x.counts" ]'
