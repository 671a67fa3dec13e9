#!/usr/bin/env bash
# spm_train.sh INPUT OUTDIR VOCAB: trains a SentencePiece BPE model on INPUT
# (OUTDIR/spm.model, OUTDIR/spm.vocab) with spm_train from Debian's
# sentencepiece package (make peers). Prints one JSON line on stdout with the
# wall time of spm_train and the size of the vocabulary it wrote.
#
# SentencePiece is a different tokenizer, measured for scale, not for equal
# output:
# - It is not byte-level: it learns merges of Unicode characters, and its
#   pieces are whitespace-prefixed ("▁") words split by Unicode script and
#   digits; there is no GPT-2 regex. --byte_fallback adds the 256 byte pieces
#   <0x00>..<0xFF> to the vocabulary (so any input encodes) but they take no
#   part in merging; the vocabulary also holds <unk>, <s>, </s> and the
#   special token.
# - Its BPE trainer runs the merge loop on one core whatever --num_threads
#   says (threads only help loading and the unigram trainer); --num_threads=1
#   makes that explicit and keeps the measurement to one core.
# - It loads every sentence (line) into memory. Lines longer than
#   --max_sentence_length bytes are skipped, so it is set far above
#   TinyStories' paragraphs (the sample's longest line is 1.2 KB).
#   SPM_INPUT_SENTENCE_SIZE=N (default 0: all lines) samples N lines, shuffled,
#   for corpora too big for memory; a sampled run trains on less text and its
#   time is not comparable, so peers.py records it in its notes.
set -eu
if [ $# -ne 3 ]; then
    echo "usage: peers/spm_train.sh INPUT OUTDIR VOCAB" >&2
    exit 2
fi
input=$1 outdir=$2 vocab=$3
command -v spm_train >/dev/null 2>&1 || { echo "spm_train not found (make peers)" >&2; exit 1; }
[ -f "$input" ] || { echo "spm_train.sh: no such input: $input" >&2; exit 1; }
mkdir -p "$outdir"
sample=${SPM_INPUT_SENTENCE_SIZE:-0}

# identity normalization and no whitespace rewriting: train on the text as it
# is, as the byte-level trainers do (the defaults apply NFKC and squeeze
# spaces). character_coverage 1.0 keeps every character seen (the default
# drops the rarest 0.05% to <unk>). hard_vocab_limit=false: a corpus too
# small for VOCAB yields a smaller vocabulary instead of an error.
start=$EPOCHREALTIME
spm_train \
    --input="$input" \
    --model_prefix="$outdir/spm" \
    --model_type=bpe \
    --vocab_size="$vocab" \
    --num_threads=1 \
    --input_sentence_size="$sample" \
    --shuffle_input_sentence=true \
    --max_sentence_length=65536 \
    --character_coverage=1.0 \
    --byte_fallback=true \
    --normalization_rule_name=identity \
    --remove_extra_whitespaces=false \
    --split_digits=false \
    --user_defined_symbols='<|endoftext|>' \
    --hard_vocab_limit=false \
    --minloglevel=1 \
    >"$outdir/spm_train.log" 2>&1 || { tail -n 20 "$outdir/spm_train.log" >&2; exit 1; }
end=$EPOCHREALTIME
pieces=$(wc -l <"$outdir/spm.vocab" | tr -d ' ')
printf '{"trainer":"sentencepiece","version":"%s","input":"%s","train_s":%s,"vocab_size":%s,"input_sentence_size":%s}\n' \
    "$(dpkg-query -W -f='${Version}' sentencepiece 2>/dev/null || echo unknown)" \
    "$input" "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f", b - a }')" "$pieces" "$sample"
