import { describe, it } from 'vitest';
import fc from 'fast-check';
import { readF32 } from '../gpu/buffers.ts';
import { runCalls } from './kernel-call.ts';
import { nllReference, prepareNll, type LogitSlice } from './nll.ts';
import { nonZeroF32Array } from '../../../test/helpers/numeric.ts';
import { expectWithin, upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();

/** Column slices of [T, V] logits at the given cut points, each uploaded as its own [T, cols] buffer. */
async function sliceLogits(logits: Float32Array, T: number, V: number, cuts: number[], owned: GPUBuffer[]): Promise<LogitSlice[]> {
  const bounds = [0, ...[...new Set(cuts.filter((c) => c > 0 && c < V))].sort((a, b) => a - b), V];
  const slices: LogitSlice[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const [c0, c1] = [bounds[i], bounds[i + 1]];
    const part = new Float32Array(T * (c1 - c0));
    for (let t = 0; t < T; t++) part.set(logits.subarray(t * V + c0, t * V + c1), t * (c1 - c0));
    slices.push({ buffer: await upload(gpu(), `logits[${c0}:${c1}]`, part, owned), colStart: c0, cols: c1 - c0 });
  }
  return slices;
}

describe('nll kernel', () => {
  it('matches the float64 logsumexp - target logit over random vocabularies cut into random column slices (1 and 256 lanes)', async () => {
    const arb = fc.record({ T: fc.integer({ min: 1, max: 6 }), V: fc.integer({ min: 1, max: 3000 }), lanes: fc.constantFrom(1, 256) })
      .chain((s) => fc.record({
        logits: nonZeroF32Array(s.T * s.V, 8),
        targets: fc.array(fc.integer({ min: 0, max: s.V - 1 }), { minLength: s.T, maxLength: s.T }),
        cuts: fc.array(fc.integer({ min: 1, max: s.V }), { maxLength: 4 }),
      }).map((d) => ({ ...s, ...d })));
    await fc.assert(fc.asyncProperty(arb, async ({ T, V, lanes, logits, targets, cuts }) => {
      const owned: GPUBuffer[] = [];
      const ids = Uint32Array.from(targets);
      const out = await upload(gpu(), 'out', new Float32Array(T), owned);
      const slices = await sliceLogits(logits, T, V, cuts, owned);
      const { calls, state } = await prepareNll(gpu(), { slices, targets: await upload(gpu(), 'targets', ids, owned), out, T, lanes });
      owned.push(state);
      await runCalls(gpu(), calls);
      const got = await readF32(gpu(), out, T);
      owned.forEach((b) => b.destroy());
      // f32 sum of V terms in [0, 1] (rescaled once per slice) and a log of it, next to logits of magnitude <= 16.
      expectWithin(got, nllReference(logits, ids, T, V), (V + 2 + 4 * slices.length) * 2 ** -24 + 16 * 2 ** -22, 'nll');
    }), { numRuns: 30 });
  });
});
