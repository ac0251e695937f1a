// SPDX-License-Identifier: Apache-2.0
//
// Splits every corpus string with the real split regexes of the qwen2 (Qwen2/3) and
// llama-bpe (Llama 3) pre-tokenizers and prints {"qwen2": [[...]], "llama-bpe": [[...]]}.
// JavaScript lacks (?i:...) and its \s is not Unicode White_Space, so both are spelled out.
import { readFileSync } from 'node:fs';

// Unicode White_Space, as \s in Rust's regex and Oniguruma (JS adds U+FEFF, drops U+0085).
const WS = '\\t-\\r \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000';
const S = `[${WS}]`;
const NS = `[^${WS}]`;
const CONTRACTIONS = "'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]";

function splitRegex(digits) {
  return new RegExp(
    `(?:${CONTRACTIONS})|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}${digits}` +
      `| ?[^${WS}\\p{L}\\p{N}]+[\\r\\n]*|${S}*[\\r\\n]+|${S}+(?!${NS})|${S}+`,
    'gu');
}

const QWEN2 = splitRegex('');
const LLAMA3 = splitRegex('{1,3}');

function split(re, text) {
  const parts = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last)
      parts.push(text.slice(last, m.index));  // unmatched gap: never expected
    parts.push(m[0]);
    last = m.index + m[0].length;
  }
  if (last < text.length)
    parts.push(text.slice(last));
  return parts;
}

const corpus = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const all = corpus.strings.concat(corpus.pretokenize_only ?? []);
process.stdout.write(JSON.stringify({
  qwen2: all.map((s) => split(QWEN2, s.normalize('NFC'))),
  'llama-bpe': all.map((s) => split(LLAMA3, s)),
}));
