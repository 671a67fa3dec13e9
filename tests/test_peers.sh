#!/usr/bin/env bash
# test_peers.sh: the input scripts/peers.py gives HF and SentencePiece: the
# special token deleted and every invalid UTF-8 sequence replaced by U+FFFD
# (HF reads UTF-8 only), the number replaced kept beside the copy, the copy
# reused while the input is unchanged and made again when it changes.
set -u
. "$(dirname "$0")/lib.sh"

ds="test-peers-$$"
on_exit "rm -rf build/peers/$ds"
printf 'ab<|endoftext|>c\xff\xfed\n\xc3\xa9x\xe2\x82\n<|endoftext|>\n' >"$tmp/in.txt"
copy() {
    (cd scripts && python3 -c '
import sys, peers
path, n = peers.stripped_copy(sys.argv[1], "<|endoftext|>", sys.argv[2])
data = open(path, "rb").read()
data.decode("utf-8")  # raises on invalid UTF-8
print(n, data.count(b"endoftext"), data.count("\ufffd".encode()), data.count(b"\n"), len(data))
' "$1" "$ds") 2>"$tmp/log"
}
got=$(copy "$tmp/in.txt")
check "peer input: 3 invalid sequences replaced, no special left, valid UTF-8, lines kept" \
    test "$got" = "3 0 3 3 19"
check "peer input: the copy says what it did" grep -q "replaced 3 invalid UTF-8" "$tmp/log"
got=$(copy "$tmp/in.txt")
check "peer input: reused while the input is unchanged, with its count" test "$got" = "3 0 3 3 19"
check "peer input: a reused copy is not written again" bash -c "! grep -q writing '$tmp/log'"
printf 'plain text<|endoftext|>more\n' >"$tmp/in.txt"
got=$(copy "$tmp/in.txt")
check "peer input: made again when the input changes (valid UTF-8: nothing replaced)" \
    test "$got" = "0 0 0 1 15"
