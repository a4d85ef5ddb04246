// Every kernel that reads a dense weight, with the weight stored as f16 / bf16 (two per u32 word) or q8_0 blocks
// (32 int8 + an f16 scale in 9 words): the output equals
// the same kernel's on the f32 upload of the widened values exactly (embedding chunks, compaction gather, the
// widening copy, unstructured / N:M masks, outlier statistics, structured column scores), and the widened values
// are the CPU decoder's.
import { describe, expect, it } from 'vitest';
import { createStorageBuffer, createUniformBuffer, packUniform, readBuffer, readF32 } from '../gpu/buffers.ts';
import { f32ToBf16Bits, f32ToF16Bits } from '../formats/float-codec.ts';
import { runCalls, type KernelCall } from './kernel-call.ts';
import { embeddingReference, prepareEmbedding } from './embedding.ts';
import { allIndices, GATHER_PAD, prepareGather } from './gather.ts';
import { prepareWidenWeight } from './weight-widen.ts';
import { preparePruneMask } from './prune-mask.ts';
import { prepareOutlierCount, prepareScoreRowSums } from './score-stats.ts';
import { prepareColumnScores } from './column-scores.ts';
import { decodeWeightBytes, packHalfWords, packQ8Blocks, readWeightF32, type WeightBinding } from './weight-binding.ts';
import { decodeBytes } from '../formats/decode-tensor.ts';
import { quantizeQ8_0 } from '../../../test/formats/gguf-writer.ts';

type Stored = 'f16' | 'bf16' | 'q8_0';
import { pseudoRandomF32, upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();

/** n random weights in `dtype` (f16 with some subnormals and signed zeros; q8_0 as llama.cpp quantises, with a
 * subnormal-scale block and a zero block), the bytes of their GPU buffer, and their f32 values (the CPU decoder's). */
function weights(dtype: Stored, n: number, seed: number): { packed: Uint8Array; f32: Float32Array } {
  const raw = pseudoRandomF32(n, seed);
  if (dtype === 'q8_0') {
    if (n >= 96) { raw.subarray(32, 64).forEach((_, i, a) => { a[i] *= 1e-6; }); raw.fill(0, 64, 96); }
    const q8 = quantizeQ8_0(raw).bytes;
    return { packed: new Uint8Array(packQ8Blocks(q8).buffer), f32: decodeBytes(q8, 'Q8_0', n) };
  }
  const enc = dtype === 'f16' ? f32ToF16Bits : f32ToBf16Bits;
  const bits = Uint16Array.from(raw, (v) => enc(v));
  if (dtype === 'f16') for (let i = 3; i < n; i += 11) bits[i] = [0x0003, 0x8201, 0x0000, 0x8000][(i / 11 | 0) % 4];
  return { packed: packHalfWords(bits), f32: decodeWeightBytes(bits.buffer as ArrayBuffer, dtype, n) };
}

async function both(dtype: Stored, n: number, seed: number, owned: GPUBuffer[]) {
  const { packed, f32 } = weights(dtype, n, seed);
  const half = await createStorageBuffer(gpu(), `w ${dtype}`, packed.byteLength, packed);
  owned.push(half);
  return { f32, half: { buffer: half, dtype } as WeightBinding, wide: await upload(gpu(), 'w f32', f32, owned) };
}

/** Runs `make(w)` on the half weight and on the f32 one; returns both outputs' bytes. */
async function compare(owned: GPUBuffer[], out: GPUBuffer, bytes: number, w: { half: WeightBinding; wide: GPUBuffer },
  make: (w: WeightBinding | GPUBuffer) => Promise<KernelCall>): Promise<[Uint8Array, Uint8Array]> {
  const results: Uint8Array[] = [];
  for (const x of [w.half, w.wide]) {
    const enc = gpu().device.createCommandEncoder();
    enc.clearBuffer(out);
    gpu().device.queue.submit([enc.finish()]);
    await runCalls(gpu(), [await make(x)]);
    results.push(new Uint8Array(await readBuffer(gpu(), out, bytes)));
  }
  return results as [Uint8Array, Uint8Array];
}

describe.each(['f16', 'bf16', 'q8_0'] as const)('kernels reading %s weights', (dtype: Stored) => {
  const q8 = dtype === 'q8_0';
  it('decode exactly (CPU read-back and the GPU widening copy), odd element counts included', async () => {
    const owned: GPUBuffer[] = [];
    const n = q8 ? 352 : 333;
    const w = await both(dtype, n, 1, owned);
    expect(Array.from(await readWeightF32(gpu(), w.half, n))).toEqual(Array.from(w.f32));
    const out = await upload(gpu(), 'out', new Float32Array(n), owned);
    await runCalls(gpu(), [await prepareWidenWeight(gpu(), { w: w.half, out, n })]);
    const got = await readF32(gpu(), out, n);
    for (let i = 0; i < n; i++) expect(Object.is(got[i], w.f32[i]), `element ${i}: ${got[i]} vs ${w.f32[i]}`).toBe(true);
    owned.forEach((b) => b.destroy());
  });

  it('embedding: two vocabulary chunks of odd size (and odd dim) gather the widened rows', async () => {
    const owned: GPUBuffer[] = [];
    const dim = q8 ? 32 : 7, T = 9, rows = [5, 6];
    const tokens = Uint32Array.of(0, 10, 4, 5, 3, 9, 1, 6, 7);
    const out = await upload(gpu(), 'out', new Float32Array(T * dim), owned);
    const tok = await upload(gpu(), 'tokens', tokens, owned);
    let expected: Float32Array = new Float32Array(T * dim);
    const calls: KernelCall[] = [];
    for (const [c, rowCount] of rows.entries()) {
      const rowStart = c === 0 ? 0 : rows[0];
      const w = await both(dtype, rowCount * dim, 20 + c, owned);
      calls.push(await prepareEmbedding(gpu(), { table: w.half, rowStart, rowCount, dim, tokens: tok, out, T, scale: 1.5 }));
      expected = embeddingReference(w.f32, rowStart, rowCount, dim, tokens, expected, 1.5);
    }
    await runCalls(gpu(), calls);
    expect(Array.from(await readF32(gpu(), out, T * dim))).toEqual(Array.from(expected).map((v) => Math.fround(v)));
    owned.forEach((b) => b.destroy());
  });

  it('gather, prune masks (rank, radix, N:M), outlier statistics and column scores equal the f32 upload bit for bit', async () => {
    const owned: GPUBuffer[] = [];
    const N = 6, K = q8 ? 320 : 301, words = Math.ceil(K / 32);
    const w = await both(dtype, N * K, 3, owned);
    const sq = await upload(gpu(), 'sq', Float32Array.from(pseudoRandomF32(K, 4), Math.abs), owned);
    const stats = await upload(gpu(), 'stats', Float32Array.from(pseudoRandomF32(2 * K, 5), (v, i) => (i < K ? 10 + Math.abs(v) : v)), owned);
    const g = gpu();
    const check = async (what: string, out: GPUBuffer, bytes: number, make: (x: WeightBinding | GPUBuffer) => Promise<KernelCall>) => {
      const [a, b] = await compare(owned, out, bytes, w, make);
      expect(Array.from(a), what).toEqual(Array.from(b));
    };
    // Compaction gather: rows 4, 1 and a pad row; odd columns, a pad column.
    const rowIdx = await upload(g, 'rows', Uint32Array.of(4, 1, GATHER_PAD), owned);
    const colIdx = await upload(g, 'cols', Uint32Array.of(K - 1, 0, 151, GATHER_PAD, 7), owned);
    const gathered = await upload(g, 'gathered', new Float32Array(15), owned);
    await check('gather', gathered, 60, (x) => prepareGather(g, { src: x, srcRows: N, srcCols: K, rowIdx, colIdx, out: gathered, rows: 3, cols: 5 }));
    const allRows = await upload(g, 'all rows', allIndices(N), owned), allCols = await upload(g, 'all cols', allIndices(K), owned);
    const whole = await upload(g, 'whole', new Float32Array(N * K), owned);
    await check('gather all', whole, N * K * 4, (x) => prepareGather(g, { src: x, srcRows: N, srcCols: K, rowIdx: allRows, colIdx: allCols, out: whole, rows: N, cols: K }));
    expect(Array.from(await readF32(g, whole, N * K))).toEqual(Array.from(w.f32));
    if (dtype !== 'q8_0') {
      // Packed: the same rows / columns as raw f16 / bf16 elements (odd count: 15), which widen to the f32 gather's values.
      const packed = await createStorageBuffer(g, 'packed', 32);
      owned.push(packed);
      await runCalls(g, [await prepareGather(g, { src: w.half, srcRows: N, srcCols: K, rowIdx, colIdx, out: packed, rows: 3, cols: 5, packed: true })]);
      const bytes = await readBuffer(g, packed, 32);
      expect(new Uint16Array(bytes)[15], 'padding half').toBe(0);
      expect(Array.from(decodeWeightBytes(bytes, dtype, 15))).toEqual(Array.from(await readF32(g, gathered, 15)));
    }
    // Masks.
    const mask = await upload(g, 'mask', new Uint32Array(N * words), owned);
    const pruneCount = await createUniformBuffer(g, 'k', packUniform([{ u32: 150 }]));
    owned.push(pruneCount);
    for (const select of ['rank', 'radix'] as const) {
      for (const s of [sq, undefined]) {
        await check(`mask ${select} ${s ? 'wanda' : 'magnitude'}`, mask, N * words * 4, (x) => preparePruneMask(g, { w: x, sq: s, mask, N, K, pruneCount, select }));
      }
    }
    await check('mask 2:4', mask, N * words * 4, (x) => preparePruneMask(g, { w: x, sq, mask, N, K, nm: { n: 2, m: 4 } }));
    // Outlier statistics (magnitude, Wanda, SparseGPT denominators) and structured column scores.
    const sums = await upload(g, 'sums', new Float32Array(N), owned);
    const counts = await upload(g, 'counts', new Uint32Array(2 * N), owned);
    const threshold = await createUniformBuffer(g, 't', packUniform([{ f32: 0.7 }]));
    owned.push(threshold);
    for (const cols of [{}, { sq }, { denom: sq }]) {
      await check(`row sums ${Object.keys(cols)}`, sums, N * 4, (x) => prepareScoreRowSums(g, { w: x, ...cols, out: sums, N, K }));
      await check(`outliers ${Object.keys(cols)}`, counts, N * 8, (x) => prepareOutlierCount(g, { w: x, ...cols, mask, threshold, out: counts, N, K }));
    }
    const scores = await upload(g, 'scores', new Float32Array(K), owned);
    for (const metric of ['wanda-sp', 'magnitude-sp', 'flap'] as const) {
      await check(`column scores ${metric}`, scores, K * 4, (x) => prepareColumnScores(g, { w: x, sq: metric === 'magnitude-sp' ? undefined : stats, out: scores, N, K, metric, tokens: 32 }));
    }
    owned.forEach((b) => b.destroy());
  });
});

