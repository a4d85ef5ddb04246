// Exports of updated weights (SparseGPT's overrides) on the CPU, with in-memory overrides and seeded masks on a
// random llama-shaped model: the masked safetensors hold the overrides (pruned elements exactly 0) in the source
// dtype (F32 bit-exact, F16 / BF16 rounded to nearest even) and every other tensor bit-identical to the source;
// the ONNX writer reads the same values; the notes, metadata, report and apply_masks.py say the weights were
// updated; misuse (compact, no masks) is refused. The GPU path on stories260K: sparsegpt-export.test.ts.
import { execFileSync } from 'node:child_process';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { describe, expect, it } from 'vitest';
import { bytesSource, type ByteSource } from '../../src/core/formats/byte-source.ts';
import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from '../../src/core/formats/float-codec.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { readSafetensorsHeader } from '../../src/core/formats/safetensors.ts';
import { applyMasksScript } from '../../src/core/export/apply-masks-script.ts';
import { MemoryTarget } from '../../src/core/export/byte-sink.ts';
import { exportPrunedModel } from '../../src/core/export/export-model.ts';
import { buildExportReport } from '../../src/core/export/export-report.ts';
import type { KeepMasks } from '../../src/core/export/keep-masks.ts';
import { readOnnxMetadata } from '../../src/core/export/onnx/onnx-stream.ts';
import { prunedWeights } from '../../src/core/export/onnx/pruned-weights.ts';
import { writeOnnx } from '../../src/core/export/onnx/write-onnx.ts';
import type { WeightOverrides } from '../../src/core/export/weight-overrides.ts';
import type { LoadedModel, TensorEntry } from '../../src/core/model/loaded-model.ts';
import { randomModelSources } from '../../src/core/model/random-model.ts';
import type { ModelSpec } from '../../src/core/model/spec.ts';
import { layerMaps } from '../../src/core/prune/linear-maps.ts';

const spec: ModelSpec = {
  architecture: 'llama', hiddenSize: 32, intermediateSize: 48, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 8,
  vocabSize: 64, maxPositions: 64, rmsNormEps: 1e-5, ropeTheta: 10000, tieWordEmbeddings: true, attentionBias: false,
  bosTokenId: null, eosTokenId: null,
};
const noTok = { requireTokenizer: false };
const folderOf = (t: MemoryTarget): ByteSource[] => [...t.files.keys()].map((n) => bytesSource(t.bytes(n), n));
const raw = (e: TensorEntry) => e.source.read(e.byteOffset, e.byteLength);
const kept = (bits: Uint32Array, K: number, i: number, j: number) => ((bits[i * Math.ceil(K / 32) + (j >> 5)] >>> (j & 31)) & 1) === 1;
const uniform = (rng: ReturnType<typeof xoroshiro128plus>) => (rng.next() >>> 0) / 2 ** 32;

/** Seeded bitsets (about half kept) for every linear map, and updated weights for every linear map whose values
 * are not representable in F16 / BF16 (so the conversion must round). */
function fakePrune(model: LoadedModel, seed: number): { masks: KeepMasks; overrides: WeightOverrides & { values: Map<string, Float32Array> };
  bits: Map<string, Uint32Array> } {
  const rng = xoroshiro128plus(seed);
  const bits = new Map<string, Uint32Array>(), values = new Map<string, Float32Array>();
  for (let l = 0; l < model.spec.numLayers; l++) {
    for (const m of layerMaps(model.spec, l)) {
      bits.set(m.name, Uint32Array.from({ length: m.N * Math.ceil(m.K / 32) }, () => rng.next() >>> 0));
      values.set(m.name, Float32Array.from({ length: m.N * m.K }, () => (uniform(rng) - 0.5) * 0.7));
    }
  }
  return {
    bits,
    masks: { bits: async (name) => bits.get(name)?.slice() ?? null },
    overrides: { method: 'sparsegpt', values, has: (name) => values.has(name), read: async (name) => values.get(name)!.slice() },
  };
}

describe.each(['F32', 'F16', 'BF16'] as const)('masked export of updated weights, %s source', (dtype) => {
  it('updated maps: the overrides masked, in the source dtype; every other tensor bit-identical to the source', async () => {
    const model = await loadModel(randomModelSources(spec, { seed: 5, dtype }), noTok);
    const { masks, overrides, bits } = fakePrune(model, 9);
    const target = new MemoryTarget();
    const summary = await exportPrunedModel({ model, format: 'masked', masks, overrides, sources: [], target });
    expect(summary.dtype).toBe(dtype);
    expect(summary.weightsUpdatedBy).toBe('sparsegpt');
    const note = summary.notes.find((n) => n.startsWith('SparseGPT updated the kept weights'))!;
    expect(note).toMatch(dtype === 'F32' ? /\(float32, bit-exact\)/ : new RegExp(`source dtype ${dtype}, rounded to nearest even \\(not bit-exact`));
    const header = await readSafetensorsHeader(bytesSource(target.bytes('model.safetensors'), 'model.safetensors'));
    expect(header.metadata?.prunelab_weights_updated_by).toBe('sparsegpt');

    const out = await loadModel(folderOf(target), noTok);
    const encode = dtype === 'F32' ? null : dtype === 'F16' ? f32ToF16Bits : f32ToBf16Bits;
    const decode = dtype === 'F16' ? f16BitsToF32 : bf16BitsToF32;
    let zeros = 0, updated = 0, rounded = 0, copied = 0;
    for (const [name, entry] of model.tensors) {
      const o = out.tensors.get(name)!;
      expect(o.dtype, name).toBe(dtype);
      const dst = await raw(o);
      const v = overrides.values.get(name);
      if (!v) {                                          // embeddings, norms: the source's bytes
        expect(Buffer.from(dst).equals(Buffer.from(await raw(entry))), name).toBe(true);
        copied++;
        continue;
      }
      const K = entry.shape[1], b = bits.get(name)!;
      const got = encode ? new Uint16Array(dst.slice().buffer) : new Uint32Array(dst.slice().buffer);
      const want = new Uint32Array(v.buffer);            // F32 bits
      for (let x = 0; x < v.length; x++) {
        const isKept = kept(b, K, Math.floor(x / K), x % K);
        const expected: number = isKept ? (encode ? encode(v[x]) : want[x]) : 0;
        if (got[x] !== expected) expect.fail(`${name}[${x}]: wrote ${got[x]}, expected ${expected}`);
        if (!isKept) zeros++;
        else { updated++; if (encode && decode(expected) !== v[x]) rounded++; }
      }
    }
    expect(copied).toBe(6);                              // embedding (tied lm_head), final norm, 2 norms per layer
    expect(zeros).toBe(summary.zeroed);
    expect(zeros / (zeros + updated)).toBeGreaterThan(0.4);
    if (encode) expect(rounded).toBeGreaterThan(0.9 * updated); // the values really needed rounding
  });
});

describe('ONNX of updated weights', () => {
  it('reads the masked overrides as float32 and names the method in metadata_props', async () => {
    const model = await loadModel(randomModelSources(spec, { seed: 6, dtype: 'BF16' }), noTok);
    const { masks, overrides, bits } = fakePrune(model, 10);
    const weights = prunedWeights(model, { masks, overrides });
    const name = layerMaps(spec, 1)[3].name, K = model.tensors.get(name)!.shape[1];
    const values = await weights.read(name), v = overrides.values.get(name)!;
    for (let x = 0; x < v.length; x++) {
      expect(values[x]).toBe(kept(bits.get(name)!, K, Math.floor(x / K), x % K) ? v[x] : 0); // f32, no rounding
    }
    const target = new MemoryTarget();
    const written = await writeOnnx(model, { masks, overrides }, await target.create('model.onnx'));
    expect(written.variant).toBe('onnx-masked');
    expect(readOnnxMetadata(target.bytes('model.onnx')).prunelab_weights_updated_by).toBe('sparsegpt');
    expect(() => prunedWeights(model, { overrides })).toThrow(/updated weights \(SparseGPT\) are exported with their masks/);
    await expect(exportPrunedModel({ model, format: 'compact', kept: [{ heads: [0], channels: [0] }, { heads: [0], channels: [0] }],
      overrides, sources: [], target: new MemoryTarget() })).rejects.toThrow(/export them masked or as ONNX, not compacted/);
  });
});

describe('report and apply_masks.py of updated weights', () => {
  it('the report records SparseGPT\'s block size, damping and that the weights were updated; the script says the masks alone do not reproduce the model', async () => {
    const model = await loadModel(randomModelSources(spec, { seed: 7, dtype: 'F32' }), noTok);
    const { masks, overrides } = fakePrune(model, 11);
    const exported = await exportPrunedModel({ model, format: 'masked', masks, overrides, sources: [], target: new MemoryTarget() });
    const numbers = { ppl: 2, nll: Math.log(2), tokens: 10, seconds: 1 };
    const report = (metric: 'sparsegpt' | 'wanda') => buildExportReport({
      model, sourceWeightBytes: 1, request: { metric, sparsity: 0.5, allocation: 'uniform' },
      result: { allocation: [0.5, 0.5], achievedSparsity: [0.5, 0.5], seconds: 1 },
      protocol: { seqLen: 8, windows: 1, textSha256: 'x', addBos: false, calibration: { textSha256: 'y', offsetTokens: 0, windows: 1, seqLen: 8 } },
      dense: numbers, pruned: numbers, exported,
    }) as { method: Record<string, unknown>; export: Record<string, unknown> };
    expect(report('sparsegpt').method.sparsegpt).toEqual({ blockSize: 128, percDamp: 0.01, hessian: '2 X^T X', weightsUpdated: true });
    expect(report('sparsegpt').export.weightsUpdatedBy).toBe('sparsegpt');
    expect(report('sparsegpt').export.notes).toEqual(exported.notes);
    expect(report('wanda').method.sparsegpt).toBeUndefined();

    const script = applyMasksScript('masked', 0.5, 'sparsegpt');
    expect(script).toContain('WEIGHTS_UPDATED_BY = "sparsegpt"');
    expect(script).toMatch(/The masks applied to the ORIGINAL dense checkpoint therefore give the original weights\nwith the same zeros, NOT this model/);
    expect(applyMasksScript('masked', 0.5)).toContain('WEIGHTS_UPDATED_BY = None');
    expect(applyMasksScript('masked', 0.5)).not.toContain('WEIGHTS UPDATED');
    let python = true;
    try { execFileSync('python3', ['--version']); } catch { python = false; }
    if (python) execFileSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: script });
  });
});
