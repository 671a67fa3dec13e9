#!/usr/bin/env bash
# test_peers.sh: the input scripts/peers.py gives HF and SentencePiece: the
# special token deleted and every invalid UTF-8 sequence replaced by U+FFFD
# (HF reads UTF-8 only), the number replaced kept beside the copy, the copy
# reused while the input is unchanged and made again when it changes; and a
# peers run stopped by SIGTERM leaves no trainer behind.
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

# A peers run told to stop (SIGTERM, as `kill` or a bench that was stopped
# sends) ends the trainer it is running, which is in a session of its own:
# nothing of it is left. The trainer says it has begun by writing its pid.
cat >"$tmp/sleeper.py" <<'PY'
import os, time
def train_bpe(input_path, vocab_size, special_tokens):
    open(os.environ["SLEEPER_MARK"], "w").write(str(os.getpid()))
    time.sleep(300)
    return {}, []
PY
SLEEPER_MARK="$tmp/sleeper.pid" python3 scripts/peers.py tests/fixtures/cs336/corpus.en \
    --dataset "$ds" --trainers train_bpe --train-bpe "$tmp/sleeper.py:train_bpe" --repeat 1 \
    --results "$tmp/results" --no-compare >"$tmp/stop.log" 2>&1 &
driver=$!
for _ in $(seq 600); do [ -s "$tmp/sleeper.pid" ] && break; sleep 0.1; done
check "a peers run's train_bpe trainer begins" test -s "$tmp/sleeper.pid"
kill -TERM "$driver"
wait "$driver"
rc=$?
trainer=$(cat "$tmp/sleeper.pid" 2>/dev/null || echo 0)
check "SIGTERM stops a peers run with a non-zero exit (got $rc)" test "$rc" -ne 0
check "SIGTERM: the trainer the peers run had started is not left running" \
    bash -c "! kill -0 $trainer 2>/dev/null"
kill "$trainer" 2>/dev/null || true
