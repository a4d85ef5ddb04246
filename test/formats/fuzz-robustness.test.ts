// Every parser of untrusted input, fuzzed in-process from real inputs (the stories260K HF folder, its llama2.c and
// GGUF conversions, random configs of every architecture, LLM replies): byte flips, truncations, huge numbers,
// deep nesting, 64-bit GGUF values, long strings. Each case must end in success or a PrunelabError (never a raw
// TypeError / RangeError), within a time bound, with a message under 2,000 characters. Seeded: the same cases every
// run. The regression tests below pin what an earlier fuzzing run (119,132 inputs) found.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BadModelFile, PrunelabError, UnsupportedArchitecture } from '../../src/core/errors.ts';
import { type ByteSource, bytesSource } from '../../src/core/formats/byte-source.ts';
import { jsonDepthExceeded, parseJsonFile } from '../../src/core/formats/bounded-json.ts';
import { parseHfConfig } from '../../src/core/formats/hf-config.ts';
import { HfTokenizer } from '../../src/core/formats/hf-tokenizer.ts';
import { readGguf } from '../../src/core/formats/gguf-parse.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { concatBytes, encodeSafetensors, readSafetensorsHeader, type SafetensorsInput } from '../../src/core/formats/safetensors.ts';
import type { LoadedModel } from '../../src/core/model/loaded-model.ts';
import { randomHfModel } from '../../src/core/model/random-model.ts';
import { extractJson, MAX_REPLY_CHARS, parseInitReply, parseRatesReply, parseSelectionReply } from '../../src/core/search/llm-reply.ts';
import { architectureCases } from '../helpers/architecture-cases.ts';
import { STORIES_GGUF, STORIES_HF, STORIES_LLAMA2C, STORIES_LLAMA2C_V1, fixture } from '../helpers/fixtures.ts';
import { GGUF, type GgufTensorIn, type Kv, writeGguf } from './gguf-writer.ts';

// FUZZ_SEED / FUZZ_SCALE run other or more cases (FUZZ_SCALE=10: 29,000 cases in ~65 s); the defaults are the CI run
// (2,900 cases). FUZZ_DEBUG=1 prints the first typed errors of each parser, to see how deep the cases get.
const SEED = Number(process.env.FUZZ_SEED ?? 20261205);
const runs = (n: number) => Math.round(n * Number(process.env.FUZZ_SCALE ?? 1));
/** One case's time bound: generous for a loaded 2-core machine; the hangs fuzzing found took 30-100 s. */
const CASE_MS = 3_000;
const MAX_MESSAGE = 2_000;

const enc = new TextEncoder();
const read = (path: string) => new Uint8Array(readFileSync(path));
const hf = (name: string) => read(join(STORIES_HF, name));
const HF_FILES = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'] as const;
const HF = Object.fromEntries(HF_FILES.map((n) => [n, hf(n)])) as Record<(typeof HF_FILES)[number], Uint8Array>;
const TOK512 = read(fixture('models/stories260K-llama2c/tok512.bin'));

// ---- outcomes ----

const stats = new Map<string, { cases: number; ok: number; typed: number; slowest: number }>();
afterAll(() => {
  let cases = 0;
  for (const [what, s] of stats) {
    cases += s.cases;
    console.log(`fuzz ${what}: ${s.cases} cases, ${s.ok} loaded, ${s.typed} typed errors, slowest ${s.slowest.toFixed(0)} ms`);
  }
  console.log(`fuzz total: ${cases} cases`);
});

/** Runs one case: success or a short PrunelabError within CASE_MS; anything else fails the property. */
async function typedOutcome(what: string, label: () => string, run: () => unknown): Promise<void> {
  const s = stats.get(what) ?? { cases: 0, ok: 0, typed: 0, slowest: 0 };
  stats.set(what, s);
  s.cases++;
  const t0 = performance.now();
  let error: unknown = null;
  try { await run(); } catch (e) { error = e; }
  const ms = performance.now() - t0;
  s.slowest = Math.max(s.slowest, ms);
  if (error !== null) {
    if (!(error instanceof PrunelabError)) {
      const e = error as Error;
      throw new Error(`${what} (${label()}): raw ${e?.name}: ${String(e?.message).slice(0, 300)}\n${e?.stack?.split('\n').slice(1, 6).join('\n')}`);
    }
    if (error.message.length >= MAX_MESSAGE) throw new Error(`${what} (${label()}): a ${error.message.length}-character message: ${error.message.slice(0, 200)}…`);
    s.typed++;
    if (process.env.FUZZ_DEBUG && s.typed <= 40) console.log(`${what}: ${error.message.slice(0, 160)}`);
  } else s.ok++;
  if (ms > CASE_MS) throw new Error(`${what} (${label()}): took ${ms.toFixed(0)} ms`);
}

/**
 * Loads a model and uses its tokenizer as the engine would (encode and decode run at first use). What loads must be
 * usable: accepted-but-invalid values (ids past the embedding, a non-finite eps) fail the case like a raw error.
 */
async function loadAndUse(files: ByteSource[], requireTokenizer = true): Promise<LoadedModel> {
  const m = await loadModel(files, { requireTokenizer });
  const ids = m.tokenizer.encode('Once upon a time, Lily saw 3 big dogs.');
  m.tokenizer.decode(ids.slice(0, 8));
  const V = m.spec.vocabSize;
  const id = [...ids, m.tokenizer.bosId ?? 0, m.tokenizer.eosId ?? 0].find((x) => !(Number.isInteger(x) && x >= 0 && x < V));
  if (id !== undefined) throw new Error(`loaded, but the tokenizer gives the id ${id} outside the embedding's ${V} rows`);
  for (const k of ['rmsNormEps', 'ropeTheta'] as const) {
    if (!(Number.isFinite(m.spec[k]) && m.spec[k] > 0)) throw new Error(`loaded, but ${k} is ${m.spec[k]}`);
  }
  return m;
}

// ---- mutations ----

/** Raw JSON texts that replace a value: huge, negative, fractional, non-finite after parsing, long, wide, deep. */
const deepArray = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const deepObject = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
const NASTY_JSON = [
  'null', 'true', 'false', '-1', '0', '-0', '1.5', '2147483648', '4294967296', '9007199254740993', '1e308', '-1e308', '1e999',
  '1000000', '10000000', '1000000000', '""', `"${'x'.repeat(100_000)}"`, '"\\u0000"', '[]', '{}', '[[]]', '[null]', '["a"]', '[1,2]',
  `[${'0,'.repeat(50_000)}0]`, deepArray(65), deepArray(100_000), deepObject(65), deepObject(100_000),
  '{"type":"Sequence"}', '{"type":"Split","pattern":{"Regex":"(a+)+$"},"behavior":"Isolated","invert":false}',
  '{"Regex":"("}', '{"type":"BPE"}', '{"id":-1,"content":"x"}',
];

interface JsonEdit { path: number[]; nasty: number; remove: boolean }
const jsonEdit = fc.record({
  path: fc.array(fc.nat(1_000), { minLength: 0, maxLength: 6 }),
  nasty: fc.nat(NASTY_JSON.length - 1),
  remove: fc.boolean(),
});

/** Replaces (or deletes) the nodes that the edits' paths pick (each step an index modulo the container's size) by
 *  nasty values, spliced in as text (a value 100,000 levels deep cannot be built and stringified here). */
function editJson(root: unknown, edits: JsonEdit[]): string {
  const doc = { root: structuredClone(root) } as Record<string, unknown>;
  edits.forEach((edit, n) => {
    let parent = doc as Record<string, unknown> | unknown[];
    let key: string | number = 'root';
    let node: unknown = doc.root;
    for (const step of edit.path) {
      if (typeof node !== 'object' || node === null) break;
      const keys: Array<string | number> = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
      if (keys.length === 0) break;
      parent = node as Record<string, unknown>;
      key = keys[step % keys.length];
      node = (node as Record<string | number, unknown>)[key];
    }
    if (edit.remove && parent !== doc) {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
    } else (parent as Record<string | number, unknown>)[key] = `__nasty${n}__`;
  });
  let text = JSON.stringify(doc.root) ?? 'null';
  edits.forEach((edit, n) => { text = text.replace(`"__nasty${n}__"`, () => NASTY_JSON[edit.nasty]); });
  return text;
}

interface ByteEdit { flips: Array<[number, number]>; cut: number | null; insert: [number, number] | null }
/** Byte flips (positions as fractions of the length), an optional truncation and an optional run of brackets. */
const fraction = fc.double({ min: 0, max: 1, noNaN: true });
/** null three times in four: most cases change one thing, so that they get past the first check. */
const rarely = <T>(a: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: a, weight: 1 });
const byteEdit = fc.record({
  flips: fc.oneof(fc.constant([] as Array<[number, number]>), fc.array(fc.tuple(fraction, fc.nat(255)), { minLength: 1, maxLength: 4 })),
  cut: rarely(fraction),
  insert: rarely(fc.tuple(fraction, fc.constantFrom(3, 70, 20_000))),
});

/** Applies a ByteEdit within the first `limit` bytes (a header), keeping what follows. */
function editBytes(bytes: Uint8Array, e: ByteEdit, limit = bytes.length): Uint8Array {
  let out: Uint8Array = bytes.slice();
  const at = (f: number) => Math.min(limit - 1, Math.floor(f * limit));
  for (const [f, v] of e.flips) out[at(f)] = v;
  if (e.insert) {
    const i = at(e.insert[0]);
    out = concatBytes([out.subarray(0, i), enc.encode(`${'['.repeat(e.insert[1])}${'{'.repeat(e.insert[1] % 7)}`), out.subarray(i)]);
  }
  if (e.cut !== null) out = out.slice(0, Math.floor(e.cut * out.length));
  return out;
}

const textEdit = (text: string, e: ByteEdit) => new TextDecoder().decode(editBytes(enc.encode(text), e));
const label = (v: unknown) => () => { try { return JSON.stringify(v).slice(0, 300); } catch { return String(v); } };
const hfFolder = (over: Partial<Record<string, Uint8Array>>, names: readonly string[] = HF_FILES) =>
  names.map((n) => bytesSource(over[n] ?? HF[n as (typeof HF_FILES)[number]], n));

// ---- safetensors ----

function splitSafetensors(bytes: Uint8Array): { header: Record<string, unknown>; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), data: bytes.subarray(8 + n) };
}
function joinSafetensors(headerText: string, data: Uint8Array, length?: bigint): Uint8Array {
  const h = enc.encode(headerText);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}
const ST = splitSafetensors(HF['model.safetensors']);
const ST_HEADER_END = HF['model.safetensors'].length - ST.data.length;

// ---- GGUF: the fixture re-written through the test writer, so single values can be swapped for typed nasty ones ----

async function ggufParts(): Promise<{ kvs: Kv[]; tensors: GgufTensorIn[]; alignment: number }> {
  const bytes = read(STORIES_GGUF);
  const f = await readGguf(bytesSource(bytes, 'stories260K.gguf'));
  const kvs: Kv[] = [];
  for (const [key, v] of f.metadata) {
    if (typeof v === 'string') kvs.push({ key, type: GGUF.STRING, value: v });
    else if (typeof v === 'boolean') kvs.push({ key, type: GGUF.BOOL, value: v });
    else if (typeof v === 'number') kvs.push({ key, type: Number.isInteger(v) ? GGUF.U32 : GGUF.F32, value: v });
    else if (Array.isArray(v)) {
      const itemType = typeof v[0] === 'string' ? GGUF.STRING : v.every((x) => Number.isInteger(x)) ? GGUF.I32 : GGUF.F32;
      kvs.push({ key, type: GGUF.ARRAY, itemType, value: v });
    }
  }
  const tensors = f.tensors.map((t) => ({ name: t.name, dims: t.dims, type: t.ggmlType, data: bytes.slice(t.byteOffset, t.byteOffset + t.byteLength) }));
  return { kvs, tensors, alignment: f.alignment };
}

const GGUF_KEYS = ['llama.block_count', 'llama.embedding_length', 'llama.feed_forward_length', 'llama.attention.head_count',
  'llama.attention.head_count_kv', 'llama.context_length', 'llama.vocab_size', 'llama.rope.dimension_count', 'llama.attention.key_length',
  'llama.attention.layer_norm_rms_epsilon', 'llama.rope.freq_base', 'llama.rope.scaling.type', 'general.alignment', 'general.architecture',
  'tokenizer.ggml.model', 'tokenizer.ggml.tokens', 'tokenizer.ggml.scores', 'tokenizer.ggml.token_type', 'tokenizer.ggml.bos_token_id',
  'tokenizer.ggml.eos_token_id', 'tokenizer.ggml.unknown_token_id', 'tokenizer.ggml.add_bos_token'];
const big = (n: number, v: (i: number) => bigint) => Array.from({ length: n }, (_, i) => v(i));
/** Typed values for a key: 64-bit integers beyond 2^53, non-finite and non-positive floats, huge counts, long strings. */
const NASTY_GGUF: Array<(n: number) => Omit<Kv, 'key'> | null> = [
  () => ({ type: GGUF.U64, value: 2n ** 64n - 1n }),
  () => ({ type: GGUF.I64, value: -(2n ** 63n) }),
  () => ({ type: GGUF.U64, value: 2n ** 53n + 1n }),
  () => ({ type: GGUF.U64, value: 1_000_000n }),
  () => ({ type: GGUF.U64, value: 10_000_000n }),
  () => ({ type: GGUF.U32, value: 0xffffffff }),
  () => ({ type: GGUF.U32, value: 0 }),
  () => ({ type: GGUF.I32, value: -1 }),
  () => ({ type: GGUF.F32, value: Infinity }),
  () => ({ type: GGUF.F32, value: NaN }),
  () => ({ type: GGUF.F32, value: -1 }),
  () => ({ type: GGUF.F64, value: 1e308 }),
  () => ({ type: GGUF.F64, value: 5e-324 }),
  () => ({ type: GGUF.BOOL, value: true }),
  () => ({ type: GGUF.STRING, value: 'x'.repeat(100_000) }),
  () => ({ type: GGUF.STRING, value: 'gpt2' }),
  (n) => ({ type: GGUF.ARRAY, itemType: GGUF.I64, value: big(n, (i) => (i === 0 ? 2n ** 62n : BigInt(-i))) }),
  (n) => ({ type: GGUF.ARRAY, itemType: GGUF.U64, value: big(n, (i) => 2n ** 63n + BigInt(i)) }),
  (n) => ({ type: GGUF.ARRAY, itemType: GGUF.F64, value: Array.from({ length: n }, (_, i) => (i % 2 ? Infinity : NaN)) }),
  (n) => ({ type: GGUF.ARRAY, itemType: GGUF.I32, value: Array.from({ length: n }, (_, i) => -i) }),
  () => ({ type: GGUF.ARRAY, itemType: GGUF.STRING, value: ['a'] }),
  () => ({ type: GGUF.ARRAY, itemType: GGUF.U8, value: [] }),
  () => null, // delete the key
];

// ---- LLM replies ----

const L = 5;
const REPLIES = [
  '{"rates": [0.1, 0.2, 0.3, 0.4, 0.5]}',
  'Here is my answer:\n```json\n{"vectors": [[0.1, 0.2, 0.3, 0.4, 0.5], [0.5, 0.4, 0.3, 0.2, 0.1]]}\n```\nGood luck.',
  'Pick {"pairs": [[0, 1], [2, 3]], "mutate": [1, 2]} because layer [2] is robust.',
  'I think [0.3, 0.3, 0.3, 0.3, 0.3] is a start; use {"rates": [0.2, 0.4, 0.1, 0.0, 0.9]} "quoted {" here.',
];
const REPLY_JUNK = ['{', '}', '[', ']', '"', '\\', ',', ':', '```', 'NaN', '1e999', '-0', deepArray(70), '{'.repeat(40_000),
  '['.repeat(30_000), '"{'.repeat(20_000), `{"rates": [${'0.5,'.repeat(1_000)}0.5]}`, 'x'.repeat(MAX_REPLY_CHARS)];

// ---- the fuzz ----

describe('fuzzing every parser of untrusted input (seeded)', () => {
  it('safetensors headers: byte flips, truncations, bracket runs and header-length prefixes', async () => {
    await fc.assert(fc.asyncProperty(byteEdit, rarely(fc.constantFrom(0n, 7n, 2n ** 32n, 2n ** 63n, BigInt(ST_HEADER_END))),
      async (e, length) => {
        const bytes = editBytes(HF['model.safetensors'], e, ST_HEADER_END);
        if (length !== null && bytes.length >= 8) new DataView(bytes.buffer).setBigUint64(0, length, true);
        await typedOutcome('safetensors bytes', label({ e, length }), () => readSafetensorsHeader(bytesSource(bytes, 'model.safetensors')));
      }), { seed: SEED, numRuns: runs(400) });
  });

  it('safetensors headers: a value anywhere replaced by a nasty one, loaded as a folder', async () => {
    await loadAndUse(hfFolder({ 'model.safetensors': joinSafetensors(editJson(ST.header, []), ST.data) }), false); // the base loads
    await fc.assert(fc.asyncProperty(fc.array(jsonEdit, { minLength: 1, maxLength: 2 }), async (edits) => {
      const bytes = joinSafetensors(editJson(ST.header, edits), ST.data);
      await typedOutcome('safetensors header values', label(edits), () => loadAndUse(hfFolder({ 'model.safetensors': bytes }), false));
    }), { seed: SEED, numRuns: runs(250) });
  });

  it('sharded index JSON: weight_map edits, byte flips and truncations', async () => {
    const names = Object.keys(ST.header).filter((n) => n !== '__metadata__');
    const half = Math.ceil(names.length / 2);
    const tensors = (list: string[]): SafetensorsInput[] => list.map((name) => {
      const h = ST.header[name] as { dtype: 'F32'; shape: number[]; data_offsets: [number, number] };
      return { name, dtype: h.dtype, shape: h.shape, data: ST.data.slice(h.data_offsets[0], h.data_offsets[1]) };
    });
    const shards = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
    const shardBytes = [concatBytes(encodeSafetensors(tensors(names.slice(0, half)))), concatBytes(encodeSafetensors(tensors(names.slice(half))))];
    const index = { metadata: { total_size: ST.data.length }, weight_map: Object.fromEntries(names.map((n, i) => [n, shards[i < half ? 0 : 1]])) };
    const folder = (indexText: string) => [bytesSource(HF['config.json'], 'config.json'), bytesSource(enc.encode(indexText), 'model.safetensors.index.json'),
      ...shards.map((s, i) => bytesSource(shardBytes[i], s))];
    await loadAndUse(folder(JSON.stringify(index)), false); // the base loads
    await fc.assert(fc.asyncProperty(fc.option(jsonEdit, { nil: null }), rarely(byteEdit), async (ed, e) => {
      let text = editJson(index, ed ? [ed] : []);
      if (e) text = textEdit(text, e);
      await typedOutcome('index JSON', label({ ed, e }), () => loadAndUse(folder(text), false));
    }), { seed: SEED, numRuns: runs(250) });
  });

  it('GGUF: typed nasty values for any key (64-bit, non-finite, huge counts), tensor names and shapes', async () => {
    const base = await ggufParts();
    const file = (kvs: Kv[], tensors = base.tensors) => bytesSource(writeGguf({ kvs, tensors, alignment: base.alignment }), 'stories260K.gguf');
    await loadAndUse([file(base.kvs)]); // the re-written fixture loads
    const tokens = (base.kvs.find((k) => k.key === 'tokenizer.ggml.tokens')!.value as string[]).length;
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.constantFrom(...GGUF_KEYS, ...base.kvs.map((k) => k.key)), fc.nat(NASTY_GGUF.length - 1), fc.boolean()), { minLength: 1, maxLength: 3 }),
      fc.option(fc.tuple(fc.nat(base.tensors.length - 1), fc.constantFrom('name', 'long', 'dims', 'type', 'layer')), { nil: null }),
      async (edits, tensorEdit) => {
        const kvs = base.kvs.map((k) => ({ ...k }));
        for (const [key, which, shortArray] of edits) {
          const v = NASTY_GGUF[which](shortArray ? 3 : tokens);
          const i = kvs.findIndex((k) => k.key === key);
          if (v === null) { if (i >= 0) kvs.splice(i, 1); continue; }
          if (i >= 0) kvs[i] = { key, ...v }; else kvs.push({ key, ...v });
        }
        const tensors = base.tensors.map((t) => ({ ...t }));
        if (tensorEdit) {
          const [i, what] = tensorEdit;
          const t = tensors[i];
          if (what === 'name') t.name = `blk.${i}.attn_q.weight`;
          if (what === 'long') t.name = 'x'.repeat(100_000);
          if (what === 'layer') t.name = t.name.replace(/^blk\.\d+/, 'blk.999999');
          if (what === 'dims') t.dims = [...t.dims].reverse().concat(t.dims.length < 4 ? [1] : []);
          if (what === 'type') t.type = 12; // Q4_K
        }
        await typedOutcome('GGUF values', label({ edits: edits.map(([k, w]) => `${k}=#${w}`), tensorEdit }), () => loadAndUse([file(kvs, tensors)]));
      }), { seed: SEED, numRuns: runs(200) });
  });

  it('GGUF: byte flips, truncations and bracket runs in the header', async () => {
    const bytes = read(STORIES_GGUF);
    await fc.assert(fc.asyncProperty(byteEdit, async (e) => {
      await typedOutcome('GGUF bytes', label(e), () => loadAndUse([bytesSource(editBytes(bytes, e, 14_176), 'stories260K.gguf')]));
    }), { seed: SEED, numRuns: runs(250) });
  });

  it('llama2.c: header fields set to nasty int32s, byte flips, truncations, and a corrupt tokenizer file', async () => {
    const bins = [read(STORIES_LLAMA2C), read(STORIES_LLAMA2C_V1)];
    const ints = [0, -1, 1, 2, 3, 7, 1024, 65_536, 1 << 20, 2 ** 31 - 1, -(2 ** 31)];
    for (const bin of bins) await loadAndUse([bytesSource(bin, 'stories260K.bin'), bytesSource(TOK512, 'tok512.bin')]); // the bases load
    await fc.assert(fc.asyncProperty(
      fc.nat(1), fc.array(fc.tuple(fc.nat(9), fc.constantFrom(...ints)), { maxLength: 2 }), rarely(byteEdit),
      rarely(fc.array(fc.tuple(fc.nat(TOK512.length - 4), fc.constantFrom(...ints, 0x7fc00000)), { minLength: 1, maxLength: 2 })), rarely(fc.nat(TOK512.length)),
      async (which, fields, e, tokInts, tokCut) => {
        const bin = e ? editBytes(bins[which], e, 64) : bins[which].slice();
        const dv = new DataView(bin.buffer);
        const at0 = which ? 8 : 0; // version 1: magic and version first
        for (const [f, v] of fields) if (at0 + 4 * f + 4 <= bin.length) dv.setInt32(at0 + 4 * f, v, true);
        let tok = TOK512.slice();
        for (const [at, v] of tokInts ?? []) new DataView(tok.buffer).setInt32(at, v, true);
        if (tokCut !== null) tok = tok.slice(0, tokCut);
        await typedOutcome('llama2.c', label({ which, fields, e, tokInts, tokCut }),
          () => loadAndUse([bytesSource(bin, 'stories260K.bin'), bytesSource(tok, 'tok512.bin')]));
      }), { seed: SEED, numRuns: runs(250) });
  });

  it('config.json of every architecture (randomHfModel): nasty values and text edits, parsed and loaded with its weights', async () => {
    const models = architectureCases.map(([, spec, layout]) => randomHfModel(spec, { seed: 1, dtype: 'F32', layout }));
    models.push({ configJson: new TextDecoder().decode(HF['config.json']), safetensors: HF['model.safetensors'] });
    // Keys that size things get a nasty value directly as well (a random path rarely picks one of them).
    const sizing = ['num_hidden_layers', 'hidden_size', 'intermediate_size', 'num_attention_heads', 'num_key_value_heads', 'head_dim',
      'vocab_size', 'max_position_embeddings', 'rope_scaling', 'rope_parameters', 'layer_types', 'sliding_window', 'no_rope_layers',
      'bos_token_id', 'rms_norm_eps', 'prunelab'];
    await fc.assert(fc.asyncProperty(fc.nat(models.length - 1), fc.array(jsonEdit, { maxLength: 2 }), rarely(fc.tuple(fc.constantFrom(...sizing), fc.nat(NASTY_JSON.length - 1))), rarely(byteEdit),
      async (m, edits, keyEdit, e) => {
        let text = edits.length ? editJson(JSON.parse(models[m].configJson), edits) : models[m].configJson;
        if (keyEdit && jsonDepthExceeded(text) < 0) {
          const c = JSON.parse(text);
          if (typeof c === 'object' && c !== null) text = JSON.stringify({ ...c, [keyEdit[0]]: '__key__' }).replace('"__key__"', () => NASTY_JSON[keyEdit[1]]);
        }
        if (e) text = textEdit(text, e);
        await typedOutcome('config.json', label({ m, edits, keyEdit, e }), () => parseHfConfig(text));
        await typedOutcome('config.json + weights', label({ m, edits, keyEdit, e }),
          () => loadAndUse([bytesSource(enc.encode(text), 'config.json'), bytesSource(models[m].safetensors, 'model.safetensors')], false));
      }), { seed: SEED, numRuns: runs(300) });
  });

  it('tokenizer.json and tokenizer_config.json: nasty values and text edits, built, checked against the model and used', async () => {
    const tokJson = JSON.parse(new TextDecoder().decode(HF['tokenizer.json']));
    const tokConfig = JSON.parse(new TextDecoder().decode(HF['tokenizer_config.json']));
    await fc.assert(fc.asyncProperty(fc.boolean(), fc.array(jsonEdit, { minLength: 1, maxLength: 2 }), rarely(byteEdit), fc.boolean(),
      async (config, edits, e, whole) => {
        let text = editJson(config ? tokConfig : tokJson, edits);
        if (e) text = textEdit(text, e);
        const name = config ? 'tokenizer_config.json' : 'tokenizer.json';
        if (whole) {
          await typedOutcome(`${name} in a folder`, label({ edits, e }), () => loadAndUse(hfFolder({ [name]: enc.encode(text) })));
        } else {
          await typedOutcome(name, label({ edits, e }), () => {
            const json = parseJsonFile(text, name) as Record<string, unknown>;
            const t = config ? new HfTokenizer(tokJson, json, 1, 2) : new HfTokenizer(json, tokConfig, 1, 2);
            t.decode(t.encode('Once upon a time, Lily saw 3 big dogs.'));
          });
        }
      }), { seed: SEED, numRuns: runs(400) });
  });

  it('LLM replies: brackets, quotes, deep nesting, huge numbers and truncations; parsing never throws', async () => {
    await fc.assert(fc.asyncProperty(fc.nat(REPLIES.length - 1), fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(REPLY_JUNK.length - 1)), { maxLength: 4 }),
      fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }), async (r, inserts, cut) => {
        let reply = REPLIES[r];
        for (const [f, j] of inserts) { const i = Math.floor(f * reply.length); reply = reply.slice(0, i) + REPLY_JUNK[j] + reply.slice(i); }
        if (cut !== null) reply = reply.slice(0, Math.floor(cut * reply.length));
        await typedOutcome('LLM reply', label({ r, inserts: inserts.map(([f, j]) => [f, REPLY_JUNK[j].slice(0, 12)]), cut }), () => {
          for (const parsed of [extractJson(reply), parseRatesReply(reply, L), parseInitReply(reply, L, 4), parseSelectionReply(reply, 4, 2, 2)]) {
            if (!parsed.ok && parsed.error.length >= MAX_MESSAGE) throw new Error(`a ${parsed.error.length}-character error`);
          }
        });
      }), { seed: SEED, numRuns: runs(300) });
  });
});

// ---- what the earlier fuzzing run found, one test each ----

const deepDoc = (key: string, depth: number) => `{${key}:${deepObject(depth)}}`;
const error = async (f: () => unknown): Promise<Error> => {
  try { await f(); } catch (e) { return e as Error; }
  throw new Error('expected an error');
};

describe('regressions from fuzzing', () => {
  it('deeply nested JSON is refused before it is built (config.json, safetensors __metadata__, tokenizer_config.json, index, LLM reply)', async () => {
    const cases: Array<[string, Uint8Array | null, RegExp]> = [
      ['config.json', enc.encode(deepDoc('"model_type":"llama","rope_scaling"', 100_000)), /^config.json: nests deeper than 64 levels \(at character \d+\)$/],
      ['tokenizer_config.json', enc.encode(deepDoc('"bos_token"', 100_000)), /^tokenizer_config.json: nests deeper than 64 levels/],
      ['tokenizer.json', enc.encode(deepDoc('"model"', 100)), /^tokenizer.json: nests deeper than 64 levels/],
      ['model.safetensors', joinSafetensors(deepDoc('"__metadata__"', 100_000), ST.data), /^model.safetensors: header nests deeper than 64 levels/],
    ];
    for (const [name, bytes, message] of cases) {
      const e = await error(() => loadModel(hfFolder({ [name]: bytes! })));
      expect(e, name).toBeInstanceOf(BadModelFile);
      expect(e.message, name).toMatch(message);
    }
    expect(extractJson(`x ${deepArray(99_000)}`)).toEqual({ ok: false, error: 'the JSON nests deeper than 64 levels' });
    // 64 levels still parse.
    expect(extractJson(deepArray(64)).ok).toBe(true);
  });

  it('messages quote untrusted names and values short (a tensor-overlap message was 200 KB)', async () => {
    const name = 'x'.repeat(100_000);
    const header = JSON.stringify({ [name]: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, [`${name}y`]: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } });
    const overlap = await error(() => readSafetensorsHeader(bytesSource(joinSafetensors(header, new Uint8Array(16)), 'model.safetensors')));
    expect(overlap.message).toMatch(/^model.safetensors: tensors "x+… and "x+… overlap in the data section/);
    const dtype = await error(() => readSafetensorsHeader(bytesSource(joinSafetensors(JSON.stringify({ a: { dtype: name, shape: [2], data_offsets: [0, 8] } }), new Uint8Array(8)), 'model.safetensors')));
    expect(dtype.message).toMatch(/tensor "a": dtype "x+… is not supported/);
    const arch = await error(() => parseHfConfig(JSON.stringify({ model_type: name })));
    expect(arch).toBeInstanceOf(UnsupportedArchitecture);
    const index = await error(() => loadModel([bytesSource(HF['config.json'], 'config.json'),
      bytesSource(enc.encode(JSON.stringify({ weight_map: { [name]: name } })), 'model.safetensors.index.json')]));
    expect(index.message).toMatch(/weight_map points at shard "x+… \(1 tensors\) but that file was not provided/);
    const gguf = await ggufParts();
    gguf.tensors[1].name = name;
    gguf.tensors[1].type = 12;
    const ggufError = await error(() => loadModel([bytesSource(writeGguf({ kvs: gguf.kvs, tensors: gguf.tensors, alignment: gguf.alignment }), 'm.gguf')]));
    expect(ggufError.message).toMatch(/tensor x+… has ggml type Q4_K/);
    for (const e of [overlap, dtype, arch, index, ggufError]) expect(e.message.length).toBeLessThan(400);
  });

  it('a config claiming 1e6 or 1e9 layers is refused at once, without building per-layer tables (1e6 took 20 s, 1e9 ran out of memory)', async () => {
    const config = JSON.parse(new TextDecoder().decode(HF['config.json']));
    for (const [layers, message] of [[1e6, /"num_hidden_layers" must be an integer >= 1 and <= 65536, got 1000000/], [1e9, /<= 65536, got 1000000000/]] as const) {
      const t0 = performance.now();
      const e = await error(() => loadModel(hfFolder({ 'config.json': enc.encode(JSON.stringify({ ...config, num_hidden_layers: layers })) })));
      expect(e).toBeInstanceOf(BadModelFile);
      expect(e.message).toMatch(message);
      expect(performance.now() - t0).toBeLessThan(2_000);
    }
    // Within the bound, the weights decide: Phi-3's fused tensors are split only up to the first absent layer.
    const [, phi3, layout] = architectureCases.find(([, s]) => s.architecture === 'phi3')!;
    const m = randomHfModel(phi3, { seed: 1, dtype: 'F32', layout });
    const t0 = performance.now();
    const e = await error(() => loadModel([bytesSource(enc.encode(m.configJson.replace(/"num_hidden_layers": \d+/, '"num_hidden_layers": 65536')), 'config.json'),
      bytesSource(m.safetensors, 'model.safetensors')], { requireTokenizer: false }));
    expect(e.message).toMatch(/missing tensor "model.layers.2.self_attn.qkv_proj.weight"/);
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  it('a GGUF block_count beyond the bound, or as a 64-bit value, is a typed error', async () => {
    const base = await ggufParts();
    for (const [type, value, message] of [[GGUF.U32, 1e9, /llama.block_count must be a positive integer up to 65536, got 1000000000/],
      [GGUF.U64, 2n ** 63n, /llama.block_count must be a positive integer up to 65536, got 9223372036854775808n/]] as const) {
      const kvs = base.kvs.map((k) => (k.key === 'llama.block_count' ? { key: k.key, type, value } : k));
      const e = await error(() => loadModel([bytesSource(writeGguf({ kvs, tensors: base.tensors, alignment: base.alignment }), 'm.gguf')]));
      expect(e.message).toMatch(message);
    }
  });

  it('a Split pattern whose quantified group holds an alternation is refused at load ((\\s|\\p{Z})*x took 9 s on 27 characters)', () => {
    const json = JSON.parse(new TextDecoder().decode(HF['tokenizer.json']));
    const config = JSON.parse(new TextDecoder().decode(HF['tokenizer_config.json']));
    for (const Regex of ['(\\s|\\p{Z})*x', '(a|a)*$', '(?:(a|aa))+$']) {
      json.pre_tokenizer = { type: 'Split', pattern: { Regex }, behavior: 'Isolated', invert: false };
      const t0 = performance.now();
      const e = (() => { try { new HfTokenizer(json, config, 1, 2).encode(`${'a'.repeat(27)}!`); return null; } catch (x) { return x as Error; } })();
      expect(e, Regex).toBeInstanceOf(BadModelFile);
      expect(e!.message).toMatch(/repeats a repeated group/);
      expect(performance.now() - t0).toBeLessThan(1_000);
    }
  });

  it('LLM-reply extraction is linear: 199,000 unbalanced brackets are read in well under a second (2.4 s before)', () => {
    for (const reply of [`x${'['.repeat(199_000)}`, `x${'{'.repeat(199_000)}`, `x${'[{'.repeat(99_000)}`]) {
      const t0 = performance.now();
      expect(extractJson(reply).ok).toBe(false);
      expect(performance.now() - t0, reply.slice(0, 3)).toBeLessThan(1_500);
    }
    // Without string literals (where they may differ by design) the one-pass scan finds what trying every bracket as a
    // start found, the old quadratic way.
    fc.assert(fc.property(fc.array(fc.constantFrom('{', '}', '[', ']', '1', ',', ':', ' ', 'a', '{"r":', '[0.5]'), { maxLength: 40 }), (parts) => {
      const reply = `x ${parts.join('')}`;
      expect(extractJson(reply)).toEqual(everyBracket(reply));
    }), { seed: SEED, numRuns: runs(2_000) });
    // The spans that balance inside an unbalanced one are still found, in order, objects first.
    expect(extractJson('{ "a": [1, 2] ]  {"rates": [0.1]}')).toEqual({ ok: true, value: { rates: [0.1] } });
    expect(extractJson('{{ [1, 2] {"b": 1} [3]')).toEqual({ ok: true, value: { b: 1 } });
    expect(extractJson('{{ [1, 2] [3]')).toEqual({ ok: true, value: [1, 2] });
  });
});

/** The span search as it was (every bracket tried as a start, each a scan of the rest: quadratic), for comparison. */
function everyBracket(reply: string): ReturnType<typeof extractJson> {
  const text = reply.trim();
  const parse = (t: string): { value: unknown } | { error: string } => {
    try { return { value: JSON.parse(t) }; } catch (e) { return { error: `malformed JSON (${(e as Error).message.slice(0, 120)})` }; }
  };
  const balancedEnd = (start: number): number => {
    const stack: string[] = [];
    let inString = false;
    for (let i = start; i < text.length; i++) {
      const ch = text[i];
      if (inString) { if (ch === '\\') i++; else if (ch === '"') inString = false; } else if (ch === '"') inString = true;
      else if (ch === '{' || ch === '[') stack.push(ch === '{' ? '}' : ']');
      else if (ch === '}' || ch === ']') { if (stack.pop() !== ch) return -1; if (stack.length === 0) return i + 1; }
    }
    return -1;
  };
  const whole = parse(text);
  if ('value' in whole) return { ok: true, value: whole.value };
  let firstError = /^[{[]/.test(text) ? whole.error : undefined;
  let firstArray: unknown;
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '{' && text[i] !== '[') continue;
    const end = balancedEnd(i);
    if (end < 0) continue;
    const r = parse(text.slice(i, end));
    if ('value' in r) {
      if (!Array.isArray(r.value)) return { ok: true, value: r.value };
      firstArray ??= r.value;
    } else firstError ??= r.error;
    i = end - 1;
  }
  if (firstArray !== undefined) return { ok: true, value: firstArray };
  return { ok: false, error: firstError ?? 'the reply contains no JSON object' };
}
