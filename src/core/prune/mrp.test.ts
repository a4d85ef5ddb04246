// MRP's loop (mrp.ts) against a model-free stand-in whose layer statistics depend on the sparsities of the layers
// below (as a sequential pass measures them): an incremental pass may only be asked to resume at a layer whose
// lower layers kept their sparsities, and its results must equal every pass in full (the GPU version of this
// check is test/prune/mrp-incremental.test.ts).
import { describe, expect, it } from 'vitest';
import { runMrp, type MrpHooks } from './mrp.ts';
import { DEFAULT_MRP } from './prune-options.ts';

/** Statistic of layer l after a pass at `s`: a function of the layers below only. */
const statOf = (s: number[], l: number) => s.slice(0, l).reduce((t, x, j) => t + Math.sin(3 * x + j), 0.3 * l);

function standIn(L: number) {
  const stats = new Array(L).fill(NaN);
  let passed: number[] | null = null;
  const resumedAt: number[] = [];
  const hooks: MrpHooks = {
    sequential: async (alloc, from) => {
      if (from !== undefined) {
        // The caller's promise: nothing below `from` changed since the last pass, so neither did stats[from].
        for (let l = 0; l < from; l++) expect(alloc[l]).toBe(passed![l]);
        if (from < L) expect(statOf(alloc, from)).toBe(stats[from]);
        resumedAt.push(from);
      }
      for (let l = (from ?? -1) + 1; l < L; l++) stats[l] = statOf(alloc, l);
      passed = alloc.slice();
    },
    pruneLayer: async () => {},
    redundancy: async (l, s) => 1 - s * (0.6 + 0.3 * Math.cos(stats[l])),
  };
  return { hooks, resumedAt };
}

describe('runMrp: incremental passes', () => {
  for (const [L, S] of [[5, 0.7], [8, 0.5], [3, 0.9]] as const) {
    it(`${L} layers at ${S}: the same allocation, redundancies and trajectory as full passes`, async () => {
      const inc = standIn(L), full = standIn(L);
      const a = await runMrp(L, S, DEFAULT_MRP, inc.hooks);
      const b = await runMrp(L, S, DEFAULT_MRP, { ...full.hooks, fullPasses: true });
      expect(a).toEqual(b);
      expect(full.resumedAt).toEqual([]);
      expect(inc.resumedAt.length).toBeGreaterThan(0);
    });
  }

  it('the redundancies of several layers come from one call when the hooks offer it', async () => {
    const { hooks } = standIn(5);
    const batches: number[][] = [];
    const r = await runMrp(5, 0.7, DEFAULT_MRP, {
      ...hooks,
      redundancies: async (layers, s) => { batches.push(layers); return Promise.all(layers.map((l) => hooks.redundancy(l, s[l]))); },
    });
    expect(r).toEqual(await runMrp(5, 0.7, DEFAULT_MRP, standIn(5).hooks));
    expect(batches[0]).toEqual([0, 1, 2, 3, 4]); // the first pass: every layer
    for (const b of batches.slice(1)) expect(b).toEqual(b.length ? Array.from({ length: b.length }, (_, i) => 5 - b.length + i) : []);
  });
});
