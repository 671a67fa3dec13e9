#!/usr/bin/env node
// hf_train.js INPUT OUTDIR: trains a byte-level BPE tokenizer with HuggingFace
// tokenizers (npm "tokenizers", the official Node binding of the Rust crate) on
// INPUT and saves OUTDIR/tokenizer.json. Prints one JSON line on stdout:
//   {"trainer":"hf-tokenizers","version":...,"train_s":...,"vocab_size":...,"merges":...}
// train_s is the wall time of train() alone; scripts/peers.py times the whole
// process (node start-up, module load, training, saving) from outside.
//
// What this measures, and why it differs from bpetrain's CS336 training:
// - The binding's Tokenizer.train(files) takes no trainer argument: it uses
//   the model's default trainer (BpeTrainer::default() in the Rust crate):
//   vocab_size 30000, min_frequency 0, no special tokens, no initial alphabet,
//   no alphabet limit. So every comparison with HF runs at vocab 30000.
// - No special tokens: "<|endoftext|>" in the text is counted as ordinary text
//   (pre-tokens "<|", "endoftext", "|>"), where CS336 never counts it. Added
//   tokens would not help: training pre-tokenizes without splitting them off.
// - The initial alphabet is only the byte-level characters that occur in the
//   input, not all 256 bytes: vocab 30000 = (bytes seen) + merges.
// - Files are read line by line (each line keeps its "\n") and each line is
//   pre-tokenized on its own; bpetrain pre-tokenizes whole documents.
// - Ties between equally frequent pairs go to the smaller pair of token ids,
//   not to the lexicographically greater pair of byte strings.
// - Counting runs on all cores (rayon); so do parts of the merge loop.
'use strict';
const fs = require('fs');
const path = require('path');
const { Tokenizer, BPE, byteLevelPreTokenizer } = require('tokenizers');
const { version } = require('tokenizers/package.json');

const [input, outdir] = process.argv.slice(2);
if (!input || !outdir) {
  process.stderr.write('usage: node peers/hf_train.js INPUT OUTDIR\n');
  process.exit(2);
}
if (!fs.existsSync(input)) {
  process.stderr.write(`hf_train: no such input: ${input}\n`);
  process.exit(1);
}
fs.mkdirSync(outdir, { recursive: true });

// The binding (0.23.2) exports no ByteLevel decoder constructor, but the Rust
// side has one: take it from a parsed tokenizer description and install it.
// It only matters for decoding; training does not use the decoder.
function byteLevelDecoder() {
  const spec = {
    version: '1.0', truncation: null, padding: null, added_tokens: [],
    normalizer: null, pre_tokenizer: null, post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', vocab: {}, merges: [] },
  };
  return Tokenizer.fromString(JSON.stringify(spec)).getDecoder();
}

const tokenizer = new Tokenizer(BPE.empty());
// addPrefixSpace false, useRegex true: the GPT-2 pattern, as CS336 uses it.
tokenizer.setPreTokenizer(byteLevelPreTokenizer(false, true));
tokenizer.setDecoder(byteLevelDecoder());

const t0 = process.hrtime.bigint();
tokenizer.train([input]); // synchronous: returns when training is done
const trainS = Number(process.hrtime.bigint() - t0) / 1e9;

const out = path.join(outdir, 'tokenizer.json');
tokenizer.save(out, true);
const saved = JSON.parse(fs.readFileSync(out, 'utf8'));
process.stdout.write(JSON.stringify({
  trainer: 'hf-tokenizers',
  version,
  input,
  train_s: Number(trainS.toFixed(6)),
  vocab_size: tokenizer.getVocabSize(true),
  merges: saved.model.merges.length,
  added_tokens: saved.added_tokens.length,
}) + '\n');
