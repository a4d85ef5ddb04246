// Every LLaMA-family architecture and RoPE variant Prunelab reads, as seeded random models in the Hub layout
// (config.json as transformers 5 or 4 writes it + model.safetensors): the WGSL engine's perplexity equals the
// float64 reference forward within 1e-4 relative, and greedy decoding through the KV cache picks the reference's
// argmax at every step. The windows are longer than the sliding windows and the longrope / llama3 original
// contexts, so those code paths are exercised, not skipped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpu, type Gpu } from '../../src/core/gpu/device.ts';
import { bytesSource } from '../../src/core/formats/byte-source.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { parseHfConfig } from '../../src/core/formats/hf-config.ts';
import { randomHfModel } from '../../src/core/model/random-model.ts';
import type { LoadedModel } from '../../src/core/model/loaded-model.ts';
import type { ModelSpec } from '../../src/core/model/spec.ts';
import { ARCH_SEQ as SEQ, architectureCases as cases, tinyLlama as base, argmax, randomTokens } from '../helpers/architecture-cases.ts';

const GREEDY = 12;     // prompt + generated positions
import { Engine } from '../../src/core/engine/engine.ts';
import { referenceLogits, referenceWindowNll } from '../../src/core/engine/reference-forward.ts';
import { loadReferenceWeights } from '../../src/core/engine/reference-weights.ts';

let gpu: Gpu;
beforeAll(async () => { gpu = await createGpu(); });
afterAll(() => gpu?.destroy());


async function loadRandom(spec: ModelSpec, layout: 'transformers4' | 'transformers5', seed = 11): Promise<LoadedModel> {
  const { configJson, safetensors } = randomHfModel(spec, { seed, dtype: 'F32', layout });
  return loadModel([bytesSource(new TextEncoder().encode(configJson), 'config.json'), bytesSource(safetensors, 'model.safetensors')],
    { requireTokenizer: false });
}

async function perplexities(model: LoadedModel, windows: number[][]): Promise<{ gpu: number; ref: number }> {
  const weights = await loadReferenceWeights(model);
  const engine = await Engine.create(gpu, model);
  try {
    let gs = 0, rs = 0, n = 0;
    for (const w of windows) {
      const g = await engine.windowNll(w), r = referenceWindowNll(model.spec, weights, w);
      gs += g.sum; rs += r.sum; n += r.count;
    }
    return { gpu: Math.exp(gs / n), ref: Math.exp(rs / n) };
  } finally { engine.destroy(); }
}


describe.each(cases)('%s', (_name, spec, layout) => {
  const windows = [randomTokens(SEQ, spec.vocabSize, 1), randomTokens(SEQ, spec.vocabSize, 2)];

  it('loads the Hub layout to the same spec, and its perplexity equals the float64 reference within 1e-4', async () => {
    const model = await loadRandom(spec, layout);
    expect(model.spec).toEqual(spec);
    const { gpu: ppl, ref } = await perplexities(model, windows);
    expect(Math.abs(ppl / ref - 1)).toBeLessThan(1e-4);
  });

  it('greedy decoding through the KV cache picks the reference\'s argmax at every step', async () => {
    const model = await loadRandom(spec, layout);
    const weights = await loadReferenceWeights(model);
    const engine = await Engine.create(gpu, model);
    try {
      // Prompt of 3 tokens in one prefill, then one token per decode step against the same cache.
      const ids = randomTokens(3, spec.vocabSize, 5);
      let logits = await engine.lastLogits(ids, 0, GREEDY);
      while (ids.length < GREEDY) {
        const ref = referenceLogits(spec, weights, ids);
        expect(argmax(logits)).toBe(argmax(ref[ref.length - 1]));
        ids.push(argmax(logits));
        if (ids.length < GREEDY) logits = await engine.lastLogits([ids[ids.length - 1]], ids.length - 1, GREEDY);
      }
    } finally { engine.destroy(); }
  });
});

describe('transformers 5 configs (regressions of silently wrong numbers)', () => {
  const qwen: ModelSpec = { ...base, architecture: 'qwen2', attentionBias: true, ropeTheta: 1e6 };
  const windows = [randomTokens(SEQ, qwen.vocabSize, 3)];

  it('a Qwen2 config with rope_theta 1e6 only under rope_parameters gives the legacy config\'s perplexity, not theta 10000\'s', async () => {
    const v5 = JSON.parse(randomHfModel(qwen, { seed: 4, dtype: 'F32', layout: 'transformers5' }).configJson);
    expect(v5.rope_theta).toBeUndefined();
    expect(v5.rope_parameters).toEqual({ rope_type: 'default', rope_theta: 1e6 });
    expect(v5.dtype).toBe('float32');
    const [fromV5, fromV4, at10k] = [await loadRandom(qwen, 'transformers5', 4), await loadRandom(qwen, 'transformers4', 4),
      await loadRandom({ ...qwen, ropeTheta: 10000 }, 'transformers4', 4)];
    expect(fromV5.spec.ropeTheta).toBe(1e6);
    const [a, b, c] = [await perplexities(fromV5, windows), await perplexities(fromV4, windows), await perplexities(at10k, windows)];
    expect(a.gpu).toBe(b.gpu);
    expect(Math.abs(a.gpu / c.gpu - 1)).toBeGreaterThan(1e-3); // the theta matters at these positions
  });

  it('a Llama-3.2 config in both layouts reads to the same spec', () => {
    const spec = cases[0][1];
    const v4 = parseHfConfig(randomHfModel(spec, { seed: 1, dtype: 'F32' }).configJson);
    const v5 = parseHfConfig(randomHfModel(spec, { seed: 1, dtype: 'F32', layout: 'transformers5' }).configJson);
    expect(v5).toEqual(v4);
    expect(v5.ropeScaling).toEqual(spec.ropeScaling);
  });
});
