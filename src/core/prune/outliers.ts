// Outlier statistics of a layer's scores on the GPU: OWL's outlier ratio D_l and MRP's redundancy R_l.
// An outlier is a weight whose DENSE score exceeds M x the mean dense score of the layer (all seven maps pooled).
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer, createUniformBuffer, packUniform, readBuffers } from '../gpu/buffers.ts';
import { runCalls, type KernelCall } from '../kernels/kernel-call.ts';
import { countKept } from '../kernels/prune-mask.ts';
import { prepareOutlierCount, prepareScoreRowSums } from '../kernels/score-stats.ts';
import type { GpuWeights } from '../engine/gpu-weights.ts';
import type { LayerStatsBuffers } from '../engine/forward-plan.ts';
import { prunedPerRow, type MaskEntry, type MaskSet } from './mask-set.ts';
import type { Metric } from './prune-options.ts';

export interface LayerOutliers {
  total: number;          // weights in the layer
  outliers: number;       // dense scores above the threshold
  kept: number;           // unpruned weights (from the masks)
  keptOutliers: number;   // unpruned outliers
}

/** OWL's D_l: outliers as a percentage of the layer's weights. */
export const outlierRatio = (o: LayerOutliers) => (100 * o.outliers) / o.total;
/** MRP's R_l: non-outliers among the remaining weights. */
// A layer with nothing left counts as fully redundant (cannot happen below sMax).
export const redundancy = (o: LayerOutliers) => (o.kept === 0 ? 1 : (o.kept - o.keptOutliers) / o.kept);

interface LayerBuffers { sums: GPUBuffer[]; counts: GPUBuffer[]; threshold: GPUBuffer; sumCalls: KernelCall[]; countCalls: KernelCall[] }

export class OutlierCounter {
  private layers = new Map<number, LayerBuffers>();
  private thresholds = new Map<number, number>();
  /** Outliers per row of each map of a layer, under the current statistics (rowOutliers). */
  private perRow = new Map<number, Uint32Array[]>();

  /** `stats`: per layer and input, Wanda's column sums ([2, K], the first K read), or with metric 'sparsegpt' the
   * [K] diagonals of the kept inverse-Hessian factors. */
  constructor(private readonly gpu: Gpu, private readonly weights: GpuWeights, private readonly masks: MaskSet,
    private readonly stats: LayerStatsBuffers[], readonly metric: Metric, readonly M: number) {}

  private async buffers(l: number): Promise<LayerBuffers> {
    let b = this.layers.get(l);
    if (b) return b;
    const threshold = await createUniformBuffer(this.gpu, `outlier threshold ${l}`, packUniform([{ f32: 0 }]));
    b = { sums: [], counts: [], threshold, sumCalls: [], countCalls: [] };
    for (const e of this.masks.layers[l]) {
      const { N, K } = e.map;
      const w = this.weights.tensors.get(e.map.name)!;
      // Column values: Wanda's sq, or for SparseGPT U_jj of the layer's kept factor (`stats` are then
      // SparseGptLayers.scoreDenominators): score (w / U_jj)^2 = w^2 / [H^-1]_jj^2 of the DENSE weight.
      const col = this.metric === 'magnitude' ? undefined : this.stats[l][e.map.input];
      const cols = this.metric === 'sparsegpt' ? { denom: col } : { sq: col };
      const sums = await createStorageBuffer(this.gpu, `score sums ${e.map.name}`, N * 4);      // [N] f32
      const counts = await createStorageBuffer(this.gpu, `outlier counts ${e.map.name}`, N * 8); // [N, 2] u32
      b.sums.push(sums);
      b.counts.push(counts);
      b.sumCalls.push(await prepareScoreRowSums(this.gpu, { w, ...cols, out: sums, N, K }));
      b.countCalls.push(await prepareOutlierCount(this.gpu, { w, ...cols, mask: e.mask, threshold, out: counts, N, K }));
    }
    this.layers.set(l, b);
    return b;
  }

  /** Counts layer l's outliers under the statistics and masks now on the GPU. The threshold (M x the mean score
   * of the layer's dense weights) depends only on the statistics: it is computed once until statisticsChanged(). */
  async count(l: number): Promise<LayerOutliers> {
    const b = await this.buffers(l);
    const entries: MaskEntry[] = this.masks.layers[l];
    const total = entries.reduce((t, e) => t + e.map.N * e.map.K, 0);
    if (!this.thresholds.has(l)) {
      await runCalls(this.gpu, b.sumCalls);
      let sum = 0;
      const sums = await readBuffers(this.gpu, entries.map((e, i) => ({ buffer: b.sums[i], bytes: e.map.N * 4 })));
      for (const part of sums) for (const v of new Float32Array(part)) sum += v;
      this.thresholds.set(l, (this.M * sum) / total);
      this.gpu.device.queue.writeBuffer(b.threshold, 0, Float32Array.of(this.thresholds.get(l)!, 0, 0, 0));
    }
    await runCalls(this.gpu, b.countCalls);
    const parts = await readBuffers(this.gpu, entries.flatMap((e, i) => [
      { buffer: b.counts[i], bytes: e.map.N * 8 }, { buffer: e.mask, bytes: e.map.N * e.words * 4 }]));
    let outliers = 0, keptOutliers = 0, kept = 0;
    for (const [i, e] of entries.entries()) {
      const c = new Uint32Array(parts[2 * i]);
      for (let r = 0; r < e.map.N; r++) { outliers += c[2 * r]; keptOutliers += c[2 * r + 1]; }
      kept += countKept(new Uint32Array(parts[2 * i + 1]), e.map.N, e.map.K).reduce((a, x) => a + x, 0);
    }
    return { total, outliers, kept, keptOutliers };
  }

  /** Layer l's counts as if its maps were masked at `sparsity` by the unstructured masker (Wanda or magnitude
   * scores, floor(K s) lowest per row), without masking: such a mask keeps each row's K - k highest scores, and
   * outliers are the highest scores, so a row keeps min(outliers, K - k) of them. Exact, and free once the
   * per-row outlier counts under the current statistics are known (one GPU count per layer per refresh). */
  async countAt(l: number, sparsity: number): Promise<LayerOutliers> {
    let rows = this.perRow.get(l);
    if (!rows) {
      const b = await this.buffers(l);
      await this.count(l);  // measures the threshold and fills the counts buffers
      const entries = this.masks.layers[l];
      const parts = await readBuffers(this.gpu, entries.map((e, i) => ({ buffer: b.counts[i], bytes: e.map.N * 8 })));
      rows = parts.map((p, i) => {
        const c = new Uint32Array(p), out = new Uint32Array(entries[i].map.N);
        for (let r = 0; r < out.length; r++) out[r] = c[2 * r];
        return out;
      });
      this.perRow.set(l, rows);
    }
    let total = 0, outliers = 0, kept = 0, keptOutliers = 0;
    this.masks.layers[l].forEach((e, i) => {
      const { N, K } = e.map, keep = K - prunedPerRow(K, sparsity);
      total += N * K;
      kept += N * keep;
      for (const o of rows[i]) { outliers += o; keptOutliers += Math.min(o, keep); }
    });
    return { total, outliers, kept, keptOutliers };
  }

  /** The calibration statistics were recomputed (a sequential pass): thresholds and outliers are measured again. */
  statisticsChanged(): void {
    this.thresholds.clear();
    this.perRow.clear();
  }

  destroy(): void {
    for (const b of this.layers.values()) [...b.sums, ...b.counts, b.threshold].forEach((x) => x.destroy());
  }
}
