// Host for shaders/residual-add.wgsl: x += y elementwise.
import type { Gpu } from '../gpu/device.ts';
import { createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import code from '../../../shaders/residual-add.wgsl?raw';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { grid1d } from './grid.ts';

/** x: [n] (updated in place), y: [n]. */
export async function prepareResidualAdd(gpu: Gpu, x: GPUBuffer, y: GPUBuffer, n: number): Promise<KernelCall> {
  const params = await createUniformBuffer(gpu, 'residual-add params', packUniform([{ u32: n }]));
  return prepareCall(gpu, 'residual-add', code, [x, y, params], grid1d(gpu, n, 256));
}

/** CPU reference. */
export function residualAddReference(x: Float32Array, y: Float32Array): Float32Array {
  return x.map((v, i) => v + y[i]);
}
