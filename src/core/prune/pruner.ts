// Unstructured pruning of a loaded model on the GPU: calibration statistics, allocation (uniform / explicit /
// OWL / MRP), sequential masking, and the achieved sparsity counted from the masks. The engine then evaluates
// through the masks; the dense weights stay on the GPU untouched, so a new request only rewrites masks.
// SparseGPT also updates weights: those live in per-map override buffers (sparsegpt.ts) that the next request
// or reset() drops.
import { mlpMatrices } from '../model/spec.ts';
import { BadRequest, Cancelled } from '../errors.ts';
import type { Engine } from '../engine/engine.ts';
import { CalibrationRun } from './calibration.ts';
import { QueuePacer } from '../gpu/queue.ts';
import { MaskSet, prunedPerRow } from './mask-set.ts';
import { LayerMasker } from './unstructured.ts';
import { OutlierCounter, outlierRatio, redundancy } from './outliers.ts';
import { alphaAllocation, mean, owlAllocation, spread, uniformAllocation } from './allocation.ts';
import { layerAlphas } from './layer-alphas.ts';
import { runMrp, type MrpStep } from './mrp.ts';
import { CompactedLayers, type KeptUnits } from './compaction.ts';
import { checkStructuredAllocation, selectStructured } from './structured.ts';
import { StructuredScorer } from './structured-scorer.ts';
import { flapGlobalRemovals, removedFraction, type LayerRemovals } from './flap-global.ts';
import { SparseGptLayers, type SparseGptSolver } from './sparsegpt.ts';
import { checkKeptFactorBudget } from './sparsegpt-factors.ts';
import { DEFAULT_MRP, DEFAULT_OWL, validateRequest, type PruneRequest } from './prune-options.ts';
import {
  structuredCountOf, structuredCounts, unstructuredCounts, type ParameterCount, isMultiHead } from './allocation-counts.ts';

export interface PruneResult {
  /** Per-layer sparsity as allocated (layer order). */
  allocation: number[];
  /** Per-layer sparsity counted from the masks (structured: share of the seven maps' weights removed). */
  achievedSparsity: number[];
  /** Parameters requested and removed, after the count repair (docs/algorithms.md §7.2); absent in runs saved
   * before it. N:M has no requested count; SparseGPT keeps its own per-block rounding (methodRounding = removed). */
  count?: ParameterCount;
  /** OWL: outlier ratio D_l (%) per layer on the dense model. */
  outlierRatios?: number[];
  /** AlphaPruning: mean Hill exponent of each layer's weight spectra. */
  alphas?: number[];
  /** MRP: R_l after the uniform start, after the final prune, and their spreads (max - min). */
  redundancyBefore?: number[];
  redundancyAfter?: number[];
  spreadBefore?: number;
  spreadAfter?: number;
  trajectory?: MrpStep[];
  /** Structured: per layer, the kept query heads and MLP channels (ascending indices). */
  kept?: KeptUnits[];
  seconds: number;
}

export interface PruneProgress { phase: string; done: number; total: number }

export class Pruner {
  /** Compacted weights of the last structured prune (the engine evaluates them), else null. */
  private compacted: CompactedLayers | null = null;
  /** SparseGPT's updated weights of the last prune (the engine reads them instead of the dense ones), else null. */
  private sparseGpt: SparseGptLayers | null = null;
  /** Structured pruning's score calls, prepared once and reused by every structured prune of this pruner. */
  private get scorer(): StructuredScorer { return this.scorerOrNull ??= new StructuredScorer(this.engine, this.calib); }
  private scorerOrNull: StructuredScorer | null = null;
  /** MRP's results on this pruner's calibration, by metric, target and parameters (see prune()). */
  private mrpResults = new Map<string, Omit<PruneResult, 'achievedSparsity' | 'seconds'>>();
  /** MRP's later passes resume at the lowest changed layer (mrp.ts); false re-runs every pass in full and
   * re-measures every R (the same results; tests and the benchmark compare the two). */
  mrpIncremental = true;
  /** GPU memory MRP may spend on copies of the calibration stream at layer inputs (CalibrationRun.keepInputs). */
  mrpInputBudgetBytes = 128 * 2 ** 20;
  /** Where SparseGPT's column sweep runs; 'cpu' (the float64 solver) only for tests and the benchmark. */
  sparseGptSolver: SparseGptSolver = 'gpu';
  /** Where SparseGPT's H^-1 factor is computed with the GPU solver: the GPU in f32 (default) or the CPU in
   * float64 (the fallback; the CPU solver always factors on the CPU). */
  sparseGptFactor: 'gpu' | 'cpu' = 'gpu';

  private constructor(readonly engine: Engine, readonly masks: MaskSet, readonly calib: CalibrationRun) {}

  /** `calibrationBatch`: at most this many calibration windows per dispatch (default: the engine's batch). */
  static async create(engine: Engine, calibrationWindows: number[][], opts: { calibrationBatch?: number } = {}): Promise<Pruner> {
    if (engine.spec.layerWidths) {
      throw new BadRequest('this model has per-layer head counts / MLP widths (a Prunelab compact export): it can be ' +
        'evaluated and used for generation, but pruning it again is not supported; prune the original model instead');
    }
    const masks = await MaskSet.create(engine.gpu, engine.spec);
    try {
      return new Pruner(engine, masks, await CalibrationRun.create(engine, calibrationWindows, masks, opts.calibrationBatch));
    } catch (e) {
      masks.destroy();
      throw e;
    }
  }

  /** Prunes per `req`; afterwards the engine evaluates through the masks (or, structured, the compacted layers). */
  async prune(req: PruneRequest, opts: { signal?: AbortSignal; onProgress?: (p: PruneProgress) => void } = {}): Promise<PruneResult> {
    const L = this.engine.spec.numLayers;
    validateRequest(req, L);
    const start = performance.now();
    this.dropSparseGpt();
    if (req.structured) return this.pruneStructured(req, start, opts);
    this.dropCompacted();
    const { gpu, weights } = this.engine;
    const masker = new LayerMasker(gpu, weights, this.masks, this.calib.stats, req.metric, req.nm);
    let gpt: SparseGptLayers | null = null;
    const check = () => { if (opts.signal?.aborted) throw new Cancelled('pruning'); };
    // With `rowCounts` (the count repair's), each map prunes its own count per row instead of floor(K s_l). With
    // `from` (MRP's later passes), layers below it and layer `from`'s statistics are as the previous pass left
    // them (mrp.ts): resume at its input, re-mask it, and measure and prune only the layers after it.
    const sequential = async (alloc: number[], phase = 'sequential prune', rowCounts?: number[][], from?: number) => {
      const pacer = new QueuePacer(gpu); // layers are submitted one ahead of the host (gpu/queue.ts)
      if (from === undefined) await this.calib.embed();
      else if (from < L) await this.calib.resumeAt(from);
      for (let l = from ?? 0; l < L; l++) {
        check();
        await this.calib.saveInput(l);
        const measure = from === undefined || l > from;
        if (measure) {
          this.masks.keepAll(l);             // layer l's statistics come from the unpruned layer
          gpt?.begin(l);
          await this.calib.capture(l);
        }
        if (rowCounts && !gpt) await masker.pruneRows(l, rowCounts[l]);
        else if (gpt && !measure) await gpt.reprune(l, alloc[l]); // its factors are the last pass's
        else await (gpt ?? masker).prune(l, alloc[l]);
        if (l < L - 1) await this.calib.advance(l); // nothing reads the stream after the last layer
        await pacer.step();
        opts.onProgress?.({ phase, done: l + 1, total: L });
      }
      await pacer.drain();
    };
    this.engine.setMasks(this.masks.buffers);
    const result: Omit<PruneResult, 'achievedSparsity' | 'seconds'> = { allocation: [] };
    // The row-wise masker's counts are repaired to the requested total; N:M fixes its own, SparseGPT rounds per block.
    const repaired = () => (req.nm || req.metric === 'sparsegpt' ? undefined : unstructuredCounts(this.engine.spec, result.allocation));
    const a = req.allocation;
    if (Array.isArray(a)) result.allocation = a.slice();
    else if (a === 'uniform') result.allocation = uniformAllocation(L, req.sparsity);
    else if (a === 'alpha') {
      result.alphas = await layerAlphas(this.engine.model, (done, total) => opts.onProgress?.({ phase: 'weight spectra', done, total }));
      result.allocation = alphaAllocation(result.alphas, req.sparsity);
    }
    else if (a === 'owl') {
      // Dense statistics for every layer, then OWL's outlier ratios from Wanda scores.
      await this.denseStatistics(opts.signal);
      const counter = new OutlierCounter(gpu, weights, this.masks, this.calib.stats, 'wanda', DEFAULT_OWL.M);
      try {
        const D: number[] = [];
        for (let l = 0; l < L; l++) D.push(outlierRatio(await counter.count(l)));
        result.outlierRatios = D;
        result.allocation = owlAllocation(D, req.sparsity);
      } finally { counter.destroy(); }
    } else {
      const params = { ...DEFAULT_MRP, ...req.mrp };
      // MRP's loop depends only on the calibration (this pruner's), the metric, the target and its parameters: a
      // second request for the same (the overlay then the slider, a re-run) reuses it and only re-prunes at its
      // allocation, exactly MRP's own final step. SparseGPT's run keeps GPU factors while looping: not cached.
      const key = JSON.stringify({ metric: req.metric, sparsity: req.sparsity, params });
      const cached = req.metric === 'sparsegpt' ? undefined : this.mrpResults.get(key);
      if (cached) {
        Object.assign(result, structuredClone(cached));
        await sequential(result.allocation, 'sequential prune', repaired()?.rowCounts);
      } else {
        // SparseGPT keeps every layer's inverse-Hessian factors while MRP runs: re-prunes and scores read them.
        if (req.metric === 'sparsegpt') gpt = await this.attachSparseGpt(req, true);
        const counter = new OutlierCounter(gpu, weights, this.masks, gpt?.scoreDenominators ?? this.calib.stats, req.metric, params.M);
        const incremental = this.mrpIncremental;
        if (incremental) this.calib.keepInputs(this.mrpInputBudgetBytes);
        try {
          const mrp = await runMrp(L, req.sparsity, params, {
            sequential: async (alloc, from) => {
              await sequential(alloc, 'MRP re-propagation', undefined, from);
              counter.statisticsChanged(from);
            },
            // Between refreshes nothing reads the step's masks but R_l: the unstructured masker's R_l at s follows
            // from the layer's per-row outlier counts (OutlierCounter.countAt), so only SparseGPT (whose re-prune
            // updates weights and picks its own masks) re-masks and counts on the GPU per step.
            pruneLayer: async (l, s) => { if (gpt) await gpt.reprune(l, s); },
            redundancy: async (l, s) => redundancy(gpt ? await counter.count(l) : await counter.countAt(l, s)),
            redundancies: async (layers, s) => {
              const counts = await counter.countMany(layers); // one batch of GPU work for every layer
              const out: number[] = [];
              for (const [i, l] of layers.entries()) out.push(redundancy(gpt ? counts[i] : await counter.countAt(l, s[l])));
              return out;
            },
            fullPasses: !incremental,
            signal: opts.signal,
            onStep: (_, m) => opts.onProgress?.({ phase: 'MRP', done: m, total: req.sparsity }),
          });
          const found = { ...mrp, spreadBefore: spread(mrp.redundancyBefore), spreadAfter: spread(mrp.redundancyAfter) };
          if (req.metric !== 'sparsegpt') this.mrpResults.set(key, structuredClone(found));
          Object.assign(result, found);
          // MRP's own final prune (its step 3) is at floor(K s_l) per row; the repaired counts re-prune once more,
          // from the first layer whose counts differ (the layers below keep that prune's masks).
          const counts = repaired();
          if (counts && counts.count.removed !== counts.count.methodRounding) {
            await sequential(result.allocation, 'count repair', counts.rowCounts,
              incremental ? this.firstRepairedLayer(result.allocation, counts.rowCounts) : undefined);
          }
        } finally {
          counter.destroy();
          this.calib.dropInputs();
        }
      }
    }
    if (req.metric === 'sparsegpt' && !gpt) gpt = await this.attachSparseGpt(req);
    const counts = repaired();
    if (a !== 'mrp') await sequential(result.allocation, 'sequential prune', counts?.rowCounts);
    const kept = await this.masks.keptPerLayer();
    const removed = kept.reduce((t, k) => t + k.total - k.kept, 0);
    const total = kept.reduce((t, k) => t + k.total, 0);
    const requested = Math.round(result.allocation.reduce((t, s, l) => t + s * kept[l].total, 0));
    return {
      ...result,
      achievedSparsity: kept.map((k) => 1 - k.kept / k.total),
      count: counts?.count ?? { basis: 'linear weights', total, requested: req.nm ? removed : requested, methodRounding: removed, removed },
      seconds: (performance.now() - start) / 1000,
    };
  }

  /** The first layer whose repaired per-row counts differ from floor(K s_l), the counts its masks have now
   * (L when none does). */
  private firstRepairedLayer(alloc: number[], rowCounts: number[][]): number {
    const l = alloc.findIndex((s, l) => this.masks.layers[l].some((e, i) => rowCounts[l][i] !== prunedPerRow(e.map.K, s)));
    return l < 0 ? alloc.length : l;
  }

  /** Sequential structured selection, then compaction: afterwards the engine runs the smaller layers. */
  private async pruneStructured(req: PruneRequest, start: number,
    opts: { signal?: AbortSignal; onProgress?: (p: PruneProgress) => void }): Promise<PruneResult> {
    const { spec, gpu, weights } = this.engine;
    const L = spec.numLayers;
    let allocation = Array.isArray(req.allocation) ? req.allocation.slice() : uniformAllocation(L, req.sparsity);
    this.engine.setCompactLayers(null);
    this.engine.setMasks(this.masks.buffers);
    // Multi-head attention (GPT-2, OPT): each head is its own kv-group, so removing a head removes its q, k, v rows.
    const kvGroups = req.kvGroups === true || isMultiHead(spec);
    if (req.allocation !== 'flap-global') checkStructuredAllocation(spec.numHeads, spec.numKvHeads, allocation, kvGroups);
    // flap-global ranks its units itself, to the unit nearest its budget; other allocations get the count repair.
    const global = req.allocation === 'flap-global' ? await this.flapGlobal(req.sparsity, opts.signal) : undefined;
    const repaired = global ? undefined : structuredCounts(spec, allocation, kvGroups);
    const removals = global ?? repaired!.removals;
    const count = global ? structuredCountOf(spec, global, req.sparsity) : repaired!.count;
    if (global) allocation = global.map((r) => removedFraction(r, spec));
    const kept = await selectStructured(this.engine, this.masks, this.calib, req.structured!, allocation, {
      kvGroups, biasCompensation: req.biasCompensation, removals, scorer: this.scorer,
      signal: opts.signal, onLayer: (l) => opts.onProgress?.({ phase: 'structured prune', done: l + 1, total: L }),
    });
    const compacted = await CompactedLayers.create(gpu, spec, weights, kept);
    this.dropCompacted();
    this.compacted = compacted;
    this.engine.setMasks(null);
    this.engine.setCompactLayers(compacted.layers);
    // Fraction of the layer's linear maps' weights removed (k, v only with whole kv-groups).
    const { hiddenSize: d, intermediateSize: f, numHeads: nH, numKvHeads: nKv, headDim: hd } = spec;
    const mlp = mlpMatrices(spec) * d;
    const total = d * hd * (2 * nH + 2 * nKv) + mlp * f;
    const achievedSparsity = kept.map((k) => 1 - (d * hd * (2 * k.heads.length + 2 * (k.kvHeads?.length ?? nKv)) + mlp * k.channels.length) / total);
    return { allocation, achievedSparsity, count, kept, seconds: (performance.now() - start) / 1000 };
  }

  /** FLAP's global allocation: per-layer removals from every layer's dense fluctuation scores (flap-global.ts). */
  private async flapGlobal(p: number, signal?: AbortSignal): Promise<LayerRemovals[]> {
    await this.denseStatistics(signal);
    const heads: Float64Array[] = [], channels: Float32Array[] = [];
    for (let l = 0; l < this.engine.spec.numLayers; l++) {
      const s = await this.scorer.scores(l, 'flap');
      heads.push(s.heads);
      channels.push(s.channels);
    }
    return flapGlobalRemovals(heads, channels, this.engine.spec, p);
  }

  /** SparseGPT's per-map weights that the engine reads instead of the dense ones (null unless the last prune was
   * SparseGPT); the dense weights stay untouched. */
  get weightOverrides(): ReadonlyMap<string, GPUBuffer> | null { return this.sparseGpt?.overrides ?? null; }

  /** The last SparseGPT prune's CPU seconds (float64 factorisations, CPU solver), wall seconds of its layer solves
   * and of its factorisations, bytes read back from the GPU and where a bad f32 pivot raised the damping (null
   * unless it was SparseGPT). */
  get sparseGptCost(): { solveSeconds: number; layerSeconds: number; factorSeconds: number; readBackBytes: number;
    dampingRaised: SparseGptLayers['dampingRaised'] } | null {
    const g = this.sparseGpt;
    return g && { solveSeconds: g.solveSeconds, layerSeconds: g.layerSeconds, factorSeconds: g.factorSeconds,
      readBackBytes: g.readBackBytes, dampingRaised: g.dampingRaised };
  }

  private async attachSparseGpt(req: PruneRequest, keepFactors = false): Promise<SparseGptLayers> {
    const { gpu, spec, weights } = this.engine;
    // The weights as f32: a bf16 upload (half the bytes) must not halve the factors' budget.
    if (keepFactors) checkKeptFactorBudget(spec, weights.f32Bytes);
    const gpt = await SparseGptLayers.create(gpu, spec, weights, this.masks, { nm: req.nm, solver: this.sparseGptSolver, factor: this.sparseGptFactor, keepFactors });
    try {
      await this.calib.attachSparseGpt(gpt);
    } catch (e) {
      gpt.destroy();
      throw e;
    }
    this.sparseGpt = gpt;
    this.engine.setWeightOverrides(gpt.overrides);
    return gpt;
  }

  /** Back to the dense weights everywhere (engine and calibration), then frees SparseGPT's buffers. */
  private dropSparseGpt(): void {
    this.engine.setWeightOverrides(null);
    this.calib.detachSparseGpt();
    this.sparseGpt?.destroy();
    this.sparseGpt = null;
  }

  private dropCompacted(): void {
    this.engine.setCompactLayers(null);
    this.compacted?.destroy();
    this.compacted = null;
  }

  /** Statistics of every layer from the dense model (all masks kept) in one pass over the calibration windows. */
  async denseStatistics(signal?: AbortSignal): Promise<void> {
    const L = this.engine.spec.numLayers;
    this.dropSparseGpt();
    for (let l = 0; l < L; l++) this.masks.keepAll(l);
    const pacer = new QueuePacer(this.engine.gpu);
    await this.calib.embed();
    for (let l = 0; l < L; l++) {
      if (signal?.aborted) throw new Cancelled('calibration');
      await this.calib.captureAndAdvance(l); // the masks are all kept: measuring and advancing are one run
      await pacer.step();
    }
    await pacer.drain();
  }

  /** Forgets MRP's cached results (the benchmark and tests time or compare fresh runs). */
  forgetMrpResults(): void { this.mrpResults.clear(); }

  /** Back to the dense model (masks all kept; the engine evaluates densely). */
  reset(): void {
    this.dropSparseGpt();
    this.dropCompacted();
    for (let l = 0; l < this.engine.spec.numLayers; l++) this.masks.keepAll(l);
    this.engine.setMasks(null);
  }

  destroy(): void {
    this.dropSparseGpt();
    this.dropCompacted();
    this.engine.setMasks(null);
    this.scorerOrNull?.destroy();
    this.calib.destroy();
    this.masks.destroy();
  }
}

