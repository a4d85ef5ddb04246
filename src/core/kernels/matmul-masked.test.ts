import { describe, it } from 'vitest';
import fc from 'fast-check';
import { readF32 } from '../gpu/buffers.ts';
import { runCalls } from './kernel-call.ts';
import { matmulReference, prepareMatmul } from './matmul.ts';
import { nonZeroF32Array } from '../../../test/helpers/numeric.ts';
import { expectWithin, upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();

describe('masked matmul', () => {
  it('equals the reference on the masked weights (random masks, bias, column slices, any K)', async () => {
    const arb = fc.record({ M: fc.integer({ min: 1, max: 20 }), N: fc.integer({ min: 1, max: 30 }), K: fc.integer({ min: 1, max: 100 }),
      hasBias: fc.boolean(), off: fc.integer({ min: 0, max: 3 }) })
      .chain((s) => fc.record({ x: nonZeroF32Array(s.M * s.K), w: nonZeroF32Array(s.N * s.K),
        bias: s.hasBias ? nonZeroF32Array(s.N) : fc.constant(undefined),
        mask: fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { minLength: s.N * Math.ceil(s.K / 32), maxLength: s.N * Math.ceil(s.K / 32) }),
      }).map((d) => ({ ...s, ...d })));
    await fc.assert(fc.asyncProperty(arb, async ({ M, N, K, off, x, w, bias, mask }) => {
      const owned: GPUBuffer[] = [];
      const words = Math.ceil(K / 32), ldy = N + off;
      const bits = Uint32Array.from(mask);
      const y = await upload(gpu(), 'y', new Float32Array(M * ldy).fill(12345), owned);
      await runCalls(gpu(), [await prepareMatmul(gpu(), {
        x: await upload(gpu(), 'x', x, owned), w: await upload(gpu(), 'w', w, owned), bias: bias && await upload(gpu(), 'b', bias, owned),
        y, M, N, K, ldy, yColOffset: off, variant: 'blocked16x16', mask: await upload(gpu(), 'mask', bits, owned),
      })]);
      const got = await readF32(gpu(), y, M * ldy);
      owned.forEach((b) => b.destroy());
      const masked = w.map((v, i) => ((bits[Math.floor(i / K) * words + ((i % K) >> 5)] >>> ((i % K) & 31)) & 1 ? v : 0));
      const ref = matmulReference(x, masked, bias, M, N, K);
      const expected = new Float64Array(M * ldy).fill(12345);
      for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) expected[m * ldy + off + n] = ref[m * N + n];
      expectWithin(got, expected, (K + 2) * 2 ** -24 * 4 * K + 1e-5, 'y');
    }), { numRuns: 30 });
  });
});
