import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readBuffer } from '../gpu/buffers.ts';
import { runCalls } from './kernel-call.ts';
import { argmaxReference, prepareArgmax } from './argmax.ts';
import type { LogitSlice } from './nll.ts';
import { upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

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

async function gpuArgmax(logits: Float32Array, T: number, V: number, cuts: number[], lanes: number): Promise<Uint32Array> {
  const owned: GPUBuffer[] = [];
  const out = await upload(gpu(), 'out', new Uint32Array(T), owned);
  const { calls, state } = await prepareArgmax(gpu(), { slices: await sliceLogits(logits, T, V, cuts, owned), out, T, lanes });
  owned.push(state);
  await runCalls(gpu(), calls);
  const got = new Uint32Array(await readBuffer(gpu(), out, T * 4));
  owned.forEach((b) => b.destroy());
  return got;
}

describe('argmax kernel', () => {
  it('equals the first index of the maximum on random rows with many ties, cut into random column slices (1 and 256 lanes)', async () => {
    // Few distinct values, so the maximum is often repeated within a slice, across slices and across lanes.
    const arb = fc.record({ T: fc.integer({ min: 1, max: 5 }), V: fc.integer({ min: 1, max: 2000 }), lanes: fc.constantFrom(1, 256) })
      .chain((s) => fc.record({
        values: fc.array(fc.integer({ min: -3, max: 3 }), { minLength: s.T * s.V, maxLength: s.T * s.V }),
        cuts: fc.array(fc.integer({ min: 1, max: s.V }), { maxLength: 4 }),
      }).map((d) => ({ ...s, ...d })));
    await fc.assert(fc.asyncProperty(arb, async ({ T, V, lanes, values, cuts }) => {
      const logits = Float32Array.from(values, (v) => v * 0.5);
      expect(Array.from(await gpuArgmax(logits, T, V, cuts, lanes))).toEqual(Array.from(argmaxReference(logits, T, V)));
    }), { numRuns: 30 });
  });

  it('finds a unique maximum in the last column of the last slice, and the first of a tie split across slices', async () => {
    const V = 600, T = 2;
    const logits = new Float32Array(T * V).fill(-1);
    logits[V - 1] = 5;                          // row 0: the very last column
    logits[V + 10] = 7; logits[V + 450] = 7;    // row 1: equal maxima in the first and the second slice
    expect(Array.from(await gpuArgmax(logits, T, V, [300], 256))).toEqual([V - 1, 10]);
    expect(Array.from(await gpuArgmax(logits, T, V, [300], 1))).toEqual([V - 1, 10]);
  });
});
