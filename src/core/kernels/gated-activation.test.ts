import { describe, it } from 'vitest';
import fc from 'fast-check';
import { readF32 } from '../gpu/buffers.ts';
import type { MlpActivation } from '../model/spec.ts';
import { runCalls } from './kernel-call.ts';
import { activationReference, prepareActivation, prepareGatedActivation, gatedActivationReference } from './gated-activation.ts';
import { nonZeroF32Array } from '../../../test/helpers/numeric.ts';
import { expectWithin, upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();

describe.each<MlpActivation>(['silu', 'gelu_tanh', 'relu'])('gated-activation kernel (%s)', (activation) => {
  it('matches the float64 reference, including large-magnitude gates', async () => {
    const arb = fc.integer({ min: 1, max: 3000 }).chain((n) =>
      fc.tuple(nonZeroF32Array(n, 20), nonZeroF32Array(n)));
    await fc.assert(fc.asyncProperty(arb, async ([gate, up]) => {
      const owned: GPUBuffer[] = [];
      const n = gate.length;
      const out = await upload(gpu(), 'out', new Float32Array(n), owned);
      await runCalls(gpu(), [await prepareGatedActivation(gpu(), {
        gate: await upload(gpu(), 'gate', gate, owned), up: await upload(gpu(), 'up', up, owned), out, n, activation,
      })]);
      const got = await readF32(gpu(), out, n);
      owned.forEach((b) => b.destroy());
      const ref = gatedActivationReference(gate, up, activation);
      expectWithin(got, ref, ref.map((v) => 1e-5 * Math.abs(v) + 1e-6), 'out');
    }), { numRuns: 20 });
  });
});

describe.each<MlpActivation>(['gelu_tanh', 'relu'])('activation kernel, ungated (%s)', (activation) => {
  it('matches the float64 reference, including large magnitudes and both signs', async () => {
    const arb = fc.integer({ min: 1, max: 3000 }).chain((n) => nonZeroF32Array(n, 20));
    await fc.assert(fc.asyncProperty(arb, async (x) => {
      const owned: GPUBuffer[] = [];
      const n = x.length;
      const out = await upload(gpu(), 'out', new Float32Array(n), owned);
      await runCalls(gpu(), [await prepareActivation(gpu(), { x: await upload(gpu(), 'x', x, owned), out, n, activation })]);
      const got = await readF32(gpu(), out, n);
      owned.forEach((b) => b.destroy());
      const ref = Float64Array.from(x, (v) => activationReference(v, activation));
      expectWithin(got, ref, ref.map((v) => 1e-5 * Math.abs(v) + 1e-6), 'out');
    }), { numRuns: 15 });
  });
});
