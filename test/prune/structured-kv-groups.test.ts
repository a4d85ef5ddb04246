// Removing whole kv-groups (the kvGroups option) on the GPU against the float64 oracle on stories260K (5 layers,
// 8 query heads over 4 kv heads, MLP 172): floor(p * 4) groups per layer go with their k / v rows and both of
// their query heads. Protocol of structured.test.ts: calibration = the first 4 x 128 TinyStories tokens,
// evaluation = the next 4 x 128.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gpu } from '../../src/core/gpu/device.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import type { ReferenceWeights } from '../../src/core/engine/reference-forward.ts';
import type { LoadedModel } from '../../src/core/model/loaded-model.ts';
import { Pruner } from '../../src/core/prune/pruner.ts';
import type { StructuredMetric } from '../../src/core/prune/structured-selection.ts';
import { openStoriesPruning, windowsPerplexity } from '../helpers/stories-pruning.ts';
import { referencePerplexity, referenceStructuredPrune } from './reference/index.ts';

const SEQ = 128, CALIB = 4, EVAL = 4, L = 5, KV = 4, GROUP = 2, MLP = 172;
let gpu: Gpu, engine: Engine, pruner: Pruner, model: LoadedModel, dense: ReferenceWeights;
let calib: number[][], evalSet: number[][];

const gpuPerplexity = () => windowsPerplexity(engine, evalSet);

beforeAll(async () => {
  ({ gpu, engine, pruner, model, dense, calib, evalSet } = await openStoriesPruning({ seq: SEQ, calib: CALIB, eval: EVAL }));
}, 300_000); // model load, matmul autotune and calibration buffers: minutes when other GPU test files share 2 cores
afterAll(() => { pruner?.destroy(); engine?.destroy(); gpu?.destroy(); });

describe('structured pruning with whole kv-groups removed (stories260K)', () => {
  const cases: Array<[StructuredMetric, number[]]> = [['wanda-sp', [0.5, 0.5, 0.5, 0.5, 0.5]], ['flap', [0, 0.25, 0.5, 0.75, 0.5]]];
  for (const [metric, rates] of cases) {
    it(`${metric} ${JSON.stringify(rates)}: kept kv heads and heads as the reference, counts as requested, perplexity within 1%`, async () => {
      const ref = referenceStructuredPrune(model.spec, dense, calib, rates, metric, { kvGroups: true });
      const result = await pruner.prune({ metric: 'wanda', structured: metric, sparsity: 0.5, allocation: rates, kvGroups: true });
      const ppl = await gpuPerplexity();
      const refPpl = referencePerplexity(ref.spec, ref.weights, evalSet);
      result.kept!.forEach((k, l) => {
        const groups = KV - Math.floor(rates[l] * KV);
        expect(k.kvHeads ?? [0, 1, 2, 3], `layer ${l} kv heads`).toHaveLength(groups);
        expect(k.heads, `layer ${l} heads`).toHaveLength(groups * GROUP);
        expect(k.channels).toHaveLength(MLP - Math.floor(rates[l] * MLP));
        // Whole groups: a kept group keeps both of its query heads.
        expect(k.heads).toEqual((k.kvHeads ?? [0, 1, 2, 3]).flatMap((g) => [g * GROUP, g * GROUP + 1]));
        expect(k.kvHeads, `layer ${l} kv heads`).toEqual(ref.kept[l].kvHeads);
        expect(k.channels, `layer ${l} channels`).toEqual(ref.kept[l].channels);
      });
      // k, v rows of removed groups count as removed weights.
      const kvRemoved = rates.map((p) => Math.floor(p * KV));
      const total = 64 * 8 * (2 * 8 + 2 * KV) + 3 * 64 * MLP;
      result.achievedSparsity.forEach((s, l) => {
        const keptKv = KV - kvRemoved[l];
        const kept = 64 * 8 * (2 * keptKv * GROUP + 2 * keptKv) + 3 * 64 * (MLP - Math.floor(rates[l] * MLP));
        expect(s).toBeCloseTo(1 - kept / total, 12);
      });
      console.log(`${metric} kv-groups ${JSON.stringify(rates)}: GPU ppl ${ppl.toFixed(4)}, reference ${refPpl.toFixed(4)}`);
      expect(Math.abs(ppl / refPpl - 1), `GPU ${ppl} vs reference ${refPpl}`).toBeLessThan(0.01);
    });
  }

  it('without the option, a rate that would empty a kv-group is refused with an error naming the option and the flag', async () => {
    const req = { metric: 'wanda' as const, structured: 'wanda-sp' as const, allocation: 'uniform' as const, sparsity: 0.75 };
    await expect(pruner.prune(req)).rejects.toThrow(/kv-group with no query head.*kvGroups option \(CLI --kv-groups\)/);
    await expect(pruner.prune({ ...req, structured: undefined, kvGroups: true })).rejects.toThrow(/needs structured pruning/);
  });
});
