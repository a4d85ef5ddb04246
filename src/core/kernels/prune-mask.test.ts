import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createUniformBuffer, packUniform, readBuffer } from '../gpu/buffers.ts';
import { runCalls } from './kernel-call.ts';
import { countKept, preparePruneMask, pruneMaskReference } from './prune-mask.ts';
import { upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();

async function gpuMask(w: Float32Array, sq: Float32Array | undefined, N: number, K: number, k: number,
  nm?: { n: number; m: number }): Promise<Uint32Array> {
  const owned: GPUBuffer[] = [];
  const words = Math.ceil(K / 32);
  const mask = await upload(gpu(), 'mask', new Uint32Array(N * words).fill(0xdeadbeef), owned);
  const pruneCount = await createUniformBuffer(gpu(), 'k', packUniform([{ u32: k }]));
  owned.push(pruneCount);
  await runCalls(gpu(), [await preparePruneMask(gpu(), {
    w: await upload(gpu(), 'w', w, owned), sq: sq && await upload(gpu(), 'sq', sq, owned), mask, N, K, pruneCount, nm,
  })]);
  const got = new Uint32Array(await readBuffer(gpu(), mask, N * words * 4));
  owned.forEach((b) => b.destroy());
  return got;
}

// Weights drawn from a few values (ties everywhere) or spread values; sq with zeros (score ties at 0).
// Tiny magnitudes become 0: GPUs may flush subnormal scores to zero (SwiftShader does), which would reorder ties.
const weights = (n: number) => fc.oneof(
  fc.array(fc.constantFrom(-1, -0.5, 0, 0.5, 1, 2), { minLength: n, maxLength: n }),
  fc.array(fc.float({ min: -4, max: 4, noNaN: true }).map((v) => (Math.abs(v) < 1e-20 ? 0 : v)), { minLength: n, maxLength: n }),
).map((a) => Float32Array.from(a));

describe('prune-mask kernel', () => {
  it('prunes exactly the k lowest scores per row, ties to the lower column, bit-identical to the reference', async () => {
    const arb = fc.record({ N: fc.integer({ min: 1, max: 6 }), K: fc.integer({ min: 1, max: 300 }), wanda: fc.boolean(),
      frac: fc.constantFrom(0, 0.1, 0.5, 0.95, 1, 0.33) })
      .chain((s) => fc.record({ w: weights(s.N * s.K), sq: s.wanda
        ? fc.array(fc.constantFrom(0, 0.25, 1, 3.5, 100), { minLength: s.K, maxLength: s.K }).map((a) => Float32Array.from(a))
        : fc.constant(undefined) }).map((d) => ({ ...s, ...d })));
    await fc.assert(fc.asyncProperty(arb, async ({ N, K, frac, w, sq }) => {
      const k = Math.floor(K * frac);
      const got = await gpuMask(w, sq, N, K, k);
      expect(Array.from(got)).toEqual(Array.from(pruneMaskReference(w, sq, N, K, k)));
      expect(countKept(got, N, K)).toEqual(new Array(N).fill(K - k));
    }), { numRuns: 40 });
  });

  it('handles rows longer than the workgroup and a few thousand columns', async () => {
    const N = 3, K = 4100;
    const w = Float32Array.from({ length: N * K }, (_, i) => Math.sin(i * 12.9898) * 3);
    const sq = Float32Array.from({ length: K }, (_, j) => (j % 7) * 0.5);
    const got = await gpuMask(w, sq, N, K, 2051);
    expect(Array.from(got)).toEqual(Array.from(pruneMaskReference(w, sq, N, K, 2051)));
  });

  for (const [n, m] of [[2, 4], [4, 8], [1, 4]]) {
    it(`N:M ${n}:${m} keeps the ${n} highest of every ${m}, bit-identical to the reference`, async () => {
      const arb = fc.record({ N: fc.integer({ min: 1, max: 5 }), groups: fc.integer({ min: 1, max: 30 }), wanda: fc.boolean() })
        .chain((s) => fc.record({ w: weights(s.N * s.groups * m), sq: s.wanda
          ? fc.array(fc.constantFrom(0, 1, 2.5), { minLength: s.groups * m, maxLength: s.groups * m }).map((a) => Float32Array.from(a))
          : fc.constant(undefined) }).map((d) => ({ ...s, ...d })));
      await fc.assert(fc.asyncProperty(arb, async ({ N, groups, w, sq }) => {
        const K = groups * m;
        const got = await gpuMask(w, sq, N, K, 0, { n, m });
        expect(Array.from(got)).toEqual(Array.from(pruneMaskReference(w, sq, N, K, 0, { n, m })));
        expect(countKept(got, N, K)).toEqual(new Array(N).fill(groups * n));
      }), { numRuns: 15 });
    });
  }

  it('rejects N:M with N >= M and K not a multiple of M', async () => {
    const w = await upload(gpu(), 'w', new Float32Array(12));
    const mask = await upload(gpu(), 'mask', new Uint32Array(2));
    await expect(preparePruneMask(gpu(), { w, mask, N: 2, K: 6, nm: { n: 4, m: 4 } })).rejects.toThrow(/1 <= N < M/);
    await expect(preparePruneMask(gpu(), { w, mask, N: 2, K: 6, nm: { n: 2, m: 4 } })).rejects.toThrow(/multiple of M/);
    w.destroy(); mask.destroy();
  });
});
