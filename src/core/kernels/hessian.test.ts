import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readF32 } from '../gpu/buffers.ts';
import { runCalls } from './kernel-call.ts';
import { hessianReference, prepareHessianAccumulate } from './hessian.ts';
import { KernelShapeError } from './guards.ts';
import { nonZeroF32Array } from '../../../test/helpers/numeric.ts';
import { batchedAndPerWindow, expectWithin, upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();

describe('hessian-accumulate kernel', () => {
  it('accumulates X^T X of two windows onto an existing [K, K] matrix (K not a multiple of 4 included)', async () => {
    const arb = fc.record({ T: fc.integer({ min: 1, max: 24 }), K: fc.integer({ min: 1, max: 41 }) })
      .chain((s) => fc.record({ a: nonZeroF32Array(s.T * s.K), b: nonZeroF32Array(s.T * s.K), init: nonZeroF32Array(s.K * s.K) })
        .map((d) => ({ ...s, ...d })));
    await fc.assert(fc.asyncProperty(arb, async ({ T, K, a, b, init }) => {
      const owned: GPUBuffer[] = [];
      const h = await upload(gpu(), 'h', init, owned);
      const xa = await upload(gpu(), 'a', a, owned), xb = await upload(gpu(), 'b', b, owned);
      await runCalls(gpu(), [await prepareHessianAccumulate(gpu(), { x: xa, h, T, K }),
        await prepareHessianAccumulate(gpu(), { x: xb, h, T, K })]);
      const got = await readF32(gpu(), h, K * K);
      owned.forEach((x) => x.destroy());
      const ref = hessianReference(b, hessianReference(a, init, T, K), T, K);
      // f32 sums of 2T products of magnitude <= 4 onto a start of magnitude <= 2.
      expectWithin(got, ref, (2 * T + 3) * 2 ** -24 * (8 * T + 4), 'h');
    }), { numRuns: 25 });
  });

  it('leaves the same bits for B batched windows (seq rows each) as for one dispatch per window', async () => {
    const arb = fc.record({ seq: fc.integer({ min: 1, max: 16 }), B: fc.integer({ min: 2, max: 4 }), K: fc.integer({ min: 1, max: 23 }) })
      .chain((s) => fc.record({ x: nonZeroF32Array(s.B * s.seq * s.K), init: nonZeroF32Array(s.K * s.K) }).map((d) => ({ ...s, ...d })));
    await fc.assert(fc.asyncProperty(arb, async ({ seq, B, K, x, init }) => {
      const [got, want] = await batchedAndPerWindow(gpu(), x, init, B, seq, K,
        (a) => prepareHessianAccumulate(gpu(), { x: a.x, h: a.acc, T: a.T, K, seq: a.seq }));
      expect(got).toEqual(want);
    }), { numRuns: 15 });
  });

  it('refuses an h buffer smaller than [K, K]', async () => {
    const owned: GPUBuffer[] = [];
    const x = await upload(gpu(), 'x', new Float32Array(12), owned);
    const h = await upload(gpu(), 'h', new Float32Array(8), owned);
    await expect(prepareHessianAccumulate(gpu(), { x, h, T: 4, K: 3 })).rejects.toBeInstanceOf(KernelShapeError);
    owned.forEach((b) => b.destroy());
  });
});
