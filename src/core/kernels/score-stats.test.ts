import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Gpu } from '../gpu/device.ts';
import { createUniformBuffer, packUniform, readBuffer, readF32 } from '../gpu/buffers.ts';
import { runCalls } from './kernel-call.ts';
import { outlierCountReference, prepareOutlierCount, prepareScoreRowSums, scoreF32, scoreRowSumsReference } from './score-stats.ts';
import { nonZeroF32Array } from '../../../test/helpers/numeric.ts';
import { expectWithin, upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();

/** The same device with a tiny per-dimension workgroup limit, so a few rows already spill into grid y. */
const smallGrid = (g: Gpu, max: number): Gpu => ({ ...g, limits: { maxComputeWorkgroupsPerDimension: max } as GPUSupportedLimits });

/** sq: Wanda's column sums, or with sparseGpt U_jj (SparseGPT's score (w / U_jj)^2). */
interface Case { N: number; K: number; w: Float32Array; sq?: Float32Array; sparseGpt?: boolean; mask?: Uint32Array; pick: number; g?: Gpu }

/** Runs both kernels on one case (outputs start as sentinels) and checks them against the references. */
async function check({ N, K, w, sq, sparseGpt = false, mask, pick, g = gpu() }: Case): Promise<void> {
  const owned: GPUBuffer[] = [];
  const wb = await upload(g, 'w', w, owned);
  const colb = sq && await upload(g, 'sq', sq, owned);
  const cols = sparseGpt ? { denom: colb } : { sq: colb };
  const sums = await upload(g, 'sums', new Float32Array(N).fill(-7), owned);
  await runCalls(g, [await prepareScoreRowSums(g, { w: wb, ...cols, out: sums, N, K })]);
  const ref = scoreRowSumsReference(w, sq, N, K, sparseGpt);
  // f32 accumulation of K non-negative terms: |error| <= (K + 2) * 2^-24 * sum.
  expectWithin(await readF32(g, sums, N), ref, ref.map((v) => (K + 2) * 2 ** -24 * v), 'row sums');
  // The threshold is one of the scores themselves: the counts are non-trivial and the strict '>' is exercised
  // at equality (weights tied with the picked one are not outliers).
  const t = scoreF32(w[pick % (N * K)], sq?.[pick % K], sparseGpt);
  const threshold = await createUniformBuffer(g, 't', packUniform([{ f32: t }]));
  owned.push(threshold);
  const out = await upload(g, 'out', new Uint32Array(2 * N).fill(0xdeadbeef), owned);
  await runCalls(g, [await prepareOutlierCount(g, {
    w: wb, ...cols, mask: mask && await upload(g, 'mask', mask, owned), threshold, out, N, K,
  })]);
  const counts = new Uint32Array(await readBuffer(g, out, 8 * N));
  owned.forEach((b) => b.destroy());
  expect(Array.from(counts)).toEqual(Array.from(outlierCountReference(w, sq, mask, N, K, t, sparseGpt)));
}

const u32s = (n: number) => fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { minLength: n, maxLength: n }).map((a) => Uint32Array.from(a));

describe('score statistics kernels', () => {
  it('row sums and outlier counts (all and kept) match the references on random rows', async () => {
    const arb = fc.record({ N: fc.integer({ min: 1, max: 8 }), K: fc.integer({ min: 1, max: 300 }), wanda: fc.boolean(),
      useMask: fc.boolean(), pick: fc.nat() })
      .chain((s) => fc.record({
        w: nonZeroF32Array(s.N * s.K),
        // Wanda statistics with some zero columns (their scores are 0: never outliers, still summed).
        sq: s.wanda ? fc.array(fc.constantFrom(0, 0.3, 1, 2.5, 40), { minLength: s.K, maxLength: s.K }).map((a) => Float32Array.from(a))
          : fc.constant(undefined),
        mask: s.useMask ? u32s(s.N * Math.ceil(s.K / 32)) : fc.constant(undefined),
      }).map((d) => ({ ...s, ...d })));
    await fc.assert(fc.asyncProperty(arb, check), { numRuns: 40 });
  });

  it('SparseGPT scores (w / U_jj)^2: row sums and outlier counts match the references', async () => {
    const arb = fc.record({ N: fc.integer({ min: 1, max: 8 }), K: fc.integer({ min: 1, max: 200 }), useMask: fc.boolean(), pick: fc.nat() })
      .chain((s) => fc.record({
        w: nonZeroF32Array(s.N * s.K),
        sq: nonZeroF32Array(s.K, 0.5).map((d) => d.map(Math.abs)),   // U_jj > 0
        mask: s.useMask ? u32s(s.N * Math.ceil(s.K / 32)) : fc.constant(undefined),
      }).map((d) => ({ ...s, ...d, sparseGpt: true })));
    await fc.assert(fc.asyncProperty(arb, check), { numRuns: 25 });
  });

  it('long rows and rows past the per-dimension workgroup limit (grid y)', async () => {
    const rows = (N: number, K: number) => Float32Array.from({ length: N * K }, (_, i) => Math.sin(i * 0.37) * 2 + 0.01);
    await check({ N: 2, K: 20000, w: rows(2, 20000), sq: Float32Array.from({ length: 20000 }, (_, j) => (j % 5) * 0.7), pick: 11 });
    const N = 8, K = 45; // 8 rows on a 3 x 3 grid: one workgroup past the last row must write nothing
    const mask = Uint32Array.from({ length: N * 2 }, (_, i) => (i * 2654435761) >>> 0);
    await check({ N, K, w: rows(N, K), mask, pick: 5, g: smallGrid(gpu(), 3) });
  });

  it('rejects a threshold that is not a uniform buffer and a short mask', async () => {
    const owned: GPUBuffer[] = [];
    const w = await upload(gpu(), 'w', new Float32Array(256), owned);
    const out = await upload(gpu(), 'out', new Uint32Array(4), owned);
    const t = await createUniformBuffer(gpu(), 't', packUniform([{ f32: 1 }]));
    owned.push(t);
    await expect(prepareOutlierCount(gpu(), { w, threshold: out, out: w, N: 2, K: 32 })).rejects.toThrow(/threshold must be a uniform/);
    await expect(prepareOutlierCount(gpu(), { w, mask: out, threshold: t, out: w, N: 2, K: 32 })).rejects.toThrow(/w and out must be different/);
    await expect(prepareOutlierCount(gpu(), { w, mask: out, threshold: t, out: t, N: 2, K: 97 })).rejects.toThrow(/mask \[N, words\]/);
    await expect(prepareScoreRowSums(gpu(), { w, sq: out, denom: t, out: w, N: 1, K: 1 })).rejects.toThrow(/not both/);
    owned.forEach((b) => b.destroy());
  });
});
