// The WGSL inference engine: weights uploaded once, forward plans prepared per token count and replayed.
import { BadRequest } from '../errors.ts';
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer, readBuffers, readF32 } from '../gpu/buffers.ts';
import { runCalls, type KernelCall } from '../kernels/kernel-call.ts';
import { prepareArgmax } from '../kernels/argmax.ts';
import { matmulKernelName, type MatmulVariant } from '../kernels/matmul.ts';
import { autotuneMatmul, modelMatmulShapes, type MatmulTuning, type TuningStore } from '../kernels/matmul-tuning.ts';
import type { LoadedModel } from '../model/loaded-model.ts';
import { createForwardPlan, type ForwardPlan } from './forward-plan.ts';
import { createKvCache, type KvCache } from './kv-cache.ts';
import { readLogitRows } from './logit-slices.ts';
import { uploadWeights, type GpuWeights, type WeightStorage } from './gpu-weights.ts';
import { perLayerCompactLayers, type CompactLayer } from './compact-layer.ts';
import { ropeDiffersByLength } from '../model/rope.ts';
import { tensorNames } from '../model/spec.ts';
import { windowBatchSize } from './window-batch.ts';

export interface EngineOptions {
  onProgress?: (loadedBytes: number, totalBytes: number) => void;
  /** Force a matmul variant instead of the per-adapter autotune choice. */
  matmulVariant?: MatmulVariant;
  /** Where the autotune keeps its choice across pages / processes (IndexedDB in the studio, a file in the CLI). */
  tuningStore?: TuningStore;
  /** Progress of the matmul autotune (variants done of total), called only when it times this adapter. */
  onTuning?: (done: number, total: number) => void;
  /** 'source' (default): weight matrices stay in their F16 / BF16 / Q8_0 source dtype on the GPU; 'f32': all
   * decoded to f32 (twice the memory for a half-precision model, the same numbers). */
  weightStorage?: WeightStorage;
}

export class Engine {
  private cache: KvCache | null = null;
  private plans = new Map<number, ForwardPlan>();
  /** Per plan, the argmax of its logits (tokenScores); made on first use, dropped with the plans. */
  private argmaxes = new Map<ForwardPlan, { calls: KernelCall[]; out: GPUBuffer; state: GPUBuffer }>();
  private masks: ReadonlyMap<string, GPUBuffer> | null = null;
  private overrides: ReadonlyMap<string, GPUBuffer> | null = null;
  private compact: ReadonlyArray<CompactLayer | undefined> | null;

  /** perLayer: the model's own layers when its spec has per-layer widths (a compact export), which it always runs. */
  private constructor(readonly gpu: Gpu, readonly model: LoadedModel, readonly weights: GpuWeights,
    readonly matmulVariant: MatmulVariant,
    /** How the variant was chosen (null when forced by matmulVariant). */
    readonly matmulTuning: MatmulTuning | null,
    private readonly perLayer: { layers: CompactLayer[]; destroy(): void } | null) {
    this.compact = perLayer?.layers ?? null;
  }

  static async create(gpu: Gpu, model: LoadedModel, opts: EngineOptions = {}): Promise<Engine> {
    const weights = await uploadWeights(gpu, model, { storage: opts.weightStorage, onProgress: opts.onProgress });
    try {
      const tuning = opts.matmulVariant ? null
        : await autotuneMatmul(gpu, { shapes: modelMatmulShapes(model.spec), store: opts.tuningStore, onProgress: opts.onTuning,
          weightDtype: weights.tensors.get(tensorNames.layer(0).q)?.dtype });
      const perLayer = model.spec.layerWidths ? await perLayerCompactLayers(gpu, model.spec, weights) : null;
      return new Engine(gpu, model, weights, opts.matmulVariant ?? tuning!.choice, tuning, perLayer);
    } catch (e) {
      weights.destroy();
      throw e;
    }
  }

  get spec() { return this.model.spec; }

  /** The shader the linear maps run at M rows (the variant falls back where its kernel does not apply). */
  matmulShader(M: number): string {
    return matmulKernelName(this.matmulVariant, M, this.spec.hiddenSize, false, this.gpu.subgroupSize);
  }

  /** A plan for T tokens against a KV cache of at least `rows` positions, for `windows` batched windows of them
   * (rebuilt when the cache grows). A plan of T rows serves one window or T / rows batched ones alike: only the
   * position uniform differs (write's seq). */
  private async plan(T: number, rows: number, windows = 1): Promise<ForwardPlan> {
    if (rows > this.spec.maxPositions) {
      throw new BadRequest(`${rows} positions exceed the model's maximum of ${this.spec.maxPositions}`);
    }
    // The cache's RoPE tables are built for a forward over its rows: a longer cache is reused unless the RoPE
    // depends on the length (longrope: short factors up to the original context, long ones past it), as in
    // transformers, where a 12-token generation rotates with the short factors whatever ran before.
    const lengthMatters = this.cache !== null && this.cache.rows !== rows
      && this.cache.rope.some((t) => t !== null && ropeDiffersByLength(t.rope, this.cache!.rows, rows));
    const tooFew = this.cache !== null && this.cache.rows * this.cache.windows < rows * windows;
    if (!this.cache || this.cache.rows < rows || lengthMatters || tooFew) {
      this.dropPlans();
      this.cache?.destroy();
      this.cache = await createKvCache(this.gpu, this.spec, rows, windows);
    }
    let p = this.plans.get(T);
    if (!p) {
      p = await createForwardPlan(this.gpu, this.spec, this.weights, this.cache, T, this.matmulVariant,
        { masks: this.masks ?? undefined, compact: this.compact ?? undefined, overrides: this.overrides ?? undefined });
      this.plans.set(T, p);
    }
    return p;
  }

  /** seq > 0: the ids are batched windows of seq tokens each, from position 0 (pos0 must be 0). */
  private write(plan: ForwardPlan, ids: number[], pos0: number, targets?: number[], seq = 0): void {
    const q = this.gpu.device.queue;
    const V = this.spec.vocabSize;
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= V) throw new BadRequest(`token id ${id} outside the vocabulary [0, ${V})`);
    }
    q.writeBuffer(plan.tokens, 0, Uint32Array.from(ids));
    q.writeBuffer(plan.position, 0, Uint32Array.of(pos0, seq, 0, 0));
    if (targets) q.writeBuffer(plan.targets, 0, Uint32Array.from(targets));
  }

  /** Sum of next-token NLL over one window (predicting ids[1..T-1] from their prefixes). */
  async windowNll(ids: number[]): Promise<{ sum: number; count: number }> {
    const T = ids.length;
    const plan = await this.plan(T, T);
    // The last row has no next token: give it target 0 and leave it out of the sum.
    this.write(plan, ids, 0, [...ids.slice(1), 0]);
    await runCalls(this.gpu, [...plan.forward, ...plan.loss]);
    const nll = await readF32(this.gpu, plan.nll, T - 1);
    let sum = 0;
    for (const v of nll) sum += v;
    return { sum, count: T - 1 };
  }

  /** How many windows of seqLen tokens windowsNll runs per dispatch here (window-batch.ts; 1 = one at a time);
   * `head: false` for plans without lm_head (calibration). */
  windowBatch(seqLen: number, opts: { head?: boolean } = {}): number {
    return windowBatchSize(this.gpu, this.spec, seqLen, this.matmulVariant, undefined, opts);
  }

  /** windowNll of several windows of one length in one dispatch (M = windows x seqLen): each window's sum is
   * bit-identical to windowNll's (every row runs the same kernel code in the same order, summed in the same order). */
  async windowsNll(windows: number[][]): Promise<Array<{ sum: number; count: number }>> {
    const B = windows.length, S = windows[0]?.length ?? 0;
    if (B === 1) return [await this.windowNll(windows[0])];
    if (windows.some((w) => w.length !== S)) throw new BadRequest('windowsNll: windows must have one length');
    const plan = await this.plan(B * S, S, B);
    this.write(plan, windows.flat(), 0, windows.flatMap((w) => [...w.slice(1), 0]), S);
    await runCalls(this.gpu, [...plan.forward, ...plan.loss]);
    const nll = await readF32(this.gpu, plan.nll, B * S);
    return windows.map((_, b) => {
      let sum = 0;
      for (let t = b * S; t < (b + 1) * S - 1; t++) sum += nll[t];
      return { sum, count: S - 1 };
    });
  }

  /**
   * Next-token scores of `ids` run at positions pos0.. against the shared KV cache (sized `cacheRows`; positions
   * before pos0 must already be in it): per row, the NLL of targets[row] and the row's argmax (first index of the
   * maximum logit). Zero-shot scoring reads a continuation's log-probs and whether each token was the greedy one.
   */
  async tokenScores(ids: number[], targets: number[], pos0: number, cacheRows: number): Promise<{ nll: Float32Array; argmax: Uint32Array }> {
    const T = ids.length, V = this.spec.vocabSize;
    if (targets.length !== T) throw new BadRequest(`tokenScores: ${targets.length} targets for ${T} tokens`);
    if (!Number.isInteger(pos0) || pos0 < 0 || pos0 + T > cacheRows) {
      throw new BadRequest(`tokenScores: positions ${pos0}..${pos0 + T - 1} do not fit a cache of ${cacheRows} rows`);
    }
    for (const id of targets) {
      if (!Number.isInteger(id) || id < 0 || id >= V) throw new BadRequest(`target id ${id} outside the vocabulary [0, ${V})`);
    }
    const plan = await this.plan(T, cacheRows);
    let argmax = this.argmaxes.get(plan);
    if (!argmax) {
      const out = await createStorageBuffer(this.gpu, 'argmax', T * 4);
      const prepared = await prepareArgmax(this.gpu, { slices: plan.logits, out, T });
      argmax = { calls: prepared.calls, out, state: prepared.state };
      this.argmaxes.set(plan, argmax);
    }
    this.write(plan, ids, pos0, targets);
    await runCalls(this.gpu, [...plan.forward, ...plan.loss, ...argmax.calls]);
    const [nll, best] = await readBuffers(this.gpu, [{ buffer: plan.nll, bytes: T * 4 }, { buffer: argmax.out, bytes: T * 4 }]);
    return { nll: new Float32Array(nll), argmax: new Uint32Array(best) };
  }

  /**
   * Runs `ids` at positions pos0.. against the shared KV cache (sized `cacheRows`) and returns the logits of
   * the last position. Positions before pos0 must already be in the cache.
   */
  async lastLogits(ids: number[], pos0: number, cacheRows: number): Promise<Float32Array> {
    const plan = await this.plan(ids.length, cacheRows);
    this.write(plan, ids, pos0);
    await runCalls(this.gpu, plan.forward);
    const V = this.spec.vocabSize;
    return readLogitRows(this.gpu, plan.logits, V, ids.length - 1, 1);
  }

  /** Full logits [T, V] of one window from position 0 (tests, statistics). */
  async logits(ids: number[]): Promise<Float32Array> {
    const plan = await this.plan(ids.length, ids.length);
    this.write(plan, ids, 0);
    await runCalls(this.gpu, plan.forward);
    return readLogitRows(this.gpu, plan.logits, this.spec.vocabSize, 0, ids.length);
  }

  /**
   * Evaluates through these pruning masks (bitsets by tensor name; their contents may change between calls
   * without calling this again), or densely with null. Weights are never touched.
   */
  setMasks(masks: ReadonlyMap<string, GPUBuffer> | null): void {
    if (masks === this.masks) return;
    this.dropPlans();
    this.masks = masks;
  }

  /**
   * Reads these buffers instead of the dense weights of the same names (SparseGPT's updated maps, same shapes;
   * their contents may change between calls), or only the dense weights with null. The dense weights are never
   * touched. The caller owns the buffers and must call this again (null) before destroying them.
   */
  setWeightOverrides(overrides: ReadonlyMap<string, GPUBuffer> | null): void {
    if (overrides === this.overrides) return;
    this.dropPlans();
    this.overrides = overrides;
  }

  /**
   * Evaluates structurally pruned layers from their compacted weights (fewer heads, narrower MLP: less work),
   * or densely with null (a model with per-layer widths then runs its own layers). The caller owns the buffers
   * and must call this again before destroying them.
   */
  setCompactLayers(layers: ReadonlyArray<CompactLayer | undefined> | null): void {
    layers ??= this.perLayer?.layers ?? null;
    if (layers === this.compact) return;
    this.dropPlans();
    this.compact = layers;
  }

  private dropPlans(): void {
    this.argmaxes.forEach((a) => { a.out.destroy(); a.state.destroy(); });
    this.argmaxes.clear();
    this.plans.forEach((p) => p.destroy());
    this.plans.clear();
  }

  destroy(): void {
    this.dropPlans();
    this.cache?.destroy();
    this.perLayer?.destroy();
    this.weights.destroy();
  }
}
