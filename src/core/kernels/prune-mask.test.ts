import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Gpu } from '../gpu/device.ts';
import { createUniformBuffer, packUniform, readBuffer } from '../gpu/buffers.ts';
import { runCalls } from './kernel-call.ts';
import { countKept, preparePruneMask, pruneMaskReference } from './prune-mask.ts';
import { upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();
const SENTINEL = 0xdeadbeef; // every mask word starts as this: a word the kernel skips cannot match the reference

/** The same device with a tiny per-dimension workgroup limit, so a few rows already spill into grid y. */
const smallGrid = (g: Gpu, max: number): Gpu => ({ ...g, limits: { maxComputeWorkgroupsPerDimension: max } as GPUSupportedLimits });

interface Run { w: Float32Array; sq?: Float32Array; N: number; K: number; k: number; nm?: { n: number; m: number }; g?: Gpu; select?: 'radix' | 'rank' }

async function gpuMask({ w, sq, N, K, k, nm, g = gpu(), select }: Run): Promise<Uint32Array> {
  const owned: GPUBuffer[] = [];
  const words = Math.ceil(K / 32);
  const mask = await upload(g, 'mask', new Uint32Array(N * words).fill(SENTINEL), owned);
  const pruneCount = await createUniformBuffer(g, 'k', packUniform([{ u32: k }]));
  owned.push(pruneCount);
  await runCalls(g, [await preparePruneMask(g, {
    w: await upload(g, 'w', w, owned), sq: sq && await upload(g, 'sq', sq, owned), mask, N, K, pruneCount, nm, select,
  })]);
  const got = new Uint32Array(await readBuffer(g, mask, N * words * 4));
  owned.forEach((b) => b.destroy());
  return got;
}

async function expectReference(r: Run): Promise<Uint32Array> {
  const got = await gpuMask(r);
  expect(Array.from(got)).toEqual(Array.from(pruneMaskReference(r.w, r.sq, r.N, r.K, r.k, r.nm)));
  return got;
}

// Weights from a few values (ties everywhere, zeros and -0 included) or spread values. Magnitudes below 1e-20
// become 0: a GPU may flush subnormal scores to zero (SwiftShader does), which would reorder ties.
const weights = (n: number) => fc.oneof(
  fc.array(fc.constantFrom(-1, -0.5, -0, 0, 0.5, 1, 2), { minLength: n, maxLength: n }),
  fc.array(fc.float({ min: -4, max: 4, noNaN: true }).map((v) => (Math.abs(v) < 1e-20 ? 0 : v)), { minLength: n, maxLength: n }),
).map((a) => Float32Array.from(a));
// sq with zeros (every score of the column ties at 0) and values whose square roots round.
const sums = (n: number) => fc.array(fc.constantFrom(0, 0.25, 1, 2, 3.5, 100), { minLength: n, maxLength: n }).map((a) => Float32Array.from(a));

// Both selections must give the reference's mask: the radix select (any K) and the rank count (short rows).
for (const select of ['radix', 'rank'] as const) describe(`prune-mask kernel (unstructured, ${select} select)`, () => {
  it('prunes exactly the k lowest scores per row, ties to the lower column, bit-identical to the reference', async () => {
    const arb = fc.record({ N: fc.integer({ min: 1, max: 6 }), K: fc.integer({ min: 1, max: 300 }), wanda: fc.boolean(),
      frac: fc.constantFrom(0, 0.1, 0.33, 0.5, 0.95, 1, 2) })
      .chain((s) => fc.record({ w: weights(s.N * s.K), sq: s.wanda ? sums(s.K) : fc.constant(undefined) }).map((d) => ({ ...s, ...d })));
    await fc.assert(fc.asyncProperty(arb, async ({ N, K, frac, w, sq }) => {
      const k = Math.floor(K * frac); // frac 2: k > K is clamped, everything pruned
      const got = await expectReference({ w, sq, N, K, k, select });
      expect(countKept(got, N, K)).toEqual(new Array(N).fill(K - Math.min(k, K)));
    }), { numRuns: 60 });
  });

  it('handles long rows: K = 4100, 16384 and 20000 (more than one mask word per invocation)', async () => {
    // The rank count is K^2 per row: it runs the shortest of these only.
    for (const K of select === 'rank' ? [4100] : [4100, 16384, 20000]) {
      const N = 2;
      const w = Float32Array.from({ length: N * K }, (_, i) => Math.round(Math.sin(i * 12.9898) * 300) / 100);
      const sq = Float32Array.from({ length: K }, (_, j) => (j % 7) * 0.5);
      for (const k of [1, Math.floor(0.5 * K) + 3, Math.floor(0.95 * K), K - 1]) await expectReference({ w, sq, N, K, k, select });
    }
  });

  it('orders -0 with 0 and NaN above +Infinity (NaN scores are pruned last)', async () => {
    const K = 10;
    const w = Float32Array.of(NaN, Infinity, -0, 0, 1, -1, 3, NaN, -Infinity, 0.5);
    const sq = Float32Array.of(1, 1, 1, -0, 4, 1, -1, 0, 0, 1); // -1: NaN score; Inf * sqrt(0): NaN score
    for (let k = 0; k <= K; k++) {
      await expectReference({ w, N: 1, K, k, select });
      await expectReference({ w, sq, N: 1, K, k, select });
    }
    // Magnitude, k = 8: everything but the two NaNs (columns 0 and 7) is pruned.
    expect(Array.from(await gpuMask({ w, N: 1, K, k: 8, select }))).toEqual([0b0010000001]);
  });

  it('rows past the per-dimension workgroup limit spill into grid y', async () => {
    // radix: a workgroup per row, 8 rows on a 3 x 3 grid; rank: 64 words per workgroup, 400 words on a 3 x 3 grid.
    // Workgroups past the last row / word must write nothing.
    const N = select === 'rank' ? 200 : 8, K = 40;
    const w = Float32Array.from({ length: N * K }, (_, i) => ((i * 37) % 23) - 11);
    await expectReference({ w, N, K, k: 17, g: smallGrid(gpu(), 3), select });
  });

  it('re-reads k from the caller uniform on every submit (a slider step rewrites 4 bytes)', async () => {
    const N = 3, K = 70;
    const w = Float32Array.from({ length: N * K }, (_, i) => Math.cos(i));
    const owned: GPUBuffer[] = [];
    const mask = await upload(gpu(), 'mask', new Uint32Array(N * 3).fill(SENTINEL), owned);
    const pruneCount = await createUniformBuffer(gpu(), 'k', packUniform([{ u32: 0 }]));
    owned.push(pruneCount);
    const call = await preparePruneMask(gpu(), { w: await upload(gpu(), 'w', w, owned), mask, N, K, pruneCount, select });
    for (const k of [5, 35, 0, 69, 70]) {
      gpu().device.queue.writeBuffer(pruneCount, 0, Uint32Array.of(k));
      await runCalls(gpu(), [call]);
      expect(Array.from(new Uint32Array(await readBuffer(gpu(), mask, N * 3 * 4)))).toEqual(Array.from(pruneMaskReference(w, undefined, N, K, k)));
    }
    owned.forEach((b) => b.destroy());
  });
});

describe('prune-mask kernel (N:M)', () => {
  for (const [n, m] of [[2, 4], [4, 8], [1, 4], [8, 32]]) {
    it(`${n}:${m} keeps the ${n} highest of every ${m} (a tail of K % ${m} keeps min(${n}, tail)), bit-identical to the reference`, async () => {
      const arb = fc.record({ N: fc.integer({ min: 1, max: 5 }), groups: fc.integer({ min: 0, max: 30 }),
        tail: fc.integer({ min: 0, max: m - 1 }), wanda: fc.boolean() })
        .filter((s) => s.groups * m + s.tail > 0)
        .chain((s) => fc.record({ w: weights(s.N * (s.groups * m + s.tail)), sq: s.wanda ? sums(s.groups * m + s.tail) : fc.constant(undefined) })
          .map((d) => ({ ...s, ...d })));
      await fc.assert(fc.asyncProperty(arb, async ({ N, groups, tail, w, sq }) => {
        const K = groups * m + tail;
        const got = await expectReference({ w, sq, N, K, k: 0, nm: { n, m } });
        expect(countKept(got, N, K)).toEqual(new Array(N).fill(groups * n + Math.min(n, tail)));
      }), { numRuns: 15 });
    });
  }

  it('4:8 on 172 columns (stories260K hidden size): the 4-column tail stays dense', async () => {
    const N = 3, K = 172;
    const w = Float32Array.from({ length: N * K }, (_, i) => Math.sin(i * 0.7));
    const got = await expectReference({ w, N, K, k: 0, nm: { n: 4, m: 8 } });
    for (let i = 0; i < N; i++) expect(got[i * 6 + 5] >>> 8).toBe(0xf); // columns 168..171 = bits 8..11 of word 5
    expect(countKept(got, N, K)).toEqual([88, 88, 88]);
  });

  it('2:4 over more mask words than one grid dimension allows', async () => {
    const N = 9, K = 480; // 135 mask words, 64 per workgroup: a 2 x 2 grid
    const w = Float32Array.from({ length: N * K }, (_, i) => ((i * 13) % 7) - 3);
    await expectReference({ w, N, K, k: 0, nm: { n: 2, m: 4 }, g: smallGrid(gpu(), 2) });
  });
});

describe('prune-mask guards', () => {
  it('rejects bad N:M, a missing or non-uniform pruneCount and a short mask with named errors', async () => {
    const owned: GPUBuffer[] = [];
    const w = await upload(gpu(), 'w', new Float32Array(24), owned);
    const mask = await upload(gpu(), 'mask', new Uint32Array(2), owned);
    const k = await createUniformBuffer(gpu(), 'k', packUniform([{ u32: 1 }]));
    owned.push(k);
    await expect(preparePruneMask(gpu(), { w, mask, N: 2, K: 8, nm: { n: 4, m: 4 } })).rejects.toThrow(/1 <= N < M/);
    await expect(preparePruneMask(gpu(), { w, mask, N: 2, K: 9, nm: { n: 1, m: 3 } })).rejects.toThrow(/M must divide 32/);
    await expect(preparePruneMask(gpu(), { w, mask, N: 2, K: 6, nm: { n: 2, m: 3 } })).rejects.toThrow(/M must divide 32/);
    await expect(preparePruneMask(gpu(), { w, mask, N: 2, K: 8 })).rejects.toThrow(/pruneCount/);
    await expect(preparePruneMask(gpu(), { w, mask, N: 2, K: 8, pruneCount: w })).rejects.toThrow(/uniform buffer/);
    await expect(preparePruneMask(gpu(), { w, mask, N: 3, K: 8, pruneCount: k })).rejects.toThrow(/mask \[N, words\]/);
    await expect(preparePruneMask(gpu(), { w, mask: w, N: 2, K: 8, pruneCount: k })).rejects.toThrow(/different buffers/);
    owned.forEach((b) => b.destroy());
  });
});
