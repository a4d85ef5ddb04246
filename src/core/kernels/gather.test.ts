import { describe, it } from 'vitest';
import fc from 'fast-check';
import { readF32 } from '../gpu/buffers.ts';
import { runCalls } from './kernel-call.ts';
import { GATHER_PAD, gatherReference, prepareGather } from './gather.ts';
import { nonZeroF32Array } from '../../../test/helpers/numeric.ts';
import { expectWithin, upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();

/** A random ascending subset (at least one element) of 0..n-1, followed by 0-3 padding indices. */
const subset = (n: number) => fc.tuple(fc.array(fc.boolean(), { minLength: n, maxLength: n }), fc.integer({ min: 0, max: 3 }))
  .map(([keep, pad]) => {
    const idx = keep.flatMap((k, i) => (k ? [i] : []));
    return [...(idx.length ? idx : [n - 1]), ...new Array(pad).fill(GATHER_PAD)];
  });

describe('gather kernel', () => {
  it('copies exactly the kept rows and columns of the source (bit-exact), zeros for padding indices', async () => {
    const arb = fc.record({ R: fc.integer({ min: 1, max: 40 }), C: fc.integer({ min: 1, max: 90 }) })
      .chain((s) => fc.record({ src: nonZeroF32Array(s.R * s.C), rows: subset(s.R), cols: subset(s.C) }).map((d) => ({ ...s, ...d })));
    await fc.assert(fc.asyncProperty(arb, async ({ R, C, src, rows, cols }) => {
      const owned: GPUBuffer[] = [];
      const out = await upload(gpu(), 'out', new Float32Array(rows.length * cols.length), owned);
      await runCalls(gpu(), [await prepareGather(gpu(), {
        src: await upload(gpu(), 'src', src, owned), srcRows: R, srcCols: C,
        rowIdx: await upload(gpu(), 'rows', Uint32Array.from(rows), owned),
        colIdx: await upload(gpu(), 'cols', Uint32Array.from(cols), owned), out, rows: rows.length, cols: cols.length,
      })]);
      const got = await readF32(gpu(), out, rows.length * cols.length);
      owned.forEach((b) => b.destroy());
      expectWithin(got, gatherReference(src, R, C, rows, cols), 0, 'out');
    }), { numRuns: 30 });
  });
});
