// Shape guards shared by the kernel hosts: every prepare* call checks its sizes, buffer capacities and
// aliasing before it creates anything, and throws a KernelShapeError that names the kernel and the argument.
import { PrunelabError } from '../errors.ts';
import { bindingBytes, bufferOf, type Binding } from './kernel-call.ts';

/** A kernel was prepared with sizes or buffers that do not fit together. */
export class KernelShapeError extends PrunelabError {
  constructor(readonly kernel: string, detail: string) {
    super('KernelShapeError', `${kernel}: ${detail}`);
  }
}

/** `value` must be an integer >= min (default 1). */
export function requireInt(kernel: string, name: string, value: number, min = 1): void {
  if (!Number.isInteger(value) || value < min) {
    throw new KernelShapeError(kernel, `${name} must be an integer >= ${min}, got ${value}`);
  }
}

/** Rows per batched window of a T-row input (default T: one window); T must be a multiple of it. */
export function windowRows(kernel: string, T: number, seq: number | undefined): number {
  const rows = seq ?? T;
  requireInt(kernel, 'seq', rows);
  if (T % rows !== 0) throw new KernelShapeError(kernel, `T = ${T} rows are not whole windows of seq = ${rows}`);
  return rows;
}

/** `buffer` must hold at least `elems` 4-byte elements. */
export function requireElems(kernel: string, name: string, buffer: Binding, elems: number): void {
  const bytes = bindingBytes(buffer);
  if (bytes < elems * 4) {
    throw new KernelShapeError(kernel, `${name} holds ${bytes} bytes but ${elems} x 4 = ${elems * 4} are needed`);
  }
}

/** Writable bindings may not alias any other binding of the same dispatch (WebGPU validation rule). */
export function requireDistinct(kernel: string, buffers: Record<string, Binding | undefined>): void {
  const seen = new Map<GPUBuffer, string>();
  for (const [name, binding] of Object.entries(buffers)) {
    if (!binding) continue;
    const b = bufferOf(binding);
    const other = seen.get(b);
    if (other) throw new KernelShapeError(kernel, `${name} and ${other} must be different buffers`);
    seen.set(b, name);
  }
}

/** A uniform buffer big enough for the `{ pos0: u32, seq: u32 }` struct the engine writes before each submit. */
export function requirePosition(kernel: string, position: GPUBuffer): void {
  const U = (globalThis as unknown as { GPUBufferUsage: typeof GPUBufferUsage }).GPUBufferUsage;
  if (position.size < 8 || (U && (position.usage & U.UNIFORM) === 0)) {
    throw new KernelShapeError(kernel, 'position must be a uniform buffer holding { pos0: u32, seq: u32 }');
  }
}
