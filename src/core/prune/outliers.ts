// Outlier statistics of a layer's scores on the GPU: OWL's outlier ratio D_l and MRP's redundancy R_l.
// An outlier is a weight whose DENSE score exceeds M x the mean dense score of the layer (all seven maps pooled).
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer, createUniformBuffer, packUniform, readBuffers } from '../gpu/buffers.ts';
import { runCalls, type KernelCall } from '../kernels/kernel-call.ts';
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
    return (await this.countMany([l]))[0];
  }

  /** count() of several layers, with one GPU submit and one readback for the thresholds still missing and one of
   * each for the counts; also keeps their per-row outlier counts for countAt. */
  async countMany(layers: number[]): Promise<LayerOutliers[]> {
    const all: Array<{ l: number; b: LayerBuffers; entries: MaskEntry[] }> = [];
    for (const l of layers) all.push({ l, b: await this.buffers(l), entries: this.masks.layers[l] });
    const totalOf = (entries: MaskEntry[]) => entries.reduce((t, e) => t + e.map.N * e.map.K, 0);
    const missing = all.filter(({ l }) => !this.thresholds.has(l));
    if (missing.length) {
      await runCalls(this.gpu, missing.flatMap(({ b }) => b.sumCalls));
      const sums = await readBuffers(this.gpu, missing.flatMap(({ b, entries }) => entries.map((e, i) => ({ buffer: b.sums[i], bytes: e.map.N * 4 }))));
      let at = 0;
      for (const { l, b, entries } of missing) {
        let sum = 0;
        for (const part of sums.slice(at, at += entries.length)) for (const v of new Float32Array(part)) sum += v;
        this.thresholds.set(l, (this.M * sum) / totalOf(entries));
        this.gpu.device.queue.writeBuffer(b.threshold, 0, Float32Array.of(this.thresholds.get(l)!, 0, 0, 0));
      }
    }
    await runCalls(this.gpu, all.flatMap(({ b }) => b.countCalls));
    const parts = await readBuffers(this.gpu, all.flatMap(({ b, entries }) => entries.map((e, i) => ({ buffer: b.counts[i], bytes: e.map.N * 8 }))));
    const kept = await this.masks.keptInLayers(layers); // counted on the GPU: no mask comes back
    let at = 0;
    return all.map(({ l, entries }, j) => {
      let outliers = 0, keptOutliers = 0;
      const rows: Uint32Array[] = [];
      for (const e of entries) {
        const c = new Uint32Array(parts[at++]), row = new Uint32Array(e.map.N);
        for (let r = 0; r < e.map.N; r++) { outliers += c[2 * r]; keptOutliers += c[2 * r + 1]; row[r] = c[2 * r]; }
        rows.push(row);
      }
      this.perRow.set(l, rows);
      return { total: totalOf(entries), outliers, kept: kept[j].kept, keptOutliers };
    });
  }

  /** Layer l's counts as if its maps were masked at `sparsity` by the unstructured masker (Wanda or magnitude
   * scores, floor(K s) lowest per row), without masking: such a mask keeps each row's K - k highest scores, and
   * outliers are the highest scores, so a row keeps min(outliers, K - k) of them. Exact, and free once the
   * per-row outlier counts under the current statistics are known (one GPU count per layer per refresh). */
  async countAt(l: number, sparsity: number): Promise<LayerOutliers> {
    if (!this.perRow.has(l)) await this.count(l);
    const rows = this.perRow.get(l)!;
    let total = 0, outliers = 0, kept = 0, keptOutliers = 0;
    this.masks.layers[l].forEach((e, i) => {
      const { N, K } = e.map, keep = K - prunedPerRow(K, sparsity);
      total += N * K;
      kept += N * keep;
      for (const o of rows[i]) { outliers += o; keptOutliers += Math.min(o, keep); }
    });
    return { total, outliers, kept, keptOutliers };
  }

  /** The calibration statistics were recomputed (a sequential pass), of the layers after `from` only when given:
   * their thresholds and outliers are measured again. */
  statisticsChanged(from = -1): void {
    for (const m of [this.thresholds, this.perRow]) for (const l of [...m.keys()]) if (l > from) m.delete(l);
  }

  destroy(): void {
    for (const b of this.layers.values()) [...b.sums, ...b.counts, b.threshold].forEach((x) => x.destroy());
  }
}
