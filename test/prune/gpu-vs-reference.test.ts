// The GPU pruner on stories260K against the independent float64 oracle (test/prune/reference): the same
// calibration windows (the first 4 x 128 TinyStories tokens) and held-out evaluation windows (the next 4 x 128).
// Perplexities agree within 1%; achieved sparsity is counted from the GPU masks; allocations average to S. The
// per-row counts are the count repair's (docs/algorithms.md §7.2, unit-tested in allocation-counts.test.ts): the
// reference prunes with them, and every prune removes the requested parameter count within half a k/v row position.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gpu } from '../../src/core/gpu/device.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import type { ReferenceWeights } from '../../src/core/engine/reference-forward.ts';
import type { LoadedModel } from '../../src/core/model/loaded-model.ts';
import { Pruner } from '../../src/core/prune/pruner.ts';
import type { PruneRequest } from '../../src/core/prune/prune-options.ts';
import { unstructuredCounts } from '../../src/core/prune/allocation-counts.ts';
import { openStoriesPruning, windowsPerplexity } from '../helpers/stories-pruning.ts';
import {
  achievedSparsity, owlAllocation, referenceMrp, referencePerplexity, referenceSequentialPrune,
} from './reference/index.ts';

const SEQ = 128, CALIB = 4, EVAL = 4;
let gpu: Gpu, engine: Engine, pruner: Pruner, model: LoadedModel, dense: ReferenceWeights;
let calib: number[][], evalSet: number[][];

const gpuPerplexity = () => windowsPerplexity(engine, evalSet);

beforeAll(async () => {
  ({ gpu, engine, pruner, model, dense, calib, evalSet } = await openStoriesPruning({ seq: SEQ, calib: CALIB, eval: EVAL }));
}, 300_000); // model load, matmul autotune and calibration buffers: minutes when other GPU test files share 2 cores
afterAll(() => { pruner?.destroy(); engine?.destroy(); gpu?.destroy(); });

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const L = 5, LAYER_WEIGHTS = 45312, FINEST_ROW = 32;
const rowCountsOf = (alloc: number[]) => unstructuredCounts(model.spec, alloc).rowCounts;

/** The prune removed round(S x all linear weights) within half the finest unit, as its masks count it. */
function expectRequestedCount(result: Awaited<ReturnType<Pruner['prune']>>, S: number): void {
  const fromMasks = result.achievedSparsity.reduce((t, s) => t + Math.round(s * LAYER_WEIGHTS), 0);
  expect(result.count!.removed).toBe(fromMasks);
  expect(result.count!.requested).toBe(Math.round(S * L * LAYER_WEIGHTS));
  expect(Math.abs(fromMasks - S * L * LAYER_WEIGHTS)).toBeLessThanOrEqual(FINEST_ROW / 2 + 1);
}

describe('GPU pruning vs the float64 reference on stories260K', () => {
  const uniformCases: Array<[string, PruneRequest & { metric: 'magnitude' | 'wanda' }]> = [
    ['magnitude 0.5', { metric: 'magnitude', sparsity: 0.5, allocation: 'uniform' }],
    ['wanda 0.5', { metric: 'wanda', sparsity: 0.5, allocation: 'uniform' }],
    ['wanda 2:4', { metric: 'wanda', sparsity: 0.5, allocation: 'uniform', nm: { n: 2, m: 4 } }],
    ['magnitude 0.95', { metric: 'magnitude', sparsity: 0.95, allocation: 'uniform' }],
    ['wanda explicit vector', { metric: 'wanda', sparsity: 0.4, allocation: [0.2, 0.3, 0.4, 0.5, 0.6] }],
  ];
  for (const [name, req] of uniformCases) {
    it(`${name}: perplexity within 1%, achieved sparsity from the masks equals the reference`, async () => {
      const alloc = Array.isArray(req.allocation) ? req.allocation : new Array(L).fill(req.sparsity);
      const ref = referenceSequentialPrune(model.spec, dense, calib, alloc, req.metric, req.nm, req.nm ? undefined : rowCountsOf(alloc));
      const result = await pruner.prune(req);
      const ppl = await gpuPerplexity();
      const refPpl = referencePerplexity(model.spec, ref.weights, evalSet);
      expect(result.allocation).toEqual(alloc);
      const refAchieved = achievedSparsity(ref.weights, model.spec);
      result.achievedSparsity.forEach((s, l) => expect(s).toBeCloseTo(refAchieved[l], 3));
      expect(Math.abs(ppl / refPpl - 1), `GPU ${ppl} vs reference ${refPpl}`).toBeLessThan(0.01);
      if (!req.nm) expectRequestedCount(result, mean(alloc));
    });
  }

  it('sparsity 0 gives the dense perplexity and keeps every weight', async () => {
    pruner.reset();
    const densePpl = await gpuPerplexity();
    const result = await pruner.prune({ metric: 'wanda', sparsity: 0, allocation: 'uniform' });
    expect(result.achievedSparsity).toEqual(new Array(L).fill(0));
    expect(Math.abs((await gpuPerplexity()) / densePpl - 1)).toBeLessThan(1e-6);
  });

  it('OWL: outlier ratios and allocation match the reference, mean exactly S, perplexity within 1%', async () => {
    const S = 0.5;
    const ref = owlAllocation(model.spec, dense, calib, S);
    const result = await pruner.prune({ metric: 'wanda', sparsity: S, allocation: 'owl' });
    expect(Math.abs(mean(result.allocation) - S)).toBeLessThan(1e-12);
    result.outlierRatios!.forEach((d, l) => expect(d).toBeCloseTo(ref.outlierPercent[l], 2));
    result.allocation.forEach((s, l) => expect(s).toBeCloseTo(ref.sparsity[l], 3));
    const refPruned = referenceSequentialPrune(model.spec, dense, calib, ref.sparsity, 'wanda', undefined, rowCountsOf(result.allocation));
    const refPpl = referencePerplexity(model.spec, refPruned.weights, evalSet);
    expect(Math.abs((await gpuPerplexity()) / refPpl - 1)).toBeLessThan(0.01);
    expectRequestedCount(result, S);
  });

  it('OWL at 70% removes 70% of the linear weights (its floors per row removed 69.5%)', async () => {
    const result = await pruner.prune({ metric: 'wanda', sparsity: 0.7, allocation: 'owl' });
    expect(result.count!.methodRounding / result.count!.total).toBeLessThan(0.6975);
    expectRequestedCount(result, 0.7);
  });

  it('MRP: allocation mean exactly S, redundancy evens out, matches the reference within 1%', async () => {
    const S = 0.5;
    const ref = referenceMrp(model.spec, dense, calib, S, 'wanda');
    const result = await pruner.prune({ metric: 'wanda', sparsity: S, allocation: 'mrp' });
    expect(Math.abs(mean(result.allocation) - S)).toBeLessThan(1e-9);
    expect(Math.max(...result.allocation)).toBeLessThanOrEqual(0.95);
    expect(result.spreadAfter!).toBeLessThan(result.spreadBefore!);
    result.allocation.forEach((s, l) => expect(s).toBeCloseTo(ref.allocation[l], 2));
    // MRP's loop is the paper's; its final prune takes the repaired counts, so the reference's does too.
    const refFinal = referenceSequentialPrune(model.spec, dense, calib, ref.allocation, 'wanda', undefined, rowCountsOf(result.allocation));
    const refPpl = referencePerplexity(model.spec, refFinal.weights, evalSet);
    expect(Math.abs((await gpuPerplexity()) / refPpl - 1)).toBeLessThan(0.01);
    expect(result.count!.methodRounding).toBeLessThan(result.count!.requested - FINEST_ROW); // the floors fell short
    expectRequestedCount(result, S);
  });

  it('MRP at the same target again reuses its loop: the same allocation, redundancies, masks and perplexity', async () => {
    const req = { metric: 'magnitude', sparsity: 0.4, allocation: 'mrp' } as const;
    const first = await pruner.prune(req);
    const ppl = await gpuPerplexity();
    await pruner.prune({ metric: 'magnitude', sparsity: 0.2, allocation: 'uniform' }); // other masks in between
    const phases = new Set<string>();
    const again = await pruner.prune(req, { onProgress: (p) => phases.add(p.phase) });
    expect([...phases]).toEqual(['sequential prune']); // no MRP step ran: only the final sequential prune
    expect(again.trajectory).toEqual(first.trajectory);
    expect({ ...again, seconds: 0 }).toEqual({ ...first, seconds: 0 });
    expect(await gpuPerplexity()).toBe(ppl);
  });
});
