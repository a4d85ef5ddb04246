// Host for shaders/column-scores.wgsl: per-input-column scores of a weight for structured pruning
// (Wanda-sp, magnitude-sp), so only [K] scores are read back instead of the [N, K] weight.
import type { Gpu } from '../gpu/device.ts';
import { createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import code from '../../../shaders/column-scores.wgsl?raw';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { grid1d } from './grid.ts';
import { requireDistinct, requireElems, requireInt } from './guards.ts';

export interface ColumnScoresArgs {
  w: GPUBuffer;        // [N, K]
  /** [K] sums of squares of the input (a [2, K] statistics buffer works); needed for wanda-sp only. */
  sq?: GPUBuffer;
  out: GPUBuffer;      // [K]
  N: number;
  K: number;
  metric: 'wanda-sp' | 'magnitude-sp';
}

export async function prepareColumnScores(gpu: Gpu, a: ColumnScoresArgs): Promise<KernelCall> {
  const k = 'column-scores';
  requireInt(k, 'N', a.N);
  requireInt(k, 'K', a.K);
  requireElems(k, 'w [N, K]', a.w, a.N * a.K);
  requireElems(k, 'out [K]', a.out, a.K);
  if (a.metric === 'wanda-sp') {
    if (!a.sq) throw new Error('column-scores: wanda-sp needs sq');
    requireElems(k, 'sq [K]', a.sq, a.K);
  }
  requireDistinct(k, { out: a.out, w: a.w });
  requireDistinct(k, { out: a.out, sq: a.sq });
  const params = await createUniformBuffer(gpu, 'column-scores params', packUniform([
    { u32: a.N }, { u32: a.K }, { u32: a.metric === 'magnitude-sp' ? 1 : 0 }]));
  // magnitude-sp never reads sq: bind the weight in its place (both read-only).
  return prepareCall(gpu, k, code, [a.w, a.sq ?? a.w, a.out, params], grid1d(gpu, a.K, 64));
}
