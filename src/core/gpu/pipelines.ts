// Compute pipeline cache: one pipeline per (shader text, entry point) per device, compiled in an error scope.
import type { Gpu } from './device.ts';

const caches = new WeakMap<GPUDevice, Map<string, Promise<GPUComputePipeline>>>();

export function getPipeline(gpu: Gpu, label: string, code: string, entryPoint = 'main'): Promise<GPUComputePipeline> {
  let cache = caches.get(gpu.device);
  if (!cache) caches.set(gpu.device, (cache = new Map()));
  const key = `${entryPoint}\u0000${code}`;
  let p = cache.get(key);
  if (!p) {
    p = gpu.scoped(`compile ${label}`, () => {
      const module = gpu.device.createShaderModule({ label, code });
      return gpu.device.createComputePipeline({ label, layout: 'auto', compute: { module, entryPoint } });
    });
    cache.set(key, p);
    p.catch(() => cache!.delete(key));
  }
  return p;
}
