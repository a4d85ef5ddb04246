// The ONNX writer on small random models (CPU only, no GPU): onnxruntime-node's logits against the float64
// reference forward for architectures stories260K does not cover (qwen2 q/k/v biases, an untied lm_head, one kv
// head for three query heads), compacted with kept units directly (no GPU prune), and the typed errors.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { bytesSource } from '../../src/core/formats/byte-source.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { referenceLogits } from '../../src/core/engine/reference-forward.ts';
import { loadReferenceWeights } from '../../src/core/engine/reference-weights.ts';
import { MemoryTarget } from '../../src/core/export/byte-sink.ts';
import { ropeTables, transpose } from '../../src/core/export/onnx/decoder-graph.ts';
import { folderTokenizer } from '../../src/core/export/onnx/folder-tokenizer.ts';
import { evaluateOnnxPerplexity, windowNllFromLogits } from '../../src/core/export/onnx/onnx-perplexity.ts';
import { readOnnxMetadata, streamOnnxModel } from '../../src/core/export/onnx/onnx-stream.ts';
import { ONNX_META, writeOnnx } from '../../src/core/export/onnx/write-onnx.ts';
import { randomHfModel } from '../../src/core/model/random-model.ts';
import type { LoadedModel } from '../../src/core/model/loaded-model.ts';
import type { ModelSpec } from '../../src/core/model/spec.ts';
import { BadModelFile, BadRequest } from '../../src/core/errors.ts';
import type { KeptUnits } from '../../src/core/prune/compaction.ts';
import { exportPrunedModel } from '../../src/core/export/export-model.ts';
import { ARCH_SEQ, architectureCases } from '../helpers/architecture-cases.ts';
import { buildExportReport, writeReportFiles } from '../../src/core/export/export-report.ts';

const qwenSpec: ModelSpec = {
  architecture: 'qwen2', hiddenSize: 48, intermediateSize: 40, numLayers: 2, numHeads: 3, numKvHeads: 1, headDim: 16,
  vocabSize: 97, maxPositions: 64, rmsNormEps: 1e-6, ropeTheta: 1_000_000, tieWordEmbeddings: false, attentionBias: true,
  bosTokenId: null, eosTokenId: null,
};

async function randomModel(spec: ModelSpec, seed: number): Promise<LoadedModel> {
  const m = randomHfModel(spec, { seed, dtype: 'F32' });
  return loadModel([bytesSource(new TextEncoder().encode(m.configJson), 'config.json'), bytesSource(m.safetensors, 'model.safetensors')],
    { requireTokenizer: false });
}

async function onnxBytes(model: LoadedModel, kept?: KeptUnits[]): Promise<Uint8Array> {
  const target = new MemoryTarget();
  await writeOnnx(model, kept ? { kept } : {}, await target.create('model.onnx'));
  return target.bytes('model.onnx');
}

async function ortLogits(bytes: Uint8Array, ids: number[]): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes);
  try {
    const out = await s.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]) });
    return out.logits.data as Float32Array;
  } finally { await s.release(); }
}

function maxAbsDiff(a: Float32Array, ref: Float64Array[]): { diff: number; scale: number } {
  let diff = 0, scale = 0;
  ref.forEach((row, t) => row.forEach((v, i) => { diff = Math.max(diff, Math.abs(v - a[t * row.length + i])); scale = Math.max(scale, Math.abs(v)); }));
  return { diff, scale };
}

const ids = Array.from({ length: 24 }, (_, i) => (i * 37 + 5) % 97);

describe.each(architectureCases)('onnxruntime-node vs the float64 reference: %s', (_name, spec) => {
  it('gives the reference\'s logits on a window longer than its sliding windows and original contexts, and on a short one', async () => {
    const model = await randomModel(spec, 5);
    const bytes = await onnxBytes(model);
    const weights = await loadReferenceWeights(model);
    for (const n of [ARCH_SEQ, 9]) { // 9: below every original context (longrope's short factors)
      const window = ids.slice(0, n);
      const { diff, scale } = maxAbsDiff(await ortLogits(bytes, window), referenceLogits(model.spec, weights, window));
      expect(scale).toBeGreaterThan(0.5);
      expect(diff, `${n} tokens: max |ORT - reference| ${diff} (max |logit| ${scale})`).toBeLessThan(1e-4 * Math.max(1, scale));
    }
  });
});

describe('onnxruntime-node vs the float64 reference', () => {
  it('qwen2 shapes: q/k/v biases, untied lm_head, three query heads on one kv head', async () => {
    const model = await randomModel(qwenSpec, 7);
    const bytes = await onnxBytes(model);
    const { diff, scale } = maxAbsDiff(await ortLogits(bytes, ids), referenceLogits(model.spec, await loadReferenceWeights(model), ids));
    console.log(`qwen2 random: max |ORT - reference| ${diff.toExponential(2)} (max |logit| ${scale.toFixed(2)})`);
    expect(scale).toBeGreaterThan(0.5);
    expect(diff).toBeLessThan(1e-4 * Math.max(1, scale));
  });

  it('compacted per layer (2 then 1 query heads, 25 then 10 channels) equals the reference of the compacted model', async () => {
    const model = await randomModel({ ...qwenSpec, architecture: 'llama', attentionBias: false, numKvHeads: 3, tieWordEmbeddings: true }, 11);
    const kept: KeptUnits[] = [
      { heads: [0, 2], channels: Array.from({ length: 25 }, (_, i) => i + 10) },
      { heads: [1], channels: [0, 3, 5, 8, 13, 21, 22, 30, 34, 39] },
    ];
    const bytes = await onnxBytes(model, kept);
    // Reference: the dense model with the removed heads' q rows / o columns and channels' gate/up/down zeroed is
    // the same function as the compacted one.
    const w = await loadReferenceWeights(model);
    const d = 48, hd = 16, f = 40;
    kept.forEach((k, l) => {
      const p = `model.layers.${l}`;
      const q = w.get(`${p}.self_attn.q_proj.weight`)!, o = w.get(`${p}.self_attn.o_proj.weight`)!;
      for (let h = 0; h < 3; h++) {
        if (k.heads.includes(h)) continue;
        q.fill(0, h * hd * d, (h + 1) * hd * d);
        for (let r = 0; r < d; r++) o.fill(0, r * 3 * hd + h * hd, r * 3 * hd + (h + 1) * hd);
      }
      const gate = w.get(`${p}.mlp.gate_proj.weight`)!, down = w.get(`${p}.mlp.down_proj.weight`)!;
      for (let c = 0; c < f; c++) {
        if (k.channels.includes(c)) continue;
        gate.fill(0, c * d, (c + 1) * d);
        for (let r = 0; r < d; r++) down[r * f + c] = 0;
      }
    });
    const { diff, scale } = maxAbsDiff(await ortLogits(bytes, ids), referenceLogits(model.spec, w, ids));
    console.log(`compacted random: max |ORT - reference| ${diff.toExponential(2)} (max |logit| ${scale.toFixed(2)})`);
    expect(diff).toBeLessThan(1e-4 * Math.max(1, scale));
    // And the compaction is real: the q initializer of layer 1 has one head's columns.
    expect(readOnnxMetadata(bytes)[ONNX_META.variant]).toBe('onnx-compact');
    expect(bytes.byteLength).toBeLessThan((await onnxBytes(model)).byteLength - (1 + 2) * hd * d * 2 * 4);
  });
});

describe('FLAP-style compaction', () => {
  it('whole kv-groups removed and compensated o / down biases equal the reference of the equivalent dense model', async () => {
    const spec: ModelSpec = { ...qwenSpec, numHeads: 4, numKvHeads: 2 };                  // 2 query heads per kv head
    const model = await randomModel(spec, 13);
    const d = 48, hd = 16, f = 40;
    const bias = (seed: number) => Array.from({ length: d }, (_, i) => Math.sin(seed + i) * 0.5);
    const kept: KeptUnits[] = [
      { heads: [2, 3], kvHeads: [1], channels: Array.from({ length: 20 }, (_, i) => 2 * i), oBias: bias(1), downBias: bias(2) },
      { heads: [0, 1, 3], channels: Array.from({ length: 30 }, (_, i) => i + 5), oBias: bias(3) },
    ];
    const bytes = await onnxBytes(model, kept);
    // The same function densely: removed heads' q rows / o columns and channels' gate rows / down columns zeroed,
    // o / down biases set (zeros where a layer has none; gate / up biases zero); removed kv heads go unread.
    const w = await loadReferenceWeights(model);
    const dense: ModelSpec = { ...spec, oProjBias: true, mlpBias: true };
    kept.forEach((k, l) => {
      const p = `model.layers.${l}`;
      const q = w.get(`${p}.self_attn.q_proj.weight`)!, o = w.get(`${p}.self_attn.o_proj.weight`)!;
      const qb = w.get(`${p}.self_attn.q_proj.bias`)!;
      for (let h = 0; h < 4; h++) {
        if (k.heads.includes(h)) continue;
        q.fill(0, h * hd * d, (h + 1) * hd * d);
        qb.fill(0, h * hd, (h + 1) * hd);
        for (let r = 0; r < d; r++) o.fill(0, r * 4 * hd + h * hd, r * 4 * hd + (h + 1) * hd);
      }
      const gate = w.get(`${p}.mlp.gate_proj.weight`)!, down = w.get(`${p}.mlp.down_proj.weight`)!;
      for (let c = 0; c < f; c++) {
        if (k.channels.includes(c)) continue;
        gate.fill(0, c * d, (c + 1) * d);
        for (let r = 0; r < d; r++) down[r * f + c] = 0;
      }
      w.set(`${p}.self_attn.o_proj.bias`, Float64Array.from(k.oBias ?? new Array(d).fill(0)));
      w.set(`${p}.mlp.down_proj.bias`, Float64Array.from(k.downBias ?? new Array(d).fill(0)));
      w.set(`${p}.mlp.gate_proj.bias`, new Float64Array(f));
      w.set(`${p}.mlp.up_proj.bias`, new Float64Array(f));
    });
    const { diff, scale } = maxAbsDiff(await ortLogits(bytes, ids), referenceLogits(dense, w, ids));
    console.log(`FLAP-style random: max |ORT - reference| ${diff.toExponential(2)} (max |logit| ${scale.toFixed(2)})`);
    expect(diff).toBeLessThan(1e-4 * Math.max(1, scale));
    // Without the compensated biases the function differs: the biases are really in the graph.
    const plain = kept.map(({ heads, channels, kvHeads }) => ({ heads, channels, kvHeads }));
    const other = maxAbsDiff(await ortLogits(await onnxBytes(model, plain), ids), referenceLogits(dense, w, ids));
    expect(other.diff).toBeGreaterThan(100 * diff);
  });
});

describe('export folder and report', () => {
  it('--format onnx writes model.onnx, config.json and the report (naming the file and the ONNX runtime\'s perplexity), no apply_masks.py', async () => {
    const model = await randomModel(qwenSpec, 5);
    const kept: KeptUnits[] = [{ heads: [0, 1], channels: [0, 1, 2] }, { heads: [2], channels: [4] }];
    const target = new MemoryTarget();
    const summary = await exportPrunedModel({ model, format: 'onnx', target, sources: [], kept });
    expect(summary.variant).toBe('onnx-compact');
    expect(summary.weightsFile).toBe('model.onnx');
    expect(summary.loaders[0]).toMatch(/^onnxruntime/);
    const config = JSON.parse(target.text('config.json'));
    expect(config.prunelab.layers.map((l: { num_attention_heads: number }) => l.num_attention_heads)).toEqual([2, 1]);
    const evaluation = { ppl: 10, nll: Math.log(10), tokens: 100, seconds: 1 };
    const report = buildExportReport({
      model, sourceWeightBytes: 1000, request: { metric: 'wanda', structured: 'wanda-sp', sparsity: 0.5, allocation: 'uniform' },
      result: { allocation: [0.5, 0.5], achievedSparsity: [0.4, 0.6], kept, seconds: 1 },
      protocol: { seqLen: 8, windows: 1, textSha256: 't', addBos: false, calibration: { textSha256: 'c', offsetTokens: 8, windows: 1, seqLen: 8 } },
      dense: evaluation, pruned: evaluation, exported: summary,
      onnxEvaluation: { ppl: 10.001, nll: Math.log(10.001), tokens: 100, seconds: 0.1, runtime: 'onnxruntime-node 1.30.0' },
    }) as { export: { weightsFile: string; weightBytes: number; onnx: { file: string; perplexity: number; runtime: string; relativeToEngine: number } } };
    expect(report.export.weightsFile).toBe('model.onnx');
    expect(report.export.weightBytes).toBe(target.bytes('model.onnx').byteLength);
    expect(report.export.onnx).toMatchObject({ file: 'model.onnx', perplexity: 10.001, runtime: 'onnxruntime-node 1.30.0' });
    expect(report.export.onnx.relativeToEngine).toBeCloseTo(1e-4, 10);
    const extra = await writeReportFiles(target, report, summary, 0.5);
    expect(extra.map((f) => f.name)).toEqual(['prunelab-report.json']);
    expect([...target.files.keys()].sort()).toEqual(['config.json', 'model.onnx', 'prunelab-report.json']);
  });
});

describe('pieces', () => {
  it('RoPE tables pair column i with i + hd/2 at angle pos * theta^(-2i/hd); transpose is [out, in] -> [in, out]', () => {
    const { cos, sin } = ropeTables(5, { theta: 10000, rotaryDim: 8, maxPositions: 5, scaling: { type: 'default' } });
    expect(cos[3 * 8 + 1]).toBeCloseTo(Math.cos(3 * 10000 ** (-2 / 8)), 6);
    expect(sin[3 * 8 + 5]).toBeCloseTo(Math.sin(3 * 10000 ** (-2 / 8)), 6);
    expect(cos[0]).toBe(1);
    expect([...transpose(Float32Array.of(1, 2, 3, 4, 5, 6), 2, 3)]).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('window NLL from logits is log-softmax in float64', () => {
    const logits = Float32Array.of(0, Math.log(3), 0, 0, 0, 0);       // [3, 2]
    const r = windowNllFromLogits(logits, [0, 1, 0], 2);
    expect(r.count).toBe(2);
    expect(r.sum).toBeCloseTo(Math.log(4 / 3) + Math.log(2), 6);   // row 0 predicts 1 with p = 3/4; row 1 predicts 0 with p = 1/2
    expect(() => windowNllFromLogits(logits, [0, 1], 2)).toThrow(new BadRequest('the runtime returned 6 logits, [2, 2] expected'));
  });
});

describe('typed errors', () => {
  it('kept units with fields the ONNX writer cannot express, and both kept units and masks, are refused', async () => {
    const model = await randomModel(qwenSpec, 3);
    const kept = [{ heads: [0], channels: [1], mystery: [0] }, { heads: [0], channels: [1] }] as KeptUnits[];
    await expect(writeOnnx(model, { kept }, await new MemoryTarget().create('m'))).rejects.toThrow(new BadRequest('layer 0: the ONNX export does not know the kept units\' mystery'));
    const masks = { bits: async () => null };
    await expect(writeOnnx(model, { kept: [kept[1], kept[1]], masks }, await new MemoryTarget().create('m'))).rejects.toThrow(/either structured \(kept units\) or masked, not both/);
  });

  it('a model over protobuf\'s 2 GiB is refused before anything is written', async () => {
    const target = new MemoryTarget();
    const sink = await target.create('m');
    await expect(streamOnnxModel({
      irVersion: 8, opset: 17, producerName: 'x', producerVersion: '0', docString: '', metadata: {}, graphName: 'g', nodes: [],
      inputs: [], outputs: [], constants: [], weights: [{ name: 'w', dims: [40_000, 16_384], read: async () => new Float32Array(0) }],
    }, sink)).rejects.toThrow(/over protobuf's 2 GiB limit for one file; ONNX external data/);
    expect(target.files.get('m')).toEqual([]);
  });

  it('a folder without a tokenizer, and a window longer than the model\'s positions, name what is wrong', async () => {
    await expect(folderTokenizer([bytesSource(new Uint8Array(4), 'config.json')], 97)).rejects.toThrow(BadModelFile);
    await expect(folderTokenizer([], 97)).rejects.toThrow(/no tokenizer beside it: expected tokenizer.json \(\+ tokenizer_config.json\) or a llama2.c tokenizer .bin with 97 tokens/);
    const tokenizer = { vocabSize: 97, bosId: null, eosId: null, addBos: false, encode: () => ids, decode: () => '' };
    await expect(evaluateOnnxPerplexity(async () => new Float32Array(0), tokenizer, 'x', { seqLen: 128 },
      { vendor: 'v', architecture: 'cpu', description: '', modelHash: 'h', vocabSize: 97, maxPositions: 64 }))
      .rejects.toThrow(new BadRequest('seqLen 128 exceeds the model\'s maximum of 64 positions'));
  });
});
