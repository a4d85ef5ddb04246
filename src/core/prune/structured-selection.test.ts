import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { validateRequest } from './prune-options.ts';
import { columnScores, headScores, keptChannels, keptHeads, removedCount } from './structured-selection.ts';

describe('structured selection', () => {
  it('removes floor(p * count) channels, the lowest scores first, ties by lower index', () => {
    expect(keptChannels([3, 1, 1, 2, 5], 2)).toEqual([0, 3, 4]);
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 60 }), fc.double({ min: 0, max: 0.99, noNaN: true }),
      (scores, p) => {
        const kept = keptChannels(scores, removedCount(p, scores.length));
        expect(kept.length).toBe(scores.length - Math.floor(p * scores.length + 1e-9));
        const removed = scores.map((_, i) => i).filter((i) => !kept.includes(i));
        // Every removed channel ranks below every kept one in (score, index) order.
        for (const r of removed) for (const k of kept) expect(scores[r] < scores[k] || (scores[r] === scores[k] && r < k)).toBe(true);
      }));
  });

  it('GQA: removes whole query heads while every kv-group keeps one, skipping to the next lowest', () => {
    // 4 heads, 2 kv-groups {0,1} {2,3}: the two lowest (0, 1) share a group, so 1 is skipped for 3.
    expect(keptHeads([0, 1, 5, 2], 2, 2)).toEqual([1, 2]);
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 100 }),
      (nKv, group, seed) => {
        const nH = nKv * group;
        const scores = Array.from({ length: nH }, (_, i) => ((i * 7919 + seed * 31) % 13));
        const remove = seed % (nH - nKv + 1);
        const kept = keptHeads(scores, nKv, remove);
        expect(kept.length).toBe(nH - remove);
        for (let g = 0; g < nKv; g++) expect(kept.some((h) => Math.floor(h / group) === g)).toBe(true);
      }));
  });

  it('throws BadRequest naming the kv-group when the heads cannot be removed', () => {
    expect(() => keptHeads([1, 2, 3, 4], 2, 3, 4)).toThrow(/layer 4.*kv-group/);
  });

  it('structured requests take uniform or explicit rates only, and no N:M', () => {
    const req = { metric: 'wanda' as const, sparsity: 0.5, structured: 'wanda-sp' as const };
    for (const a of ['owl', 'mrp', 'alpha'] as const) {
      expect(() => validateRequest({ ...req, allocation: a }, 5)).toThrow(/uniform or explicit/);
    }
    expect(() => validateRequest({ ...req, allocation: 'uniform', nm: { n: 2, m: 4 } }, 5)).toThrow(/N:M/);
    expect(() => validateRequest({ ...req, allocation: [0.1, 0.2, 0.3, 0.4, 0.5] }, 5)).not.toThrow();
  });

  it('wanda-sp scores mean |W| x sqrt(sq) per column; magnitude-sp the column L2 norm; heads sum their columns', () => {
    const W = Float32Array.of(1, -2, 3, 4); // [2, 2]
    expect([...columnScores(W, 2, 2, 'wanda-sp', [4, 9])]).toEqual([2 * 2, 3 * 3]);
    expect([...columnScores(W, 2, 2, 'magnitude-sp')]).toEqual([Math.sqrt(10), Math.sqrt(20)]);
    expect([...headScores([1, 2, 3, 4], 2, 2)]).toEqual([3, 7]);
  });
});
