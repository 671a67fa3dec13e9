#!/usr/bin/env bash
# test_hf.sh: bpetrain's output in HuggingFace tokenizers (the Node binding
# that `make peers` installs into peers/node_modules). Trains the TinyStories
# sample at vocab 2000, then peers/hf_check.js loads tokenizer.json and
# vocab.json + merges.txt in HF, round-trips the whole sample byte for byte
# and compares HF's tokens with a reference encoder. Prints PASS/FAIL lines
# for tests/run.sh. Without node or the package the test prints one SKIP
# line, so a machine without the peers still passes, and says it skipped.
set -u
BPETRAIN=${BPETRAIN:-bin/bpetrain}
TS=data/sample/tinystories_v1_head_1097.txt
. "$(dirname "$0")/lib.sh"

if ! command -v node >/dev/null 2>&1 || [ ! -f peers/node_modules/tokenizers/package.json ]; then
    skip "HF tokenizers check: node or peers/node_modules missing (make peers)"
    exit 0
fi

if "$BPETRAIN" --quiet --input "$TS" --vocab-size 2000 --out "$tmp/out" 2>"$tmp/err"; then
    pass "TinyStories sample vocab 2000 with --out: exit 0"
else
    fail "TinyStories sample vocab 2000 with --out: $(head -c 300 "$tmp/err")"
    exit 1
fi
# hf_check.js prints its own PASS/FAIL lines; a crash without a FAIL line is
# caught by run.sh through the exit status.
node peers/hf_check.js "$tmp/out" "$TS" '<|endoftext|>'

# make bench PEERS=1: the three trainers on a data set, and HF's merges replayed on
# our counts (quick even where thousands of pairs tie, as at the end of corpus.en).
if python3 scripts/bench.py --dataset cs336 --peers --repeat 1 --results "$tmp/peers" \
        >"$tmp/peers.out" 2>&1; then
    pass "bench --peers on cs336: exit 0"
else
    fail "bench --peers on cs336: $(tail -c 300 "$tmp/peers.out")"
fi
# The run is a session of its own: results/cs336/sessions/<id>/{peers.csv,peers-merges.json}.
psess=$(dirname "$(ls "$tmp"/peers/cs336/sessions/*/peers.csv 2>/dev/null | head -1)")
check "bench --peers: rows of bpetrain (2 and 1 threads), HF and SentencePiece" \
    test "$(cut -d, -f2,3 "$psess/peers.csv" | sort | tr '\n' ' ')" = \
        "bpetrain,heap bpetrain,heap hf-tokenizers,BpeTrainer sentencepiece,bpe trainer,backend "
check "bench --peers: HF's merges compared with ours" \
    python3 -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(not j['identical_leading_merges'] > 0)" \
        "$psess/peers-merges.json"
