#!/usr/bin/env bash
# test_synth.sh: bin/synthgen, the synthetic TinyStories-like generator: the
# same seed gives the same bytes, the size is kept, stories are well formed and
# labelled synthetic, the vocabulary keeps growing with size (Heaps' law, the
# reason the generator exists) and grows as documented faster with
# --vocab-growth, bad input fails cleanly, and bpetrain trains on
# the output. Prints PASS/FAIL lines for tests/run.sh.
set -u
SYNTHGEN=${SYNTHGEN:-bin/synthgen}
BPETRAIN=${BPETRAIN:-bin/bpetrain}
SAMPLE=data/sample/tinystories_v1_head_1097.txt
. "$(dirname "$0")/lib.sh"

fsize() { stat -c %s "$1"; }
gen() { "$SYNTHGEN" --sample "$SAMPLE" --quiet "$@"; }

if [ ! -x "$SYNTHGEN" ]; then
    fail "synthgen is built ($SYNTHGEN)"
    exit 0
fi

# ---- usage ---------------------------------------------------------------------------
"$SYNTHGEN" --help >"$tmp/help" 2>&1
check "--help exits 0 and documents the size rule and the synthetic label" \
    bash -c "grep -q 'never larger than SIZE' '$tmp/help' && grep -qi synthetic '$tmp/help'"

# ---- determinism -----------------------------------------------------------------------
gen --size 2M --seed 7 --out "$tmp/a.txt"
rc_a=$?
gen --size 2M --seed 7 --out "$tmp/b.txt"
check "2M seed 7: exit 0" test $rc_a -eq 0 -a $? -eq 0
check "same sample, seed and size: byte-identical output" cmp -s "$tmp/a.txt" "$tmp/b.txt"
gen --size 2M --seed 8 --out "$tmp/c.txt"
check "a different seed gives different output" bash -c "! cmp -s '$tmp/a.txt' '$tmp/c.txt'"
gen --size 2M --out "$tmp/d1.txt"
gen --size 2M --seed 1 --out "$tmp/d2.txt"
check "the default seed is 1" cmp -s "$tmp/d1.txt" "$tmp/d2.txt"

# ---- size -------------------------------------------------------------------------------
# Never more than SIZE; short of it by less than one story (the sample's
# longest is ~4 KB, so 8 KB is a generous bound).
size_ok() { local f=$1 want=$2; local got; got=$(fsize "$f"); [ "$got" -le "$want" ] && [ "$got" -gt $((want - 8192)) ]; }
check "--size 2M: at most 2097152 bytes and within one story of it" size_ok "$tmp/a.txt" 2097152
gen --size 100K --seed 3 --out "$tmp/k.txt"
check "--size 100K (1024-based): within one story of 102400 bytes" size_ok "$tmp/k.txt" 102400
gen --size 54321 --seed 3 --out "$tmp/n.txt"
check "--size 54321 (plain bytes): within one story of 54321 bytes" size_ok "$tmp/n.txt" 54321

# ---- story structure ---------------------------------------------------------------------
check "the output ends with the story separator" \
    test "$(tail -c 15 "$tmp/a.txt" | od -An -tx1)" = "$(printf '\n<|endoftext|>\n' | od -An -tx1)"
check "every separator is a line of its own" \
    test "$(grep -c '<|endoftext|>' "$tmp/a.txt")" = "$(grep -c '^<|endoftext|>$' "$tmp/a.txt")"
check "no story is empty" \
    test "$(awk 'BEGIN { RS = "\n<\\|endoftext\\|>\n" } $0 == "" { n++ } END { print n + 0 }' "$tmp/a.txt")" = 0
# Stories open as sample stories do ("Once upon a time", "One day", a name);
# only an opening name may be swapped for a new one, so nearly all match.
first_words() { awk 'BEGIN { RS = "\n<\\|endoftext\\|>\n" } NF { print $1 }' "$1"; }
first_words "$SAMPLE" | sort -u >"$tmp/sample_first"
first_words "$tmp/a.txt" >"$tmp/synth_first"
opening_ok() {
    local total known
    total=$(wc -l <"$tmp/synth_first")
    known=$(grep -cxF -f "$tmp/sample_first" "$tmp/synth_first")
    echo "stories opening with a sample story's first word: $known of $total"
    [ "$total" -gt 0 ] && [ $((known * 100)) -ge $((total * 95)) ]
}
check "stories start the way sample stories start (>= 95% with a sample opener)" opening_ok

# ---- the synthetic label ------------------------------------------------------------------
M=$tmp/a.txt.meta.json
check "FILE.meta.json says synthetic and names the generator" \
    bash -c "grep -q '\"synthetic\": true' '$M' && grep -q '\"generator\": \"synthgen\"' '$M'"
check "meta.json records the seed and the actual size" \
    bash -c "grep -q '\"seed\": 7,' '$M' && grep -q \"\\\"size\\\": $(fsize "$tmp/a.txt"),\" '$M'"
if command -v sha256sum >/dev/null; then
    sha=$(sha256sum "$SAMPLE" | cut -d' ' -f1)
    check "meta.json records the sample's SHA-256" grep -q "\"sample_sha256\": \"$sha\"" "$M"
fi
stories=$(grep -c '^<|endoftext|>$' "$tmp/a.txt")
check "meta.json's story count matches the separators" grep -q "\"stories\": $stories," "$M"
if command -v python3 >/dev/null; then
    check "meta.json is valid JSON" python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$M"
fi

# ---- Heaps' law ---------------------------------------------------------------------------
# Distinct GPT-2 pre-tokens (bpetrain's "words") must keep growing like real
# text, >= 1.5x per 4x of size, not level off at the sample's ~5,400.
words_of() { # words_of FILE: the words column of a bpetrain CSV row for FILE
    local csv=$tmp/w.$RANDOM.csv
    "$BPETRAIN" --input "$1" --vocab-size 300 --csv "$csv" --quiet >/dev/null 2>&1 || { echo 0; return; }
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "words") c = i } NR == 2 { print $c }' "$csv"
}
gen --size 8M --seed 7 --out "$tmp/h8.txt"
gen --size 32M --seed 7 --out "$tmp/h32.txt"
w2=$(words_of "$tmp/a.txt")
w8=$(words_of "$tmp/h8.txt")
w32=$(words_of "$tmp/h32.txt")
echo "distinct pre-tokens: 2M $w2, 8M $w8, 32M $w32"
grows() { [ "$1" -gt 0 ] && [ $(($2 * 2)) -ge $(($1 * 3)) ]; }
check "distinct words grow >= 1.5x from 2M to 8M ($w2 -> $w8)" grows "$w2" "$w8"
check "distinct words grow >= 1.5x from 8M to 32M ($w8 -> $w32)" grows "$w8" "$w32"
rm -f "$tmp/h8.txt" "$tmp/h32.txt"

# ---- --vocab-growth ------------------------------------------------------------------------
# The option's documented gain (--help): about F times the new words of F = 1
# and, up to F = 8, at least F/2 times the distinct words; F = 1 is the
# output without the option.
gen --size 2M --seed 7 --vocab-growth 1 --out "$tmp/g1.txt"
check "--vocab-growth 1 gives the bytes of no option" cmp -s "$tmp/a.txt" "$tmp/g1.txt"
gen --size 8M --seed 7 --vocab-growth 8 --out "$tmp/g8.txt"
check "--vocab-growth 8: exit 0, within one story of 8M" size_ok "$tmp/g8.txt" 8388608
check "meta.json records the vocab growth" grep -q '"vocab_growth": 8,' "$tmp/g8.txt.meta.json"
gen --size 8M --seed 7 --out "$tmp/h8.txt"
new_of() { sed -n 's/.*"new_words": \([0-9]*\),.*/\1/p' "$1"; }
n1=$(new_of "$tmp/h8.txt.meta.json")
n8=$(new_of "$tmp/g8.txt.meta.json")
g1=$(words_of "$tmp/h8.txt")
g8=$(words_of "$tmp/g8.txt")
echo "8M seed 7: new words $n1 -> $n8, distinct pre-tokens $g1 -> $g8 (growth 1 -> 8)"
check "--vocab-growth 8 makes 6x..10x the new words ($n1 -> $n8)" \
    test "${n1:-0}" -gt 0 -a "$((${n8:-0} * 10))" -ge "$((n1 * 60))" -a "${n8:-0}" -le "$((n1 * 10))"
check "--vocab-growth 8 makes >= 4x the distinct words ($g1 -> $g8)" \
    test "${g1:-0}" -gt 0 -a "${g8:-0}" -ge "$((g1 * 4))"
gen --size 2M --seed 7 --vocab-growth 8 --out "$tmp/g8b.txt"
gen --size 2M --seed 7 --vocab-growth 8 --out "$tmp/g8c.txt"
check "same seed, size and vocab growth: byte-identical output" cmp -s "$tmp/g8b.txt" "$tmp/g8c.txt"
rm -f "$tmp"/g*.txt "$tmp"/g*.txt.meta.json "$tmp/h8.txt" "$tmp/h8.txt.meta.json"

# ---- training on it -----------------------------------------------------------------------
mkdir -p "$tmp/bpe"
"$BPETRAIN" --input "$tmp/a.txt" --vocab-size 1000 --out "$tmp/bpe" --quiet 2>"$tmp/bpe.err"
check "bpetrain --vocab-size 1000 on synthgen output: exit 0" test $? -eq 0
check "bpetrain on synthgen output: 743 merges (1000 - 256 bytes - 1 special)" \
    test "$(wc -l <"$tmp/bpe/merges.txt" | tr -d ' ')" = 743

# ---- bad input ------------------------------------------------------------------------------
# Each must fail with status 1 and one line on stderr, and leave no output.
bad() { # bad DESCRIPTION ARGS...
    local d=$1; shift
    rm -f "$tmp/bad.txt" "$tmp/bad.txt.meta.json"
    "$SYNTHGEN" "$@" >"$tmp/bad.out" 2>"$tmp/bad.err"
    local rc=$?
    if [ $rc -eq 1 ] && [ "$(wc -l <"$tmp/bad.err")" -eq 1 ] && [ ! -s "$tmp/bad.out" ] &&
        [ ! -e "$tmp/bad.txt" ] && [ -z "$(ls "$tmp" | grep 'bad.txt.tmp')" ]; then
        pass "$d: exit 1, one-line error ($(head -c 80 "$tmp/bad.err"))"
    else
        fail "$d: exit $rc, stderr: $(head -c 200 "$tmp/bad.err")"
    fi
}
bad "missing sample file" --sample "$tmp/nope.txt" --size 1M --out "$tmp/bad.txt"
bad "sample is a directory" --sample "$tmp" --size 1M --out "$tmp/bad.txt"
bad "size with an unknown suffix" --sample "$SAMPLE" --size 12X --out "$tmp/bad.txt"
bad "size 0" --sample "$SAMPLE" --size 0 --out "$tmp/bad.txt"
bad "negative size" --sample "$SAMPLE" --size -5 --out "$tmp/bad.txt"
bad "fractional size" --sample "$SAMPLE" --size 1.5M --out "$tmp/bad.txt"
bad "empty size" --sample "$SAMPLE" --size '' --out "$tmp/bad.txt"
bad "size over 1T" --sample "$SAMPLE" --size 2T --out "$tmp/bad.txt"
bad "size too small for any story" --sample "$SAMPLE" --size 10 --out "$tmp/bad.txt"
bad "bad seed" --sample "$SAMPLE" --size 1M --seed x1 --out "$tmp/bad.txt"
bad "vocab growth 0" --sample "$SAMPLE" --size 1M --vocab-growth 0 --out "$tmp/bad.txt"
bad "vocab growth over 1000" --sample "$SAMPLE" --size 1M --vocab-growth 1001 --out "$tmp/bad.txt"
bad "vocab growth not a number" --sample "$SAMPLE" --size 1M --vocab-growth 2x --out "$tmp/bad.txt"
bad "vocab growth without its value" --sample "$SAMPLE" --size 1M --out "$tmp/bad.txt" --vocab-growth
badname=$tmp/$(printf 'x\377').txt
cp "$SAMPLE" "$badname"
bad "a sample path that is not UTF-8 (meta.json cannot record it)" --sample "$badname" --size 1M --out "$tmp/bad.txt"
rm -f "$badname"
bad "output in a missing directory" --sample "$SAMPLE" --size 1M --out "$tmp/no/such/dir/x.txt"
bad "output is a directory" --sample "$SAMPLE" --size 1M --out "$tmp"
bad "missing --out" --sample "$SAMPLE" --size 1M
bad "option without its value" --sample "$SAMPLE" --size 1M --out
bad "unknown option" --sample "$SAMPLE" --size 1M --out "$tmp/bad.txt" --frobnicate
printf 'Once upon a time, there was a cat.\n<|endoftext|>\n' >"$tmp/one.txt"
"$SYNTHGEN" --sample "$tmp/one.txt" --size 4K --out "$tmp/one_out.txt" --quiet
check "a one-story sample works" test $? -eq 0 -a -s "$tmp/one_out.txt"
printf '\n<|endoftext|>\n' >"$tmp/empty_story.txt"
bad "a sample without any story" --sample "$tmp/empty_story.txt" --size 1M --out "$tmp/bad.txt"

# ---- interruption ---------------------------------------------------------------------------
# A killed run leaves neither the output nor its temporary file.
interrupted() { # interrupted SIGNAL EXPECTED_STATUS
    local out=$tmp/sig_$1.txt
    timeout --preserve-status -s "$1" 0.4 "$SYNTHGEN" --sample "$SAMPLE" --size 1G --out "$out" --quiet
    local rc=$?
    if [ $rc -eq "$2" ] && [ -z "$(ls "$tmp" | grep "sig_$1")" ]; then
        pass "SIG$1 during generation: exit $2, no output or temporary file left"
    else
        fail "SIG$1 during generation: exit $rc (want $2), left: $(ls "$tmp" | grep "sig_$1" | tr '\n' ' ')"
    fi
}
interrupted TERM 143
# A caller that ignores SIGINT (a script's background job) is obeyed, so the
# check only means something when SIGINT reaches us.
sigign=$(awk '/^SigIgn:/ { print $2 }' /proc/$$/status 2>/dev/null)
if [ -n "$sigign" ] && [ $((0x$sigign & 2)) -ne 0 ]; then
    skip "SIGINT during generation: SIGINT is ignored in this environment"
else
    interrupted INT 130
fi
