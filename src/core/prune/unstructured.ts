// Recomputes one layer's unstructured (or N:M) masks on the GPU from its dense weights and statistics.
import type { Gpu } from '../gpu/device.ts';
import { submitCalls, type KernelCall } from '../kernels/kernel-call.ts';
import { preparePruneMask } from '../kernels/prune-mask.ts';
import type { GpuWeights } from '../engine/gpu-weights.ts';
import type { LayerStatsBuffers } from '../engine/forward-plan.ts';
import type { MaskSet } from './mask-set.ts';
import type { Module } from './linear-maps.ts';
import type { Metric, NmPattern } from './prune-options.ts';

export class LayerMasker {
  private calls = new Map<number, KernelCall[]>();

  constructor(private readonly gpu: Gpu, private readonly weights: GpuWeights, private readonly masks: MaskSet,
    private readonly stats: LayerStatsBuffers[], readonly metric: Metric, readonly nm?: NmPattern) {}

  private async layerCalls(l: number): Promise<KernelCall[]> {
    let calls = this.calls.get(l);
    if (!calls) {
      calls = [];
      for (const e of this.masks.layers[l]) {
        calls.push(await preparePruneMask(this.gpu, {
          w: this.weights.tensors.get(e.map.name)!, N: e.map.N, K: e.map.K, mask: e.mask, pruneCount: e.pruneCount,
          // The statistics buffer is [2, K]; the kernel reads its first K entries (sums of squares).
          sq: this.metric === 'wanda' ? this.stats[l][e.map.input] : undefined, nm: this.nm,
        }));
      }
      this.calls.set(l, calls);
    }
    return calls;
  }

  // Both only submit the masking (gpu/queue.ts): later GPU work and readbacks see the new masks.

  /** Masks layer l at `sparsity` (ignored for N:M) using the statistics now in its buffers; with `only`, just
   * that module's map is pruned. */
  async prune(l: number, sparsity: number, only?: Module): Promise<void> {
    this.masks.setSparsity(l, sparsity, only);
    submitCalls(this.gpu, await this.layerCalls(l));
  }

  /** Masks layer l pruning counts[i] weights in every row of its i-th map (the count repair's per-row counts). */
  async pruneRows(l: number, counts: readonly number[]): Promise<void> {
    this.masks.setRowCounts(l, counts);
    submitCalls(this.gpu, await this.layerCalls(l));
  }
}
