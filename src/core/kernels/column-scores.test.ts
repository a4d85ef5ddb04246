import { describe, it } from 'vitest';
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
