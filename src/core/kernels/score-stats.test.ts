import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createUniformBuffer, packUniform, readBuffer, readF32 } from '../gpu/buffers.ts';
import { runCalls } from './kernel-call.ts';
import { outlierCountReference, prepareOutlierCount, prepareScoreRowSums, scoreRowSumsReference } from './score-stats.ts';
import { nonZeroF32Array } from '../../../test/helpers/numeric.ts';
import { expectWithin, upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();

describe('score statistics kernels', () => {
  it('row sums and outlier counts (all and kept) match the reference', async () => {
    const arb = fc.record({ N: fc.integer({ min: 1, max: 8 }), K: fc.integer({ min: 1, max: 200 }), wanda: fc.boolean(), useMask: fc.boolean() })
      .chain((s) => fc.record({
        w: nonZeroF32Array(s.N * s.K), sq: s.wanda ? nonZeroF32Array(s.K).map((a) => a.map(Math.abs)) : fc.constant(undefined),
        mask: fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { minLength: s.N * Math.ceil(s.K / 32), maxLength: s.N * Math.ceil(s.K / 32) }),
      }).map((d) => ({ ...s, ...d })));
    await fc.assert(fc.asyncProperty(arb, async ({ N, K, w, sq, mask, useMask }) => {
      const owned: GPUBuffer[] = [];
      const wb = await upload(gpu(), 'w', w, owned);
      const sqb = sq && await upload(gpu(), 'sq', sq, owned);
      const sums = await upload(gpu(), 'sums', new Float32Array(N), owned);
      await runCalls(gpu(), [await prepareScoreRowSums(gpu(), { w: wb, sq: sqb, out: sums, N, K })]);
      const got = await readF32(gpu(), sums, N);
      const ref = scoreRowSumsReference(w, sq, N, K);
      expectWithin(got, ref, ref.map((v) => (K + 2) * 2 ** -24 * v + 1e-6), 'row sums');
      // A threshold at twice the mean score leaves a non-trivial number of outliers in random data.
      const t = (2 * ref.reduce((a, b) => a + b, 0)) / (N * K);
      const bits = Uint32Array.from(mask);
      const threshold = await createUniformBuffer(gpu(), 't', packUniform([{ f32: t }]));
      owned.push(threshold);
      const out = await upload(gpu(), 'out', new Uint32Array(2 * N).fill(7), owned);
      await runCalls(gpu(), [await prepareOutlierCount(gpu(), {
        w: wb, sq: sqb, mask: useMask ? await upload(gpu(), 'mask', bits, owned) : undefined, threshold, out, N, K,
      })]);
      const counts = new Uint32Array(await readBuffer(gpu(), out, 8 * N));
      owned.forEach((b) => b.destroy());
      expect(Array.from(counts)).toEqual(Array.from(outlierCountReference(w, sq, useMask ? bits : undefined, N, K, t)));
    }), { numRuns: 30 });
  });
});
