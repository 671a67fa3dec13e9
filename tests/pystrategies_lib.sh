# shellcheck shell=bash
# pystrategies_lib.sh: what test_pystrategies.sh and test_pysample.sh share (sourced after
# lib.sh): the strategies pytrain lists, bpetrain's merges_hash of an input, and `learn`,
# which runs every strategy at W = 1 2 3 and checks its merges.
BPETRAIN=${BPETRAIN:-bin/bpetrain}
REF=tests/fixtures/cs336
SAMPLE=data/sample/tinystories_v1_head_1097.txt
PY=${PYTHON:-python3}
strategies=$($PY scripts/pytrain.py --list-backends --json | python3 -c \
    "import json,sys; print(' '.join(b['name'] for b in json.load(sys.stdin)))")
check "pytrain lists the five strategies" test "$(echo $strategies | wc -w)" = 5
ours() { "$BPETRAIN" --input "$1" --count-only --save-counts "$tmp/$2.wc" --quiet &&
    "$BPETRAIN" --input "$1" --load-counts "$tmp/$2.wc" --vocab-size "$3" --csv "$tmp/$2-c.csv" \
        --quiet && python3 -c "import csv,sys; print(next(csv.DictReader(open(sys.argv[1])))['merges_hash'])" \
        "$tmp/$2-c.csv"; }
hash_of() { python3 -c "import csv,sys; print(list(csv.DictReader(open(sys.argv[1])))[-1]['merges_hash'])" "$1"; }

# ---- every strategy, W = 1 2 3, on corpus.en and the sample -------------------------
learn() {   # learn INPUT NAME VOCAB HASH STRATEGIES
    local in=$1 name=$2 vocab=$3 want=$4 s w
    for s in $5; do
        for w in 1 2 3; do
            [ "$s" = py-serial ] && [ "$w" -gt 1 ] && continue
            rm -rf "$tmp/out"
            $PY scripts/pytrain.py --input "$in" --load-counts "$tmp/$name.wc" --vocab-size "$vocab" \
                --backend "$s" --workers "$w" --out "$tmp/out" --csv "$tmp/$name-$s-$w.csv" \
                --quiet 2>"$tmp/err"
            check "$s W=$w on $name (vocab $vocab): exit 0, merges_hash = bpetrain's" \
                bash -c "[ -s '$tmp/$name-$s-$w.csv' ] && [ \"\$(python3 -c \"import csv,sys; print(next(csv.DictReader(open(sys.argv[1])))['merges_hash'])\" '$tmp/$name-$s-$w.csv')\" = '$want' ]"
            if [ "$name" = cs336 ]; then
                check "$s W=$w on corpus.en: merges.txt and vocab.json = the CS336 reference's" \
                    bash -c "cmp -s '$tmp/out/merges.txt' '$REF/train-bpe-reference-merges.txt' && cmp -s '$tmp/out/vocab.json' '$tmp/cvocab.json'"
            fi
        done
    done
}
