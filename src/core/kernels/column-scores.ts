// Host for shaders/column-scores.wgsl: per-input-column scores of a weight for structured pruning
// (Wanda-sp, magnitude-sp, FLAP), so only [K] scores are read back instead of the [N, K] weight.
import type { Gpu } from '../gpu/device.ts';
import { createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import kernel from '../../../shaders/column-scores.wgsl?raw';
import { withLibs } from './shader-source.ts';
import { requireWeightElems, weightCodeCache, weightDtypeOf, weightLabel, weightResource, type WeightInput } from './weight-binding.ts';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { grid1d } from './grid.ts';
import { requireDistinct, requireElems, requireInt } from './guards.ts';

export interface ColumnScoresArgs {
  w: WeightInput;      // [N, K] in its stored dtype
  /** Input statistics: wanda-sp reads [K] sums of squares (a [2, K] statistics buffer works); flap the whole
   * [2, K] (sums of squares, then sums); magnitude-sp none. */
  sq?: GPUBuffer;
  out: GPUBuffer;      // [K]
  N: number;
  K: number;
  metric: 'wanda-sp' | 'magnitude-sp' | 'flap';
  /** flap: calibration tokens the statistics were summed over (for the mean and variance). */
  tokens?: number;
}

const code = weightCodeCache((lib) => withLibs(kernel, lib));
const MODE = { 'wanda-sp': 0, 'magnitude-sp': 1, flap: 2 } as const;

export async function prepareColumnScores(gpu: Gpu, a: ColumnScoresArgs): Promise<KernelCall> {
  const k = 'column-scores';
  requireInt(k, 'N', a.N);
  requireInt(k, 'K', a.K);
  requireWeightElems(k, 'w [N, K]', a.w, a.N * a.K);
  requireElems(k, 'out [K]', a.out, a.K);
  if (a.metric !== 'magnitude-sp') {
    if (!a.sq) throw new Error(`column-scores: ${a.metric} needs the input statistics`);
    requireElems(k, a.metric === 'flap' ? 'stats [2, K]' : 'sq [K]', a.sq, a.metric === 'flap' ? 2 * a.K : a.K);
  }
  if (a.metric === 'flap') requireInt(k, 'tokens', a.tokens ?? NaN);
  const w = weightResource(a.w), dtype = weightDtypeOf(a.w);
  requireDistinct(k, { out: a.out, w });
  requireDistinct(k, { out: a.out, sq: a.sq });
  const params = await createUniformBuffer(gpu, 'column-scores params', packUniform([
    { u32: a.N }, { u32: a.K }, { u32: MODE[a.metric] }, { f32: a.tokens ?? 1 }]));
  // magnitude-sp never reads the statistics: bind the weight in their place (both read-only).
  return prepareCall(gpu, weightLabel(k, dtype), code(dtype), [w, a.sq ?? w, a.out, params], grid1d(gpu, a.K, 64));
}
