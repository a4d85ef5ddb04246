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
