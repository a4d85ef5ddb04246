// Exports keep the source's bytes: BF16 / F16 models stay BF16 / F16, pruned weights become exact zeros (0x0000)
// and every other value is bit-identical to the source; compacted tensors are bit-exact gathers (Qwen2 q bias
// included); Q8_0 tensors are dequantized to F32; GGUF / llama2.c q,k rows come out in HF order. CPU only.
import { resolve } from 'node:path';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { describe, expect, it } from 'vitest';
import { bytesSource, type ByteSource } from '../../src/core/formats/byte-source.ts';
import { readTensorF32 } from '../../src/core/formats/decode-tensor.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { fileSource, pathSources } from '../../src/core/formats/node-file-source.ts';
import { readSafetensorsHeader } from '../../src/core/formats/safetensors.ts';
import { MemoryTarget } from '../../src/core/export/byte-sink.ts';
import { exportPrunedModel } from '../../src/core/export/export-model.ts';
import { structuredKeepMasks, type KeepMasks } from '../../src/core/export/keep-masks.ts';
import type { LoadedModel, TensorEntry } from '../../src/core/model/loaded-model.ts';
import { randomModelSources } from '../../src/core/model/random-model.ts';
import { tensorNames, type ModelSpec } from '../../src/core/model/spec.ts';
import { quantizeQ8_0 } from '../formats/gguf-writer.ts';
import { STORIES_HF } from '../helpers/fixtures.ts';
import { STORIES_L2C } from '../formats/fixtures.ts';

const qwen: ModelSpec = {
  architecture: 'qwen2', hiddenSize: 64, intermediateSize: 96, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 16,
  vocabSize: 100, maxPositions: 128, rmsNormEps: 1e-6, ropeTheta: 1e6, tieWordEmbeddings: false, attentionBias: true,
  bosTokenId: null, eosTokenId: null,
};
const noTok = { requireTokenizer: false };
const folderOf = (t: MemoryTarget): ByteSource[] => [...t.files.keys()].map((n) => bytesSource(t.bytes(n), n));
const raw = (e: TensorEntry) => e.source.read(e.byteOffset, e.byteLength);
const u16 = (b: Uint8Array) => new Uint16Array(b.slice().buffer);

/** Seeded masks with about half of every linear map kept; remembers what it handed out. */
function randomMasks(seed: number): KeepMasks & { given: Map<string, Uint32Array> } {
  const rng = xoroshiro128plus(seed);
  const given = new Map<string, Uint32Array>();
  return {
    given,
    async bits(name, N, K) {
      if (!name.endsWith('_proj.weight')) return null;
      const bits = Uint32Array.from({ length: N * Math.ceil(K / 32) }, () => rng.next() >>> 0);
      given.set(name, bits);
      return bits;
    },
  };
}
const kept = (bits: Uint32Array, K: number, i: number, j: number) => ((bits[i * Math.ceil(K / 32) + (j >> 5)] >>> (j & 31)) & 1) === 1;

describe.each(['BF16', 'F16'] as const)('%s masked export', (dtype) => {
  it('keeps the dtype; pruned elements are exactly 0x0000, all others bit-identical to the source', async () => {
    const model = await loadModel(randomModelSources(qwen, { seed: 11, dtype }), noTok);
    const masks = randomMasks(7);
    const target = new MemoryTarget();
    const summary = await exportPrunedModel({ model, format: 'masked', masks, sources: [], target });
    expect(summary.dtype).toBe(dtype);
    expect(JSON.parse(target.text('config.json')).torch_dtype).toBe(dtype === 'BF16' ? 'bfloat16' : 'float16');
    const out = await loadModel(folderOf(target), noTok);
    expect(out.fingerprint).toBe(model.fingerprint);
    let zeros = 0, same = 0;
    for (const [name, entry] of model.tensors) {
      const o = out.tensors.get(name)!;
      expect(o.dtype, name).toBe(dtype);
      const src = u16(await raw(entry)), dst = u16(await raw(o));
      const bits = masks.given.get(name);
      const K = entry.shape[1] ?? 1;
      for (let x = 0; x < src.length; x++) {
        if (bits && !kept(bits, K, Math.floor(x / K), x % K)) { expect(dst[x]).toBe(0); zeros++; } else {
          if (dst[x] !== src[x]) throw new Error(`${name}[${x}]: ${dst[x]} != ${src[x]}`);
          same++;
        }
      }
    }
    expect(zeros).toBe(summary.zeroed);
    expect(zeros / (zeros + same)).toBeGreaterThan(0.3);
  });
});

describe('compact export of a BF16 Qwen2 model (q/k/v biases, GQA)', () => {
  it('gathers q rows + q bias, o columns, gate/up rows, down columns bit-exactly; one head per kv-group is a standard config', async () => {
    const model = await loadModel(randomModelSources(qwen, { seed: 12, dtype: 'BF16' }), noTok);
    const keptUnits = [{ heads: [1, 2], channels: [0, 5, 17, 95] }, { heads: [0, 3], channels: [1, 2, 3, 90] }];
    const target = new MemoryTarget();
    const summary = await exportPrunedModel({ model, format: 'compact', kept: keptUnits, sources: [], target });
    expect(summary.variant).toBe('compact-hf');
    const out = await loadModel(folderOf(target), noTok);
    expect(out.spec).toMatchObject({ numHeads: 2, numKvHeads: 2, intermediateSize: 4, headDim: 16, attentionBias: true });
    expect(out.spec.layerWidths).toBeUndefined();
    for (let l = 0; l < 2; l++) {
      const n = tensorNames.layer(l);
      const { heads, channels } = keptUnits[l];
      const rowsOf = (a: Uint16Array, cols: number, rows: number[]) => rows.flatMap((r) => [...a.subarray(r * cols, (r + 1) * cols)]);
      const headRows = heads.flatMap((h) => Array.from({ length: 16 }, (_, i) => h * 16 + i));
      const src = async (name: string) => u16(await raw(model.tensors.get(name)!));
      const dst = async (name: string) => [...u16(await raw(out.tensors.get(name)!))];
      expect(await dst(n.q)).toEqual(rowsOf(await src(n.q), 64, headRows));
      expect(await dst(n.qBias)).toEqual(rowsOf(await src(n.qBias), 1, headRows));
      expect(await dst(n.gate)).toEqual(rowsOf(await src(n.gate), 64, channels));
      expect(await dst(n.up)).toEqual(rowsOf(await src(n.up), 64, channels));
      const o = await src(n.o), down = await src(n.down);
      expect(await dst(n.o)).toEqual(Array.from({ length: 64 }, (_, i) => headRows.map((c) => o[i * 64 + c])).flat());
      expect(await dst(n.down)).toEqual(Array.from({ length: 64 }, (_, i) => channels.map((c) => down[i * 96 + c])).flat());
      for (const same of [n.k, n.v, n.kBias, n.vBias, n.attnNorm]) expect(await dst(same)).toEqual([...await src(same)]);
    }
  });

  it('structured masked export zeroes the removed heads\' q bias entries too', async () => {
    const model = await loadModel(randomModelSources(qwen, { seed: 13, dtype: 'F32' }), noTok);
    const keptUnits = [{ heads: [0, 3], channels: [0, 1] }, { heads: [0, 1, 2, 3], channels: [4] }];
    const target = new MemoryTarget();
    await exportPrunedModel({ model, format: 'masked', masks: structuredKeepMasks(qwen, keptUnits), sources: [], target });
    const out = await loadModel(folderOf(target), noTok);
    const bias = await readTensorF32(out.tensors.get(tensorNames.layer(0).qBias)!);
    const dense = await readTensorF32(model.tensors.get(tensorNames.layer(0).qBias)!);
    expect(bias.subarray(16, 48).every((v) => v === 0)).toBe(true);          // heads 1 and 2
    expect([...bias.subarray(0, 16), ...bias.subarray(48)]).toEqual([...dense.subarray(0, 16), ...dense.subarray(48)]);
    expect([...await readTensorF32(out.tensors.get(tensorNames.layer(1).qBias)!)]).toEqual([...await readTensorF32(model.tensors.get(tensorNames.layer(1).qBias)!)]);
  });
});

describe('non-safetensors sources', () => {
  it('a Q8_0 tensor is written as F32 (its dequantized values, masked) and the export says so', async () => {
    const model = await loadModel(randomModelSources(qwen, { seed: 14, dtype: 'F32' }), noTok);
    const name = tensorNames.layer(1).up;
    const { bytes, dequantized } = quantizeQ8_0(await readTensorF32(model.tensors.get(name)!));
    const q8: LoadedModel = { ...model, tensors: new Map(model.tensors) };
    q8.tensors.set(name, { name, dtype: 'Q8_0', shape: [96, 64], source: bytesSource(bytes, 'q8.bin'), byteOffset: 0, byteLength: bytes.length });
    const masks = randomMasks(3);
    const target = new MemoryTarget();
    const summary = await exportPrunedModel({ model: q8, format: 'masked', masks, sources: [], target });
    expect(summary.notes).toContain('Q8_0 source: its 1 Q8_0 tensors were dequantized and written as F32 (safetensors has no Q8_0)');
    const header = await readSafetensorsHeader(bytesSource(target.bytes('model.safetensors'), 'model.safetensors'));
    expect(header.tensors.get(name)!.dtype).toBe('F32');
    const out = await readTensorF32((await loadModel(folderOf(target), noTok)).tensors.get(name)!);
    const bits = masks.given.get(name)!;
    out.forEach((v, x) => expect(v).toBe(kept(bits, 64, Math.floor(x / 64), x % 64) ? dequantized[x] : 0));
  });

  it('stories260K GGUF (untied output, interleaved q/k) exports the same canonical tensors as the HF copy', async () => {
    const gguf = await loadModel([await fileSource(resolve(STORIES_L2C, 'stories260K.gguf'))]);
    const hf = await loadModel(await pathSources(STORIES_HF));
    const keptUnits = Array.from({ length: 5 }, (_, l) => ({ heads: [0, 1, 3, 4, 6, 7].filter((h) => h !== l), channels: [3, 50, 171] }));
    const exportOf = async (m: LoadedModel) => {
      const target = new MemoryTarget();
      const summary = await exportPrunedModel({ model: m, format: 'compact', kept: keptUnits, sources: [], target });
      return { summary, model: await loadModel(folderOf(target), noTok) };
    };
    const a = await exportOf(gguf), b = await exportOf(hf);
    expect(a.summary.notes.join(' ')).toMatch(/GGUF source: its embedded vocabulary is not exported/);
    expect(a.model.tensors.has(tensorNames.lmHead)).toBe(true);                      // GGUF stores output.weight
    for (const [name, t] of b.model.tensors) {
      expect(await readTensorF32(a.model.tensors.get(name)!), name).toEqual(await readTensorF32(t));
    }
  });
});
