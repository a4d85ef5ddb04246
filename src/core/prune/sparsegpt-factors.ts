// The factors SparseGPT's GPU sweep reads, per linear-map input of a layer: U, the upper Cholesky factor of H^-1
// ([K, K] f32), the dead-column flags ([K] u32) and U's diagonal ([K] f32, the SparseGPT score's denominator,
// read by MRP's outlier counts). They are computed on the CPU in float64 from X^T X read back from the GPU:
// a Cholesky factorisation and a triangular inverse of a K x K matrix (K = hidden or MLP width, a few thousand at
// most: O(K^3) once per input and layer, fast enough in JS and numerically safer in f64 than in f32, while the
// sweep (O(N K^2) per map, N rows) is what the GPU takes over). q/k/v and gate/up share their input's factor.
// The default now factors on the GPU in f32 (kernels/sparsegpt-factor.ts: only a status word comes back); the
// float64 path stays for the CPU solver, the tests' twin and as the fallback (factor: 'cpu').
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer, readF32 } from '../gpu/buffers.ts';
import type { LinearInput } from '../engine/reference-forward.ts';
import type { LayerStatsBuffers } from '../engine/forward-plan.ts';
import type { ModelSpec } from '../model/spec.ts';
import { BadRequest, formatBytes } from '../errors.ts';
import { inputWidths, LINEAR_INPUTS } from './linear-maps.ts';
import { inverseHessianFactor } from './sparsegpt-solver.ts';
import { factorLayout, factorStride } from '../kernels/sparsegpt-sweep.ts';
import { createFactorStatus, prepareSparseGptFactor, type SparseGptFactor, type SparseGptFactorRun } from '../kernels/sparsegpt-factor.ts';

export type Factor = ReturnType<typeof inverseHessianFactor>;

/** One layer's factors on the GPU (or, with keepFactors off, the one set every layer reuses in turn). */
export interface FactorSlot {
  u: LayerStatsBuffers;      // per input [K, Kp] f32 (kernels/sparsegpt-sweep.ts factorLayout)
  dead: LayerStatsBuffers;   // per input [K] u32
  diag: LayerStatsBuffers;   // per input [K] f32, U_jj
  /** The float64 factors, kept only for the CPU solver. */
  cpu?: Map<LinearInput, Factor>;
  /** The GPU factorisation bound to this slot's buffers, per input (prepared on first use; destroy with the slot). */
  gpu?: Map<LinearInput, SparseGptFactor>;
}

/** The GPU factorisation's scratch: work [Kmax, Kmax] f32 (shared by the inputs, run one after another), status [1]. */
export interface GpuFactorScratch { work: GPUBuffer; status: GPUBuffer }

export async function createGpuFactorScratch(gpu: Gpu, spec: ModelSpec, owned: GPUBuffer[]): Promise<GpuFactorScratch> {
  const Kmax = Math.max(...LINEAR_INPUTS.map((i) => inputWidths(spec)[i]));
  const work = await createStorageBuffer(gpu, `sparsegpt factor work [${Kmax}, ${Kmax}]`, Kmax * Kmax * 4);
  owned.push(work);
  const status = await createFactorStatus(gpu, 'sparsegpt factor');
  owned.push(status);
  return { work, status };
}

export function destroyGpuFactors(slot: FactorSlot): void {
  slot.gpu?.forEach((f) => f.destroy());
  slot.gpu = undefined;
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
      `${formatBytes(budget)} allowed (the dense weights' size as f32 or 1 GiB, whichever is larger); use --alloc owl, ` +
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
 * Fills `slot` with U, the dead flags and U's diagonal of each input's damped X^T X: with `onGpu`, in f32 on the
 * GPU (only status words come back; `damping` says where a bad pivot raised percDamp); otherwise read back,
 * factored in float64 and uploaded (with `keepCpu` the CPU solver also gets the float64 factors). Returns the
 * bytes read back and the seconds spent factoring (CPU seconds; on the GPU, wall seconds of the runs).
 */
export async function refreshFactors(gpu: Gpu, spec: ModelSpec, hessians: LayerStatsBuffers, slot: FactorSlot,
  keepCpu: boolean, onGpu?: GpuFactorScratch): Promise<{ readBytes: number; seconds: number; damping: Partial<Record<LinearInput, SparseGptFactorRun>> }> {
  const widths = inputWidths(spec);
  const q = gpu.device.queue;
  let readBytes = 0, seconds = 0;
  const damping: Partial<Record<LinearInput, SparseGptFactorRun>> = {};
  slot.cpu = keepCpu ? new Map() : undefined;
  if (onGpu && !keepCpu) {
    slot.gpu ??= new Map();
    for (const input of LINEAR_INPUTS) {
      let f = slot.gpu.get(input);
      if (!f) {
        f = await prepareSparseGptFactor(gpu, { gram: hessians[input], work: onGpu.work, u: slot.u[input],
          dead: slot.dead[input], diag: slot.diag[input], status: onGpu.status, K: widths[input] });
        slot.gpu.set(input, f);
      }
      const t0 = performance.now();
      const run = await f.run();
      seconds += (performance.now() - t0) / 1000;
      readBytes += 4 * (run.retries + 1);
      if (run.retries > 0) damping[input] = run;
    }
    return { readBytes, seconds, damping };
  }
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
  return { readBytes, seconds, damping };
}
