// The count repair on stories260K's shapes (d 64, f 172, 8 heads, 4 kv heads, head dim 8, 5 layers): every
// allocation removes the requested parameter count within half the finest unit, and moves nothing it need not.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '../model/spec.ts';
import { structuredCounts, structuredRemoved, structuredUnitCosts, unstructuredCounts } from './allocation-counts.ts';
import { repairCounts } from './count-repair.ts';
import { layerMaps } from './linear-maps.ts';
import { prunedPerRow } from './mask-set.ts';
import { removedCount } from './structured-selection.ts';

const stories: ModelSpec = {
  architecture: 'llama', hiddenSize: 64, intermediateSize: 172, numLayers: 5, numHeads: 8, numKvHeads: 4, headDim: 8,
  vocabSize: 512, maxPositions: 512, rmsNormEps: 1e-5, ropeTheta: 10000, tieWordEmbeddings: true, attentionBias: false,
  bosTokenId: 1, eosTokenId: 2,
};
const LINEAR = 5 * 45312; // per layer: q, o 64 x 64; k, v 32 x 64; gate, up, down 172 x 64
// Allocations shaped like MRP's at 50% and OWL's at 70% (uneven rates whose floors lose weights in every map).
const MRP_50 = [0.43, 0.57, 0.53, 0.49, 0.48];
const OWL_70 = [0.6236, 0.7064, 0.7327, 0.7219, 0.7154];
const FINEST_ROW = 32; // k and v have 32 rows: their per-row count moves 32 weights

/** What the row-wise masks remove at floor(K s_l) per row, as before the repair. */
const floorRemoved = (rates: number[]) => rates.reduce((t, s, l) =>
  t + layerMaps(stories, l).reduce((a, m) => a + m.N * prunedPerRow(m.K, s), 0), 0);

describe('unstructured counts', () => {
  it('the floors lose weights (the bug); the repaired counts remove round(S x total) within 16 weights', () => {
    for (const [rates, S] of [[MRP_50, 0.5], [OWL_70, 0.7], [[0.7, 0.7, 0.7, 0.7, 0.7], 0.7], [[0.2, 0.3, 0.4, 0.5, 0.6], 0.4]] as const) {
      const { rowCounts, count } = unstructuredCounts(stories, rates);
      expect(count.total).toBe(LINEAR);
      expect(count.requested).toBe(Math.round(rates.reduce((a, s) => a + s * 45312, 0)));
      expect(Math.abs(count.requested - S * LINEAR)).toBeLessThan(0.5 + 1e-6 * LINEAR);
      expect(count.methodRounding).toBe(floorRemoved([...rates]));
      expect(count.requested - count.methodRounding).toBeGreaterThan(FINEST_ROW); // the floors miss by more than a unit
      const removed = rowCounts.reduce((t, row, l) => t + layerMaps(stories, l).reduce((a, m, i) => a + m.N * row[i], 0), 0);
      expect(removed).toBe(count.removed);
      expect(Math.abs(count.removed - count.requested)).toBeLessThanOrEqual(FINEST_ROW / 2);
      // Each map stays within one weight per row of its own rate.
      rowCounts.forEach((row, l) => layerMaps(stories, l).forEach((m, i) => expect(Math.abs(row[i] - m.K * rates[l])).toBeLessThan(1 + 1e-9)));
    }
  });

  it('moves nothing when the floors are exact (uniform 50%: 32 of 64, 86 of 172 per row)', () => {
    const { rowCounts, count } = unstructuredCounts(stories, new Array(5).fill(0.5));
    expect(count.removed).toBe(count.methodRounding);
    for (const row of rowCounts) expect(row).toEqual([32, 32, 32, 32, 32, 32, 86]);
  });

  it('any vector in [0, 0.95]: the requested count within 16 weights, every count in [0, K]', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 0.95, noNaN: true }), { minLength: 5, maxLength: 5 }), (rates) => {
      const { rowCounts, count } = unstructuredCounts(stories, rates);
      expect(Math.abs(count.removed - count.requested)).toBeLessThanOrEqual(FINEST_ROW / 2);
      rowCounts.forEach((row, l) => layerMaps(stories, l).forEach((m, i) => {
        expect(row[i]).toBeGreaterThanOrEqual(0);
        expect(row[i]).toBeLessThanOrEqual(m.K);
      }));
    }), { numRuns: 300 });
  });
});

describe('structured counts', () => {
  const cost = structuredUnitCosts(stories);
  const removable = 5 * (8 * cost.head + 172 * cost.channel);

  it('uniform 30%: the floors remove 28.7% of the removable weights, the repair 30% within half a channel', () => {
    const rates = new Array(5).fill(0.3);
    const { removals, count } = structuredCounts(stories, rates);
    expect(cost).toEqual({ head: 1024, kvGroup: 3072, channel: 192 });
    expect(count.total).toBe(removable);
    expect(count.methodRounding).toBe(5 * (2 * 1024 + 51 * 192));
    expect(count.methodRounding / removable).toBeCloseTo(0.2873, 4);
    expect(Math.abs(count.removed - count.requested)).toBeLessThanOrEqual(cost.channel / 2);
    expect(Math.abs(count.removed / removable - 0.3)).toBeLessThan(0.001);
    expect(structuredRemoved(stories, removals)).toBe(count.removed);
    // Heads stay at floor or floor + 1 of 2.4; channels near 51.6.
    for (const r of removals) {
      expect([2, 3]).toContain(r.heads);
      expect(Math.abs(r.channels - 51.6)).toBeLessThan(6);
    }
  });

  it('an evolved vector and uniform at the same mean remove the same count within half a channel', () => {
    const evolved = [0.18, 0.27, 0.33, 0.36, 0.36];
    const a = structuredCounts(stories, evolved).count, b = structuredCounts(stories, new Array(5).fill(0.3)).count;
    expect(Math.abs(a.requested - b.requested)).toBeLessThanOrEqual(1);
    expect(Math.abs(a.removed - b.removed)).toBeLessThanOrEqual(cost.channel);
  });

  it('respects GQA (at most nH - nKv heads) and keeps a channel; kv-groups come in whole groups', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 0.62, noNaN: true }), { minLength: 5, maxLength: 5 }), fc.boolean(), (rates, kv) => {
      const { removals, count } = structuredCounts(stories, rates, kv);
      for (const r of removals) {
        expect(r.heads).toBeLessThanOrEqual(kv ? 6 : 4);
        if (kv) expect(r.heads % 2).toBe(0);
        expect(r.channels).toBeLessThanOrEqual(171);
      }
      expect(Math.abs(count.removed - count.requested)).toBeLessThanOrEqual(cost.channel / 2);
      expect(structuredRemoved(stories, removals, kv)).toBe(count.removed);
    }), { numRuns: 300 });
  });

  it('starts from the paper\'s floor(p x count) per layer', () => {
    const rates = [0.1, 0.2, 0.3, 0.4, 0.5];
    const { count } = structuredCounts(stories, rates);
    const floors = rates.reduce((t, p) => t + removedCount(p, 8) * cost.head + removedCount(p, 172) * cost.channel, 0);
    expect(count.methodRounding).toBe(floors);
  });
});

describe('repairCounts', () => {
  it('largest remainders first; ties to the lower slot; nothing past a slot\'s max', () => {
    const slots = [0.3, 0.7, 0.7, 0.2].map((ideal) => ({ cost: 1, ideal, start: 0, max: 1 }));
    expect(repairCounts(slots).units).toEqual([0, 1, 1, 0]); // requested round(1.9) = 2
    expect(repairCounts(slots, 4).units).toEqual([1, 1, 1, 1]);
    expect(repairCounts(slots, 9).removed).toBe(4);
  });

  it('a coarse unit moves only while a whole one is missing (larger remainder first); the fine ones fill the rest', () => {
    // Two head slots (cost 10, 1.6 and 1.7 wanted) and two channel slots (cost 1, 2.5 each): requested 38, floors 24.
    const r = repairCounts([{ cost: 10, ideal: 1.6, start: 1, max: 4 }, { cost: 10, ideal: 1.7, start: 1, max: 4 },
      { cost: 1, ideal: 2.5, start: 2, max: 9 }, { cost: 1, ideal: 2.5, start: 2, max: 9 }]);
    expect(r).toEqual({ units: [1, 2, 4, 4], requested: 38, methodRounding: 24, removed: 38, moved: 3 });
    // When the fine slots are full, a coarse one goes to the nearer side.
    expect(repairCounts([{ cost: 10, ideal: 1.6, start: 1, max: 4 }, { cost: 1, ideal: 1, start: 1, max: 1 }]).units).toEqual([2, 1]);
  });
});
