// Hosts for shaders/prune-mask.wgsl (unstructured: k lowest scores per row) and shaders/prune-mask-nm.wgsl (N:M).
// Masks are bitsets [N, ceil(K/32)] u32, bit 1 = kept; the kernels write every word (no clearing needed).
import type { Gpu } from '../gpu/device.ts';
import { createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import code from '../../../shaders/prune-mask.wgsl?raw';
import nmCode from '../../../shaders/prune-mask-nm.wgsl?raw';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { grid1d } from './grid.ts';
import { KernelShapeError, requireDistinct, requireElems, requireInt } from './guards.ts';

/** The unstructured kernel keeps a per-word tie count for one row in workgroup memory. */
export const MAX_PRUNE_COLUMNS = 16384;

export interface PruneMaskArgs {
  w: GPUBuffer;            // [N, K]
  sq?: GPUBuffer;          // [K] sums of squared inputs (Wanda); absent = magnitude
  mask: GPUBuffer;         // [N, ceil(K/32)] u32
  N: number;
  K: number;
  pruneCount?: GPUBuffer;  // uniform { k: u32 }: weights pruned per row (unstructured mode)
  nm?: { n: number; m: number };
}

export async function preparePruneMask(gpu: Gpu, a: PruneMaskArgs): Promise<KernelCall> {
  const label = a.nm ? 'prune-mask-nm' : 'prune-mask';
  requireInt(label, 'N', a.N);
  requireInt(label, 'K', a.K);
  const words = Math.ceil(a.K / 32);
  requireElems(label, 'w [N, K]', a.w, a.N * a.K);
  if (a.sq) requireElems(label, 'sq [K]', a.sq, a.K);
  requireElems(label, 'mask [N, words]', a.mask, a.N * words);
  requireDistinct(label, { mask: a.mask, w: a.w, sq: a.sq });
  if (a.nm) {
    const { n, m } = a.nm;
    if (!(Number.isInteger(n) && Number.isInteger(m) && n >= 1 && n < m)) throw new KernelShapeError(label, `N:M needs 1 <= N < M, got ${n}:${m}`);
    if (32 % m !== 0) throw new KernelShapeError(label, `M must divide 32 (groups may not straddle mask words), got ${m}`);
    if (a.K % m !== 0) throw new KernelShapeError(label, `K (${a.K}) must be a multiple of M (${m})`);
    const params = await createUniformBuffer(gpu, 'prune-mask-nm params', packUniform([
      { u32: a.N }, { u32: a.K }, { u32: words }, { u32: a.sq ? 1 : 0 }, { u32: n }, { u32: m },
    ]));
    return prepareCall(gpu, label, nmCode, [a.w, a.sq ?? a.w, a.mask, params], grid1d(gpu, a.N * words, 64));
  }
  if (!a.pruneCount) throw new KernelShapeError(label, 'pruneCount (uniform { k: u32 }) is required without N:M');
  if (a.K > MAX_PRUNE_COLUMNS) throw new KernelShapeError(label, `K ${a.K} exceeds the supported ${MAX_PRUNE_COLUMNS} columns`);
  const params = await createUniformBuffer(gpu, 'prune-mask params', packUniform([
    { u32: a.N }, { u32: a.K }, { u32: words }, { u32: a.sq ? 1 : 0 },
  ]));
  return prepareCall(gpu, label, code, [a.w, a.sq ?? a.w, a.mask, params, a.pruneCount], grid1d(gpu, a.N, 1));
}

/** The score the kernels compute, in float32 like the GPU (NaN -> +Infinity: sorts last). */
export function pruneScoreF32(w: number, sq: number | undefined): number {
  const s = sq === undefined ? Math.abs(Math.fround(w)) : Math.fround(Math.abs(Math.fround(w)) * Math.fround(Math.sqrt(Math.fround(sq))));
  return Number.isNaN(s) ? Infinity : s;
}

/** CPU reference: the mask bitset [N, words] for `k` pruned per row, or the N:M pattern. */
export function pruneMaskReference(w: Float32Array, sq: Float32Array | undefined, N: number, K: number, k: number,
  nm?: { n: number; m: number }): Uint32Array {
  const words = Math.ceil(K / 32);
  const mask = new Uint32Array(N * words);
  for (let i = 0; i < N; i++) {
    const score = (j: number) => pruneScoreF32(w[i * K + j], sq?.[j]);
    const pruned = new Set<number>();
    const lowestFirst = (cols: number[]) => cols.sort((a, b) => score(a) - score(b) || a - b);
    if (nm) {
      for (let g = 0; g < K; g += nm.m) {
        lowestFirst(Array.from({ length: nm.m }, (_, t) => g + t)).slice(0, nm.m - nm.n).forEach((j) => pruned.add(j));
      }
    } else {
      lowestFirst(Array.from({ length: K }, (_, j) => j)).slice(0, Math.min(k, K)).forEach((j) => pruned.add(j));
    }
    for (let j = 0; j < K; j++) if (!pruned.has(j)) mask[i * words + (j >> 5)] |= 1 << (j & 31);
  }
  return mask;
}

/** Kept weights per row (popcount of each row's words). */
export function countKept(mask: Uint32Array, N: number, K: number): number[] {
  const words = Math.ceil(K / 32);
  const out: number[] = [];
  for (let i = 0; i < N; i++) {
    let c = 0;
    for (let wd = 0; wd < words; wd++) {
      let v = mask[i * words + wd];
      while (v) { v &= v - 1; c++; }
    }
    out.push(c);
  }
  return out;
}
