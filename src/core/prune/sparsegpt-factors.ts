// The factors SparseGPT's GPU sweep reads, per linear-map input of a layer: U, the upper Cholesky factor of H^-1
// ([K, K] f32), the dead-column flags ([K] u32) and U's diagonal ([K] f32, the SparseGPT score's denominator,
// read by MRP's outlier counts). They are computed on the CPU in float64 from X^T X read back from the GPU:
// a Cholesky factorisation and a triangular inverse of a K x K matrix (K = hidden or MLP width, a few thousand at
// most: O(K^3) once per input and layer, fast enough in JS and numerically safer in f64 than in f32, while the
// sweep (O(N K^2) per map, N rows) is what the GPU takes over). q/k/v and gate/up share their input's factor.
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer, readF32 } from '../gpu/buffers.ts';
import type { LinearInput } from '../engine/reference-forward.ts';
import type { LayerStatsBuffers } from '../engine/forward-plan.ts';
import type { ModelSpec } from '../model/spec.ts';
import { BadRequest, formatBytes } from '../errors.ts';
import { inputWidths, LINEAR_INPUTS } from './linear-maps.ts';
import { inverseHessianFactor } from './sparsegpt-solver.ts';
import { factorLayout, factorStride } from '../kernels/sparsegpt-sweep.ts';

export type Factor = ReturnType<typeof inverseHessianFactor>;

/** One layer's factors on the GPU (or, with keepFactors off, the one set every layer reuses in turn). */
export interface FactorSlot {
  u: LayerStatsBuffers;      // per input [K, Kp] f32 (kernels/sparsegpt-sweep.ts factorLayout)
  dead: LayerStatsBuffers;   // per input [K] u32
  diag: LayerStatsBuffers;   // per input [K] f32, U_jj
  /** The float64 factors, kept only for the CPU solver. */
  cpu?: Map<LinearInput, Factor>;
}

/** GPU bytes of one slot: sum over the four inputs of K x Kp + 2K four-byte values. */
export function factorSlotBytes(spec: ModelSpec): number {
  const widths = inputWidths(spec);
  return LINEAR_INPUTS.reduce((s, i) => s + (widths[i] * factorStride(widths[i]) + 2 * widths[i]) * 4, 0);
}

/**
 * MRP with SparseGPT keeps every layer's slot while it runs (a re-prune of layer l at a new sparsity re-runs the
 * sweep from layer l's factors). Refused before any work when that exceeds `budget` bytes; the default budget is
 * the dense weights' size or 1 GiB, whichever is larger (e.g. SmolLM2-135M: 30 x 13.4 MB = 403 MB, fine;
 * a 7B LLaMA: 32 x 686 MB = 22 GB, refused).
 */
export function checkKeptFactorBudget(spec: ModelSpec, weightBytes: number, budget = Math.max(weightBytes, 2 ** 30)): number {
  const need = spec.numLayers * factorSlotBytes(spec);
  if (need > budget) {
    throw new BadRequest(`MRP with SparseGPT keeps every layer's inverse-Hessian factors on the GPU: ` +
      `${spec.numLayers} layers x ${formatBytes(factorSlotBytes(spec))} = ${formatBytes(need)}, more than the ` +
      `${formatBytes(budget)} allowed (the dense weights' size or 1 GiB, whichever is larger); use --alloc owl, ` +
      `alpha or uniform with SparseGPT, or MRP with Wanda`);
  }
  return need;
}

export async function createFactorSlot(gpu: Gpu, spec: ModelSpec, label: string, owned: GPUBuffer[]): Promise<FactorSlot> {
  const widths = inputWidths(spec);
  const slot = { u: {}, dead: {}, diag: {} } as FactorSlot;
  for (const input of LINEAR_INPUTS) {
    const K = widths[input];
    slot.u[input] = await createStorageBuffer(gpu, `sparsegpt U ${label} ${input} [${K}, ${factorStride(K)}]`, K * factorStride(K) * 4);
    owned.push(slot.u[input]);
    slot.dead[input] = await createStorageBuffer(gpu, `sparsegpt dead ${label} ${input} [${K}]`, K * 4);
    owned.push(slot.dead[input]);
    slot.diag[input] = await createStorageBuffer(gpu, `sparsegpt diag ${label} ${input} [${K}]`, K * 4);
    owned.push(slot.diag[input]);
  }
  return slot;
}

/**
 * Reads each input's X^T X back, factors it in float64 and uploads U, the dead flags and U's diagonal into
 * `slot` (the CPU solver also gets the float64 factors). Returns the bytes read back and the CPU seconds.
 */
export async function refreshFactors(gpu: Gpu, spec: ModelSpec, hessians: LayerStatsBuffers, slot: FactorSlot,
  keepCpu: boolean): Promise<{ readBytes: number; seconds: number }> {
  const widths = inputWidths(spec);
  const q = gpu.device.queue;
  let readBytes = 0, seconds = 0;
  slot.cpu = keepCpu ? new Map() : undefined;
  for (const input of LINEAR_INPUTS) {
    const K = widths[input];
    const gram = await readF32(gpu, hessians[input], K * K);   // [K, K] f32
    readBytes += K * K * 4;
    const t0 = performance.now();
    const f = inverseHessianFactor(gram, K);
    const diag = new Float32Array(K);
    for (let j = 0; j < K; j++) diag[j] = f.U[j * K + j];
    const u32 = factorLayout(f.U, K);
    seconds += (performance.now() - t0) / 1000;
    q.writeBuffer(slot.u[input], 0, u32);
    q.writeBuffer(slot.dead[input], 0, Uint32Array.from(f.dead, Number));
    q.writeBuffer(slot.diag[input], 0, diag);
    slot.cpu?.set(input, f);
  }
  return { readBytes, seconds };
}
