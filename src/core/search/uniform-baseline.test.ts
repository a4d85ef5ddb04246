// The search's fair baseline: uniform at the share of parameters the best vector really removes, on stories260K's
// shapes with the structured count repair standing in for the GPU (no pruning here).
import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '../model/spec.ts';
import { structuredCounts } from '../prune/allocation-counts.ts';
import { uniformAtBestCount, type CountingFitness } from './pruning-fitness.ts';
import { newSearchState } from './search.ts';

const stories: ModelSpec = {
  architecture: 'llama', hiddenSize: 64, intermediateSize: 172, numLayers: 5, numHeads: 8, numKvHeads: 4, headDim: 8,
  vocabSize: 512, maxPositions: 512, rmsNormEps: 1e-5, ropeTheta: 10000, tieWordEmbeddings: true, attentionBias: false,
  bosTokenId: 1, eosTokenId: 2,
};

/** Perplexity grows with the parameters removed, so a baseline at another count would show in its fitness. */
function countingFitness(): CountingFitness & { evaluated: number[][] } {
  const count = (r: number[]) => structuredCounts(stories, r).count;
  return {
    evaluated: [],
    key: (r) => structuredCounts(stories, r).removals.map((x) => `${x.heads}/${x.channels}`).join(','),
    count: async (r) => count(r),
    async evaluate(r) { this.evaluated.push(r); return 10 + count(r).removed / 1000; },
  };
}

const evolved = [0.18, 0.27, 0.33, 0.36, 0.36];

describe('uniform baseline at the best vector\'s count', () => {
  it('evaluates uniform at the share the best vector removes: both remove the same count within a channel', async () => {
    const fitness = countingFitness();
    const state = newSearchState({ numLayers: 5, target: 0.3, pMax: 0.62 });
    const { best, uniform } = await uniformAtBestCount(state, fitness, { rates: evolved, fitness: 12 });
    expect(best.count).toEqual(structuredCounts(stories, evolved).count);
    const share = best.count.removed / best.count.total;
    expect(fitness.evaluated).toEqual([new Array(5).fill(share)]);
    expect(uniform.rates).toEqual(new Array(5).fill(share));
    expect(Math.abs(uniform.count.removed - best.count.removed)).toBeLessThanOrEqual(192 / 2);
    expect(uniform.fitness).toBe(10 + uniform.count.removed / 1000);
    expect(best.fitness).toBe(12);
  });

  it('takes the fitness from the history when an individual pruned to the same model', async () => {
    const fitness = countingFitness();
    const state = newSearchState({ numLayers: 5, target: 0.3, pMax: 0.62 });
    const share = structuredCounts(stories, evolved).count;
    const uniform = new Array(5).fill(share.removed / share.total);
    state.history.push({ generation: 0, operator: 'ga-init-uniform', parents: [], rates: uniform, fitness: 17, seconds: 1, cached: false });
    const r = await uniformAtBestCount(state, fitness, { rates: evolved, fitness: 12 });
    expect(r.uniform.fitness).toBe(17);
    expect(fitness.evaluated).toEqual([]);
  });
});
