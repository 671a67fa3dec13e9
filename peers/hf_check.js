#!/usr/bin/env node
// hf_check.js DIR TEXT [SPECIAL]: checks that bpetrain's output in DIR
// (tokenizer.json, vocab.json, merges.txt) works in HuggingFace tokenizers and
// tokenizes as the learned merges say. Prints one "PASS <what>" or
// "FAIL <what>" line per check (tests/test_hf.sh runs it); exits 1 on a FAIL.
//
//  1. HF loads DIR/tokenizer.json (Tokenizer.fromFile) and also builds the
//     same tokenizer from DIR/vocab.json + DIR/merges.txt (BPE.fromFile plus
//     the ByteLevel pre-tokenizer and decoder): the CS336 files are usable as
//     they are, not only our own tokenizer.json.
//  2. Both encode all of TEXT (the special token included, as one id) to the
//     same ids, and decoding gives TEXT back byte for byte.
//  3. An independent reference: TEXT's pre-tokens by the GPT-2 pattern in a JS
//     regex equal HF's ByteLevel pre-tokens; each pre-token, byte-level
//     encoded and merged by the lowest-ranked adjacent pair until none is
//     left (ranks = merges.txt order, the GPT-2 encoder), gives exactly HF's
//     tokens, for every distinct word and for the whole text in order.
'use strict';
const fs = require('fs');
const path = require('path');
const { Tokenizer, BPE, byteLevelPreTokenizer } = require('tokenizers');

const [dir, textPath, special = '<|endoftext|>'] = process.argv.slice(2);
if (!dir || !textPath) {
  process.stderr.write('usage: node peers/hf_check.js DIR TEXT [SPECIAL]\n');
  process.exit(2);
}

let failed = 0;
function check(what, ok, detail) {
  if (ok) {
    console.log(`PASS ${what}`);
  } else {
    failed++;
    console.log(`FAIL ${what}${detail ? `: ${detail}` : ''}`);
  }
  return ok;
}

// GPT-2's bytes_to_unicode: printable bytes stand for themselves, the others
// are shifted to U+0100 and up, so every token is a printable string.
function bytesToUnicode() {
  const bs = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const enc = new Array(256);
  bs.forEach((b, i) => { enc[b] = String.fromCodePoint(cs[i]); });
  return enc;
}
const BYTE_ENC = bytesToUnicode();
const byteLevel = (s) => Array.from(Buffer.from(s, 'utf8'), (b) => BYTE_ENC[b]).join('');

// The GPT-2 pre-tokenization pattern, as CS336 (and HF's ByteLevel) use it.
const GPT2_PAT = /'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

// Merge ranks from merges.txt: line k (0-based) is the k-th merge.
const merges = fs.readFileSync(path.join(dir, 'merges.txt'), 'utf8')
  .split('\n').filter((l) => l.length > 0 && !l.startsWith('#version'));
const rank = new Map();
merges.forEach((line, i) => { rank.set(line, i); }); // key "a b": GPT-2 alphabet has no space

// The reference encoder: one byte-level character per symbol, then merge the
// adjacent pair of lowest rank (every occurrence, left to right, as training
// applies a merge) until no adjacent pair is a merge.
const refCache = new Map();
function refEncode(word) {
  let toks = refCache.get(word);
  if (toks) return toks;
  toks = Array.from(byteLevel(word));
  for (;;) {
    let best = Infinity;
    for (let i = 0; i + 1 < toks.length; i++) {
      const r = rank.get(toks[i] + ' ' + toks[i + 1]);
      if (r !== undefined && r < best) best = r;
    }
    if (best === Infinity) break;
    const [a, b] = merges[best].split(' ');
    const next = [];
    for (let i = 0; i < toks.length; i++) {
      if (i + 1 < toks.length && toks[i] === a && toks[i + 1] === b) {
        next.push(a + b);
        i++;
      } else {
        next.push(toks[i]);
      }
    }
    toks = next;
  }
  refCache.set(word, toks);
  return toks;
}

// The ByteLevel decoder has no constructor in the Node binding (0.23.2); a
// parsed tokenizer description yields one.
function byteLevelDecoder() {
  const spec = {
    version: '1.0', truncation: null, padding: null, added_tokens: [],
    normalizer: null, pre_tokenizer: null, post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', vocab: {}, merges: [] },
  };
  return Tokenizer.fromString(JSON.stringify(spec)).getDecoder();
}

function firstDiff(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

async function main() {
  const textBytes = fs.readFileSync(textPath);
  const text = textBytes.toString('utf8');
  const nMerges = merges.length;

  // ---- 1. loading -------------------------------------------------------------
  let fromJson;
  try {
    fromJson = Tokenizer.fromFile(path.join(dir, 'tokenizer.json'));
    check('HF loads tokenizer.json', true);
  } catch (e) {
    check('HF loads tokenizer.json', false, String(e.message || e));
    return;
  }
  const jsonMerges = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')).model.merges;
  const vocab = JSON.parse(fs.readFileSync(path.join(dir, 'vocab.json'), 'utf8'));
  check(`tokenizer.json: vocab size ${Object.keys(vocab).length} as vocab.json, ${nMerges} merges as merges.txt`,
    fromJson.getVocabSize(true) === Object.keys(vocab).length && jsonMerges.length === nMerges,
    `HF vocab ${fromJson.getVocabSize(true)}, merges ${jsonMerges.length}`);
  check(`tokenizer.json: "${special}" is the special token with vocab.json's id`,
    fromJson.tokenToId(special) === vocab[special], `id ${fromJson.tokenToId(special)}`);

  let fromFiles;
  try {
    const model = await BPE.fromFile(path.join(dir, 'vocab.json'), path.join(dir, 'merges.txt'));
    fromFiles = new Tokenizer(model);
    fromFiles.setPreTokenizer(byteLevelPreTokenizer(false, true));
    fromFiles.setDecoder(byteLevelDecoder());
    fromFiles.addSpecialTokens([special]);
    check('HF builds a tokenizer from vocab.json + merges.txt (BPE.fromFile)', true);
  } catch (e) {
    check('HF builds a tokenizer from vocab.json + merges.txt (BPE.fromFile)', false,
      String(e.message || e));
    return;
  }

  // ---- 2. whole text: encode, decode ----------------------------------------------
  const encJ = await fromJson.encode(text);
  const encF = await fromFiles.encode(text);
  const idsJ = encJ.getIds();
  const idsF = encF.getIds();
  const d = firstDiff(idsJ, idsF);
  check(`whole text (${textBytes.length} bytes): tokenizer.json and vocab+merges give the same ${idsJ.length} ids`,
    d < 0, `first difference at token ${d}`);
  const nSpecial = idsJ.filter((id) => id === vocab[special]).length;
  const expectSpecial = text.split(special).length - 1;
  check(`whole text: each of the ${expectSpecial} "${special}" is one special id`, nSpecial === expectSpecial,
    `${nSpecial} special ids`);
  for (const [name, tk, ids] of [['tokenizer.json', fromJson, idsJ], ['vocab+merges', fromFiles, idsF]]) {
    const back = await tk.decode(ids, false);
    const backBytes = Buffer.from(back, 'utf8');
    check(`whole text: ${name} decodes back byte for byte`, backBytes.equals(textBytes),
      `decoded ${backBytes.length} bytes, first difference at byte ${firstDiff(backBytes, textBytes)}`);
  }

  // ---- 3. the reference encoder ------------------------------------------------------
  // Pre-tokens of each piece between special tokens, by the JS regex and by HF.
  const pieces = text.split(special);
  const hfPre = fromJson.getPreTokenizer();
  let preOk = true;
  let preDetail = '';
  const words = [];
  for (const piece of pieces) {
    const js = piece.match(GPT2_PAT) || [];
    const hf = hfPre.preTokenizeString(piece).map(([s]) => s);
    const jsBl = js.map(byteLevel);
    const i = firstDiff(jsBl, hf);
    if (i >= 0 && preOk) {
      preOk = false;
      preDetail = `JS ${JSON.stringify(jsBl[i])} vs HF ${JSON.stringify(hf[i])}`;
    }
    for (const w of js) words.push(w);
  }
  check(`pre-tokens: the JS GPT-2 regex and HF's ByteLevel agree (${words.length} pre-tokens)`, preOk, preDetail);

  // Every distinct word on its own: HF's tokens = the reference's. Only words
  // that pre-tokenize to themselves alone are taken (e.g. "  " before a word
  // is one pre-token in context but pre-tokenizes differently in isolation).
  const distinct = [...new Set(words)].filter((w) => {
    const p = hfPre.preTokenizeString(w);
    return p.length === 1 && p[0][0] === byteLevel(w);
  });
  const encs = await fromJson.encodeBatch(distinct);
  let bad = 0;
  let badDetail = '';
  encs.forEach((e, i) => {
    const hf = e.getTokens();
    const ref = refEncode(distinct[i]);
    if (firstDiff(hf, ref) >= 0) {
      if (!bad) badDetail = `${JSON.stringify(distinct[i])}: HF ${JSON.stringify(hf)} vs reference ${JSON.stringify(ref)}`;
      bad++;
    }
  });
  check(`${distinct.length} distinct words: HF's tokens equal the reference encoder's (lowest rank first)`,
    distinct.length >= 2000 && bad === 0,
    bad ? `${bad} words differ, e.g. ${badDetail}` : `only ${distinct.length} distinct words`);

  // The whole text in order: HF's token strings = the reference's per pre-token,
  // with the special token where the text has it.
  const refAll = [];
  pieces.forEach((piece, k) => {
    if (k > 0) refAll.push(special);
    for (const w of piece.match(GPT2_PAT) || []) for (const t of refEncode(w)) refAll.push(t);
  });
  const hfAll = encJ.getTokens();
  const j = firstDiff(hfAll, refAll);
  check(`whole text: HF's ${hfAll.length} tokens equal the reference encoder's, in order`, j < 0,
    `first difference at token ${j}: HF ${JSON.stringify(hfAll[j])} vs reference ${JSON.stringify(refAll[j])}`);
}

main().then(
  () => process.exit(failed ? 1 : 0),
  (e) => { console.log(`FAIL hf_check: ${e && e.stack ? e.stack.split('\n')[0] : e}`); process.exit(1); },
);
