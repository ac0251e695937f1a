// SPDX-License-Identifier: Apache-2.0
//
// Reads a GGUF file with an independent implementation (npm @huggingface/gguf, pinned
// in package.json, installed under $SPRIG_NPM_DIR) and prints its metadata and tensor
// infos as JSON. With --expect FILE.json it also compares them with what our writer
// was asked to write, checks tensor data by SHA-256, and exits 1 on any difference.
//
// usage: node gguf-check.mjs MODEL.gguf [--expect EXPECTED.json]

import { createHash } from "node:crypto";
import { readFileSync, statSync, openSync, readSync, closeSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

async function loadGguf() {
  const npmDir = process.env.SPRIG_NPM_DIR;
  if (!npmDir) throw new Error("SPRIG_NPM_DIR is not set");
  const pkgDir = join(npmDir, "node_modules", "@huggingface", "gguf");
  const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  const entry = pkg.exports?.["."]?.import ?? pkg.module ?? pkg.main;
  return (await import(pathToFileURL(join(pkgDir, entry)).href)).gguf;
}

const HEADER_KEYS = new Set(["version", "tensor_count", "kv_count"]);

function normalize(parsed) {
  const kv = [];
  for (const [key, entry] of Object.entries(parsed.typedMetadata)) {
    if (HEADER_KEYS.has(key)) continue;
    kv.push({ key, type: entry.type, subType: entry.subType, value: entry.value });
  }
  return {
    version: parsed.metadata.version,
    tensor_count: parsed.metadata.tensor_count,
    kv_count: parsed.metadata.kv_count,
    kv,
    tensors: parsed.tensorInfos,
    tensorDataOffset: parsed.tensorDataOffset,
    littleEndian: parsed.littleEndian,
  };
}

// Compares one value against our expected encoding (see test-gguf.c, json_value).
function sameValue(type, want, got, where, errors) {
  const fail = (why) => errors.push(`${where}: ${why}`);
  switch (type) {
    case 0: case 1: case 2: case 3: case 4: case 5:
      if (got !== want) fail(`expected ${want}, got ${got}`);
      return;
    case 6:
      if (got !== Math.fround(want)) fail(`expected f32 ${want}, got ${got}`);
      return;
    case 7: case 8: case 12:
      if (got !== want) fail(`expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
      return;
    case 10: case 11:
      if (typeof got !== "bigint" || got !== BigInt(want)) fail(`expected ${want}n, got ${got}`);
      return;
    case 9:
      if (!Array.isArray(got)) return fail("expected an array");
      if (got.length !== want.items.length)
        return fail(`expected ${want.items.length} items, got ${got.length}`);
      want.items.forEach((item, i) => sameValue(want.elem, item, got[i], `${where}[${i}]`, errors));
      return;
    default:
      fail(`unknown type ${type}`);
  }
}

function readSlice(path, start, length) {
  const buf = Buffer.alloc(length);
  const fd = openSync(path, "r");
  try {
    const n = readSync(fd, buf, 0, length, start);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function compareKv(got, want, errors) {
  const gotKeys = got.kv.map((e) => e.key);
  const wantKeys = want.kv.map((e) => e.key);
  if (JSON.stringify(gotKeys) !== JSON.stringify(wantKeys))
    errors.push(`key order: expected ${wantKeys.join(", ")}; got ${gotKeys.join(", ")}`);
  for (const w of want.kv) {
    const g = got.kv.find((e) => e.key === w.key);
    if (!g) { errors.push(`key '${w.key}' missing`); continue; }
    if (g.type !== w.type) errors.push(`key '${w.key}': type ${g.type}, expected ${w.type}`);
    if (w.type === 9 && g.subType !== w.value.elem)
      errors.push(`key '${w.key}': element type ${g.subType}, expected ${w.value.elem}`);
    sameValue(w.type, w.value, g.value, `key '${w.key}'`, errors);
  }
}

function compareTensors(path, got, want, errors) {
  const alignment = 32;
  let end = got.tensorDataOffset;
  if (got.tensors.length !== want.tensors.length)
    errors.push(`${got.tensors.length} tensors, expected ${want.tensors.length}`);
  if (got.tensorDataOffset % BigInt(alignment) !== 0n)
    errors.push(`data section at ${got.tensorDataOffset} is not aligned`);
  want.tensors.forEach((w, i) => {
    const g = got.tensors[i];
    if (!g) return;
    const at = `tensor ${i} '${w.name}'`;
    if (g.name !== w.name) errors.push(`${at}: name '${g.name}'`);
    if (g.n_dims !== w.shape.length) errors.push(`${at}: n_dims ${g.n_dims}`);
    if (g.shape.map(String).join(",") !== w.shape.join(","))
      errors.push(`${at}: shape ${g.shape.join(",")}, expected ${w.shape.join(",")}`);
    if (g.dtype !== w.dtype) errors.push(`${at}: dtype ${g.dtype}, expected ${w.dtype}`);
    if (g.offset !== BigInt(w.offset)) errors.push(`${at}: offset ${g.offset}, expected ${w.offset}`);
    const start = Number(got.tensorDataOffset + g.offset);
    const sha = createHash("sha256").update(readSlice(path, start, w.n_bytes)).digest("hex");
    if (sha !== w.sha256) errors.push(`${at}: data at ${start} has SHA-256 ${sha}, expected ${w.sha256}`);
    const padded = BigInt(Math.ceil(w.n_bytes / alignment) * alignment);
    if (got.tensorDataOffset + g.offset + padded > end) end = got.tensorDataOffset + g.offset + padded;
  });
  const size = BigInt(statSync(path).size);
  if (want.tensors.length > 0 && size !== end)
    errors.push(`file size ${size}, expected ${end} (data padded to the alignment)`);
}

function compare(path, got, want) {
  const errors = [];
  if (got.version !== want.version) errors.push(`version ${got.version}, expected ${want.version}`);
  if (!got.littleEndian) errors.push("file read as big-endian");
  if (got.kv_count !== BigInt(want.kv.length)) errors.push(`kv_count ${got.kv_count}`);
  if (got.tensor_count !== BigInt(want.tensors.length)) errors.push(`tensor_count ${got.tensor_count}`);
  compareKv(got, want, errors);
  compareTensors(path, got, want, errors);
  return errors;
}

const args = process.argv.slice(2);
const path = args[0];
const expectAt = args.indexOf("--expect");
if (!path || path.startsWith("--")) {
  console.error("usage: node gguf-check.mjs MODEL.gguf [--expect EXPECTED.json]");
  process.exit(2);
}

const gguf = await loadGguf();
const parsed = normalize(await gguf(path, { allowLocalFile: true, typedMetadata: true }));
const report = { parsed };
if (expectAt >= 0) {
  const want = JSON.parse(readFileSync(args[expectAt + 1], "utf8"));
  report.errors = compare(path, parsed, want);
  report.ok = report.errors.length === 0;
}
const bigintAsString = (_key, value) => (typeof value === "bigint" ? value.toString() : value);
console.log(JSON.stringify(report, bigintAsString, 2));
process.exit(report.ok === false ? 1 : 0);
