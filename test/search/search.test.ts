// The evolutionary loop on a cheap synthetic fitness: constraints, determinism, exact resume, cache, elitism.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gaOptimizer, sensitivityShape } from '../../src/core/search/ga-operators.ts';
import {
  bestOf, newSearchState, operatorCounts, repairRates, runSearch, type FitnessEvaluator,
} from '../../src/core/search/search.ts';
import type { SearchState } from '../../src/core/search/search-types.ts';
import { Cancelled } from '../../src/core/errors.ts';
import { sensitivityAt, sensitivityFromScan } from '../../src/core/search/model-description.ts';

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

/** A bowl whose minimum (mean 0.3) is far from uniform: fitness 1 + sum w_i (p_i - c_i)^2. */
function bowl(): FitnessEvaluator & { calls: number } {
  const c = [0.05, 0.2, 0.3, 0.4, 0.55], w = [4, 3, 2, 3, 4];
  return {
    calls: 0,
    async evaluate(r) { this.calls++; return 1 + r.reduce((s, p, i) => s + w[i] * (p - c[i]) ** 2, 0); },
  };
}

const config = { numLayers: 5, target: 0.3, pMax: 0.6, population: 8, generations: 6, crossovers: 4, mutations: 4 };
const strip = (s: SearchState) => ({ ...s, history: s.history.map(({ seconds: _, ...e }) => e) });

describe('Self-Pruner search core (built-in operators)', () => {
  it('keeps every vector at mean = target within [0, p_max] and improves on uniform', async () => {
    const f = bowl();
    const s = await runSearch(newSearchState({ ...config, seed: 1 }), f, gaOptimizer);
    expect(s.done).toBe(true);
    expect(s.summaries.map((g) => g.generation)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const e of s.history) {
      expect(Math.abs(mean(e.rates) - 0.3)).toBeLessThan(1e-9);
      for (const p of e.rates) { expect(p).toBeGreaterThanOrEqual(0); expect(p).toBeLessThanOrEqual(0.6); }
    }
    const uniform = s.history.find((e) => e.operator === 'ga-init-uniform')!;
    expect(bestOf(s).fitness).toBeLessThan(uniform.fitness);
    // Elitism: the best fitness never gets worse from one generation to the next.
    s.summaries.slice(1).forEach((g, i) => expect(g.best).toBeLessThanOrEqual(s.summaries[i].best));
    // Every child was counted once: 8 initial + 6 x (4 + 4).
    expect(s.history.length).toBe(8 + 6 * 8);
    expect(f.calls).toBe(s.history.filter((e) => !e.cached).length);
    const counts = operatorCounts(s);
    expect(counts['ga-mutation']).toBe(24);
    expect((counts['ga-crossover-blend'] ?? 0) + (counts['ga-crossover-one-point'] ?? 0)).toBe(24);
  });

  it('same seed -> identical run; another seed -> another run', async () => {
    const a = await runSearch(newSearchState({ ...config, seed: 7 }), bowl(), gaOptimizer);
    const b = await runSearch(newSearchState({ ...config, seed: 7 }), bowl(), gaOptimizer);
    const c = await runSearch(newSearchState({ ...config, seed: 8 }), bowl(), gaOptimizer);
    expect(strip(b)).toEqual(strip(a));
    expect(bestOf(b).rates).toEqual(bestOf(a).rates);
    expect(strip(c).history).not.toEqual(strip(a).history);
  });

  it('a run cancelled midway and resumed from its JSON state ends where an uninterrupted run ends', async () => {
    const full = await runSearch(newSearchState({ ...config, seed: 3 }), bowl(), gaOptimizer);
    for (const stopAfter of [5, 8, 9, 30]) {
      const ctrl = new AbortController();
      let saved = '';
      let n = 0;
      const first = runSearch(newSearchState({ ...config, seed: 3 }), bowl(), gaOptimizer, {
        signal: ctrl.signal,
        onEvaluation: () => { if (++n === stopAfter) ctrl.abort(); },
        onCheckpoint: (st) => { saved = JSON.stringify(st); },
      });
      await expect(first).rejects.toBeInstanceOf(Cancelled);
      const restored = JSON.parse(saved) as SearchState;
      expect(restored.history.length).toBe(stopAfter);
      const resumed = await runSearch(restored, bowl(), gaOptimizer);
      expect(strip(resumed)).toEqual(strip(full));
    }
  });

  it('answers repeated vectors from the cache (keyed by the evaluator key) without evaluating', async () => {
    const f = bowl();
    // A coarse key: only the first decimal matters, so many children collide.
    const coarse: FitnessEvaluator = { evaluate: (r) => f.evaluate(r), key: (r) => r.map((x) => x.toFixed(1)).join(',') };
    const s = await runSearch(newSearchState({ ...config, seed: 2 }), coarse, gaOptimizer);
    const hits = s.history.filter((e) => e.cached);
    expect(hits.length).toBeGreaterThan(0);
    expect(f.calls).toBe(s.history.length - hits.length);
    for (const h of hits) expect(h.seconds).toBe(0);
    // The population holds one individual per key.
    const keys = s.population.map((id) => s.history[id].rates.map((x) => x.toFixed(1)).join(','));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('seeds the initial population with the known OWL and sensitivity shapes', async () => {
    const owl = [0.25, 0.28, 0.3, 0.32, 0.35];
    const s = await runSearch(newSearchState({ ...config, generations: 0 }), bowl(), gaOptimizer,
      { shapes: { owl, sensitivity: [5, 1, 1, 1, 0.5] } });
    const ops = s.history.map((e) => e.operator);
    expect(ops.slice(0, 3)).toEqual(['ga-init-uniform', 'ga-init-owl', 'ga-init-sensitivity']);
    expect(s.history[1].rates.map((x) => +x.toFixed(12))).toEqual(owl);
    // The most sensitive layer (0) is pruned least, the least sensitive (4) most.
    const sens = s.history[2].rates;
    expect(sens[0]).toBe(Math.min(...sens));
    expect(sens[4]).toBe(Math.max(...sens));
    expect(sensitivityShape([1, 1, 1], 0.3, 0.6)).toEqual([0.3, 0.3, 0.3]);
  });

  it('repair: any finite vector lands on mean = target inside [0, p_max]; NaN and wrong lengths are refused', () => {
    const c = newSearchState({ ...config }).config;
    fc.assert(fc.property(fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 5, maxLength: 5 }), (v) => {
      const r = repairRates(v, c);
      expect(Math.abs(mean(r) - 0.3)).toBeLessThan(1e-9);
      for (const p of r) { expect(p).toBeGreaterThanOrEqual(0); expect(p).toBeLessThanOrEqual(0.6); }
    }));
    expect(() => repairRates([0.3, 0.3, NaN, 0.3, 0.3], c)).toThrow(/finite/);
    expect(() => repairRates([0.3, 0.3], c)).toThrow(/5 finite numbers/);
  });

  it('refuses impossible configurations', () => {
    expect(() => newSearchState({ ...config, target: 0.7 })).toThrow(/target 0.7 is outside/);
    expect(() => newSearchState({ ...config, pMax: 1 })).toThrow(/p_max/);
    expect(() => newSearchState({ ...config, population: 1 })).toThrow(/population/);
  });

  it('takes the sensitivity shape from the scan level nearest the target', () => {
    const cells = [0.2, 0.4].flatMap((level) => [0, 1, 2].map((layer) => ({ layer, module: 'all', level, deltaPpl: level * 10 + layer })));
    expect(sensitivityAt(cells, 3, 0.3)).toEqual([2, 3, 4]);   // tie: the first level scanned wins
    expect(sensitivityAt(cells, 3, 0.35)).toEqual([4, 5, 6]);
    expect(sensitivityAt(cells.slice(0, 2), 3, 0.2)).toBeNull(); // layer 2 missing
    expect(sensitivityAt([], 3, 0.2)).toBeNull();
    expect(sensitivityFromScan(JSON.stringify({ cells }), 3, 0.4)).toEqual([4, 5, 6]);
    expect(() => sensitivityFromScan('{"cells": []}', 3, 0.4)).toThrow(/no layer cells/);
    expect(() => sensitivityFromScan('not json', 3, 0.4)).toThrow(/not the JSON line/);
  });
});
