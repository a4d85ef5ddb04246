// Host for shaders/silu-mul.wgsl: the SwiGLU activation silu(gate) * up.
import type { Gpu } from '../gpu/device.ts';
import { createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import code from '../../../shaders/silu-mul.wgsl?raw';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { grid1d } from './grid.ts';
import { requireDistinct, requireElems, requireInt } from './guards.ts';

export interface SiluMulArgs {
  gate: GPUBuffer;  // [n]
  up: GPUBuffer;    // [n]
  out: GPUBuffer;   // [n]  (not gate or up)
  n: number;
}

export async function prepareSiluMul(gpu: Gpu, a: SiluMulArgs): Promise<KernelCall> {
  const k = 'silu-mul';
  requireInt(k, 'n', a.n);
  requireElems(k, 'gate [n]', a.gate, a.n);
  requireElems(k, 'up [n]', a.up, a.n);
  requireElems(k, 'out [n]', a.out, a.n);
  requireDistinct(k, { out: a.out, gate: a.gate });
  requireDistinct(k, { out: a.out, up: a.up });
  const params = await createUniformBuffer(gpu, 'silu-mul params', packUniform([{ u32: a.n }]));
  return prepareCall(gpu, k, code, [a.gate, a.up, a.out, params], grid1d(gpu, a.n, 256));
}

/** CPU reference in float64. */
export function siluMulReference(gate: Float32Array, up: Float32Array): Float64Array {
  return Float64Array.from(gate, (g, i) => (g / (1 + Math.exp(-g))) * up[i]);
}
