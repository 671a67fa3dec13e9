#!/usr/bin/env bash
# test_cli.sh: bpetrain as a user runs it: the CS336 oracle, awkward inputs,
# bad input, and the CSV row. Prints PASS/FAIL lines for tests/run.sh.
set -u
BPETRAIN=${BPETRAIN:-bin/bpetrain}
FIX=tests/fixtures
D=$FIX/cs336
TS=data/sample/tinystories_v1_head_1097.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
check() { local d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }

train() { # train OUTDIR ARGS... : runs quietly, stderr to OUTDIR.err
    local out=$1; shift
    mkdir -p "$out"
    "$BPETRAIN" --quiet --out "$out" "$@" 2>"$out.err"
}
merges_count() { wc -l <"$1/merges.txt" | tr -d ' '; }

# ---- the CS336 oracle -----------------------------------------------------------
train "$tmp/oracle" --input "$D/corpus.en" --vocab-size 500 --special-token '<|endoftext|>'
check "corpus.en vocab 500: exit 0" test $? -eq 0
check "corpus.en vocab 500: merges equal the reference, in order" \
    cmp -s "$tmp/oracle/merges.txt" "$D/train-bpe-reference-merges.txt"
check "corpus.en vocab 500: 243 merges" test "$(merges_count "$tmp/oracle")" = 243
check "corpus.en vocab 500: vocab.json equals the reference (same tokens, same ids)" \
    cmp -s "$tmp/oracle/vocab.json" "$D/train-bpe-reference-vocab.json"
ids=$(grep -oE ': [0-9]+,?$' "$tmp/oracle/vocab.json" | tr -dc '0-9\n' | sort -n | uniq)
check "corpus.en vocab 500: ids are exactly 0..499" test "$ids" = "$(seq 0 499)"
train "$tmp/oracle2" --input "$D/corpus.en" --vocab-size 500
check "the default special token is <|endoftext|>" cmp -s "$tmp/oracle/vocab.json" "$tmp/oracle2/vocab.json"

# ---- special tokens -----------------------------------------------------------------
train "$tmp/ts" --input "$TS" --vocab-size 1000
check "TinyStories: no learned token contains a special token or part of <|" \
    bash -c "! tail -n +2 '$tmp/ts/merges.txt' | grep -q '<|'"
check "TinyStories: <|endoftext|> has id 0" grep -q '"<|endoftext|>": 0,' "$tmp/ts/vocab.json"
# A file with specials counts the same as its pieces: replacing each special
# by a different special must not change anything.
sed 's/<|endoftext|>/<|sep|>/g' "$TS" >"$tmp/ts_sep.txt"
train "$tmp/ts_sep" --input "$tmp/ts_sep.txt" --vocab-size 1000 --special-token '<|sep|>'
check "a special token's spelling does not change the merges" \
    cmp -s "$tmp/ts/merges.txt" "$tmp/ts_sep/merges.txt"
# Prefix specials: "<|a|>" and "<|a|>x": the longer one wins where both match.
printf 'hello<|a|>xworld<|a|>yes hello<|a|>x<|a|>x' >"$tmp/prefix.txt"
printf 'helloworld yes hello' >"$tmp/prefix_expected.txt"
printf 'hello\nworld\nyes hello' >/dev/null
train "$tmp/prefix" --input "$tmp/prefix.txt" --vocab-size 400 --special-token '<|a|>' --special-token '<|a|>x'
check "two specials, one a prefix of the other: exit 0" test $? -eq 0
check "two specials, one a prefix: no learned token holds 'x' joined to '<'" \
    bash -c "! grep -q '<' '$tmp/prefix/merges.txt'"
check "two specials: longer special first in the vocab order given" \
    grep -q '"<|a|>x": [01],' "$tmp/prefix/vocab.json"
printf '<|endoftext|><|endoftext|>\n<|endoftext|>' >"$tmp/only.txt"
train "$tmp/only" --input "$tmp/only.txt" --vocab-size 300
check "only specials (and a newline): exits 0" test $? -eq 0
check "only specials: the notice says no pair is left" grep -q 'no pair left' "$tmp/only.err"
check "only specials: vocab holds the special and 256 bytes" \
    test "$(grep -c '": ' "$tmp/only/vocab.json")" = 257

# ---- awkward inputs -------------------------------------------------------------------
: >"$tmp/empty.txt"
train "$tmp/empty" --input "$tmp/empty.txt" --vocab-size 300
check "empty file: exit 0, zero merges" test $? -eq 0 -a "$(merges_count "$tmp/empty")" = 0
check "empty file: the notice says no pair is left" grep -q 'no pair left' "$tmp/empty.err"
printf 'ab\0ab\0ab\0 \0\0\0' >"$tmp/nul.txt"
train "$tmp/nul" --input "$tmp/nul.txt" --vocab-size 260
check "NUL bytes: first merge is 'a b' (count 3, beats NUL NUL)" \
    test "$(head -1 "$tmp/nul/merges.txt")" = "a b"
check "NUL bytes: NUL is an ordinary character (Ā Ā merged)" grep -q '^Ā Ā$' "$tmp/nul/merges.txt"
printf 'one\r\ntwo\r\nthree\r\n' >"$tmp/crlf.txt"
train "$tmp/crlf" --input "$tmp/crlf.txt" --vocab-size 300
check "CRLF: the CR LF pair is merged (čĊ)" grep -q '^č Ċ$' "$tmp/crlf/merges.txt"
# An invalid byte is punctuation-like: "\xff!" is one pre-token, so its
# pair is the only one seen twice.
printf 'a\xff!b a\xff!b' >"$tmp/latin1.txt"
train "$tmp/latin1" --input "$tmp/latin1.txt" --vocab-size 258
check "invalid UTF-8: exit 0" test $? -eq 0
check "invalid UTF-8: the invalid byte joins the punctuation after it" \
    test "$(cat "$tmp/latin1/merges.txt")" = "ÿ !"
train "$tmp/nospecial" --input "$D/corpus.en" --vocab-size 300 --no-special-tokens
check "--no-special-tokens: vocab has no special" bash -c "! grep -q endoftext '$tmp/nospecial/vocab.json'"
check "--no-special-tokens: 44 merges for vocab 300" test "$(merges_count "$tmp/nospecial")" = 44
# A single line of tens of MB: one chunk, no cut point, still correct.
head -c 30000000 /dev/zero | tr '\0' 'a' >"$tmp/line.txt"
train "$tmp/line" --input "$tmp/line.txt" --vocab-size 270 --count-workers 2
check "30 MB single line: exit 0" test $? -eq 0
check "30 MB single line: merges a+a, aa+aa, ... doubling" \
    test "$(sed -n 3p "$tmp/line/merges.txt")" = "aaaa aaaa"

# ---- bad input -----------------------------------------------------------------------------
bad() { # bad DESCR PATTERN ARGS...: non-zero exit, one line on stderr matching PATTERN
    local d=$1 pat=$2; shift 2
    bad_run "$d" "$pat" "$tmp/bad" "$BPETRAIN" --out "$tmp/bad" "$@"
}
bad "missing input file" "cannot open input" --input "$tmp/nope.txt" --vocab-size 300
chmod 000 "$tmp/nul.txt"
if [ "$(id -u)" -ne 0 ]; then
    bad "unreadable input file" "Permission denied" --input "$tmp/nul.txt" --vocab-size 300
fi
chmod 644 "$tmp/nul.txt"
bad "input is a directory" "is a directory" --input "$tmp" --vocab-size 300
bad "vocab size 257 with one special" "must exceed" --input "$D/corpus.en" --vocab-size 257
bad "vocab size 100" "must exceed" --input "$D/corpus.en" --vocab-size 100
bad "vocab size 258 with two specials" "must exceed" --input "$D/corpus.en" --vocab-size 258 \
    --special-token a --special-token b
bad "unknown backend" "unknown backend 'nosuch'" --input "$D/corpus.en" --vocab-size 300 --backend nosuch
bad "vocab size not a number" "--vocab-size expects" --input "$D/corpus.en" --vocab-size 3x0
bad "vocab size negative" "--vocab-size expects" --input "$D/corpus.en" --vocab-size -5
bad "workers 0" "--workers expects" --input "$D/corpus.en" --vocab-size 300 --workers 0
bad "count workers huge" "--count-workers expects" --input "$D/corpus.en" --vocab-size 300 --count-workers 99999999999999999999
bad "missing --input" "--input FILE is required" --vocab-size 300
bad "missing --vocab-size" "--vocab-size N is required" --input "$D/corpus.en"
bad "empty special token" "cannot be empty" --input "$D/corpus.en" --vocab-size 300 --special-token ''
bad "unknown option" "unknown option" --input "$D/corpus.en" --vocab-size 300 --frobnicate
bad "bad pin policy" "--pin expects" --input "$D/corpus.en" --vocab-size 300 --pin diagonal
bad "output directory not creatable" "cannot create directory" --input "$D/corpus.en" \
    --vocab-size 300 --out /proc/nope/out

# ---- options and the CSV row --------------------------------------------------------------
check "--help prints usage and exits 0" bash -c "'$BPETRAIN' --help | grep -q -- '--vocab-size N'"
check "--list-backends lists serial with a description" \
    bash -c "'$BPETRAIN' --list-backends | grep -qE '^serial +[a-z]'"
"$BPETRAIN" --quiet --input "$D/corpus.en" --vocab-size 500 --csv "$tmp/runs.csv" 2>/dev/null
"$BPETRAIN" --quiet --input "$D/corpus.en" --vocab-size 500 --csv "$tmp/runs.csv" 2>/dev/null
check "--csv: header once, then one row per run" test "$(wc -l <"$tmp/runs.csv")" = 3
want="backend,workers,count_workers,pin,input,input_bytes,vocab_size,merges,total_s,count_s,copy_s,max_s,compute_s,update_s,merge_s,peak_rss_kb,minflt,majflt,nvcsw,nivcsw,merges_hash"
check "--csv: the header starts with the documented columns" \
    bash -c "head -1 '$tmp/runs.csv' | grep -q '^$want'"
check "--csv: a row has as many fields as the header" \
    test "$(head -1 "$tmp/runs.csv" | tr ',' '\n' | wc -l)" = "$(sed -n 2p "$tmp/runs.csv" | tr ',' '\n' | wc -l)"
check "--csv: the two runs have the same merges_hash" \
    test "$(cut -d, -f21 "$tmp/runs.csv" | sed -n 2p)" = "$(cut -d, -f21 "$tmp/runs.csv" | sed -n 3p)"
check "--csv: 243 merges recorded" test "$(cut -d, -f8 "$tmp/runs.csv" | sed -n 2p)" = 243
"$BPETRAIN" --quiet --input "$D/corpus.en" --vocab-size 500 --csv /proc/nope.csv 2>"$tmp/csv.err"
check "--csv to an unwritable path: non-zero exit and a message" \
    bash -c "[ $? -ne 0 ] && grep -q 'cannot open /proc/nope.csv' '$tmp/csv.err'"
"$BPETRAIN" --input "$D/corpus.en" --vocab-size 100000 --quiet --out "$tmp/big" 2>"$tmp/big.err"
check "vocab larger than possible: exit 0 with a notice" \
    bash -c "[ $? -eq 0 ] && grep -q 'notice: no pair left' '$tmp/big.err'"
check "vocab larger than possible: files written with the merges found" \
    test "$(merges_count "$tmp/big")" -gt 243
ls "$tmp/oracle" | grep -q tmp && fail "no temporary file left in the output directory" \
    || pass "no temporary file left in the output directory"

# ---- saved word counts ---------------------------------------------------------------------
"$BPETRAIN" --quiet --input "$TS" --count-only --save-counts "$tmp/ts.wc" 2>/dev/null
check "--count-only --save-counts: exit 0 without --vocab-size" test $? -eq 0 -a -s "$tmp/ts.wc"
train "$tmp/loaded" --input "$TS" --vocab-size 1000 --load-counts "$tmp/ts.wc"
check "--load-counts: same merges as counting" cmp -s "$tmp/loaded/merges.txt" "$tmp/ts/merges.txt"
bad "--load-counts from another input is refused" "counted from another input" \
    --input "$D/corpus.en" --vocab-size 300 --load-counts "$tmp/ts.wc"
bad "--load-counts with other special tokens is refused" "other special tokens" \
    --input "$TS" --vocab-size 300 --special-token '<|x|>' --load-counts "$tmp/ts.wc"
head -c 5000 "$tmp/ts.wc" >"$tmp/trunc.wc"
bad "--load-counts of a truncated file is refused" "damaged" \
    --input "$TS" --vocab-size 300 --load-counts "$tmp/trunc.wc"
bad "--load-counts of a file that is not one" "not a word-count file" \
    --input "$TS" --vocab-size 300 --load-counts "$D/corpus.en"

# ---- 64-bit counts end to end: saved counts past 2^32, through the CLI ------------------------
# A word-count file for an empty input (its fingerprint: size 0, hash = the
# FNV-1a offset basis) whose words occur more than 2^32 times: a 32-bit count
# would wrap and put "a b" or even "e f" first.
: >"$tmp/empty64.txt"
python3 - "$tmp/big64.wc" <<'PY'
import struct, sys
special = b"<|endoftext|>"
words = [(b"ab", 2**32 + 5), (b"cd", 2**32 + 7), (b"ef", 6)]
out = b"BPEWC001" + struct.pack("<QQI", 0, 0xcbf29ce484222325, 1)
out += struct.pack("<I", len(special)) + special
out += struct.pack("<QQ", len(words), sum(f for _, f in words))
for w, f in words:
    out += struct.pack("<IQ", len(w), f) + w
open(sys.argv[1], "wb").write(out)
PY
train "$tmp/big64" --input "$tmp/empty64.txt" --vocab-size 260 --load-counts "$tmp/big64.wc"
check "counts past 2^32 end to end: merges c d (2^32+7), a b (2^32+5), e f (6), in that order" \
    test "$(tr '\n' '|' <"$tmp/big64/merges.txt")" = "c d|a b|e f|"
