// Hosts for shaders/prune-mask.wgsl and prune-mask-rank.wgsl (unstructured: the k lowest scores of every row; radix
// select for long rows, a barrier-free rank count for short ones) and shaders/prune-mask-nm.wgsl
// (N:M). Masks are bitsets [N, ceil(K/32)] u32, bit j % 32 of word j / 32 = 1 when weight (i, j) is kept; padding
// bits past K are 0. The kernels write every word, so a mask buffer never needs clearing. Scores: prune-score.ts.
import type { Gpu } from '../gpu/device.ts';
import { createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import radixKernel from '../../../shaders/prune-mask.wgsl?raw';
import nmKernel from '../../../shaders/prune-mask-nm.wgsl?raw';
import rankKernel from '../../../shaders/prune-mask-rank.wgsl?raw';
import scoreBitsLib from '../../../shaders/lib/score-bits.wgsl?raw';
import rowKeyLib from '../../../shaders/lib/row-score-key.wgsl?raw';
import radixSelectLib from '../../../shaders/lib/radix-select.wgsl?raw';
import unstructuredBindingsLib from '../../../shaders/lib/prune-mask-bindings.wgsl?raw';
import { withLibs } from './shader-source.ts';

// The three mask kernels order scores by the same key; the two unstructured ones share their bindings, and the
// radix one selects with the shared radix select.
// Each reads the weight in its stored dtype (weight-load lib per dtype).
const code = weightCodeCache((lib) => withLibs(radixKernel, unstructuredBindingsLib, scoreBitsLib, rowKeyLib, radixSelectLib, lib));
const nmCode = weightCodeCache((lib) => withLibs(nmKernel, scoreBitsLib, rowKeyLib, lib));
const rankCode = weightCodeCache((lib) => withLibs(rankKernel, unstructuredBindingsLib, scoreBitsLib, rowKeyLib, lib));
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { grid1d } from './grid.ts';
import { KernelShapeError, requireDistinct, requireElems, requireInt } from './guards.ts';
import { requireCallerUniform } from './caller-uniform.ts';
import { pruneScoreF32, pruneScoreKey } from './prune-score.ts';
import { requireWeightElems, weightCodeCache, weightDtypeOf, weightLabel, weightResource, type WeightInput } from './weight-binding.ts';

export interface PruneMaskArgs {
  w: WeightInput;          // [N, K] in its stored dtype, Linear layout [out, in]
  sq?: GPUBuffer;          // [K] f32 sums of squared inputs (Wanda); absent = magnitude
  mask: GPUBuffer;         // [N, ceil(K/32)] u32 bitset, written whole
  N: number;
  K: number;
  pruneCount?: GPUBuffer;  // uniform { k: u32 }, written by the caller: weights pruned per row (unstructured only)
  nm?: { n: number; m: number };
  /** Force a selection algorithm (tests, bench); by default rows of K <= RANK_SELECT_MAX_K use the rank count. */
  select?: 'radix' | 'rank';
}

/** Longest row for the barrier-free rank-count kernel (K * 32 comparisons per mask word); longer rows use the
 * workgroup radix select, whose cost grows with K instead of K^2. */
export const RANK_SELECT_MAX_K = 256;

export async function preparePruneMask(gpu: Gpu, a: PruneMaskArgs): Promise<KernelCall> {
  const label = a.nm ? 'prune-mask-nm' : 'prune-mask';
  requireInt(label, 'N', a.N);
  requireInt(label, 'K', a.K);
  const words = Math.ceil(a.K / 32);
  requireWeightElems(label, 'w [N, K]', a.w, a.N * a.K);
  if (a.sq) requireElems(label, 'sq [K]', a.sq, a.K);
  requireElems(label, 'mask [N, words]', a.mask, a.N * words);
  const w = weightResource(a.w), dtype = weightDtypeOf(a.w);
  requireDistinct(label, { mask: a.mask, w, sq: a.sq });
  const sqOrW = a.sq ?? w; // without sq the (read-only) weight fills its binding; the shader never reads it
  if (a.nm) {
    const { n, m } = a.nm;
    if (!(Number.isInteger(n) && Number.isInteger(m) && n >= 1 && n < m)) throw new KernelShapeError(label, `N:M needs integers 1 <= N < M, got ${n}:${m}`);
    // One invocation owns one mask word, so a group may not straddle two words.
    if (32 % m !== 0) throw new KernelShapeError(label, `M must divide 32 (2, 4, 8, 16 or 32), got ${m}`);
    const params = await createUniformBuffer(gpu, 'prune-mask-nm params', packUniform([
      { u32: a.N }, { u32: a.K }, { u32: words }, { u32: a.sq ? 1 : 0 }, { u32: n }, { u32: m },
    ]));
    return prepareCall(gpu, weightLabel(label, dtype), nmCode(dtype), [w, sqOrW, a.mask, params], grid1d(gpu, a.N * words, 64));
  }
  if (!a.pruneCount) throw new KernelShapeError(label, 'pruneCount (a uniform { k: u32 }) is required without N:M');
  requireCallerUniform(label, 'pruneCount', a.pruneCount, '{ k: u32 }');
  const params = await createUniformBuffer(gpu, 'prune-mask params', packUniform([
    { u32: a.N }, { u32: a.K }, { u32: words }, { u32: a.sq ? 1 : 0 },
  ]));
  const select = a.select ?? (a.K <= RANK_SELECT_MAX_K ? 'rank' : 'radix');
  const bindings = [w, sqOrW, a.mask, params, a.pruneCount];
  return select === 'rank'
    ? prepareCall(gpu, weightLabel('prune-mask-rank', dtype), rankCode(dtype), bindings, grid1d(gpu, a.N * words, 64))
    : prepareCall(gpu, weightLabel(label, dtype), code(dtype), bindings, grid1d(gpu, a.N, 1));
}

/** Column order in which a run of scores is pruned: lowest key first, ties to the lower column. */
function pruningOrder(keys: number[]): number[] {
  return keys.map((_, j) => j).sort((a, b) => keys[a] - keys[b] || a - b);
}

/** CPU reference: the mask [N, words] pruning the k lowest scores per row (k clamped to K), or the N:M pattern
 * (a trailing group of K % m columns keeps its min(n, K % m) highest). */
export function pruneMaskReference(w: Float32Array, sq: Float32Array | undefined, N: number, K: number, k: number,
  nm?: { n: number; m: number }): Uint32Array {
  const words = Math.ceil(K / 32);
  const mask = new Uint32Array(N * words);
  for (let i = 0; i < N; i++) {
    const keys = Array.from({ length: K }, (_, j) => pruneScoreKey(pruneScoreF32(w[i * K + j], sq?.[j])));
    const keep = new Array<boolean>(K).fill(true);
    if (nm) {
      for (let g = 0; g < K; g += nm.m) {
        const group = keys.slice(g, g + nm.m); // the tail group may be shorter: it keeps min(n, its size)
        for (const j of pruningOrder(group).slice(0, Math.max(0, group.length - nm.n))) keep[g + j] = false;
      }
    } else {
      for (const j of pruningOrder(keys).slice(0, Math.min(k, K))) keep[j] = false;
    }
    keep.forEach((kept, j) => { if (kept) mask[i * words + (j >> 5)] |= 1 << (j & 31); });
  }
  return mask;
}

/** Kept weights per row: the popcount of each row's words. */
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
