// Buffer creation (inside error scopes, with limit checks) and readback.
import type { Gpu } from './device.ts';
import { checkFits } from './device.ts';

const STORAGE = GPUBufferUsageFlags();

function GPUBufferUsageFlags() {
  // GPUBufferUsage is a global only after the Node `webgpu` package installed its globals: resolve lazily.
  return () => (globalThis as unknown as { GPUBufferUsage: typeof GPUBufferUsage }).GPUBufferUsage;
}

/** A storage buffer of `bytes` (rounded up to 4), optionally initialised from `data`. */
export async function createStorageBuffer(gpu: Gpu, label: string, bytes: number,
  data?: ArrayBufferView): Promise<GPUBuffer> {
  const size = Math.max(4, Math.ceil(bytes / 4) * 4);
  checkFits(gpu, label, size);
  const U = STORAGE();
  const buffer = await gpu.scoped(`create buffer ${label}`, () => gpu.device.createBuffer({
    label, size, usage: U.STORAGE | U.COPY_SRC | U.COPY_DST,
  }));
  if (data) gpu.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  return buffer;
}

/** A small uniform buffer holding `words` (u32/f32 mixed; pass a Uint32Array view over the same memory). */
export async function createUniformBuffer(gpu: Gpu, label: string, data: ArrayBufferView): Promise<GPUBuffer> {
  const U = STORAGE();
  const size = Math.max(16, Math.ceil(data.byteLength / 16) * 16);
  const buffer = await gpu.scoped(`create uniform ${label}`, () => gpu.device.createBuffer({
    label, size, usage: U.UNIFORM | U.COPY_DST,
  }));
  gpu.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  return buffer;
}

/** Packs mixed u32 / f32 uniform fields in declaration order (each 4 bytes). */
export function packUniform(fields: Array<{ u32: number } | { i32: number } | { f32: number }>): Uint32Array {
  const words = new Uint32Array(Math.max(4, Math.ceil(fields.length / 4) * 4));
  const f32 = new Float32Array(words.buffer);
  const i32 = new Int32Array(words.buffer);
  fields.forEach((f, i) => {
    if ('u32' in f) words[i] = f.u32;
    else if ('i32' in f) i32[i] = f.i32;
    else f32[i] = f.f32;
  });
  return words;
}

/** Copies `bytes` from `src` (at `offset`) to the CPU. One staging buffer per call: not for hot loops. */
export async function readBuffer(gpu: Gpu, src: GPUBuffer, bytes: number, offset = 0): Promise<ArrayBuffer> {
  const U = STORAGE();
  const M = (globalThis as unknown as { GPUMapMode: typeof GPUMapMode }).GPUMapMode;
  const size = Math.ceil(bytes / 4) * 4;
  const staging = gpu.device.createBuffer({ label: 'readback', size, usage: U.MAP_READ | U.COPY_DST });
  const enc = gpu.device.createCommandEncoder();
  enc.copyBufferToBuffer(src, offset, staging, 0, size);
  gpu.device.queue.submit([enc.finish()]);
  await Promise.race([staging.mapAsync(M.READ), gpu.lost.then((e) => { throw e; })]);
  const out = staging.getMappedRange().slice(0, bytes);
  staging.unmap();
  staging.destroy();
  return out;
}

/** Reads several buffers (each from offset 0) with one copy pass and one map: each readback round trip costs far
 * more than its bytes on small buffers. Returns one ArrayBuffer per part, `bytes` long. */
export async function readBuffers(gpu: Gpu, parts: Array<{ buffer: GPUBuffer; bytes: number }>): Promise<ArrayBuffer[]> {
  const U = STORAGE();
  const M = (globalThis as unknown as { GPUMapMode: typeof GPUMapMode }).GPUMapMode;
  const offsets: number[] = [];
  let size = 0;
  for (const p of parts) { offsets.push(size); size += Math.ceil(p.bytes / 4) * 4; }
  const staging = gpu.device.createBuffer({ label: 'readback (batched)', size: Math.max(4, size), usage: U.MAP_READ | U.COPY_DST });
  const enc = gpu.device.createCommandEncoder();
  parts.forEach((p, i) => enc.copyBufferToBuffer(p.buffer, 0, staging, offsets[i], Math.ceil(p.bytes / 4) * 4));
  gpu.device.queue.submit([enc.finish()]);
  try {
    await Promise.race([staging.mapAsync(M.READ), gpu.lost.then((e) => { throw e; })]);
    const all = staging.getMappedRange();
    const out = parts.map((p, i) => all.slice(offsets[i], offsets[i] + p.bytes));
    staging.unmap();
    return out;
  } finally {
    staging.destroy();
  }
}

export async function readF32(gpu: Gpu, src: GPUBuffer, count: number, offsetElems = 0): Promise<Float32Array> {
  return new Float32Array(await readBuffer(gpu, src, count * 4, offsetElems * 4));
}
