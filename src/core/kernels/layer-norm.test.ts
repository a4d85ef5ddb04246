import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readF32 } from '../gpu/buffers.ts';
import { runCalls } from './kernel-call.ts';
import { layerNormReference, prepareLayerNorm } from './layer-norm.ts';
import { nonZeroF32Array } from '../../../test/helpers/numeric.ts';
import { expectWithin, upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();

async function run(x: Float32Array, weight: Float32Array, bias: Float32Array, T: number, dim: number, eps: number, lanes?: number): Promise<Float32Array> {
  const owned: GPUBuffer[] = [];
  const out = await upload(gpu(), 'out', new Float32Array(T * dim), owned);
  await runCalls(gpu(), [await prepareLayerNorm(gpu(), {
    x: await upload(gpu(), 'x', x, owned), weight: await upload(gpu(), 'w', weight, owned), bias: await upload(gpu(), 'b', bias, owned),
    out, T, dim, eps, lanes,
  })]);
  const got = await readF32(gpu(), out, T * dim);
  owned.forEach((b) => b.destroy());
  return got;
}

describe('layer-norm kernel', () => {
  it('matches the float64 reference on random rows (dims below, at and above the workgroup size; 1 and 64 lanes)', async () => {
    const arb = fc.record({ T: fc.integer({ min: 1, max: 9 }), dim: fc.integer({ min: 2, max: 300 }),
      eps: fc.constantFrom(1e-5, 1e-12, 0.1), lanes: fc.constantFrom(1, 64), shift: fc.constantFrom(0, 30) })
      .chain((s) => fc.record({ x: nonZeroF32Array(s.T * s.dim), w: nonZeroF32Array(s.dim), b: nonZeroF32Array(s.dim) }).map((d) => ({ ...s, ...d })));
    await fc.assert(fc.asyncProperty(arb, async ({ T, dim, eps, lanes, shift, x, w, b }) => {
      // A shifted row (mean 30 against a spread near 1) checks the two-pass variance.
      const xs = x.map((v) => v + shift);
      const ref = layerNormReference(xs, w, b, T, dim, eps);
      // f32 rounding of the row's mean (up to ~dim * 2^-24 * max |x|, wholly visible when the row is nearly constant)
      // is scaled by 1 / sqrt(var + eps) and w, as in torch's f32 LayerNorm.
      const tol = ref.map((v, i) => {
        const row = xs.subarray(Math.floor(i / dim) * dim, (Math.floor(i / dim) + 1) * dim);
        const mean = row.reduce((a, c) => a + c, 0) / dim, variance = row.reduce((a, c) => a + (c - mean) ** 2, 0) / dim;
        const meanErr = dim * 2 ** -24 * Math.max(...row.map(Math.abs));
        return 2e-5 * Math.abs(v) + 2e-6 + meanErr * Math.abs(w[i % dim]) / Math.sqrt(variance + eps);
      });
      expectWithin(await run(xs, w, b, T, dim, eps, lanes), ref, tol, 'out');
    }), { numRuns: 25 });
  });

  it('rejects an output that aliases the input', async () => {
    const x = await upload(gpu(), 'x', new Float32Array(8));
    const w = await upload(gpu(), 'w', new Float32Array(8));
    await expect(prepareLayerNorm(gpu(), { x, weight: w, bias: w, out: x, T: 1, dim: 8, eps: 1e-5 })).rejects.toThrow(/x and out must be different buffers/);
    x.destroy(); w.destroy();
  });
});
