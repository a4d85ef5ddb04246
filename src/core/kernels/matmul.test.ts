import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readF32 } from '../gpu/buffers.ts';
import { runCalls } from './kernel-call.ts';
import { MATMUL_VARIANTS, matmulReference, prepareMatmul, type MatmulVariant } from './matmul.ts';
import { nonZeroF32Array } from '../../../test/helpers/numeric.ts';
import { expectWithin, pseudoRandomF32, upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();
const SENTINEL = 12345;

interface Case { variant: MatmulVariant; M: number; N: number; K: number; x: Float32Array; w: Float32Array;
  bias?: Float32Array; yColOffset: number; ldy: number }

async function check(c: Case): Promise<void> {
  const { variant, M, N, K, x, w, bias, yColOffset, ldy } = c;
  const owned: GPUBuffer[] = [];
  const yInit = new Float32Array(M * ldy).fill(SENTINEL);
  const y = await upload(gpu(), 'y', yInit, owned);
  const call = await prepareMatmul(gpu(), {
    x: await upload(gpu(), 'x', x, owned), w: await upload(gpu(), 'w', w, owned),
    bias: bias && await upload(gpu(), 'bias', bias, owned), y, M, N, K, ldy, yColOffset, variant,
  });
  await runCalls(gpu(), [call]);
  const got = await readF32(gpu(), y, M * ldy);
  owned.forEach((b) => b.destroy());
  const ref = matmulReference(x, w, bias, M, N, K);
  // Float32 accumulation of K products: |error| <= (K + 2) * 2^-24 * (sum_k |x w| + |bias|), the standard
  // bound for a recursive sum, so the tolerance scales with the magnitude of the summed terms, not the result.
  const expected = Float64Array.from(yInit);
  const tol = new Float64Array(M * ldy);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let mag = bias ? Math.abs(bias[n]) : 0;
      for (let k = 0; k < K; k++) mag += Math.abs(x[m * K + k] * w[n * K + k]);
      expected[m * ldy + yColOffset + n] = ref[m * N + n];
      tol[m * ldy + yColOffset + n] = (K + 2) * 2 ** -24 * mag;
    }
  }
  expectWithin(got, expected, tol, `${variant} ${M}x${N}x${K} y`);
}

const caseArb = fc.record({
  variant: fc.constantFrom(...MATMUL_VARIANTS),
  M: fc.integer({ min: 1, max: 40 }), N: fc.integer({ min: 1, max: 40 }), K: fc.integer({ min: 1, max: 40 }),
  hasBias: fc.boolean(), yColOffset: fc.integer({ min: 0, max: 5 }), pad: fc.integer({ min: 0, max: 5 }),
}).chain((s) => fc.record({
  x: nonZeroF32Array(s.M * s.K), w: nonZeroF32Array(s.N * s.K),
  bias: s.hasBias ? nonZeroF32Array(s.N) : fc.constant(undefined),
}).map((d): Case => ({ ...s, ...d, ldy: s.yColOffset + s.N + s.pad })));

describe('matmul kernels', () => {
  it('match the CPU reference on random shapes, data, bias and output column slices', async () => {
    await fc.assert(fc.asyncProperty(caseArb, check), { numRuns: 40 });
  });

  // One row, K not a multiple of 4 (scalar fallback), sizes beyond one workgroup's block in both dimensions.
  const edges: Array<[number, number, number]> = [[1, 1, 1], [1, 131, 36], [16, 70, 8], [70, 130, 36], [19, 67, 37], [3, 5, 1030]];
  for (const variant of MATMUL_VARIANTS) {
    it(`${variant}: edge shapes`, async () => {
      for (const [M, N, K] of edges) {
        await check({ variant, M, N, K, x: pseudoRandomF32(M * K, M + K), w: pseudoRandomF32(N * K, N * 7 + K),
          bias: pseudoRandomF32(N, N), yColOffset: 3, ldy: N + 5 });
      }
    });
  }

  it('rejects mismatched shapes and aliased outputs with named errors', async () => {
    const owned: GPUBuffer[] = [];
    const x = await upload(gpu(), 'x', new Float32Array(8), owned);
    const w = await upload(gpu(), 'w', new Float32Array(8), owned);
    await expect(prepareMatmul(gpu(), { x, w, y: x, M: 2, N: 2, K: 4, variant: 'blocked4x4' })).rejects.toThrow(/x and y must be different/);
    await expect(prepareMatmul(gpu(), { x, w, y: w, M: 4, N: 2, K: 4, variant: 'tiled16' })).rejects.toThrow(/x \[M, K\]/);
    await expect(prepareMatmul(gpu(), { x, w, y: w, M: 2, N: 2, K: 4, ldy: 1, variant: 'tiled16' })).rejects.toThrow(/ldy/);
    owned.forEach((b) => b.destroy());
  });
});
