// Structured pruning on a random BF16 Qwen2-shaped model (q/k/v biases, GQA 4 heads over 2 kv heads,
// head_dim 32, MLP 160 or 162): compaction gathers the kept entries of the q bias too; kept heads/channels and the
// NLL agree with the float64 oracle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { createGpu, type Gpu } from '../../src/core/gpu/device.ts';
import { bytesSource } from '../../src/core/formats/byte-source.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { randomHfModel } from '../../src/core/model/random-model.ts';
import type { ModelSpec } from '../../src/core/model/spec.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { loadReferenceWeights } from '../../src/core/engine/reference-weights.ts';
import { Pruner } from '../../src/core/prune/pruner.ts';
import { referencePerplexity, referenceStructuredPrune } from './reference/index.ts';

const qwen: ModelSpec = {
  architecture: 'qwen2', hiddenSize: 96, intermediateSize: 160, numLayers: 2, numHeads: 4, numKvHeads: 2,
  headDim: 32, vocabSize: 1000, maxPositions: 512, rmsNormEps: 1e-6, ropeTheta: 1e6, tieWordEmbeddings: false,
  attentionBias: true, bosTokenId: null, eosTokenId: null,
};

let gpu: Gpu;
beforeAll(async () => { gpu = await createGpu(); });
afterAll(() => gpu?.destroy());

function randomWindows(count: number, T: number, seed: number): number[][] {
  const rng = xoroshiro128plus(seed);
  return Array.from({ length: count }, () => Array.from({ length: T }, () => uniformInt(rng, 0, qwen.vocabSize - 1)));
}

describe('structured pruning on a Qwen2-shaped model (biases, GQA)', () => {
  // MLP 160 at 0.5 keeps 80 channels; MLP 162 keeps 162 (not padded past the dense width) and 122 (padded to 124).
  const cases: Array<[number, number[]]> = [[160, [0.5, 0.5]], [162, [0, 0.25]]];
  it.each(cases)('MLP %i, rates %j: kept sets equal the oracle, every kv-group keeps a head, perplexity within 1%', async (f, rates) => {
    const spec = { ...qwen, intermediateSize: f };
    const { configJson, safetensors } = randomHfModel(spec, { seed: 11, dtype: 'BF16' });
    const model = await loadModel([bytesSource(new TextEncoder().encode(configJson), 'config.json'),
      bytesSource(safetensors, 'model.safetensors')], { requireTokenizer: false });
    const calib = randomWindows(2, 48, 1), evalSet = randomWindows(2, 48, 2);
    const engine = await Engine.create(gpu, model);
    const pruner = await Pruner.create(engine, calib);
    try {
      const result = await pruner.prune({ metric: 'wanda', structured: 'wanda-sp', sparsity: 0.5, allocation: rates });
      const ref = referenceStructuredPrune(spec, await loadReferenceWeights(model), calib, rates, 'wanda-sp');
      result.kept!.forEach((k, l) => {
        expect(k).toEqual(ref.kept[l]);
        expect(new Set(k.heads.map((h) => Math.floor(h / 2))).size).toBe(2);
      });
      let sum = 0, count = 0;
      for (const w of evalSet) { const r = await engine.windowNll(w); sum += r.sum; count += r.count; }
      const ppl = Math.exp(sum / count), refPpl = referencePerplexity(spec, ref.weights, evalSet);
      expect(Math.abs(ppl / refPpl - 1), `GPU ${ppl} vs reference ${refPpl}`).toBeLessThan(0.01);
    } finally {
      pruner.destroy();
      engine.destroy();
    }
  });
});
