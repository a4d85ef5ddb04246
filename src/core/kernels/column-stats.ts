// Host for shaders/column-stats.wgsl: per-column sum of squares and sum of a linear map's input rows.
import type { Gpu } from '../gpu/device.ts';
import { createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import code from '../../../shaders/column-stats.wgsl?raw';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { grid1d } from './grid.ts';
import { requireDistinct, requireElems, requireInt, windowRows } from './guards.ts';

export interface ColumnStatsArgs {
  x: GPUBuffer;      // [T, K]
  stats: GPUBuffer;  // [2, K]: sums of squares, then sums; accumulated (the caller zeroes it once)
  T: number;
  K: number;
  /** Rows per window when x holds T / seq batched windows (each window summed, then added); default T. */
  seq?: number;
}

export async function prepareColumnStats(gpu: Gpu, a: ColumnStatsArgs): Promise<KernelCall> {
  const k = 'column-stats';
  requireInt(k, 'T', a.T);
  requireInt(k, 'K', a.K);
  const seq = windowRows(k, a.T, a.seq);
  requireElems(k, 'x [T, K]', a.x, a.T * a.K);
  requireElems(k, 'stats [2, K]', a.stats, 2 * a.K);
  requireDistinct(k, { stats: a.stats, x: a.x });
  const params = await createUniformBuffer(gpu, 'column-stats params', packUniform([{ u32: a.T }, { u32: a.K }, { u32: seq }]));
  return prepareCall(gpu, k, code, [a.x, a.stats, params], grid1d(gpu, a.K, 64));
}

/** CPU reference in float64: `stats` ([2, K]) plus this window's sums of squares and sums. */
export function columnStatsReference(x: Float32Array, stats: Float32Array, T: number, K: number): Float64Array {
  const out = Float64Array.from(stats);
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < K; j++) {
      out[j] += x[t * K + j] ** 2;
      out[K + j] += x[t * K + j];
    }
  }
  return out;
}
