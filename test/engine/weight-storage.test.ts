// Weights in their source dtype (issue 13 §1): a random BF16 and a random F16 model in Hub layout, uploaded as
// stored (2 bytes per matrix weight) and forced to f32, give the same NLL bit for bit, the same pruning masks,
// structured selections and perplexities (Wanda, Wanda-sp compaction, SparseGPT), in about half the GPU bytes;
// the same for Q8_0 matrices (kept as blocks, ~0.28x); vocabulary-split embedding / lm_head chunks agree too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpu, type Gpu } from '../../src/core/gpu/device.ts';
import { readBuffer } from '../../src/core/gpu/buffers.ts';
import { bytesSource } from '../../src/core/formats/byte-source.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { randomHfModel } from '../../src/core/model/random-model.ts';
import type { ModelSpec } from '../../src/core/model/spec.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { windowsPerplexity } from '../../src/core/engine/perplexity.ts';
import { Pruner } from '../../src/core/prune/pruner.ts';
import type { PruneRequest } from '../../src/core/prune/prune-options.ts';
import { randomTokens, tinyGpt2 } from '../helpers/architecture-cases.ts';
import { halfToInterleavedRows, readTensorF32 } from '../../src/core/formats/decode-tensor.ts';
import { encodeHalfBytes } from '../../src/core/formats/float-codec.ts';
import { readWeightF32 } from '../../src/core/kernels/weight-binding.ts';
import { tensorNames } from '../../src/core/model/spec.ts';
import type { LoadedModel } from '../../src/core/model/loaded-model.ts';
import { quantizeQ8_0 } from '../formats/gguf-writer.ts';

// Untied lm_head, q/k/v biases, GQA; odd vocabulary (embedding chunks of odd element counts).
const spec: ModelSpec = {
  architecture: 'qwen2', hiddenSize: 64, intermediateSize: 96, numLayers: 2, numHeads: 4, numKvHeads: 2,
  headDim: 16, vocabSize: 301, maxPositions: 128, rmsNormEps: 1e-6, ropeTheta: 1e4, tieWordEmbeddings: false,
  attentionBias: true, bosTokenId: null, eosTokenId: null,
};
const SEQ = 32;
const calib = [randomTokens(SEQ, spec.vocabSize, 1), randomTokens(SEQ, spec.vocabSize, 2)];
const evalSet = [randomTokens(SEQ, spec.vocabSize, 3), randomTokens(SEQ, spec.vocabSize, 4)];

let gpu: Gpu;
beforeAll(async () => { gpu = await createGpu(); });
afterAll(() => gpu?.destroy());

async function load(dtype: 'BF16' | 'F16' | 'Q8_0'): Promise<LoadedModel> {
  const { configJson, safetensors } = randomHfModel(spec, { seed: 11, dtype: dtype === 'Q8_0' ? 'F32' : dtype });
  const model = await loadModel([bytesSource(new TextEncoder().encode(configJson), 'config.json'),
    bytesSource(safetensors, 'model.safetensors')], { requireTokenizer: false });
  if (dtype !== 'Q8_0') return model;
  // Every matrix as GGUF's Q8_0 blocks (llama.cpp's quantisation; vectors stay F32), as a GGUF file would hold them.
  const tensors = new Map(model.tensors);
  for (const [name, e] of model.tensors) {
    if (e.shape.length !== 2) continue;
    const bytes = quantizeQ8_0(await readTensorF32(e)).bytes;
    tensors.set(name, { name, dtype: 'Q8_0', shape: e.shape, source: bytesSource(bytes, `${name}.q8`), byteOffset: 0, byteLength: bytes.length });
  }
  return { ...model, tensors, dtype: 'Q8_0' };
}

async function masksOf(pruner: Pruner): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const [name, e] of pruner.masks.entries) out.set(name, new Uint8Array(await readBuffer(gpu, e.mask, e.mask.size)));
  return out;
}

describe.each(['BF16', 'F16', 'Q8_0'] as const)('%s model: stored as is vs forced to f32', (dtype: 'BF16' | 'F16' | 'Q8_0') => {
  it('fewer GPU weight bytes, bit-identical NLL, identical masks / selections / perplexities after pruning', async () => {
    const model = await load(dtype);
    // One matmul variant for both (the autotune could pick differently under load; the kernels are per variant).
    const stored = await Engine.create(gpu, model, { matmulVariant: 'blocked4x4' });
    const wide = await Engine.create(gpu, model, { matmulVariant: 'blocked4x4', weightStorage: 'f32' });
    const pruners: Pruner[] = [];
    try {
      const half = dtype === 'BF16' ? 'bf16' : dtype === 'F16' ? 'f16' : 'q8_0';
      expect(stored.weights.tensors.get('model.layers.0.self_attn.q_proj.weight')!.dtype).toBe(half);
      expect(stored.weights.tensors.get('model.layers.0.self_attn.q_proj.bias')!.dtype).toBe('f32');
      expect(stored.weights.embed.dtype).toBe(half);
      expect(wide.weights.lmHead.dtype).toBe('f32');
      expect(wide.weights.bytes).toBe(stored.weights.f32Bytes);
      const ratio = stored.weights.bytes / wide.weights.bytes;
      console.log(`${dtype}: GPU weight bytes ${stored.weights.bytes} stored vs ${wide.weights.bytes} as f32 (${ratio.toFixed(4)}x)`);
      // Norms and biases stay f32; q8_0: 36 bytes per 32 weights.
      const [lo, hi] = dtype === 'Q8_0' ? [0.28125, 0.29] : [0.5, 0.51];
      expect(ratio).toBeGreaterThan(lo);
      expect(ratio).toBeLessThan(hi);

      const dense = await windowsPerplexity(stored, evalSet);
      expect(dense).toBe(await windowsPerplexity(wide, evalSet));
      expect(Array.from(await stored.logits(evalSet[0]))).toEqual(Array.from(await wide.logits(evalSet[0])));

      const [a, b] = [await Pruner.create(stored, calib), await Pruner.create(wide, calib)];
      pruners.push(a, b);
      const requests: PruneRequest[] = [
        { metric: 'wanda', sparsity: 0.5, allocation: 'uniform' },
        { metric: 'magnitude', sparsity: 0.5, allocation: 'uniform', nm: { n: 2, m: 4 } },
        { metric: 'wanda', sparsity: 0.25, allocation: 'uniform', structured: 'wanda-sp' },
        { metric: 'wanda', sparsity: 0.25, allocation: 'uniform', structured: 'flap' },
        { metric: 'sparsegpt', sparsity: 0.5, allocation: 'uniform' },
        { metric: 'wanda', sparsity: 0.4, allocation: 'owl' },
      ];
      for (const req of requests) {
        const what = `${req.structured ?? req.metric} ${req.allocation}${req.nm ? ' 2:4' : ''}`;
        const ra = await a.prune(req), rb = await b.prune(req);
        expect(ra.achievedSparsity, what).toEqual(rb.achievedSparsity);
        expect(ra.kept, what).toEqual(rb.kept);
        const [ma, mb] = [await masksOf(a), await masksOf(b)];
        for (const [name, m] of ma) expect(m, `${what} ${name}`).toEqual(mb.get(name));
        const ppl = await windowsPerplexity(stored, evalSet);
        expect(ppl, what).toBe(await windowsPerplexity(wide, evalSet));
        expect(ppl, what).not.toBe(dense);
      }
    } finally {
      pruners.forEach((p) => p.destroy());
      stored.destroy();
      wide.destroy();
    }
  });
});

// bf16: bindings of 30 KB split the [301, 64] embedding and lm_head (37.6 KiB) into chunks of 234 and 67 rows, and
// the logits of 32 tokens into 128-row slices: the first chunk's second slice is a byte range at 128 x 64 x 2 bytes.
// q8_0: bindings of 12.5 KB give chunks of 173 and 128 rows (72 bytes each) and 96-row slices (offsets 27 x 256).
const splits = [['BF16', 30_000, [234, 67]], ['Q8_0', 12_500, [173, 128]]] as const;
it.each(splits)('vocabulary-split %s embedding / lm_head chunks and byte-range logit slices give the f32 upload\'s NLL', async (dtype, limit, rows) => {
  const model = await load(dtype);
  const small = { ...gpu, adapter: { ...gpu.adapter, maxBindingBytes: limit } };
  const stored = await Engine.create(small, model, { matmulVariant: 'blocked4x4' });
  const wide = await Engine.create(gpu, model, { matmulVariant: 'blocked4x4', weightStorage: 'f32' });
  try {
    expect(stored.weights.embed.chunks.map((c) => c.rowCount)).toEqual(rows);
    expect(stored.weights.lmHead.chunks.map((c) => c.rowCount)).toEqual(rows);
    const windows = [randomTokens(32, spec.vocabSize, 9), randomTokens(32, spec.vocabSize, 10)];
    const a = await windowsPerplexity(stored, windows), b = await windowsPerplexity(wide, windows);
    expect(Math.abs(a / b - 1)).toBeLessThan(1e-6);
    expect(Array.from(await stored.logits(windows[0]))).toEqual(Array.from(await wide.logits(windows[0])));
  } finally {
    stored.destroy();
    wide.destroy();
  }
});

/** The spec's model with every matrix stored as `dtype` and q / k rows interleaved as llama.cpp stores them (GGUF's
 * row transform), built from a random F32 model. */
async function interleaved(dtype: 'BF16' | 'F16' | 'Q8_0'): Promise<LoadedModel> {
  const { configJson, safetensors } = randomHfModel(spec, { seed: 5, dtype: 'F32' });
  const model = await loadModel([bytesSource(new TextEncoder().encode(configJson), 'config.json'),
    bytesSource(safetensors, 'model.safetensors')], { requireTokenizer: false });
  const tensors = new Map(model.tensors);
  for (const [name, e] of model.tensors) {
    if (e.shape.length !== 2) continue;
    const values = await readTensorF32(e);
    const heads = name.endsWith('q_proj.weight') ? spec.numHeads : name.endsWith('k_proj.weight') ? spec.numKvHeads : 0;
    const stored = heads ? halfToInterleavedRows(values, e.shape, heads) : values;
    const bytes = dtype === 'Q8_0' ? quantizeQ8_0(stored).bytes : encodeHalfBytes(stored, dtype);
    tensors.set(name, { name, dtype, shape: e.shape, source: bytesSource(bytes, `${name}.${dtype}`), byteOffset: 0,
      byteLength: bytes.length, ...(heads ? { transform: { kind: 'rope-interleaved-to-half' as const, heads } } : {}) });
  }
  return { ...model, tensors, dtype };
}

it.each(['BF16', 'F16', 'Q8_0'] as const)('uploads every %s tensor exactly through the row transforms: interleaved q / k rows (GGUF)', async (dtype) => {
  const model = await interleaved(dtype);
  const engine = await Engine.create(gpu, model, { matmulVariant: 'blocked4x4' });
  try {
    for (const [name, e] of model.tensors) {
      const w = name === tensorNames.embed ? engine.weights.embed.chunks[0] : name === tensorNames.lmHead ? engine.weights.lmHead.chunks[0] : engine.weights.tensors.get(name)!;
      expect(w.dtype, name).toBe(e.shape.length === 2 ? dtype.toLowerCase() : 'f32');
      const n = e.shape.reduce((a, b) => a * b, 1);
      expect(Array.from(await readWeightF32(gpu, w, n)), name).toEqual(Array.from(await readTensorF32(e)));
    }
  } finally { engine.destroy(); }
});

it('a BF16 GPT-2 (Conv1D weights stored transposed, fused c_attn, learned positions): the f32 upload\'s NLL bit for bit', async () => {
  const { configJson, safetensors } = randomHfModel(tinyGpt2, { seed: 8, dtype: 'BF16' });
  const model = await loadModel([bytesSource(new TextEncoder().encode(configJson), 'config.json'),
    bytesSource(safetensors, 'model.safetensors')], { requireTokenizer: false });
  expect([...model.tensors.values()].some((e) => e.transform?.kind === 'transposed-columns')).toBe(true);
  const stored = await Engine.create(gpu, model, { matmulVariant: 'blocked4x4' });
  const wide = await Engine.create(gpu, model, { matmulVariant: 'blocked4x4', weightStorage: 'f32' });
  try {
    expect(stored.weights.tensors.get(tensorNames.layer(0).q)!.dtype).toBe('bf16');
    const windows = [randomTokens(24, tinyGpt2.vocabSize, 1), randomTokens(24, tinyGpt2.vocabSize, 2)];
    expect(await windowsPerplexity(stored, windows)).toBe(await windowsPerplexity(wide, windows));
  } finally {
    stored.destroy();
    wide.destroy();
  }
});
