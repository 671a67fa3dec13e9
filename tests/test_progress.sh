#!/usr/bin/env bash
# test_progress.sh: bpetrain's live progress line on a terminal (a pty from util-linux's
# `script`): one line redrawn with \r while counting and while merging, cleared before the
# summary or a notice; nothing without a terminal or with --quiet. No check depends on timing:
# each phase draws its line once as it begins, whatever its length.
set -u
. "$(dirname "$0")/lib.sh"
BPETRAIN=${BPETRAIN:-bin/bpetrain}
corpus=tests/fixtures/cs336/corpus.en

if ! command -v script >/dev/null 2>&1; then
    skip "script (util-linux) not installed: no pty to test the progress line on"
    exit 0
fi
# on_pty CASE ARGS...: runs bpetrain on a pty; what the terminal received goes to $tmp/CASE.tty.
on_pty() {
    local c=$1; shift
    script -qec "$(printf '%q ' "$BPETRAIN" "$@")" /dev/null </dev/null >"$tmp/$c.tty" 2>&1
    rc=$?
}
has() { grep -qaF -- "$2" "$1"; }
# before_summary CASE: what the terminal showed before the summary's first line.
before_summary() { awk '/bpetrain: serial,/ { exit } { print }' "$tmp/$1.tty"; }
CLR=$'\r\033[K'

on_pty train --input "$corpus" --vocab-size 500 --out "$tmp/o"
check "on a terminal: exit 0" test "$rc" -eq 0
check "on a terminal: a counting line with the input's size" \
    has "$tmp/train.tty" $'\rbpetrain: counting 0.0 of 0.1 MB (0%)\033[K'
check "on a terminal: a merging line with the target" \
    has "$tmp/train.tty" $'\rbpetrain: merging 0 of 243 (0%)\033[K'
check "on a terminal: the line is cleared just before the summary" \
    has "$tmp/train.tty" "${CLR}bpetrain: serial, 133027 bytes"
check "on a terminal: the progress is one line (no newline before the summary)" \
    test "$(before_summary train | wc -l)" -eq 0
check "on a terminal: the summary is unchanged" has "$tmp/train.tty" "merges_hash "
cmp -s "$tmp/o/merges.txt" tests/fixtures/cs336/train-bpe-reference-merges.txt
verdict "on a terminal: the merges are the reference's"

on_pty quiet --quiet --input "$corpus" --vocab-size 500 --out "$tmp/q"
check "on a terminal with --quiet: nothing at all on the terminal" test "$rc" -eq 0 -a ! -s "$tmp/quiet.tty"

"$BPETRAIN" --input "$corpus" --vocab-size 500 --out "$tmp/p" 2>"$tmp/pipe.err" >/dev/null
test $? -eq 0 && ! grep -qa $'\r' "$tmp/pipe.err" && ! has "$tmp/pipe.err" counting \
    && has "$tmp/pipe.err" "bpetrain: serial, 133027 bytes"
verdict "stderr not a terminal: no progress line, no \\r, the summary as before"

on_pty countonly --count-only --input "$corpus" --save-counts "$tmp/counts"
test "$rc" -eq 0 && has "$tmp/countonly.tty" "bpetrain: counting" && ! has "$tmp/countonly.tty" "merging" \
    && has "$tmp/countonly.tty" "${CLR}bpetrain: serial"
verdict "--count-only on a terminal: a counting line, no merging line, cleared before the summary"
on_pty loaded --input "$corpus" --load-counts "$tmp/counts" --vocab-size 500 --out "$tmp/l"
test "$rc" -eq 0 && ! has "$tmp/loaded.tty" "counting" && has "$tmp/loaded.tty" "bpetrain: merging 0 of 243"
verdict "--load-counts on a terminal: no counting line, a merging line"

printf 'ab ab ab\n' >"$tmp/tiny.txt"
on_pty notice --input "$tmp/tiny.txt" --vocab-size 1000 --out "$tmp/n"
test "$rc" -eq 0 && has "$tmp/notice.tty" "${CLR}bpetrain: notice: no pair left"
verdict "a notice on a terminal: the line is cleared before it"
on_pty bad --input "$tmp/no-such-file" --vocab-size 500 --out "$tmp/b"
test "$rc" -ne 0 && test "$(tr -d '\r' <"$tmp/bad.tty" | grep -c .)" -eq 1 && ! has "$tmp/bad.tty" counting
verdict "a bad input on a terminal: exit non-zero, one line, no progress line"
