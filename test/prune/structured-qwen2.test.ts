// Structured pruning on a random BF16 Qwen2-shaped model (q/k/v biases, GQA 4 heads over 2 kv heads,
// head_dim 32, MLP 160 or 162): compaction gathers the kept entries of the q bias too; kept heads/channels and the
// NLL agree with the float64 oracle; FLAP with whole kv-groups removed keeps working over those biases.
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
import { MemoryTarget } from '../../src/core/export/byte-sink.ts';
import { exportPrunedModel } from '../../src/core/export/export-model.ts';
import { structuredCounts } from '../../src/core/prune/allocation-counts.ts';
import { referencePerplexity, referenceStructuredPrune } from './reference/index.ts';
import { windowsPerplexity } from '../../src/core/engine/perplexity.ts';

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
      const ref = referenceStructuredPrune(spec, await loadReferenceWeights(model), calib, rates, 'wanda-sp', { counts: structuredCounts(spec, rates).removals });
      result.kept!.forEach((k, l) => {
        expect(k).toEqual(ref.kept[l]);
        expect(new Set(k.heads.map((h) => Math.floor(h / 2))).size).toBe(2);
      });
      const ppl = await windowsPerplexity(engine, evalSet), refPpl = referencePerplexity(spec, ref.weights, evalSet);
      expect(Math.abs(ppl / refPpl - 1), `GPU ${ppl} vs reference ${refPpl}`).toBeLessThan(0.01);
    } finally {
      pruner.destroy();
      engine.destroy();
    }
  });

  it('FLAP with kv-groups over the q/k/v biases: equals the oracle; the compact export (LlamaForCausalLM with all biases) reloads to the same NLL', async () => {
    const rates = [0.5, 0];
    const { configJson, safetensors } = randomHfModel(qwen, { seed: 12, dtype: 'BF16' });
    const sources = [bytesSource(new TextEncoder().encode(configJson), 'config.json'), bytesSource(safetensors, 'model.safetensors')];
    const model = await loadModel(sources, { requireTokenizer: false });
    const calib = randomWindows(2, 48, 3), evalSet = randomWindows(2, 48, 4);
    const engine = await Engine.create(gpu, model);
    const pruner = await Pruner.create(engine, calib);
    const ppl = (e: Engine) => windowsPerplexity(e, evalSet);
    try {
      const result = await pruner.prune({ metric: 'wanda', structured: 'flap', sparsity: 0.25, allocation: rates, kvGroups: true });
      const ref = referenceStructuredPrune(qwen, await loadReferenceWeights(model), calib, rates, 'flap', { kvGroups: true, counts: structuredCounts(qwen, rates, true).removals });
      result.kept!.forEach((k, l) => expect({ heads: k.heads, channels: k.channels, kvHeads: k.kvHeads }).toEqual(ref.kept[l]));
      expect(result.kept![0].kvHeads).toHaveLength(1);
      const inEngine = await ppl(engine), refPpl = referencePerplexity(ref.spec, ref.weights, evalSet);
      expect(Math.abs(inEngine / refPpl - 1), `GPU ${inEngine} vs reference ${refPpl}`).toBeLessThan(0.01);

      const target = new MemoryTarget();
      const summary = await exportPrunedModel({ model, format: 'compact', target, sources, kept: result.kept });
      expect(summary.notes.join(' ')).toMatch(/qwen2 config cannot express o_proj \/ MLP biases: written as LlamaForCausalLM/);
      const reloaded = await loadModel([...target.files.keys()].map((n) => bytesSource(target.bytes(n), n)), { requireTokenizer: false });
      expect(reloaded.spec).toMatchObject({ architecture: 'llama', attentionBias: true, oProjBias: true, mlpBias: true });
      expect(reloaded.spec.layerWidths!.map((w) => w.numKvHeads ?? 2)).toEqual([1, 2]);
      const e2 = await Engine.create(gpu, reloaded, { matmulVariant: engine.matmulVariant });
      try {
        expect(Math.abs((await ppl(e2)) / inEngine - 1)).toBeLessThan(1e-4);
      } finally { e2.destroy(); }
    } finally {
      pruner.destroy();
      engine.destroy();
    }
  });
});
