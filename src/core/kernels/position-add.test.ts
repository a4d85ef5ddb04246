import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createUniformBuffer, packUniform, readF32 } from '../gpu/buffers.ts';
import { runCalls } from './kernel-call.ts';
import { positionAddReference, preparePositionAdd } from './position-add.ts';
import { nonZeroF32Array } from '../../../test/helpers/numeric.ts';
import { expectWithin, upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();

describe('position-add kernel', () => {
  it('adds table rows pos0 + offset + t to row t (GPT-2 offset 0, OPT offset 2, from a later KV position)', async () => {
    const arb = fc.record({ T: fc.integer({ min: 1, max: 9 }), dim: fc.integer({ min: 1, max: 70 }), offset: fc.constantFrom(0, 2),
      pos0: fc.integer({ min: 0, max: 5 }) })
      .chain((s) => fc.record({ x: nonZeroF32Array(s.T * s.dim), table: nonZeroF32Array((s.T + s.pos0 + s.offset) * s.dim) })
        .map((d) => ({ ...s, ...d })));
    await fc.assert(fc.asyncProperty(arb, async ({ T, dim, offset, pos0, x, table }) => {
      const owned: GPUBuffer[] = [];
      const xb = await upload(gpu(), 'x', x, owned);
      const position = await createUniformBuffer(gpu(), 'position', packUniform([{ u32: pos0 }]));
      owned.push(position);
      await runCalls(gpu(), [await preparePositionAdd(gpu(), { x: xb, table: await upload(gpu(), 'table', table, owned),
        tableRows: table.length / dim, dim, T, offset, position })]);
      const got = await readF32(gpu(), xb, T * dim);
      owned.forEach((b) => b.destroy());
      const ref = positionAddReference(x, table, T, dim, offset, pos0);
      expectWithin(got, ref, ref.map((v) => 1e-6 * Math.abs(v)), 'x');
    }), { numRuns: 20 });
  });

  it('batched windows (position.seq): row t adds table row offset + t % seq', async () => {
    const arb = fc.record({ B: fc.integer({ min: 2, max: 4 }), S: fc.integer({ min: 1, max: 7 }), dim: fc.integer({ min: 1, max: 40 }),
      offset: fc.constantFrom(0, 2) })
      .chain((s) => fc.record({ x: nonZeroF32Array(s.B * s.S * s.dim), table: nonZeroF32Array((s.S + s.offset) * s.dim) })
        .map((d) => ({ ...s, ...d })));
    await fc.assert(fc.asyncProperty(arb, async ({ B, S, dim, offset, x, table }) => {
      const owned: GPUBuffer[] = [];
      const xb = await upload(gpu(), 'x', x, owned);
      const position = await createUniformBuffer(gpu(), 'position', packUniform([{ u32: 0 }, { u32: S }]));
      owned.push(position);
      await runCalls(gpu(), [await preparePositionAdd(gpu(), { x: xb, table: await upload(gpu(), 'table', table, owned),
        tableRows: table.length / dim, dim, T: B * S, offset, position })]);
      const got = await readF32(gpu(), xb, B * S * dim);
      owned.forEach((b) => b.destroy());
      for (let b = 0; b < B; b++) {
        const ref = positionAddReference(x.slice(b * S * dim, (b + 1) * S * dim), table, S, dim, offset, 0);
        expectWithin(got.subarray(b * S * dim, (b + 1) * S * dim), ref, ref.map((v) => 1e-6 * Math.abs(v)), `window ${b}`);
      }
    }), { numRuns: 15 });
  });

  it('refuses a table that is not [tableRows, dim]', async () => {
    const x = await upload(gpu(), 'x', new Float32Array(8));
    const t = await upload(gpu(), 't', new Float32Array(8));
    const position = await createUniformBuffer(gpu(), 'position', packUniform([{ u32: 0 }]));
    await expect(preparePositionAdd(gpu(), { x, table: t, tableRows: 4, dim: 4, T: 2, offset: 0, position })).rejects.toThrow(/table/);
    x.destroy(); t.destroy(); position.destroy();
  });
});
