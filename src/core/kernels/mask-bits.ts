// Hosts for the pruning-bitset kernels: mask-fill (a mask from kept rows and one row's column bits) and
// mask-popcount (kept weights of a mask, summed into a counter slot). Masks are [N, ceil(K/32)] u32, 1 = kept.
import type { Gpu } from '../gpu/device.ts';
import { createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import fillCode from '../../../shaders/mask-fill.wgsl?raw';
import popcountCode from '../../../shaders/mask-popcount.wgsl?raw';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { grid1d } from './grid.ts';
import { requireElems, requireInt } from './guards.ts';

/** Words the popcount kernel sums per invocation, and its workgroup size (shaders/mask-popcount.wgsl). */
const POPCOUNT_PER = 16, POPCOUNT_WG = 64;

/** mask [N, words] <- rowKeep [ceil(N/32)] (bit i: row i kept) x colWords [words] (a kept row's bits). */
export async function prepareMaskFill(gpu: Gpu, a: { mask: GPUBuffer; rowKeep: GPUBuffer; colWords: GPUBuffer; N: number; words: number }): Promise<KernelCall> {
  requireInt('mask-fill', 'N', a.N, 1);
  requireInt('mask-fill', 'words', a.words, 1);
  requireElems('mask-fill', 'mask', a.mask, a.N * a.words);
  requireElems('mask-fill', 'rowKeep', a.rowKeep, Math.ceil(a.N / 32));
  requireElems('mask-fill', 'colWords', a.colWords, a.words);
  const params = await createUniformBuffer(gpu, 'mask-fill params', packUniform([{ u32: a.N }, { u32: a.words }]));
  return prepareCall(gpu, 'mask-fill', fillCode, [a.mask, a.rowKeep, a.colWords, params], grid1d(gpu, a.N * a.words, 256));
}

/** counts[slot] += kept bits among mask's first n words (counts is u32 [slots], zeroed by the caller). */
export async function prepareMaskPopcount(gpu: Gpu, a: { mask: GPUBuffer; n: number; counts: GPUBuffer; slot: number }): Promise<KernelCall> {
  requireInt('mask-popcount', 'n', a.n, 1);
  requireElems('mask-popcount', 'mask', a.mask, a.n);
  requireElems('mask-popcount', 'counts', a.counts, a.slot + 1);
  const params = await createUniformBuffer(gpu, 'mask-popcount params', packUniform([{ u32: a.n }, { u32: a.slot }]));
  return prepareCall(gpu, 'mask-popcount', popcountCode, [a.mask, a.counts, params],
    grid1d(gpu, Math.ceil(a.n / POPCOUNT_PER), POPCOUNT_WG));
}

/** Bits 0..n-1 set where keep(i): a rowKeep / colWords bitset. */
export function keepBits(n: number, keep: (i: number) => boolean): Uint32Array {
  const bits = new Uint32Array(Math.ceil(n / 32));
  for (let i = 0; i < n; i++) if (keep(i)) bits[i >> 5] |= (1 << (i & 31)) >>> 0;
  return bits;
}

/** CPU reference of mask-fill. */
export function maskFillReference(rowKeep: Uint32Array, colWords: Uint32Array, N: number): Uint32Array {
  const words = colWords.length, out = new Uint32Array(N * words);
  for (let i = 0; i < N; i++) if ((rowKeep[i >> 5] >>> (i & 31)) & 1) out.set(colWords, i * words);
  return out;
}

/** CPU reference of mask-popcount. */
export function popcountReference(mask: Uint32Array): number {
  let c = 0;
  for (let v of mask) { while (v) { v &= v - 1; c++; } }
  return c;
}
