// GGUF: a generated llama model with F32 / F16 / BF16 / Q8_0 tensors loads with the right names, shapes
// (dims reversed), q/k un-permuted and values; v2 files load; corrupt files give typed errors.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { bytesSource } from '../../src/core/formats/byte-source.ts';
import { halfToInterleavedRows, readTensorF32 } from '../../src/core/formats/decode-tensor.ts';
import { encodeHalfBytes } from '../../src/core/formats/float-codec.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { BadModelFile, UnsupportedArchitecture } from '../../src/core/errors.ts';
import type { LoadedModel } from '../../src/core/model/loaded-model.ts';
import { randomModelSources } from '../../src/core/model/random-model.ts';
import { type ModelSpec, tensorNames } from '../../src/core/model/spec.ts';
import { GGML, GGUF, type GgufTensorIn, type Kv, quantizeQ8_0, writeGguf } from './gguf-writer.ts';

const spec: ModelSpec = {
  architecture: 'llama', hiddenSize: 64, intermediateSize: 96, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 16,
  vocabSize: 300, maxPositions: 256, rmsNormEps: 1e-5, ropeTheta: 500000, tieWordEmbeddings: false, attentionBias: false,
  bosTokenId: 1, eosTokenId: 2,
};

const GGUF_NAMES: Record<string, string> = {
  input_layernorm: 'attn_norm', 'self_attn.q_proj': 'attn_q', 'self_attn.k_proj': 'attn_k', 'self_attn.v_proj': 'attn_v',
  'self_attn.o_proj': 'attn_output', post_attention_layernorm: 'ffn_norm', 'mlp.gate_proj': 'ffn_gate', 'mlp.up_proj': 'ffn_up', 'mlp.down_proj': 'ffn_down',
};
function ggufName(hf: string): string {
  if (hf === tensorNames.embed) return 'token_embd.weight';
  if (hf === tensorNames.finalNorm) return 'output_norm.weight';
  if (hf === tensorNames.lmHead) return 'output.weight';
  const m = /^model\.layers\.(\d+)\.(.+)\.weight$/.exec(hf)!;
  return `blk.${m[1]}.${GGUF_NAMES[m[2]]}.weight`;
}

function vocabulary(n: number): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens = ['<unk>', '<s>', '</s>', ...Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`)];
  const types = [2, 3, 3, ...new Array(256).fill(6)];
  const pieces = ['▁', 'a', 'b', 'c', '▁a', 'ab', '▁ab', 'ca', '▁c', 'bc'];
  for (let i = 0; tokens.length < n; i++) { tokens.push(pieces[i] ?? `x${i}`); types.push(1); }
  return { tokens, scores: tokens.map((_, i) => (i < 259 ? 0 : -i)), types };
}

function llamaKvs(overrides: Partial<Record<string, Kv>> = {}): Kv[] {
  const v = vocabulary(spec.vocabSize);
  const kvs: Record<string, Kv> = {
    'general.architecture': { key: 'general.architecture', type: GGUF.STRING, value: 'llama' },
    'llama.embedding_length': { key: 'llama.embedding_length', type: GGUF.U32, value: spec.hiddenSize },
    'llama.feed_forward_length': { key: 'llama.feed_forward_length', type: GGUF.U32, value: spec.intermediateSize },
    'llama.block_count': { key: 'llama.block_count', type: GGUF.U32, value: spec.numLayers },
    'llama.attention.head_count': { key: 'llama.attention.head_count', type: GGUF.U32, value: spec.numHeads },
    'llama.attention.head_count_kv': { key: 'llama.attention.head_count_kv', type: GGUF.U32, value: spec.numKvHeads },
    'llama.attention.layer_norm_rms_epsilon': { key: 'llama.attention.layer_norm_rms_epsilon', type: GGUF.F32, value: spec.rmsNormEps },
    'llama.rope.freq_base': { key: 'llama.rope.freq_base', type: GGUF.F32, value: spec.ropeTheta },
    'llama.context_length': { key: 'llama.context_length', type: GGUF.U64, value: spec.maxPositions },
    'tokenizer.ggml.model': { key: 'tokenizer.ggml.model', type: GGUF.STRING, value: 'llama' },
    'tokenizer.ggml.tokens': { key: 'tokenizer.ggml.tokens', type: GGUF.ARRAY, itemType: GGUF.STRING, value: v.tokens },
    'tokenizer.ggml.scores': { key: 'tokenizer.ggml.scores', type: GGUF.ARRAY, itemType: GGUF.F32, value: v.scores },
    'tokenizer.ggml.token_type': { key: 'tokenizer.ggml.token_type', type: GGUF.ARRAY, itemType: GGUF.I32, value: v.types },
    'tokenizer.ggml.bos_token_id': { key: 'tokenizer.ggml.bos_token_id', type: GGUF.U32, value: 1 },
    'tokenizer.ggml.eos_token_id': { key: 'tokenizer.ggml.eos_token_id', type: GGUF.U32, value: 2 },
    'general.alignment': { key: 'general.alignment', type: GGUF.U32, value: 64 },
  };
  for (const [k, kv] of Object.entries(overrides)) { if (kv) kvs[k] = kv; else delete kvs[k]; }
  return Object.values(kvs);
}

/** Expected canonical values for each tensor, and the GGUF tensors holding them in mixed types. */
let hf: LoadedModel;
let expected: Map<string, Float32Array>;
let tensors: GgufTensorIn[];
beforeAll(async () => {
  hf = await loadModel(randomModelSources(spec, { seed: 9, dtype: 'F32' }), { requireTokenizer: false });
  expected = new Map();
  tensors = [];
  let i = 0;
  for (const [name, entry] of hf.tensors) {
    const values = await readTensorF32(entry);
    const heads = name.endsWith('q_proj.weight') ? spec.numHeads : name.endsWith('k_proj.weight') ? spec.numKvHeads : 0;
    const stored = heads ? halfToInterleavedRows(values, entry.shape, heads) : values; // llama.cpp's permutation
    const dims = [...entry.shape].reverse();
    const kind = entry.shape.length === 1 ? 'F32' : (['Q8_0', 'F16', 'BF16', 'F32'] as const)[i++ % 4];
    let data: Uint8Array;
    if (kind === 'Q8_0') {
      const q = quantizeQ8_0(stored);
      data = q.bytes;
      const { dequantized } = quantizeQ8_0(values); // rows move whole, so quantising in HF order gives the same blocks
      expected.set(name, dequantized);
    } else if (kind === 'F32') {
      data = new Uint8Array(stored.buffer.slice(0));
      expected.set(name, values);
    } else {
      data = encodeHalfBytes(stored, kind);
      expected.set(name, new Float32Array(await readTensorF32({ ...entry, dtype: kind, source: bytesSource(encodeHalfBytes(values, kind), 'x'), byteOffset: 0, byteLength: data.length })));
    }
    tensors.push({ name: ggufName(name), dims, type: GGML[kind], data });
  }
});

const file = (opts: Partial<Parameters<typeof writeGguf>[0]> = {}) => writeGguf({ kvs: llamaKvs(), tensors, alignment: 64, ...opts });
const load = (bytes: Uint8Array, name = 'model.gguf') => loadModel([bytesSource(bytes, name)]);

describe('GGUF loading', () => {
  it('maps names, reverses dims, un-permutes q/k and decodes F32 / F16 / BF16 / Q8_0', async () => {
    const m = await load(file());
    expect(m.format).toBe('gguf');
    expect(m.spec).toEqual(spec);
    expect(m.fingerprint).toBe(hf.fingerprint);
    expect(new Set([...m.tensors.values()].map((t) => t.dtype))).toEqual(new Set(['F32', 'F16', 'BF16', 'Q8_0']));
    for (const [name, want] of expected) {
      expect(m.tensors.get(name)!.shape, name).toEqual(hf.tensors.get(name)!.shape);
      expect(await readTensorF32(m.tensors.get(name)!), name).toEqual(want);
    }
  });

  it('loads version 2 files, and treats a missing output.weight as tied', async () => {
    const m = await load(file({ version: 2, tensors: tensors.filter((t) => t.name !== 'output.weight') }));
    expect(m.spec.tieWordEmbeddings).toBe(true);
    expect(m.tensors.has(tensorNames.lmHead)).toBe(false);
  });

  it('encodes with the embedded score vocabulary (merges by score, byte fallback)', async () => {
    const m = await load(file());
    const t = m.tokenizer;
    const id = (p: string) => vocabulary(spec.vocabSize).tokens.indexOf(p);
    // ' ' 'a' 'b': '▁a' (score -263) merges before 'ab' (-264), then '▁a' + 'b' -> '▁ab'
    expect(t.encode('ab')).toEqual([id('▁ab')]);
    expect(t.encode('c\n')).toEqual([id('▁c'), 3 + 0x0a]);
    expect(t.decode(t.encode('ab ca\nbc'), 1)).toBe('ab ca\nbc');
    expect(t.bosId).toBe(1);
    expect(t.addBos).toBe(true);
  });
});

describe('GGUF errors', () => {
  async function error(bytes: Uint8Array): Promise<Error> {
    return load(bytes).then(() => { throw new Error('expected an error'); }, (e) => e);
  }

  it('rejects a bad magic and unsupported versions', async () => {
    const bad = file();
    bad[0] = 0x47; bad[1] = 0x47; bad[2] = 0x4d; bad[3] = 0x4c; // "GGML"
    const e = await error(bad);
    expect(e).toBeInstanceOf(BadModelFile);
    expect(e.message).toBe('model.gguf: not a GGUF file: magic is 47 47 4d 4c, expected "GGUF" (at byte 0)');
    expect((await error(file({ version: 1 }))).message).toMatch(/GGUF version 1 is not supported/);
  });

  it('rejects truncation anywhere (header, metadata, tensor infos, data) with BadModelFile', async () => {
    const full = file();
    for (const cut of [10, 30, 200, 3000, full.length - 5000, full.length - 1]) {
      const e = await error(full.slice(0, cut));
      expect(e, `cut at ${cut}`).toBeInstanceOf(BadModelFile);
      expect(e.message).toMatch(/truncated|too short|runs past the end|ended early|out of range/);
    }
  });

  it('rejects a non-llama architecture and a non-sentencepiece tokenizer with UnsupportedArchitecture', async () => {
    const arch = await error(file({ kvs: llamaKvs({ 'general.architecture': { key: 'general.architecture', type: GGUF.STRING, value: 'phi3' } }) }));
    expect(arch).toBeInstanceOf(UnsupportedArchitecture);
    expect(arch.message).toMatch(/"phi3"/);
    const tok = await error(file({ kvs: llamaKvs({ 'tokenizer.ggml.model': { key: 'tokenizer.ggml.model', type: GGUF.STRING, value: 'gpt2' } }) }));
    expect(tok).toBeInstanceOf(UnsupportedArchitecture);
    expect(tok.message).toMatch(/tokenizer model "gpt2"/);
  });

  it('rejects unsupported tensor types, naming the tensor and type', async () => {
    const ts = tensors.map((t) => (t.name === 'blk.0.ffn_up.weight' ? { ...t, type: GGML.Q4_K } : t));
    expect((await error(file({ tensors: ts }))).message).toMatch(/tensor blk.0.ffn_up.weight has ggml type Q4_K \(12\); Prunelab decodes F32, F16, BF16 and Q8_0/);
  });

  it('rejects overlapping and misaligned tensor data, and absurd counts', async () => {
    // Rewrite the second tensor's offset to 0 so it overlaps the first.
    const bytes = file();
    const dv = new DataView(bytes.buffer);
    const name = new TextEncoder().encode(tensors[1].name);
    const at = indexOf(bytes, name) + name.length + 4 + 8 * tensors[1].dims.length + 4;
    dv.setBigUint64(at, 0n, true);
    expect((await error(bytes)).message).toMatch(/overlap/);
    dv.setBigUint64(at, 8n, true);
    expect((await error(bytes)).message).toMatch(/not a multiple of the alignment 64/);
    const counts = file();
    new DataView(counts.buffer).setBigUint64(16, 1n << 40n, true); // kv_count
    expect((await error(counts)).message).toMatch(/kv_count 1099511627776 is out of range/);
  });

  it('rejects missing metadata and wrong tensor shapes', async () => {
    const e = await error(file({ kvs: llamaKvs({ 'llama.block_count': undefined }) }));
    expect(e.message).toMatch(/missing metadata key llama.block_count/);
    const ts = tensors.map((t) => (t.name === 'blk.1.attn_v.weight' ? { ...t, dims: [32, 64] } : t));
    expect((await error(file({ tensors: ts }))).message).toMatch(/tensor "model.layers.1.self_attn.v_proj.weight" has shape \[64, 32\], expected \[32, 64\]/);
  });

  it('refuses values fuzzing found accepted or crashing: infinite eps / rope base, 64-bit score arrays, a huge block_count', async () => {
    const eps = { key: 'llama.attention.layer_norm_rms_epsilon', type: GGUF.F32, value: Infinity };
    expect((await error(file({ kvs: llamaKvs({ 'llama.attention.layer_norm_rms_epsilon': eps }) }))).message)
      .toMatch(/layer_norm_rms_epsilon must be a positive finite number, got Infinity/);
    const base = { key: 'llama.rope.freq_base', type: GGUF.F32, value: Infinity };
    expect((await error(file({ kvs: llamaKvs({ 'llama.rope.freq_base': base }) }))).message).toMatch(/freq_base must be a positive finite number/);
    const v = vocabulary(spec.vocabSize);
    const scores = { key: 'tokenizer.ggml.scores', type: GGUF.ARRAY, itemType: GGUF.I64, value: v.scores.map((x, i) => (i === 0 ? 2n ** 62n : BigInt(Math.round(x)))) };
    const e = await error(file({ kvs: llamaKvs({ 'tokenizer.ggml.scores': scores }) }));
    expect(e).toBeInstanceOf(BadModelFile);
    expect(e.message).toMatch(/tokenizer.ggml.scores\[0\] is -?\d+n, not a finite number/);
    const bos = { key: 'tokenizer.ggml.bos_token_id', type: GGUF.U32, value: 900 };
    expect((await error(file({ kvs: llamaKvs({ 'tokenizer.ggml.bos_token_id': bos }) }))).message)
      .toMatch(new RegExp(`BOS id 900 is outside the model's vocabulary \\[0, ${spec.vocabSize}\\)`));
    const blocks = { key: 'llama.block_count', type: GGUF.U32, value: 1_000_000 };
    const t0 = performance.now();
    expect(await error(file({ kvs: llamaKvs({ 'llama.block_count': blocks }) }))).toBeInstanceOf(BadModelFile);
    expect(performance.now() - t0).toBeLessThan(5_000); // 1e6 layers built every expected tensor first (31 s)
  });

  it('never throws anything but typed errors on random corruption of the header', async () => {
    const valid = writeGguf({ kvs: llamaKvs().slice(0, 9), tensors: tensors.slice(0, 3), alignment: 64 });
    const headerEnd = valid.length - tensors.slice(0, 3).reduce((n, t) => n + t.data.length, 0);
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(headerEnd - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 0, max: valid.length }),
      async (flips, cut) => {
        const bytes = valid.slice(0, cut);
        for (const [i, v] of flips) if (i < bytes.length) bytes[i] = v;
        try { await load(bytes); } catch (e) { return e instanceof BadModelFile || e instanceof UnsupportedArchitecture; }
        return true;
      }), { numRuns: 300 });
  });
});

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
