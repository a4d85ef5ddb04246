import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readF32 } from '../gpu/buffers.ts';
import { runCalls } from './kernel-call.ts';
import { prepareRmsNorm, rmsNormReference } from './rms-norm.ts';
import { nonZeroF32Array } from '../../../test/helpers/numeric.ts';
import { expectWithin, upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();

async function run(x: Float32Array, weight: Float32Array, T: number, dim: number, eps: number, lanes?: number, weightOffset?: number): Promise<Float32Array> {
  const owned: GPUBuffer[] = [];
  const out = await upload(gpu(), 'out', new Float32Array(T * dim), owned);
  await runCalls(gpu(), [await prepareRmsNorm(gpu(), {
    x: await upload(gpu(), 'x', x, owned), weight: await upload(gpu(), 'w', weight, owned), out, T, dim, eps, lanes, weightOffset,
  })]);
  const got = await readF32(gpu(), out, T * dim);
  owned.forEach((b) => b.destroy());
  return got;
}

describe('rms-norm kernel', () => {
  it('matches the float64 reference on random rows (dims below, at and above the workgroup size; 1 and 64 lanes; LLaMA w and Gemma 1 + w)', async () => {
    const arb = fc.record({ T: fc.integer({ min: 1, max: 9 }), dim: fc.integer({ min: 1, max: 300 }),
      eps: fc.constantFrom(1e-5, 1e-6, 0.1), lanes: fc.constantFrom(1, 64), offset: fc.constantFrom(0, 1) })
      .chain((s) => fc.record({ x: nonZeroF32Array(s.T * s.dim), w: nonZeroF32Array(s.dim) }).map((d) => ({ ...s, ...d })));
    await fc.assert(fc.asyncProperty(arb, async ({ T, dim, eps, lanes, offset, x, w }) => {
      const ref = rmsNormReference(x, w, T, dim, eps, offset);
      expectWithin(await run(x, w, T, dim, eps, lanes, offset), ref, ref.map((v) => 1e-5 * Math.abs(v) + 1e-6), 'out');
    }), { numRuns: 25 });
  });

  it('rejects an output that aliases the input', async () => {
    const x = await upload(gpu(), 'x', new Float32Array(8));
    const w = await upload(gpu(), 'w', new Float32Array(8));
    await expect(prepareRmsNorm(gpu(), { x, weight: w, out: x, T: 1, dim: 8, eps: 1e-5 })).rejects.toThrow(/x and out must be different buffers/);
    x.destroy(); w.destroy();
  });
});
