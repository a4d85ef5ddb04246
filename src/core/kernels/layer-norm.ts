// Host for shaders/layer-norm.wgsl: LayerNorm with weight and bias (GPT-2, OPT), one workgroup per row.
import type { Gpu } from '../gpu/device.ts';
import { createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import kernel from '../../../shaders/layer-norm.wgsl?raw';
import reduceLib from '../../../shaders/lib/workgroup-reduce.wgsl?raw';
import { withLibs } from './shader-source.ts';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { grid1d, rowReductionLanes } from './grid.ts';
import { requireDistinct, requireElems, requireInt } from './guards.ts';

const code = withLibs(kernel, reduceLib);

export interface LayerNormArgs {
  x: GPUBuffer;       // [T, dim]
  weight: GPUBuffer;  // [dim]
  bias: GPUBuffer;    // [dim]
  out: GPUBuffer;     // [T, dim]  (not x)
  T: number;
  dim: number;
  eps: number;
  lanes?: number;     // per row; default rowReductionLanes (tests force both)
}

export async function prepareLayerNorm(gpu: Gpu, a: LayerNormArgs): Promise<KernelCall> {
  const k = 'layer-norm';
  requireInt(k, 'T', a.T);
  requireInt(k, 'dim', a.dim);
  requireElems(k, 'x [T, dim]', a.x, a.T * a.dim);
  requireElems(k, 'weight [dim]', a.weight, a.dim);
  requireElems(k, 'bias [dim]', a.bias, a.dim);
  requireElems(k, 'out [T, dim]', a.out, a.T * a.dim);
  requireDistinct(k, { out: a.out, x: a.x });
  requireDistinct(k, { out: a.out, weight: a.weight });
  requireDistinct(k, { out: a.out, bias: a.bias });
  const params = await createUniformBuffer(gpu, 'layer-norm params', packUniform([{ u32: a.T }, { u32: a.dim }, { f32: a.eps }]));
  return prepareCall(gpu, k, code, [a.x, a.weight, a.bias, a.out, params], grid1d(gpu, a.T, 1),
    { WG: a.lanes ?? rowReductionLanes(gpu, 64) });
}

/** CPU reference in float64 (torch.nn.LayerNorm: biased variance).  x: [T, dim] */
export function layerNormReference(x: Float32Array, weight: Float32Array, bias: Float32Array, T: number, dim: number, eps: number): Float64Array {
  const y = new Float64Array(T * dim);
  for (let t = 0; t < T; t++) {
    let mean = 0;
    for (let j = 0; j < dim; j++) mean += x[t * dim + j];
    mean /= dim;
    let v = 0;
    for (let j = 0; j < dim; j++) v += (x[t * dim + j] - mean) ** 2;
    const inv = 1 / Math.sqrt(v / dim + eps);
    for (let j = 0; j < dim; j++) y[t * dim + j] = (x[t * dim + j] - mean) * inv * weight[j] + bias[j];
  }
  return y;
}
