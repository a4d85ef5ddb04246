// AlphaPruning on stories260K: per-layer Hill exponents of the weight spectra set the allocation (larger alpha,
// more pruning; mean exactly S), and the GPU prune at that allocation matches the float64 oracle within 1%.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpu, type Gpu } from '../../src/core/gpu/device.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { pathSources } from '../../src/core/formats/node-file-source.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { evalWindows, tokenizeForEval } from '../../src/core/engine/windows.ts';
import { loadReferenceWeights } from '../../src/core/engine/reference-weights.ts';
import type { LoadedModel } from '../../src/core/model/loaded-model.ts';
import { Pruner } from '../../src/core/prune/pruner.ts';
import { STORIES_HF, TINYSTORIES_TEXT } from '../helpers/fixtures.ts';
import { referencePerplexity, referenceSequentialPrune } from './reference/index.ts';
import { windowsPerplexity } from '../../src/core/engine/perplexity.ts';
import { unstructuredCounts } from '../../src/core/prune/allocation-counts.ts';

let gpu: Gpu, engine: Engine, pruner: Pruner, model: LoadedModel, calib: number[][], evalSet: number[][];

beforeAll(async () => {
  model = await loadModel(await pathSources(STORIES_HF));
  const windows = evalWindows(tokenizeForEval(model.tokenizer, readFileSync(TINYSTORIES_TEXT, 'utf8').slice(0, 20_000)), 128, 8);
  calib = windows.slice(0, 4);
  evalSet = windows.slice(4);
  gpu = await createGpu();
  engine = await Engine.create(gpu, model);
  pruner = await Pruner.create(engine, calib);
});
afterAll(() => { pruner?.destroy(); engine?.destroy(); gpu?.destroy(); });

describe('AlphaPruning allocation', () => {
  it('orders layers by alpha, averages exactly to S, and prunes like the reference at that allocation', async () => {
    const S = 0.5;
    const result = await pruner.prune({ metric: 'wanda', sparsity: S, allocation: 'alpha' });
    const alphas = result.alphas!;
    expect(alphas).toHaveLength(5);
    alphas.forEach((a) => { expect(Number.isFinite(a)).toBe(true); expect(a).toBeGreaterThan(1); });
    expect(Math.abs(result.allocation.reduce((a, b) => a + b, 0) / 5 - S)).toBeLessThan(1e-12);
    const byAlpha = [...alphas.keys()].sort((i, j) => alphas[i] - alphas[j]);
    for (let r = 1; r < 5; r++) expect(result.allocation[byAlpha[r]]).toBeGreaterThanOrEqual(result.allocation[byAlpha[r - 1]]);
    expect(Math.max(...result.allocation) - Math.min(...result.allocation)).toBeCloseTo(0.6, 9); // 2 eps, no clipping at S = 0.5
    const rowCounts = unstructuredCounts(model.spec, result.allocation).rowCounts; // the count repair's (algorithms.md §7.2)
    const ref = referenceSequentialPrune(model.spec, await loadReferenceWeights(model), calib, result.allocation, 'wanda', undefined, rowCounts);
    const refPpl = referencePerplexity(model.spec, ref.weights, evalSet);
    expect(Math.abs(await windowsPerplexity(engine, evalSet) / refPpl - 1)).toBeLessThan(0.01);
  });
});
