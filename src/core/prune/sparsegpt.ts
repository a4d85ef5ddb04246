// SparseGPT (ALGORITHMS.md) layer by layer, as the sequential pruner drives it. The dense weights on the GPU are
// never modified: every linear map gets an override buffer (same shape) that the forward plans read instead, and
// the masks (bitsets) still record what is pruned, so sparsity is counted as for Wanda. Per layer l:
//   begin(l):  overrides of layer l <- dense (a GPU copy: layer l is measured unpruned), Hessians zeroed;
//   (the calibration windows run through layer l: column statistics and X^T X of its four inputs, on the GPU)
//   prune(l):  read back X^T X and the dense weights, solve on the CPU in float64 (sparsegpt-solver.ts),
//              upload the updated weights into the overrides and the kept-bits into the masks.
// The next layer's inputs then come from this layer pruned AND updated. Dropping the overrides (destroy, after
// the engine and the calibration plan are detached) restores the dense model exactly.
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer, readF32 } from '../gpu/buffers.ts';
import type { GpuWeights } from '../engine/gpu-weights.ts';
import type { LinearInput } from '../engine/reference-forward.ts';
import type { ModelSpec } from '../model/spec.ts';
import { inputWidths, layerMaps, LINEAR_INPUTS } from './linear-maps.ts';
import type { MaskSet } from './mask-set.ts';
import type { NmPattern } from './prune-options.ts';
import { inverseHessianFactor, sparseGptSolveFactored } from './sparsegpt-solver.ts';

/** Kept-mask [N, K] (1 = kept) as the GPU bitset layout [N, ceil(K/32)] u32. */
export function keepToBits(keep: Uint8Array, N: number, K: number): Uint32Array {
  const words = Math.ceil(K / 32);
  const bits = new Uint32Array(N * words);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < K; j++) if (keep[i * K + j]) bits[i * words + (j >> 5)] |= 1 << (j & 31);
  }
  return bits;
}

export class SparseGptLayers {
  /** Seconds spent in the CPU solver (read-backs and uploads excluded). */
  solveSeconds = 0;

  private constructor(private readonly gpu: Gpu, private readonly spec: ModelSpec, private readonly weights: GpuWeights,
    private readonly masks: MaskSet, readonly overrides: ReadonlyMap<string, GPUBuffer>,
    readonly hessians: Record<LinearInput, GPUBuffer>, readonly nm?: NmPattern) {}

  /** Allocates an override for every linear map (the size of the layers' dense weights) and one [K, K] Hessian
   * per input width. */
  static async create(gpu: Gpu, spec: ModelSpec, weights: GpuWeights, masks: MaskSet, nm?: NmPattern): Promise<SparseGptLayers> {
    const owned: GPUBuffer[] = [];
    try {
      const overrides = new Map<string, GPUBuffer>();
      for (let l = 0; l < spec.numLayers; l++) {
        for (const m of layerMaps(spec, l)) {
          const b = await createStorageBuffer(gpu, `sparsegpt ${m.name} [${m.N}, ${m.K}]`, m.N * m.K * 4);
          owned.push(b);
          overrides.set(m.name, b);
        }
      }
      const widths = inputWidths(spec);
      const hessians = {} as Record<LinearInput, GPUBuffer>;
      for (const input of LINEAR_INPUTS) {
        hessians[input] = await createStorageBuffer(gpu, `sparsegpt X^T X ${input} [${widths[input]}, ${widths[input]}]`, widths[input] ** 2 * 4);
        owned.push(hessians[input]);
      }
      return new SparseGptLayers(gpu, spec, weights, masks, overrides, hessians, nm);
    } catch (e) {
      owned.forEach((b) => b.destroy());
      throw e;
    }
  }

  /** Layer l's overrides hold its dense weights again and the Hessians are zero (before capturing layer l). */
  begin(l: number): void {
    const enc = this.gpu.device.createCommandEncoder();
    for (const m of layerMaps(this.spec, l)) {
      enc.copyBufferToBuffer(this.weights.tensors.get(m.name)!, 0, this.overrides.get(m.name)!, 0, m.N * m.K * 4);
    }
    for (const input of LINEAR_INPUTS) enc.clearBuffer(this.hessians[input]);
    this.gpu.device.queue.submit([enc.finish()]);
  }

  /** Prunes layer l's seven maps from their dense weights and the Hessians now on the GPU (sparsity ignored with N:M). */
  async prune(l: number, sparsity: number): Promise<void> {
    const widths = inputWidths(this.spec);
    const factors = new Map<LinearInput, ReturnType<typeof inverseHessianFactor>>();
    let seconds = 0;
    for (const input of LINEAR_INPUTS) {
      const gram = await readF32(this.gpu, this.hessians[input], widths[input] ** 2);
      const t0 = performance.now();
      factors.set(input, inverseHessianFactor(gram, widths[input]));
      seconds += performance.now() - t0;
    }
    const q = this.gpu.device.queue;
    for (const m of layerMaps(this.spec, l)) {
      const dense = await readF32(this.gpu, this.weights.tensors.get(m.name)!, m.N * m.K);
      const t0 = performance.now();
      const { weights, keep } = sparseGptSolveFactored(dense, m.N, m.K, factors.get(m.input)!, { sparsity, nm: this.nm });
      seconds += performance.now() - t0;
      q.writeBuffer(this.overrides.get(m.name)!, 0, weights);
      q.writeBuffer(this.masks.entries.get(m.name)!.mask, 0, keepToBits(keep, m.N, m.K));
    }
    this.solveSeconds += seconds / 1000;
  }

  /** GPU bytes held by the overrides and Hessians. */
  get bytes(): number {
    return [...this.overrides.values(), ...Object.values(this.hessians)].reduce((s, b) => s + b.size, 0);
  }

  destroy(): void {
    [...this.overrides.values(), ...Object.values(this.hessians)].forEach((b) => b.destroy());
  }
}
