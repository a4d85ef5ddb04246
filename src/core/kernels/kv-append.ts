// Host for shaders/kv-append.wgsl: writes this step's keys or values into the KV cache at rows pos0 ..
import type { Gpu } from '../gpu/device.ts';
import { createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import code from '../../../shaders/kv-append.wgsl?raw';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { grid1d } from './grid.ts';
import { requireDistinct, requireElems, requireInt, requirePosition } from './guards.ts';

export interface KvAppendArgs {
  src: GPUBuffer;       // [T, width]
  cache: GPUBuffer;     // [rows, width]  rows = cache.size / 4 / width
  T: number;
  width: number;        // nKvHeads * headDim
  position: GPUBuffer;  // uniform { pos0: u32, seq: u32 } (seq > 0: batched windows of seq rows, pos0 = 0)
}

export async function prepareKvAppend(gpu: Gpu, a: KvAppendArgs): Promise<KernelCall> {
  const k = 'kv-append';
  requireInt(k, 'T', a.T);
  requireInt(k, 'width', a.width);
  requireElems(k, 'src [T, width]', a.src, a.T * a.width);
  requireElems(k, 'cache [rows, width]', a.cache, a.width);
  requireDistinct(k, { cache: a.cache, src: a.src });
  requirePosition(k, a.position);
  const maxRows = Math.floor(a.cache.size / 4 / a.width);
  const params = await createUniformBuffer(gpu, 'kv-append params', packUniform([{ u32: a.T }, { u32: a.width }, { u32: maxRows }]));
  return prepareCall(gpu, k, code, [a.src, a.cache, params, a.position], grid1d(gpu, a.T * a.width, 256));
}

/** CPU reference: `cache` ([rows, width]) with rows pos0 .. pos0+T-1 (those that fit) replaced by src. */
export function kvAppendReference(src: Float32Array, cache: Float32Array, width: number, pos0: number): Float32Array {
  const y = cache.slice();
  const rows = Math.floor(cache.length / width);
  const T = src.length / width;
  for (let t = 0; t < T && pos0 + t < rows; t++) y.set(src.subarray(t * width, (t + 1) * width), (pos0 + t) * width);
  return y;
}
