import { describe, it } from 'vitest';
import fc from 'fast-check';
import { createUniformBuffer, packUniform, readF32 } from '../gpu/buffers.ts';
import { runCalls } from './kernel-call.ts';
import { kvAppendReference, prepareKvAppend } from './kv-append.ts';
import { nonZeroF32Array } from '../../../test/helpers/numeric.ts';
import { expectWithin, upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();

describe('kv-append kernel', () => {
  it('writes rows pos0.. of the cache, keeps the rest, and drops rows past the end', async () => {
    const arb = fc.record({ T: fc.integer({ min: 1, max: 10 }), width: fc.integer({ min: 1, max: 40 }),
      rows: fc.integer({ min: 1, max: 16 }), pos0: fc.integer({ min: 0, max: 16 }) })
      .chain((s) => fc.record({ src: nonZeroF32Array(s.T * s.width), cache: nonZeroF32Array(s.rows * s.width, 100) })
        .map((d) => ({ ...s, ...d })));
    await fc.assert(fc.asyncProperty(arb, async ({ T, width, pos0, src, cache }) => {
      const owned: GPUBuffer[] = [];
      const cacheBuf = await upload(gpu(), 'cache', cache, owned);
      const position = await createUniformBuffer(gpu(), 'position', packUniform([{ u32: pos0 }]));
      owned.push(position);
      await runCalls(gpu(), [await prepareKvAppend(gpu(), {
        src: await upload(gpu(), 'src', src, owned), cache: cacheBuf, T, width, position,
      })]);
      const got = await readF32(gpu(), cacheBuf, cache.length);
      owned.forEach((b) => b.destroy());
      expectWithin(got, kvAppendReference(src, cache, width, pos0), 0, 'cache');
    }), { numRuns: 25 });
  });
});
