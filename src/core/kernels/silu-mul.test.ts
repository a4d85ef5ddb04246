import { describe, it } from 'vitest';
import fc from 'fast-check';
import { readF32 } from '../gpu/buffers.ts';
import { runCalls } from './kernel-call.ts';
import { prepareSiluMul, siluMulReference } from './silu-mul.ts';
import { nonZeroF32Array } from '../../../test/helpers/numeric.ts';
import { expectWithin, upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();

describe('silu-mul kernel', () => {
  it('matches the float64 reference, including large-magnitude gates', async () => {
    const arb = fc.integer({ min: 1, max: 3000 }).chain((n) =>
      fc.tuple(nonZeroF32Array(n, 20), nonZeroF32Array(n)));
    await fc.assert(fc.asyncProperty(arb, async ([gate, up]) => {
      const owned: GPUBuffer[] = [];
      const n = gate.length;
      const out = await upload(gpu(), 'out', new Float32Array(n), owned);
      await runCalls(gpu(), [await prepareSiluMul(gpu(), {
        gate: await upload(gpu(), 'gate', gate, owned), up: await upload(gpu(), 'up', up, owned), out, n,
      })]);
      const got = await readF32(gpu(), out, n);
      owned.forEach((b) => b.destroy());
      const ref = siluMulReference(gate, up);
      expectWithin(got, ref, ref.map((v) => 1e-5 * Math.abs(v) + 1e-6), 'out');
    }), { numRuns: 20 });
  });
});
