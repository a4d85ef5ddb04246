// A BF16 Qwen2-shaped random model (q/k/v biases, untied lm_head, GQA, head_dim != hidden/heads,
// rope_theta 1e6): the WGSL engine's perplexity equals the float64 reference within 0.5%.
// Also: vocabulary-split embedding / lm_head give the same numbers, and a model that cannot fit is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpu, type Gpu } from '../../src/core/gpu/device.ts';
import { bytesSource } from '../../src/core/formats/byte-source.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { randomHfModel } from '../../src/core/model/random-model.ts';
import type { ModelSpec } from '../../src/core/model/spec.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { referenceWindowNll } from '../../src/core/engine/reference-forward.ts';
import { loadReferenceWeights } from '../../src/core/engine/reference-weights.ts';
import { AdapterLimitExceeded } from '../../src/core/errors.ts';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { accumulateNll } from '../../src/core/engine/nll-accumulator.ts';

const qwenSpec: ModelSpec = {
  architecture: 'qwen2', hiddenSize: 96, intermediateSize: 160, numLayers: 2, numHeads: 4, numKvHeads: 2,
  headDim: 32, vocabSize: 1000, maxPositions: 512, rmsNormEps: 1e-6, ropeTheta: 1e6, tieWordEmbeddings: false,
  attentionBias: true, bosTokenId: null, eosTokenId: null,
};

let gpu: Gpu;
beforeAll(async () => { gpu = await createGpu(); });
afterAll(() => gpu?.destroy());

async function loadRandom(spec: ModelSpec) {
  const { configJson, safetensors } = randomHfModel(spec, { seed: 7, dtype: 'BF16' });
  return loadModel([bytesSource(new TextEncoder().encode(configJson), 'config.json'),
    bytesSource(safetensors, 'model.safetensors')], { requireTokenizer: false });
}

function randomTokens(n: number, vocab: number, seed: number): number[] {
  const rng = xoroshiro128plus(seed);
  return Array.from({ length: n }, () => uniformInt(rng, 0, vocab - 1));
}

async function referenceNll(model: Awaited<ReturnType<typeof loadRandom>>, windows: number[][]) {
  const weights = await loadReferenceWeights(model);
  let sum = 0, count = 0;
  for (const w of windows) { const r = referenceWindowNll(model.spec, weights, w); sum += r.sum; count += r.count; }
  return sum / count;
}

async function gpuNll(engine: Engine, windows: number[][]) {
  return (await accumulateNll(windows, (w) => engine.windowNll(w))).nll;
}

describe('Qwen2-shaped BF16 model', () => {
  const windows = [randomTokens(96, qwenSpec.vocabSize, 1), randomTokens(96, qwenSpec.vocabSize, 2)];

  it('perplexity within 0.5% of the float64 reference', async () => {
    const model = await loadRandom(qwenSpec);
    expect(model.dtype).toBe('BF16');
    const engine = await Engine.create(gpu, model);
    try {
      const ppl = Math.exp(await gpuNll(engine, windows));
      const ref = Math.exp(await referenceNll(model, windows));
      expect(Math.abs(ppl / ref - 1)).toBeLessThan(5e-3);
    } finally { engine.destroy(); }
  });

  it('splits embedding and lm_head across bindings when they exceed one binding, with the same result', async () => {
    const model = await loadRandom(qwenSpec);
    const whole = await Engine.create(gpu, model);
    // Pretend bindings hold only 64 KB (the largest activation, gate [96, 160] f32, is 60 KiB): the [1000, 96]
    // embedding and lm_head (188 KiB each, stored as bf16) must be split into 4+ chunks.
    const small = { ...gpu, adapter: { ...gpu.adapter, maxBindingBytes: 64_000 } };
    const split = await Engine.create(small, model);
    try {
      expect(split.weights.embed.chunks.length).toBeGreaterThanOrEqual(4);
      expect(split.weights.lmHead.chunks.length).toBeGreaterThanOrEqual(4);
      const a = await gpuNll(whole, windows), b = await gpuNll(split, windows);
      expect(Math.abs(a - b)).toBeLessThan(1e-5 * Math.abs(a));
      // The [96, 1000] logits (375 KiB) are also computed in column slices there (128 rows of the bf16 lm_head
    // each: byte ranges at multiples of the 256-byte offset alignment); gathered, they agree.
      const la = await whole.logits(windows[0]), lb = await split.logits(windows[0]);
      let worst = 0;
      for (let i = 0; i < la.length; i++) worst = Math.max(worst, Math.abs(la[i] - lb[i]));
      expect(worst).toBeLessThan(1e-4);
    } finally { whole.destroy(); split.destroy(); }
  });

  it('refuses a model whose tensors cannot be bound, before allocating, with the numbers', async () => {
    const model = await loadRandom(qwenSpec);
    const tiny = { ...gpu, adapter: { ...gpu.adapter, maxBindingBytes: 20_000 } };
    const err = await Engine.create(tiny, model).catch((e) => e);
    expect(err).toBeInstanceOf(AdapterLimitExceeded);
    // q_proj [128, 96] as bf16 (its stored dtype) = 24 KiB > 20000 bytes
    expect(err.message).toMatch(/q_proj.*as bf16.*needs 24\.0 KiB but the adapter's maxStorageBufferBindingSize is 19\.5 KiB/);
  });
});
