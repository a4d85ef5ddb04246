import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readF32 } from '../gpu/buffers.ts';
import { runCalls } from './kernel-call.ts';
import { prepareSoftcap, softcapReference } from './softcap.ts';
import { nonZeroF32Array } from '../../../test/helpers/numeric.ts';
import { expectWithin, upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();

describe('softcap kernel', () => {
  it('matches the float64 reference, values far past the cap included', async () => {
    const arb = fc.tuple(fc.integer({ min: 1, max: 3000 }).chain((n) => nonZeroF32Array(n, 200)), fc.double({ min: 0.5, max: 50, noNaN: true }));
    await fc.assert(fc.asyncProperty(arb, async ([x, cap]) => {
      const owned: GPUBuffer[] = [];
      const buf = await upload(gpu(), 'x', x, owned);
      await runCalls(gpu(), [await prepareSoftcap(gpu(), { x: buf, n: x.length, cap })]);
      const got = await readF32(gpu(), buf, x.length);
      owned.forEach((b) => b.destroy());
      const ref = softcapReference(x, Math.fround(cap));
      expectWithin(got, ref, ref.map((v) => 2e-6 * Math.abs(v) + 2e-6 * cap), 'x');
      expect(got.every((v) => Math.abs(v) <= cap * (1 + 1e-6))).toBe(true);
    }), { numRuns: 20 });
  });
});
