// Uniforms that callers own and rewrite between submits (a prune count, a threshold): one 4-byte write per
// slider step instead of a new pipeline or bind group. The kernels only check that what they got can be bound.

import { KernelShapeError } from './guards.ts';

/** `buffer` must be a UNIFORM buffer of at least 4 bytes holding `layout` (e.g. '{ k: u32 }'). */
export function requireCallerUniform(kernel: string, name: string, buffer: GPUBuffer, layout: string): void {
  const U = (globalThis as unknown as { GPUBufferUsage?: typeof GPUBufferUsage }).GPUBufferUsage;
  if (buffer.size < 4 || (U && (buffer.usage & U.UNIFORM) === 0)) {
    throw new KernelShapeError(kernel, `${name} must be a uniform buffer holding ${layout}`);
  }
}
