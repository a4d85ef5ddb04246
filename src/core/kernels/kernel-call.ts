// A prepared dispatch: pipeline + bind group + workgroup counts, built once and encoded many times.
import { AdapterLimitExceeded } from '../errors.ts';
import type { Gpu } from '../gpu/device.ts';
import { getPipeline } from '../gpu/pipelines.ts';
import { queueDone } from '../gpu/queue.ts';

/** A whole buffer, or a byte range of one (offset a multiple of minStorageBufferOffsetAlignment). */
export type Binding = GPUBuffer | { buffer: GPUBuffer; offset: number; size: number };

export function bufferOf(b: Binding): GPUBuffer {
  return 'buffer' in b ? b.buffer : b;
}

export function bindingBytes(b: Binding): number {
  return b.size;
}

export interface KernelCall {
  readonly label: string;
  encode(pass: GPUComputePassEncoder): void;
}

/** Binds `buffers` to @group(0) @binding(0..n-1) in order and returns a reusable call; `constants` set the
 * shader's `override` declarations (e.g. a workgroup size). */
export async function prepareCall(gpu: Gpu, label: string, code: string, buffers: Binding[],
  workgroups: [number, number?, number?], constants?: Record<string, number>): Promise<KernelCall> {
  const max = gpu.limits.maxComputeWorkgroupsPerDimension;
  const [x, y = 1, z = 1] = workgroups;
  if (x > max || y > max || z > max) {
    throw new AdapterLimitExceeded(`${label}: a dispatch of ${x}x${y}x${z} workgroups`, Math.max(x, y, z), max,
      'maxComputeWorkgroupsPerDimension', 'workgroups');
  }
  const pipeline = await getPipeline(gpu, label, code, constants);
  const bindGroup = await gpu.scoped(`bind ${label}`, () => gpu.device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: buffers.map((b, binding) => ({ binding, resource: 'buffer' in b ? b : { buffer: b } })),
  }));
  return {
    label,
    encode(pass) {
      if (x === 0 || y === 0 || z === 0) return;
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(x, y, z);
    },
  };
}

/** Encodes calls into one compute pass and submits, without waiting: later queue work (copies, reads, other
 * submits) sees its results, as WebGPU's queue runs in submission order. */
export function submitCalls(gpu: Gpu, calls: KernelCall[]): void {
  const enc = gpu.device.createCommandEncoder();
  const pass = enc.beginComputePass();
  for (const c of calls) c.encode(pass);
  pass.end();
  gpu.device.queue.submit([enc.finish()]);
}

/** submitCalls, then resolves when the GPU has finished. */
export async function runCalls(gpu: Gpu, calls: KernelCall[]): Promise<void> {
  submitCalls(gpu, calls);
  await queueDone(gpu);
}
