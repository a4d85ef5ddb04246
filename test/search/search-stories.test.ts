// The Self-Pruner search on the GPU (stories260K, structured Wanda-sp at target 0.3, built-in operators): it finds
// a vector clearly better than uniform on the same slice, the best vector's fitness is the perplexity of that
// vector pruned from scratch (checked against the float64 oracle), and a cancelled run resumes exactly.
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
import { Cancelled } from '../../src/core/errors.ts';
import { gaOptimizer } from '../../src/core/search/ga-operators.ts';
import { maxStructuredRate, PruningFitness } from '../../src/core/search/pruning-fitness.ts';
import { bestOf, newSearchState, runSearch } from '../../src/core/search/search.ts';
import type { SearchState } from '../../src/core/search/search-types.ts';
import { STORIES_HF, TINYSTORIES_TEXT } from '../helpers/fixtures.ts';
import { referencePerplexity, referenceStructuredPrune } from '../prune/reference/index.ts';
import { windowsPerplexity } from '../../src/core/engine/perplexity.ts';
import { structuredCounts } from '../../src/core/prune/allocation-counts.ts';

const SEQ = 128, CALIB = 4, EVAL = 4;
let gpu: Gpu, engine: Engine, pruner: Pruner, model: LoadedModel, fitness: PruningFitness;
let calib: number[][], evalSet: number[][];
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const strip = (s: SearchState) => s.history.map(({ seconds: _, ...e }) => e);

beforeAll(async () => {
  model = await loadModel(await pathSources(STORIES_HF));
  const ids = tokenizeForEval(model.tokenizer, readFileSync(TINYSTORIES_TEXT, 'utf8'));
  calib = evalWindows(ids.slice(100_000), SEQ, CALIB); // calibration and evaluation from different parts
  evalSet = evalWindows(ids, SEQ, EVAL);
  gpu = await createGpu();
  engine = await Engine.create(gpu, model);
  pruner = await Pruner.create(engine, calib);
  fitness = new PruningFitness(pruner, { metric: 'wanda', structured: 'wanda-sp' }, evalSet);
});
afterAll(() => { pruner?.destroy(); engine?.destroy(); gpu?.destroy(); });

describe('Self-Pruner search on stories260K (structured Wanda-sp, target 0.3)', () => {
  const config = { numLayers: 5, target: 0.3, population: 8, generations: 3, crossovers: 4, mutations: 4, seed: 0 };

  it('p_max keeps a query head in every kv-group (8 heads over 4 kv heads: at most 4 heads go)', () => {
    const p = maxStructuredRate(model.spec);
    expect(Math.floor(p * 8)).toBe(4);
    expect(p).toBeGreaterThan(0.62);
  });

  it('finds a vector at most 0.9x the uniform perplexity, and its fitness is that pruned model\'s perplexity', async () => {
    const state = await runSearch(newSearchState({ ...config, pMax: maxStructuredRate(model.spec) }), fitness, gaOptimizer);
    const uniform = state.history.find((e) => e.operator === 'ga-init-uniform')!;
    const best = bestOf(state);
    console.log(`search: uniform ppl ${uniform.fitness.toFixed(4)}, best ${best.fitness.toFixed(4)} `
      + `(ratio ${(best.fitness / uniform.fitness).toFixed(3)}) at [${best.rates.map((x) => x.toFixed(3)).join(', ')}]; `
      + `${state.history.length} individuals, ${state.history.filter((e) => e.cached).length} from the cache; `
      + `best per generation ${state.summaries.map((g) => g.best.toFixed(3)).join(' ')}`);
    expect(best.fitness).toBeLessThanOrEqual(0.9 * uniform.fitness);
    for (const e of state.history) expect(Math.abs(mean(e.rates) - 0.3)).toBeLessThan(1e-9);
    // The recorded fitness is the real pruned model: prune again from scratch and compare with the oracle.
    const ref = referenceStructuredPrune(model.spec, await loadReferenceWeights(model), calib, best.rates, 'wanda-sp',
      { counts: structuredCounts(model.spec, best.rates).removals }); // the count repair's (docs/algorithms.md §7.2)
    const refPpl = referencePerplexity(model.spec, ref.weights, evalSet);
    expect(await fitness.evaluate(best.rates)).toBe(best.fitness);
    expect(Math.abs(best.fitness / refPpl - 1)).toBeLessThan(0.01);
  }, 900_000); // ~35 pruned evaluations: minutes on SwiftShader when other test files share the 2 cores

  it('a run cancelled after 5 evaluations and resumed from its JSON state ends as the uninterrupted run', async () => {
    const small = { ...config, population: 4, generations: 1, crossovers: 2, mutations: 2, seed: 5, pMax: maxStructuredRate(model.spec) };
    const full = await runSearch(newSearchState(small), fitness, gaOptimizer);
    const ctrl = new AbortController();
    let saved = '', n = 0;
    await expect(runSearch(newSearchState(small), fitness, gaOptimizer, {
      signal: ctrl.signal,
      onEvaluation: () => { if (++n === 5) ctrl.abort(); },
      onCheckpoint: (s) => { saved = JSON.stringify(s); },
    })).rejects.toBeInstanceOf(Cancelled);
    const resumed = await runSearch(JSON.parse(saved) as SearchState, fitness, gaOptimizer);
    expect(strip(resumed)).toEqual(strip(full));
    expect(bestOf(resumed).rates).toEqual(bestOf(full).rates);
  }, 900_000);

  it('works for unstructured pruning too: the fitness of a vector is Wanda with that explicit allocation', async () => {
    const wanda = new PruningFitness(pruner, { metric: 'wanda' }, evalSet);
    const state = await runSearch(newSearchState({ numLayers: 5, target: 0.5, pMax: 0.95, population: 3, generations: 1,
      crossovers: 1, mutations: 1, seed: 1 }), wanda, gaOptimizer);
    expect(state.history).toHaveLength(5);
    const best = bestOf(state);
    await pruner.prune({ metric: 'wanda', allocation: best.rates, sparsity: 0.5 });
    expect(await windowsPerplexity(engine, evalSet)).toBe(best.fitness);
    expect(wanda.key([0.5, 0.5, 0.5, 0.5, 0.5])).toBe('0.5000,0.5000,0.5000,0.5000,0.5000');
  }, 900_000);
});
