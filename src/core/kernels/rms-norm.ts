// Host for shaders/rms-norm.wgsl: RMSNorm (LLaMA's, or Gemma's (1 + w)), one workgroup per row.
import type { Gpu } from '../gpu/device.ts';
import { createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import kernel from '../../../shaders/rms-norm.wgsl?raw';
import reduceLib from '../../../shaders/lib/workgroup-reduce.wgsl?raw';
import { withLibs } from './shader-source.ts';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { grid1d, rowReductionLanes } from './grid.ts';
import { requireDistinct, requireElems, requireInt } from './guards.ts';

const code = withLibs(kernel, reduceLib);

export interface RmsNormArgs {
  x: GPUBuffer;       // [T, dim]
  weight: GPUBuffer;  // [dim]
  out: GPUBuffer;     // [T, dim]  (not x)
  T: number;
  dim: number;
  eps: number;
  /** Added to every weight: 1 for Gemma's (1 + w) norms; default 0. */
  weightOffset?: number;
  lanes?: number;     // per row; default rowReductionLanes (tests force both)
}

export async function prepareRmsNorm(gpu: Gpu, a: RmsNormArgs): Promise<KernelCall> {
  const k = 'rms-norm';
  requireInt(k, 'T', a.T);
  requireInt(k, 'dim', a.dim);
  requireElems(k, 'x [T, dim]', a.x, a.T * a.dim);
  requireElems(k, 'weight [dim]', a.weight, a.dim);
  requireElems(k, 'out [T, dim]', a.out, a.T * a.dim);
  requireDistinct(k, { out: a.out, x: a.x });
  requireDistinct(k, { out: a.out, weight: a.weight });
  const params = await createUniformBuffer(gpu, 'rms-norm params', packUniform([{ u32: a.T }, { u32: a.dim }, { f32: a.eps }, { f32: a.weightOffset ?? 0 }]));
  return prepareCall(gpu, k, code, [a.x, a.weight, a.out, params], grid1d(gpu, a.T, 1),
    { WG: a.lanes ?? rowReductionLanes(gpu, 64) });
}

/** CPU reference in float64.  x: [T, dim] */
export function rmsNormReference(x: Float32Array, weight: Float32Array, T: number, dim: number, eps: number, weightOffset = 0): Float64Array {
  const y = new Float64Array(T * dim);
  for (let t = 0; t < T; t++) {
    let ss = 0;
    for (let j = 0; j < dim; j++) ss += x[t * dim + j] ** 2;
    const inv = 1 / Math.sqrt(ss / dim + eps);
    for (let j = 0; j < dim; j++) y[t * dim + j] = x[t * dim + j] * inv * (weight[j] + weightOffset);
  }
  return y;
}
