import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { createGpu, type Gpu } from '../gpu/device.ts';
import { createStorageBuffer, readF32 } from '../gpu/buffers.ts';
import { runCalls } from './kernel-call.ts';
import { prepareResidualAdd, residualAddReference } from './residual-add.ts';
import { expectClose, nonZeroF32Array } from '../../../test/helpers/numeric.ts';

let gpu: Gpu;
beforeAll(async () => { gpu = await createGpu(); });
afterAll(() => gpu?.destroy());

describe('residual-add kernel', () => {
  it('matches the CPU reference on random shapes and data', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 5000 }).chain((n) =>
      fc.tuple(nonZeroF32Array(n), nonZeroF32Array(n))), async ([x, y]) => {
      const xb = await createStorageBuffer(gpu, 'x', x.byteLength, x);
      const yb = await createStorageBuffer(gpu, 'y', y.byteLength, y);
      await runCalls(gpu, [await prepareResidualAdd(gpu, xb, yb, x.length)]);
      expectClose(await readF32(gpu, xb, x.length), residualAddReference(x, y));
      xb.destroy(); yb.destroy();
    }), { numRuns: 20 });
  });
});
