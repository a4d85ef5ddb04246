import { describe, it } from 'vitest';
import fc from 'fast-check';
import { readF32 } from '../gpu/buffers.ts';
import { runCalls } from './kernel-call.ts';
import { embeddingReference, prepareEmbedding } from './embedding.ts';
import { nonZeroF32Array } from '../../../test/helpers/numeric.ts';
import { expectWithin, upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();

describe('embedding kernel', () => {
  it('gathers (and scales) the rows of tokens inside its vocabulary chunk and leaves the others untouched', async () => {
    const arb = fc.record({
      T: fc.integer({ min: 1, max: 20 }), dim: fc.integer({ min: 1, max: 70 }),
      rowStart: fc.integer({ min: 0, max: 10 }), rowCount: fc.integer({ min: 1, max: 12 }),
      scale: fc.constantFrom(1, Math.fround(Math.sqrt(640)), 25.25),
    }).chain((s) => fc.record({
      table: nonZeroF32Array(s.rowCount * s.dim),
      init: nonZeroF32Array(s.T * s.dim, 100),
      tokens: fc.array(fc.integer({ min: 0, max: s.rowStart + s.rowCount + 4 }), { minLength: s.T, maxLength: s.T }),
    }).map((d) => ({ ...s, ...d })));
    await fc.assert(fc.asyncProperty(arb, async ({ T, dim, rowStart, rowCount, scale, table, init, tokens }) => {
      const owned: GPUBuffer[] = [];
      const ids = Uint32Array.from(tokens);
      const out = await upload(gpu(), 'out', init, owned);
      await runCalls(gpu(), [await prepareEmbedding(gpu(), {
        table: await upload(gpu(), 'table', table, owned), rowStart, rowCount, dim,
        tokens: await upload(gpu(), 'tokens', ids, owned), out, T, scale,
      })]);
      const got = await readF32(gpu(), out, T * dim);
      owned.forEach((b) => b.destroy());
      expectWithin(got, embeddingReference(table, rowStart, rowCount, dim, ids, init, scale), 0, 'out'); // one f32 product each: exact
    }), { numRuns: 25 });
  });
});
