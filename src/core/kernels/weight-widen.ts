// Host for shaders/weight-widen.wgsl: an f32 copy of a weight stored in any dtype (widening is exact), so a consumer
// that writes weights (SparseGPT's overrides) needs no f32 copy of the whole model.
import type { Gpu } from '../gpu/device.ts';
import { createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import kernel from '../../../shaders/weight-widen.wgsl?raw';
import { withLibs } from './shader-source.ts';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { grid1d } from './grid.ts';
import { requireDistinct, requireElems, requireInt } from './guards.ts';
import { requireWeightElems, weightCodeCache, weightDtypeOf, weightLabel, weightResource, type WeightInput } from './weight-binding.ts';

const code = weightCodeCache((lib) => withLibs(kernel, lib));

export interface WidenArgs {
  w: WeightInput;   // [n] in its stored dtype
  out: GPUBuffer;   // [n] f32
  n: number;
}

export async function prepareWidenWeight(gpu: Gpu, a: WidenArgs): Promise<KernelCall> {
  const k = 'weight-widen';
  requireInt(k, 'n', a.n);
  requireWeightElems(k, 'w [n]', a.w, a.n);
  requireElems(k, 'out [n]', a.out, a.n);
  const w = weightResource(a.w), dtype = weightDtypeOf(a.w);
  requireDistinct(k, { out: a.out, w });
  const params = await createUniformBuffer(gpu, `${k} params`, packUniform([{ u32: a.n }]));
  return prepareCall(gpu, weightLabel(k, dtype), code(dtype), [w, a.out, params], grid1d(gpu, a.n, 64));
}
