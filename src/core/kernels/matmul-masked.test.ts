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
  bias?: Float32Array; mask: Uint32Array; yColOffset: number; ldy: number }

const isKept = (mask: Uint32Array, words: number, n: number, k: number) => ((mask[n * words + (k >> 5)] >>> (k & 31)) & 1) === 1;

/** GPU with the mask against matmulReference on the weights with pruned entries zeroed; y starts as sentinels. */
async function check(c: Case): Promise<void> {
  const { variant, M, N, K, x, w, bias, mask, yColOffset, ldy } = c;
  const words = Math.ceil(K / 32);
  const owned: GPUBuffer[] = [];
  const y = await upload(gpu(), 'y', new Float32Array(M * ldy).fill(SENTINEL), owned);
  await runCalls(gpu(), [await prepareMatmul(gpu(), {
    x: await upload(gpu(), 'x', x, owned), w: await upload(gpu(), 'w', w, owned), bias: bias && await upload(gpu(), 'b', bias, owned),
    y, M, N, K, ldy, yColOffset, variant, mask: await upload(gpu(), 'mask', mask, owned),
  })]);
  const got = await readF32(gpu(), y, M * ldy);
  owned.forEach((b) => b.destroy());
  const masked = w.map((v, i) => (isKept(mask, words, Math.floor(i / K), i % K) ? v : 0));
  const ref = matmulReference(x, masked, bias, M, N, K);
  // Recursive f32 sum of the kept products: |error| <= (K + 2) * 2^-24 * (sum |x w| + |bias|).
  const expected = new Float64Array(M * ldy).fill(SENTINEL);
  const tol = new Float64Array(M * ldy);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let mag = bias ? Math.abs(bias[n]) : 0;
      for (let k = 0; k < K; k++) mag += Math.abs(x[m * K + k] * masked[n * K + k]);
      expected[m * ldy + yColOffset + n] = ref[m * N + n];
      tol[m * ldy + yColOffset + n] = (K + 2) * 2 ** -24 * mag;
    }
  }
  expectWithin(got, expected, tol, `masked ${M}x${N}x${K} y`);
}

/** Random mask words, padding bits past K included (the kernel must ignore them). */
const maskArb = (N: number, K: number) => fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  { minLength: N * Math.ceil(K / 32), maxLength: N * Math.ceil(K / 32) }).map((a) => Uint32Array.from(a));

describe('masked matmul', () => {
  it('equals the reference on the masked weights (random masks, bias, column slices, K not a multiple of 4 or 32)', async () => {
    const arb = fc.record({ variant: fc.constantFrom(...MATMUL_VARIANTS), M: fc.integer({ min: 1, max: 20 }),
      N: fc.integer({ min: 1, max: 30 }), K: fc.integer({ min: 1, max: 100 }), hasBias: fc.boolean(),
      yColOffset: fc.integer({ min: 0, max: 3 }), pad: fc.integer({ min: 0, max: 3 }) })
      .chain((s) => fc.record({ x: nonZeroF32Array(s.M * s.K), w: nonZeroF32Array(s.N * s.K),
        bias: s.hasBias ? nonZeroF32Array(s.N) : fc.constant(undefined), mask: maskArb(s.N, s.K),
      }).map((d): Case => ({ ...s, ...d, ldy: s.yColOffset + s.N + s.pad })));
    await fc.assert(fc.asyncProperty(arb, check), { numRuns: 40 });
  });

  it('edge shapes: one row, K = 1, 32, 33, 36, several mask words, blocks past N and M, tiles of 64 (every variant\'s masked form)', async () => {
    const shapes: Array<[number, number, number]> = [[1, 1, 1], [1, 131, 32], [5, 7, 33], [4, 9, 36], [19, 67, 37], [3, 5, 1030], [6, 5, 1032],
      [16, 16, 64], [33, 70, 100], [70, 65, 260]];
    for (const variant of MATMUL_VARIANTS) {
      for (const [M, N, K] of shapes) {
        const mask = Uint32Array.from({ length: N * Math.ceil(K / 32) }, (_, i) => (Math.imul(i + 1, 2654435761) >>> 0) | 1);
        await check({ variant, M, N, K, x: pseudoRandomF32(M * K, M + K), w: pseudoRandomF32(N * K, N * 7 + K),
          bias: pseudoRandomF32(N, N), mask, yColOffset: 2, ldy: N + 3 });
      }
    }
  });

  it('a mask keeping everything gives the dense kernel\'s sums bit for bit (each variant with a masked form, M from 1 to 70)', async () => {
    // tiled16 (one k at a time) has none: masked, it runs the 4x4 kernels, whose vec4 steps sum in another order.
    for (const variant of MATMUL_VARIANTS.filter((v) => v !== 'tiled16')) {
      for (const [M, N, K] of [[1, 9, 64], [16, 20, 96], [70, 65, 260], [17, 33, 37]] as const) {
        const owned: GPUBuffer[] = [];
        const x = await upload(gpu(), 'x', pseudoRandomF32(M * K, 11), owned), w = await upload(gpu(), 'w', pseudoRandomF32(N * K, 12), owned);
        const words = Math.ceil(K / 32);
        const all = Uint32Array.from({ length: N * words }, (_, i) => (i % words === words - 1 && K % 32 ? 2 ** (K % 32) - 1 : 0xffffffff));
        const dense = await upload(gpu(), 'dense y', new Float32Array(M * N), owned), masked = await upload(gpu(), 'masked y', new Float32Array(M * N), owned);
        await runCalls(gpu(), [await prepareMatmul(gpu(), { x, w, y: dense, M, N, K, variant }),
          await prepareMatmul(gpu(), { x, w, y: masked, M, N, K, variant, mask: await upload(gpu(), 'mask', all, owned) })]);
        expect(await readF32(gpu(), masked, M * N), `${variant} ${M}x${N}x${K}`).toEqual(await readF32(gpu(), dense, M * N));
        owned.forEach((b) => b.destroy());
      }
    }
  });

  it('pruned weights never reach the sum, not even Inf or NaN (every variant\'s masked form, vec4 and scalar)', async () => {
    for (const [variant, K] of MATMUL_VARIANTS.flatMap((v) => [[v, 40], [v, 41]] as const)) {
      const M = 17, N = 8, words = 2;
      const mask = Uint32Array.from({ length: N * words }, (_, i) => (i % 2 ? 0x5a : 0xf0f0f0f0));
      const w = pseudoRandomF32(N * K, 3);
      for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) if (!isKept(mask, words, n, k)) w[n * K + k] = k % 2 ? NaN : Infinity;
      await check({ variant, M, N, K, x: pseudoRandomF32(M * K, 5), w, mask, yColOffset: 0, ldy: N });
    }
  });

  it('rejects a mask that is too short or aliases the output', async () => {
    const owned: GPUBuffer[] = [];
    const x = await upload(gpu(), 'x', new Float32Array(66), owned);
    const w = await upload(gpu(), 'w', new Float32Array(66), owned);
    const y = await upload(gpu(), 'y', new Float32Array(4), owned);
    const short = await upload(gpu(), 'mask', new Uint32Array(3), owned);
    await expect(prepareMatmul(gpu(), { x, w, y, M: 2, N: 2, K: 33, variant: 'tiled16', mask: short })).rejects.toThrow(/mask \[N, ceil\(K\/32\)\]/);
    await expect(prepareMatmul(gpu(), { x, w, y, M: 2, N: 2, K: 33, variant: 'tiled16', mask: y })).rejects.toThrow(/must be different/);
    owned.forEach((b) => b.destroy());
  });
});
