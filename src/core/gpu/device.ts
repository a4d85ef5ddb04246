// One GPU context for the browser and for Node (webgpu@0.6.2 / Dawn). Owns the GPUDevice, its limits,
// error scopes around every create, and device-loss reporting as typed errors.
import { AdapterLimitExceeded, DeviceLost, GpuError, WebGPUUnavailable } from '../errors.ts';

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  description: string;
  isFallback: boolean;
  maxBindingBytes: number;
  maxBufferBytes: number;
}

export interface Gpu {
  readonly device: GPUDevice;
  readonly adapter: AdapterSummary;
  readonly limits: GPUSupportedLimits;
  readonly hasTimestamps: boolean;
  /** Lanes per subgroup where the adapter has the 'subgroups' feature at one fixed size (subgroupMinSize ==
   * subgroupMaxSize: NVIDIA, Apple, SwiftShader), which the subgroup matmul is built for; null elsewhere. */
  readonly subgroupSize: number | null;
  /** Rejects once the device is lost (callers race long jobs against it). */
  readonly lost: Promise<DeviceLost>;
  /** Runs `create` inside validation + out-of-memory error scopes; a scope error becomes a GpuError. */
  scoped<T>(operation: string, create: () => T): Promise<T>;
  destroy(): void;
}

/** Finds navigator.gpu in a browser/worker, or creates one through the `webgpu` npm package in Node. */
async function findGpuEntry(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode) throw new WebGPUUnavailable('navigator.gpu is missing in this browser');
  // Dawn's SwiftShader Vulkan ICD ships with Debian's chromium; point Vulkan at it when nothing is set.
  process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  const webgpu = await import('webgpu');
  Object.assign(globalThis, webgpu.globals);
  const gpu = webgpu.create([]);
  // Dawn crashes Node if this object is garbage-collected while the device is in use: keep it referenced.
  keepAlive.push(gpu);
  return gpu;
}
const keepAlive: unknown[] = [];

export async function createGpu(): Promise<Gpu> {
  const entry = await findGpuEntry();
  const adapter = await entry.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    const node = typeof process !== 'undefined' && !!process.versions?.node && !(globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
    throw node ? new WebGPUUnavailable(`no Vulkan adapter was found (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'})`,
      'In Node, Prunelab runs WebGPU on Vulkan: install a GPU\'s Vulkan driver and point VK_ICD_FILENAMES at its ICD json, or, ' +
      'without a GPU, install Debian\'s chromium and libvulkan1 (apt-get install -y chromium libvulkan1) for SwiftShader at ' +
      '/usr/lib/chromium/vk_swiftshader_icd.json') : new WebGPUUnavailable('no GPU adapter was granted');
  }
  const info = adapter.info;
  const hasTimestamps = adapter.features.has('timestamp-query');
  const sizes = info as { subgroupMinSize?: number; subgroupMaxSize?: number };
  const subgroupSize = adapter.features.has('subgroups') && sizes.subgroupMinSize !== undefined
    && sizes.subgroupMinSize === sizes.subgroupMaxSize && 64 % sizes.subgroupMinSize === 0 ? sizes.subgroupMinSize : null;
  // Ask for the adapter's own limits: the defaults cap bindings at 128 MiB.
  const requiredLimits: Record<string, number> = {};
  for (const key of ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY',
    'maxStorageBuffersPerShaderStage', 'maxComputeWorkgroupsPerDimension'] as const) {
    requiredLimits[key] = adapter.limits[key];
  }
  const device = await adapter.requestDevice({
    requiredLimits,
    requiredFeatures: [...(hasTimestamps ? ['timestamp-query' as const] : []), ...(subgroupSize !== null ? ['subgroups' as GPUFeatureName] : [])],
  });
  let lostError: DeviceLost | null = null;
  const lost = device.lost.then((e) => {
    lostError = new DeviceLost(e.reason ?? 'unknown', e.message || 'no detail');
    return lostError;
  });
  device.addEventListener?.('uncapturederror', (ev) => {
    console.error('[prunelab] uncaptured WebGPU error:', (ev as GPUUncapturedErrorEvent).error.message);
  });

  const summary: AdapterSummary = {
    vendor: info.vendor || 'unknown',
    architecture: info.architecture || 'unknown',
    description: info.description || info.device || '',
    isFallback: (info as { isFallbackAdapter?: boolean }).isFallbackAdapter
      ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false,
    maxBindingBytes: device.limits.maxStorageBufferBindingSize,
    maxBufferBytes: device.limits.maxBufferSize,
  };

  return {
    device,
    adapter: summary,
    limits: device.limits,
    hasTimestamps,
    subgroupSize,
    lost,
    async scoped<T>(operation: string, create: () => T): Promise<T> {
      if (lostError) throw lostError;
      device.pushErrorScope('out-of-memory');
      device.pushErrorScope('validation');
      const value = create();
      const validation = await device.popErrorScope();
      const oom = await device.popErrorScope();
      if (validation) throw new GpuError(operation, 'validation', validation.message);
      if (oom) throw new GpuError(operation, 'out-of-memory', oom.message);
      return value;
    },
    destroy() {
      device.destroy();
    },
  };
}

/** Refuses before any allocation when one binding or the whole set cannot fit the adapter. */
export function checkFits(gpu: Gpu, what: string, bindingBytes: number): void {
  // Buffers of exactly the limit fail on some drivers (seen on SwiftShader at 1 GiB): keep strictly below.
  if (bindingBytes >= gpu.adapter.maxBindingBytes) {
    throw new AdapterLimitExceeded(what, bindingBytes, gpu.adapter.maxBindingBytes, 'maxStorageBufferBindingSize');
  }
}
