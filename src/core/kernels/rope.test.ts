import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createUniformBuffer, packUniform, readF32 } from '../gpu/buffers.ts';
import { runCalls } from './kernel-call.ts';
import { createRopeTable, prepareRope, ropeReference } from './rope.ts';
import { nonZeroF32Array } from '../../../test/helpers/numeric.ts';
import type { RopeParams, RopeScaling } from '../model/rope.ts';
import { expectWithin, upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();

const plain = (headDim: number, theta: number): RopeParams => ({ theta, rotaryDim: headDim, maxPositions: 1 << 20, scaling: { type: 'default' } });

async function run(x: Float32Array, T: number, nHeads: number, headDim: number, rope: RopeParams | number, pos0: number,
  tableRows: number, seq = 0): Promise<Float32Array> {
  const r = typeof rope === 'number' ? plain(headDim, rope) : rope;
  const owned: GPUBuffer[] = [];
  const xb = await upload(gpu(), 'x', x, owned);
  const table = await createRopeTable(gpu(), r, tableRows);
  const position = await createUniformBuffer(gpu(), 'position', packUniform([{ u32: pos0 }, { u32: seq }]));
  owned.push(table, position);
  await runCalls(gpu(), [await prepareRope(gpu(), { x: xb, table, tableRows, T, nHeads, headDim, position, rotaryDim: r.rotaryDim })]);
  const got = await readF32(gpu(), xb, x.length);
  owned.forEach((b) => b.destroy());
  return got;
}

describe('rope kernel', () => {
  it('matches the float64 rotate_half reference at random positions, including long contexts', async () => {
    const arb = fc.record({ T: fc.integer({ min: 1, max: 6 }), nHeads: fc.integer({ min: 1, max: 4 }),
      half: fc.integer({ min: 1, max: 40 }), theta: fc.constantFrom(10000, 500000, 1e6),
      pos0: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1000, max: 4000 })) })
      .chain((s) => nonZeroF32Array(s.T * s.nHeads * s.half * 2).map((x) => ({ ...s, x })));
    await fc.assert(fc.asyncProperty(arb, async ({ T, nHeads, half, theta, pos0, x }) => {
      const hd = half * 2;
      const ref = ropeReference(x, T, nHeads, hd, plain(hd, theta), pos0);
      expectWithin(await run(x, T, nHeads, hd, theta, pos0, pos0 + T), ref, 2e-6 * 4, 'x');
    }), { numRuns: 25 });
  });

  it('batched windows (position.seq): row t rotates at position t % seq, each window as the reference of it alone', async () => {
    const arb = fc.record({ B: fc.integer({ min: 2, max: 4 }), S: fc.integer({ min: 1, max: 9 }), nHeads: fc.integer({ min: 1, max: 3 }),
      half: fc.integer({ min: 1, max: 20 }) })
      .chain((s) => nonZeroF32Array(s.B * s.S * s.nHeads * s.half * 2).map((x) => ({ ...s, x })));
    await fc.assert(fc.asyncProperty(arb, async ({ B, S, nHeads, half, x }) => {
      const hd = half * 2, per = S * nHeads * hd;
      const got = await run(x, B * S, nHeads, hd, 10000, 0, S, S);
      for (let b = 0; b < B; b++) {
        const xb = x.slice(b * per, (b + 1) * per);
        expectWithin(got.subarray(b * per, (b + 1) * per), ropeReference(xb, S, nHeads, hd, plain(hd, 10000), 0), 2e-6 * 4, `window ${b}`);
      }
    }), { numRuns: 15 });
  });

  it('leaves rows beyond the table unrotated instead of reading out of bounds', async () => {
    const x = Float32Array.from({ length: 2 * 4 }, (_, i) => i + 1);  // T=2, 1 head, hd=4
    const got = await run(x, 2, 1, 4, 10000, 3, 4);                   // row 0 at position 3 fits, row 1 (4) does not
    expect(Array.from(got.subarray(4))).toEqual([5, 6, 7, 8]);
    expectWithin(got.subarray(0, 4), ropeReference(x, 2, 1, 4, plain(4, 10000), 3).subarray(0, 4), 1e-5, 'row 0');
  });

  it('rotates only the first rotaryDim dimensions, with every RoPE type\'s frequencies and attention scaling', async () => {
    const scalings: RopeScaling[] = [
      { type: 'linear', factor: 4 }, { type: 'dynamic', factor: 2 },
      { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 64 },
      { type: 'yarn', factor: 4, originalMaxPositions: 64, betaFast: 32, betaSlow: 1, truncate: true },
      { type: 'longrope', shortFactor: [1, 1.5, 2, 3], longFactor: [2, 3, 4, 5], factor: 8, originalMaxPositions: 16 },
    ];
    const arb = fc.record({ T: fc.integer({ min: 1, max: 5 }), nHeads: fc.integer({ min: 1, max: 3 }), extra: fc.integer({ min: 0, max: 3 }),
      scaling: fc.constantFrom(...scalings), pos0: fc.integer({ min: 0, max: 30 }) })
      .chain((s) => nonZeroF32Array(s.T * s.nHeads * (8 + 2 * s.extra)).map((x) => ({ ...s, x })));
    await fc.assert(fc.asyncProperty(arb, async ({ T, nHeads, extra, scaling, pos0, x }) => {
      const hd = 8 + 2 * extra;
      const rope: RopeParams = { theta: 10000, rotaryDim: 8, maxPositions: 32, scaling };
      const got = await run(x, T, nHeads, hd, rope, pos0, pos0 + T);
      expectWithin(got, ropeReference(x, T, nHeads, hd, rope, pos0), 2e-6 * 8, 'x');
      for (let r = 0; r < T * nHeads; r++) {
        expect(Array.from(got.subarray(r * hd + 8, (r + 1) * hd))).toEqual(Array.from(x.subarray(r * hd + 8, (r + 1) * hd)));
      }
    }), { numRuns: 20 });
  });
});
