import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readF32 } from '../gpu/buffers.ts';
import { runCalls } from './kernel-call.ts';
import { columnStatsReference, prepareColumnStats } from './column-stats.ts';
import { nonZeroF32Array } from '../../../test/helpers/numeric.ts';
import { batchedAndPerWindow, expectWithin, upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();

describe('column-stats kernel', () => {
  it('accumulates per-column sums of squares and sums onto existing statistics over two windows', async () => {
    const arb = fc.record({ T: fc.integer({ min: 1, max: 40 }), K: fc.integer({ min: 1, max: 200 }) })
      .chain((s) => fc.record({ a: nonZeroF32Array(s.T * s.K), b: nonZeroF32Array(s.T * s.K), init: nonZeroF32Array(2 * s.K) })
        .map((d) => ({ ...s, ...d })));
    await fc.assert(fc.asyncProperty(arb, async ({ T, K, a, b, init }) => {
      const owned: GPUBuffer[] = [];
      const stats = await upload(gpu(), 'stats', init, owned);
      const xa = await upload(gpu(), 'a', a, owned), xb = await upload(gpu(), 'b', b, owned);
      await runCalls(gpu(), [await prepareColumnStats(gpu(), { x: xa, stats, T, K }), await prepareColumnStats(gpu(), { x: xb, stats, T, K })]);
      const got = await readF32(gpu(), stats, 2 * K);
      owned.forEach((x) => x.destroy());
      const ref = columnStatsReference(b, Float32Array.from(columnStatsReference(a, init, T, K)), T, K);
      // Recursive f32 sums of 2T + 1 terms of magnitude <= 4.
      expectWithin(got, ref, (2 * T + 3) * 2 ** -24 * (8 * T + 4), 'stats');
    }), { numRuns: 25 });
  });

  it('leaves the same bits for B batched windows (seq rows each) as for one dispatch per window', async () => {
    const arb = fc.record({ seq: fc.integer({ min: 1, max: 24 }), B: fc.integer({ min: 2, max: 4 }), K: fc.integer({ min: 1, max: 90 }) })
      .chain((s) => fc.record({ x: nonZeroF32Array(s.B * s.seq * s.K), init: nonZeroF32Array(2 * s.K) }).map((d) => ({ ...s, ...d })));
    await fc.assert(fc.asyncProperty(arb, async ({ seq, B, K, x, init }) => {
      const [got, want] = await batchedAndPerWindow(gpu(), x, init, B, seq, K,
        (a) => prepareColumnStats(gpu(), { x: a.x, stats: a.acc, T: a.T, K, seq: a.seq }));
      expect(got).toEqual(want);
    }), { numRuns: 15 });
  });

  it('refuses a T that is not whole windows of seq', async () => {
    const owned: GPUBuffer[] = [];
    const x = await upload(gpu(), 'x', new Float32Array(10), owned), stats = await upload(gpu(), 's', new Float32Array(4), owned);
    await expect(prepareColumnStats(gpu(), { x, stats, T: 5, K: 2, seq: 2 })).rejects.toThrow(/not whole windows of seq = 2/);
    owned.forEach((b) => b.destroy());
  });
});
