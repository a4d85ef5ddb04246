import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readF32 } from '../gpu/buffers.ts';
import { runCalls } from './kernel-call.ts';
import { prepareColumnScores } from './column-scores.ts';
import { columnScores } from '../prune/structured-selection.ts';
import { nonZeroF32Array } from '../../../test/helpers/numeric.ts';
import { expectWithin, upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();

describe('column-scores kernel', () => {
  for (const metric of ['wanda-sp', 'magnitude-sp'] as const) {
    it(`${metric}: matches the float64 column scores used by the selection`, async () => {
      const arb = fc.record({ N: fc.integer({ min: 1, max: 70 }), K: fc.integer({ min: 1, max: 150 }) })
        .chain((s) => fc.record({ w: nonZeroF32Array(s.N * s.K), sq: nonZeroF32Array(s.K).map((v) => v.map(Math.abs)) })
          .map((d) => ({ ...s, ...d })));
      await fc.assert(fc.asyncProperty(arb, async ({ N, K, w, sq }) => {
        const owned: GPUBuffer[] = [];
        const out = await upload(gpu(), 'out', new Float32Array(K), owned);
        await runCalls(gpu(), [await prepareColumnScores(gpu(), {
          w: await upload(gpu(), 'w', w, owned), sq: metric === 'wanda-sp' ? await upload(gpu(), 'sq', sq, owned) : undefined,
          out, N, K, metric,
        })]);
        const got = await readF32(gpu(), out, K);
        owned.forEach((b) => b.destroy());
        const ref = columnScores(w, N, K, metric, sq);
        // Recursive f32 sums of N terms (|term| <= 4), then a few rounded operations.
        expectWithin(got, ref, Array.from(ref, (r) => (N + 4) * 2 ** -24 * 4 * Math.max(1, r)), 'scores');
      }), { numRuns: 25 });
    });
  }
});

describe('column-scores kernel, flap', () => {
  it('matches the float64 fluctuation scores var_j * ||W[:, j]||^2 from [2, K] statistics', async () => {
    // Statistics of `tokens` random rows (never zero), so sq / n - mean^2 is a real, non-negative variance.
    const arb = fc.record({ N: fc.integer({ min: 1, max: 70 }), K: fc.integer({ min: 1, max: 150 }), tokens: fc.integer({ min: 2, max: 12 }) })
      .chain((s) => fc.record({ w: nonZeroF32Array(s.N * s.K), x: nonZeroF32Array(s.tokens * s.K) }).map((d) => ({ ...s, ...d })));
    await fc.assert(fc.asyncProperty(arb, async ({ N, K, tokens, w, x }) => {
      const stats = new Float32Array(2 * K);   // [2, K]: sums of squares, then sums
      for (let t = 0; t < tokens; t++) for (let j = 0; j < K; j++) { stats[j] += x[t * K + j] ** 2; stats[K + j] += x[t * K + j]; }
      const owned: GPUBuffer[] = [];
      const out = await upload(gpu(), 'out', new Float32Array(K), owned);
      await runCalls(gpu(), [await prepareColumnScores(gpu(), {
        w: await upload(gpu(), 'w', w, owned), sq: await upload(gpu(), 'stats', stats, owned), out, N, K, metric: 'flap', tokens,
      })]);
      const got = await readF32(gpu(), out, K);
      owned.forEach((b) => b.destroy());
      const ref = columnScores(w, N, K, 'flap', stats.subarray(0, K), { sum: stats.subarray(K), tokens });
      // The variance sq/n - mean^2 cancels: its f32 error is a few ulps of sq/n (<= 16), times sum W^2 (<= 16 N);
      // plus the recursive f32 sum of N squares relative to itself.
      const colSq = Array.from({ length: K }, (_, j) => { let s = 0; for (let i = 0; i < N; i++) s += w[i * K + j] ** 2; return s; });
      expectWithin(got, ref, Array.from(ref, (r, j) => 8 * 2 ** -24 * 16 * colSq[j] + (N + 4) * 2 ** -24 * Math.abs(r)), 'scores');
    }), { numRuns: 25 });
  });

  it('refuses flap without the [2, K] statistics or the token count', async () => {
    const owned: GPUBuffer[] = [];
    const w = await upload(gpu(), 'w', new Float32Array(6).fill(1), owned);
    const half = await upload(gpu(), 'sq only', new Float32Array(3).fill(1), owned);
    const out = await upload(gpu(), 'out', new Float32Array(3), owned);
    await expect(prepareColumnScores(gpu(), { w, sq: half, out, N: 2, K: 3, metric: 'flap', tokens: 4 })).rejects.toThrow(/stats \[2, K\]/);
    await expect(prepareColumnScores(gpu(), { w, out, N: 2, K: 3, metric: 'flap', tokens: 4 })).rejects.toThrow(/needs the input statistics/);
    owned.forEach((b) => b.destroy());
  });
});
