// Dispatch math shared by the kernel hosts.
import type { Gpu } from '../gpu/device.ts';

/** Workgroup counts covering `n` invocations at `size` per group; spills into y past the per-dimension limit.
 * Kernels recover the flat index as gid.x + gid.y * nwg.x * size. */
export function grid1d(gpu: Gpu, n: number, size: number): [number, number] {
  const groups = Math.ceil(n / size);
  const max = gpu.limits.maxComputeWorkgroupsPerDimension;
  if (groups <= max) return [groups, 1];
  const y = Math.ceil(groups / max);
  return [Math.ceil(groups / y), y];
}

/** Lanes per row for the one-workgroup-per-row reductions (rms-norm, nll): CPU-backed adapters such as
 * SwiftShader pay far more for workgroup barriers than they gain from lanes, so they reduce a row in one lane. */
export function rowReductionLanes(gpu: Gpu, gpuLanes: number): number {
  return gpu.adapter.isFallback ? 1 : gpuLanes;
}
