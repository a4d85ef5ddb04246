// Compute pipeline cache: one pipeline per (shader text, override constants) per device, compiled in an error scope.
import type { Gpu } from './device.ts';

const caches = new WeakMap<GPUDevice, Map<string, Promise<GPUComputePipeline>>>();

export function getPipeline(gpu: Gpu, label: string, code: string, constants: Record<string, number> = {}): Promise<GPUComputePipeline> {
  let cache = caches.get(gpu.device);
  if (!cache) caches.set(gpu.device, (cache = new Map()));
  const key = `${JSON.stringify(constants)}\u0000${code}`;
  let p = cache.get(key);
  if (!p) {
    p = gpu.scoped(`compile ${label}`, () => {
      const module = gpu.device.createShaderModule({ label, code });
      return gpu.device.createComputePipeline({ label, layout: 'auto', compute: { module, entryPoint: 'main', constants } });
    });
    cache.set(key, p);
    p.catch(() => cache!.delete(key));
  }
  return p;
}
