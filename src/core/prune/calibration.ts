// Calibration windows streamed through the model one layer at a time (as Wanda does): every window's residual
// stream is kept on the GPU ([W, T, d], a few MB) and advanced layer by layer, so a layer's statistics are
// measured with the layers before it already pruned, and nothing is re-run from the embedding. The windows run
// B at a time (one dispatch of M = B x T rows, as the batched evaluation does): every row runs the same kernel
// code and the statistics add each window's sums in window order, so the bits are those of one window at a time.
import type { Engine } from '../engine/engine.ts';
import { createForwardPlan, type ForwardPlan, type LayerStatsBuffers, type PlanOptions } from '../engine/forward-plan.ts';
import { createKvCache, type KvCache } from '../engine/kv-cache.ts';
import type { LinearInput } from '../engine/reference-forward.ts';
import { createStorageBuffer, readF32 } from '../gpu/buffers.ts';
import type { KernelCall } from '../kernels/kernel-call.ts';
import { inputWidths, LINEAR_INPUTS } from './linear-maps.ts';
import type { MaskSet } from './mask-set.ts';

/** Host copy of one layer's statistics: per input, sum of squares [K] and sum [K] over calibration tokens. */
export type LayerStats = Record<LinearInput, { sq: Float32Array; sum: Float32Array }>;

export class CalibrationRun {
  private constructor(
    private readonly engine: Engine,
    readonly windows: number[][],
    readonly stats: LayerStatsBuffers[],   // per layer: [2, K] per input
    private readonly stream: GPUBuffer,    // [W, T, d] residual stream of every window
    readonly batch: number,                // B windows per dispatch (divides W)
    private readonly plan: ForwardPlan,    // T = B x seq rows
    private readonly cache: KvCache,
    private readonly owned: GPUBuffer[],
    private readonly masks: MaskSet,
  ) {}

  /** Allocates the statistics and the stream for windows of equal length, reading masks from `masks`; at most
   * `maxBatch` windows per dispatch (default: as many as the engine batches). */
  static async create(engine: Engine, windows: number[][], masks: MaskSet, maxBatch = Infinity): Promise<CalibrationRun> {
    const { gpu, spec } = engine;
    const T = windows[0].length;
    if (windows.some((w) => w.length !== T)) throw new Error('calibration windows must have equal length');
    const widths = inputWidths(spec);
    const owned: GPUBuffer[] = [];
    const stats: LayerStatsBuffers[] = [];
    for (let l = 0; l < spec.numLayers; l++) {
      const entry = {} as LayerStatsBuffers;
      for (const input of LINEAR_INPUTS) {
        entry[input] = await createStorageBuffer(gpu, `stats ${l} ${input}`, 2 * widths[input] * 4);
        owned.push(entry[input]);
      }
      stats.push(entry);
    }
    const stream = await createStorageBuffer(gpu, 'calibration stream', windows.length * T * spec.hiddenSize * 4);
    const B = calibrationBatch(windows.length, Math.min(maxBatch, engine.windowBatch(T, { head: false })));
    const cache = await createKvCache(gpu, spec, T, B);
    const plan = await batchedPlan(engine, cache, T, B, { masks: masks.buffers, stats });
    return new CalibrationRun(engine, windows, stats, stream, B, plan, cache, owned, masks);
  }

  /** Copies of the stream at some layers' inputs (see keepInputs), by layer; null while not kept. */
  private inputs: Map<number, GPUBuffer> | null = null;
  /** Layers whose input is kept: every `inputStride`-th (the budget's share), layer 0 being the embedding. */
  private inputStride = 1;

  /** SparseGPT's plan (see attachSparseGpt), used instead of `plan` while attached. */
  private sparseGptPlan: ForwardPlan | null = null;
  /** A plan reading bias overrides (see attachBiases), used instead of `plan` while attached. */
  private biasPlan: ForwardPlan | null = null;
  private get active(): ForwardPlan { return this.sparseGptPlan ?? this.biasPlan ?? this.plan; }

  /** Calibration tokens every layer's statistics are summed over. */
  get tokens(): number { return this.windows.length * this.seq; }

  /** Tokens per window. */
  private get seq(): number { return this.plan.T / this.batch; }

  /**
   * From now on the windows run through a plan that reads these biases by canonical bias name (FLAP's
   * compensated o_proj / down_proj biases; their contents may change between calls). The caller owns the
   * buffers and must call detachBiases before destroying them.
   */
  async attachBiases(biases: ReadonlyMap<string, GPUBuffer>): Promise<void> {
    const plan = await batchedPlan(this.engine, this.cache, this.seq, this.batch, { masks: this.masks.buffers, stats: this.stats, biases });
    this.detachBiases();
    this.biasPlan = plan;
  }

  detachBiases(): void {
    this.biasPlan?.destroy();
    this.biasPlan = null;
  }

  /**
   * From now on the windows run through a plan that reads these weight overrides (SparseGPT's updated maps) and,
   * on capture, also accumulates each input's X^T X into `hessians`. The caller owns the buffers and must call
   * detachSparseGpt before destroying them.
   */
  async attachSparseGpt(b: { overrides: ReadonlyMap<string, GPUBuffer>; hessians: Record<LinearInput, GPUBuffer> }): Promise<void> {
    const plan = await batchedPlan(this.engine, this.cache, this.seq, this.batch,
      { masks: this.masks.buffers, stats: this.stats, overrides: b.overrides, hessians: b.hessians });
    this.detachSparseGpt();
    this.sparseGptPlan = plan;
  }

  /** Back to the dense weights (and no Hessians). */
  detachSparseGpt(): void {
    this.sparseGptPlan?.destroy();
    this.sparseGptPlan = null;
  }

  /** Bytes of one window's stream [T, d]. */
  private get windowBytes(): number { return this.seq * this.engine.spec.hiddenSize * 4; }

  /** Submits `calls` once per batch of windows between copying its stream in and (optionally) back out; one
   * submit, no wait. */
  private perBatch(calls: KernelCall[], writeBack: boolean): void {
    if (!calls.length) return;
    const { device } = this.engine.gpu;
    const enc = device.createCommandEncoder();
    const bytes = this.batch * this.windowBytes;
    for (let offset = 0; offset < this.stream.size; offset += bytes) {
      enc.copyBufferToBuffer(this.stream, offset, this.active.x, 0, bytes);
      const pass = enc.beginComputePass();
      for (const c of calls) c.encode(pass);
      pass.end();
      if (writeBack) enc.copyBufferToBuffer(this.active.x, 0, this.stream, offset, bytes);
    }
    device.queue.submit([enc.finish()]);
  }

  // embed, capture, advance, saveInput and resumeAt only SUBMIT their work (see gpu/queue.ts): whatever reads the
  // stream or the statistics afterwards (a kernel, a readback) runs after it; loops pace themselves (QueuePacer).

  /** Embeds every window into the stream (layer 0's input). */
  async embed(): Promise<void> {
    const q = this.engine.gpu.device.queue;
    const B = this.batch, bytes = B * this.windowBytes;
    // Token ids differ per batch, so each batch is its own submit.
    for (let w = 0; w < this.windows.length; w += B) {
      q.writeBuffer(this.active.tokens, 0, Uint32Array.from(this.windows.slice(w, w + B).flat()));
      const enc = this.engine.gpu.device.createCommandEncoder();
      const pass = enc.beginComputePass();
      for (const c of this.active.embed) c.encode(pass);
      pass.end();
      enc.copyBufferToBuffer(this.active.x, 0, this.stream, w * this.windowBytes, bytes);
      q.submit([enc.finish()]);
    }
  }

  /** Zeroes layer l's statistics, then accumulates them over every window through layer l as masked now. */
  async capture(l: number): Promise<void> {
    this.zeroStats(l);
    this.perBatch(this.active.layers[l].capture, false);
  }

  private zeroStats(l: number): void {
    const q = this.engine.gpu.device.queue;
    for (const input of LINEAR_INPUTS) {
      const b = this.stats[l][input];
      q.writeBuffer(b, 0, new Float32Array(b.size / 4));
    }
  }

  /** capture(l) then advance(l) in one run of the layer, for when layer l's masks stay as they are in between. */
  async captureAndAdvance(l: number): Promise<void> {
    this.zeroStats(l);
    this.perBatch(this.active.layers[l].captureThrough, true);
  }

  /** Moves every window's stream through layer l as masked now. */
  async advance(l: number): Promise<void> {
    this.perBatch(this.active.layers[l].calls, true);
  }

  /**
   * From now on saveInput keeps copies of the stream at layer inputs, within `budgetBytes` (every layer's when it
   * fits, else every few layers'), so that a pass can resume at a layer (resumeAt) instead of re-running the
   * layers below it. Forgets what was kept before.
   */
  keepInputs(budgetBytes: number): void {
    this.dropInputs();
    const L = this.engine.spec.numLayers, bytes = this.stream.size;
    this.inputStride = Math.max(1, Math.ceil(((L - 1) * bytes) / Math.max(1, budgetBytes)));
    this.inputs = new Map();
  }

  /** Keeps the stream as layer l's input when l is a kept layer (call it before layer l runs). */
  async saveInput(l: number): Promise<void> {
    if (!this.inputs || l === 0 || l % this.inputStride !== 0) return;
    let b = this.inputs.get(l);
    if (!b) this.inputs.set(l, b = await createStorageBuffer(this.engine.gpu, `calibration input ${l}`, this.stream.size));
    const enc = this.engine.gpu.device.createCommandEncoder();
    enc.copyBufferToBuffer(this.stream, 0, b, 0, this.stream.size);
    this.engine.gpu.device.queue.submit([enc.finish()]);
  }

  /** The stream <- layer l's input as the last pass saw it: from the nearest kept input at or below l (or the
   * embedding), advanced through the layers in between as masked now. The caller guarantees that those layers'
   * masks (and weights) are unchanged since that pass saved it. */
  async resumeAt(l: number): Promise<void> {
    let k = l;
    while (k > 0 && !this.inputs?.has(k)) k--;
    if (k === 0) await this.embed();
    else {
      const enc = this.engine.gpu.device.createCommandEncoder();
      enc.copyBufferToBuffer(this.inputs!.get(k)!, 0, this.stream, 0, this.stream.size);
      this.engine.gpu.device.queue.submit([enc.finish()]);
    }
    for (; k < l; k++) await this.advance(k);
  }

  dropInputs(): void {
    this.inputs?.forEach((b) => b.destroy());
    this.inputs = null;
  }

  async readStats(l: number): Promise<LayerStats> {
    const widths = inputWidths(this.engine.spec);
    const out = {} as LayerStats;
    for (const input of LINEAR_INPUTS) {
      const K = widths[input];
      const both = await readF32(this.engine.gpu, this.stats[l][input], 2 * K);
      out[input] = { sq: both.slice(0, K), sum: both.slice(K) };
    }
    return out;
  }

  destroy(): void {
    this.dropInputs();
    this.detachSparseGpt();
    this.detachBiases();
    this.plan.destroy();
    this.cache.destroy();
    this.stream.destroy();
    this.owned.forEach((b) => b.destroy());
  }
}

/** Windows per dispatch: the largest divisor of the window count within the engine's batch size (one plan for
 * every batch; 1 when only one window fits). */
export function calibrationBatch(windows: number, fits: number): number {
  for (let B = Math.min(windows, fits); B > 1; B--) if (windows % B === 0) return B;
  return 1;
}

/** A calibration plan over B windows of seq tokens (M = B x seq rows; its position uniform says seq when B > 1),
 * without lm_head: nothing reads logits while the stream moves layer by layer. */
async function batchedPlan(engine: Engine, cache: KvCache, seq: number, B: number, opts: PlanOptions): Promise<ForwardPlan> {
  const { gpu, spec, weights, matmulVariant } = engine;
  const plan = await createForwardPlan(gpu, spec, weights, cache, B * seq, matmulVariant, { ...opts, windowRows: seq, head: false });
  gpu.device.queue.writeBuffer(plan.position, 0, Uint32Array.of(0, B > 1 ? seq : 0, 0, 0));
  return plan;
}
