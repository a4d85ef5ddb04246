// Host for shaders/softcap.wgsl: tanh soft-capping of a buffer in place.
import type { Gpu } from '../gpu/device.ts';
import { createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import code from '../../../shaders/softcap.wgsl?raw';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { grid1d } from './grid.ts';
import { KernelShapeError, requireElems, requireInt } from './guards.ts';

export interface SoftcapArgs {
  x: GPUBuffer;  // [n], capped in place
  n: number;
  cap: number;   // > 0
}

export async function prepareSoftcap(gpu: Gpu, a: SoftcapArgs): Promise<KernelCall> {
  const k = 'softcap';
  requireInt(k, 'n', a.n);
  requireElems(k, 'x [n]', a.x, a.n);
  if (!(a.cap > 0) || !Number.isFinite(a.cap)) throw new KernelShapeError(k, `cap must be a positive number, got ${a.cap}`);
  const params = await createUniformBuffer(gpu, 'softcap params', packUniform([{ u32: a.n }, { f32: a.cap }]));
  return prepareCall(gpu, k, code, [a.x, params], grid1d(gpu, a.n, 256));
}

/** CPU reference in float64. */
export function softcapReference(x: ArrayLike<number>, cap: number): Float64Array {
  return Float64Array.from(x, (v) => Math.tanh(v / cap) * cap);
}
