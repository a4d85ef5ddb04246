// Host for shaders/hessian-accumulate.wgsl: h [K, K] += X^T X of one window's linear-map input x [T, K]
// (SparseGPT's Hessian, up to the factor 2; streamed window by window like the column statistics).
import type { Gpu } from '../gpu/device.ts';
import { createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import code from '../../../shaders/hessian-accumulate.wgsl?raw';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { requireDistinct, requireElems, requireInt, windowRows } from './guards.ts';

export interface HessianArgs {
  x: GPUBuffer;  // [T, K]
  h: GPUBuffer;  // [K, K], accumulated (the caller zeroes it once)
  T: number;
  K: number;
  /** Rows per window when x holds T / seq batched windows (each window summed, then added); default T. */
  seq?: number;
}

export async function prepareHessianAccumulate(gpu: Gpu, a: HessianArgs): Promise<KernelCall> {
  const k = 'hessian-accumulate';
  requireInt(k, 'T', a.T);
  requireInt(k, 'K', a.K);
  const seq = windowRows(k, a.T, a.seq);
  requireElems(k, 'x [T, K]', a.x, a.T * a.K);
  requireElems(k, 'h [K, K]', a.h, a.K * a.K);
  requireDistinct(k, { h: a.h, x: a.x });
  const params = await createUniformBuffer(gpu, `${k} params`, packUniform([{ u32: a.T }, { u32: a.K }, { u32: seq }]));
  const groups = Math.ceil(Math.ceil(a.K / 4) / 8); // 4x4 blocks per invocation, 8x8 invocations per workgroup
  return prepareCall(gpu, k, code, [a.x, a.h, params], [groups, groups]);
}

/** CPU reference in float64: `h` ([K, K]) plus this window's X^T X. */
export function hessianReference(x: ArrayLike<number>, h: ArrayLike<number>, T: number, K: number): Float64Array {
  const out = Float64Array.from(h);
  for (let t = 0; t < T; t++) {
    for (let a = 0; a < K; a++) {
      const xa = x[t * K + a];
      for (let b = 0; b < K; b++) out[a * K + b] += xa * x[t * K + b];
    }
  }
  return out;
}
