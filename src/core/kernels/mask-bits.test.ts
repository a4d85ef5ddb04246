import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readBuffer } from '../gpu/buffers.ts';
import { runCalls } from './kernel-call.ts';
import { keepBits, maskFillReference, popcountReference, prepareMaskFill, prepareMaskPopcount } from './mask-bits.ts';
import { upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();
const words = (n: number, seed: number) => {
  const out = new Uint32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; out[i] = s; }
  return out;
};

describe('mask-fill kernel', () => {
  it('writes kept rows with the column pattern and zeroes the others (random shapes, row and column sets)', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 200 }), fc.integer(), fc.double({ min: 0, max: 1, noNaN: true }),
      async (N, K, seed, pRow) => {
        const W = Math.ceil(K / 32);
        const rowKeep = keepBits(N, (i) => ((i * 2654435761 + seed) >>> 0) / 2 ** 32 < pRow);
        const colWords = keepBits(K, (j) => ((j * 40503 + seed) & 3) !== 0);
        const owned: GPUBuffer[] = [];
        const mask = await upload(gpu(), 'mask', words(N * W, seed), owned); // garbage the fill must overwrite
        const call = await prepareMaskFill(gpu(), { mask, rowKeep: await upload(gpu(), 'rows', rowKeep, owned),
          colWords: await upload(gpu(), 'cols', colWords, owned), N, words: W });
        await runCalls(gpu(), [call]);
        expect(new Uint32Array(await readBuffer(gpu(), mask, N * W * 4))).toEqual(maskFillReference(rowKeep, colWords, N));
        owned.forEach((b) => b.destroy());
      }), { numRuns: 25 });
  });
});

describe('mask-popcount kernel', () => {
  it('adds each mask\'s kept bits into its slot (random words, lengths across workgroup boundaries)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 4 }), fc.integer(),
      async (lengths, seed) => {
        const owned: GPUBuffer[] = [];
        const counts = await upload(gpu(), 'counts', new Uint32Array(lengths.length + 1).fill(7), owned);
        const masks = lengths.map((n, i) => words(n, seed + i));
        const calls = [];
        for (const [i, m] of masks.entries()) {
          calls.push(await prepareMaskPopcount(gpu(), { mask: await upload(gpu(), 'mask', m, owned), n: m.length, counts, slot: i + 1 }));
        }
        await runCalls(gpu(), calls);
        const got = new Uint32Array(await readBuffer(gpu(), counts, (lengths.length + 1) * 4));
        expect([...got]).toEqual([7, ...masks.map((m) => 7 + popcountReference(m))]);
        owned.forEach((b) => b.destroy());
      }), { numRuns: 25 });
  });

  it('counts all-ones and all-zero masks exactly', async () => {
    const owned: GPUBuffer[] = [];
    const counts = await upload(gpu(), 'counts', new Uint32Array(2), owned);
    const ones = await upload(gpu(), 'ones', new Uint32Array(4097).fill(0xffffffff), owned);
    const zeros = await upload(gpu(), 'zeros', new Uint32Array(33), owned);
    await runCalls(gpu(), [await prepareMaskPopcount(gpu(), { mask: ones, n: 4097, counts, slot: 0 }),
      await prepareMaskPopcount(gpu(), { mask: zeros, n: 33, counts, slot: 1 })]);
    expect([...new Uint32Array(await readBuffer(gpu(), counts, 8))]).toEqual([4097 * 32, 0]);
    owned.forEach((b) => b.destroy());
  });
});
