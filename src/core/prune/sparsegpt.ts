// SparseGPT (docs/algorithms.md §5) layer by layer, as the sequential pruner drives it. The dense weights on the GPU are
// never modified: every linear map gets an override buffer (same shape) that the forward plans read instead, and
// the masks (bitsets) still record what is pruned, so sparsity is counted as for Wanda. Per layer l:
//   begin(l):  overrides of layer l <- dense (a GPU copy: layer l is measured unpruned), Hessians zeroed;
//   (the calibration windows run through layer l: column statistics and X^T X of its four inputs, on the GPU)
//   prune(l):  factor the damped H^-1 of X^T X (4 matrices of K x K) on the GPU in f32 (or, factor 'cpu', read
//              them back and factor on the CPU in float64; sparsegpt-factors.ts), then the column sweep on the GPU (kernels/sparsegpt-sweep.ts) updates the overrides in place and
//              writes the masks: no weight comes back to the CPU.
//   reprune(l): (MRP, keepFactors) overrides of layer l <- dense, the sweep again at a new sparsity from the
//              factors kept for layer l.
// The CPU solver (sparsegpt-solver.ts, float64; it reads the dense weights back and uploads the result) stays
// selectable for tests and the benchmark. The next layer's inputs come from this layer pruned AND updated.
// Dropping the overrides (destroy, after the engine and the calibration plan are detached) restores the dense model.
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer, readF32 } from '../gpu/buffers.ts';
import { runCalls, type KernelCall } from '../kernels/kernel-call.ts';
import { readWeightF32 } from '../kernels/weight-binding.ts';
import { prepareWidenWeight } from '../kernels/weight-widen.ts';
import { prepareSparseGptSweep, SPARSEGPT_BLOCK, sparseGptBlockCounts, type SparseGptSweep } from '../kernels/sparsegpt-sweep.ts';
import type { GpuWeights } from '../engine/gpu-weights.ts';
import type { LayerStatsBuffers } from '../engine/forward-plan.ts';
import type { LinearInput } from '../engine/reference-forward.ts';
import type { ModelSpec } from '../model/spec.ts';
import { inputWidths, layerMaps, LINEAR_INPUTS, type Module } from './linear-maps.ts';
import type { MaskSet } from './mask-set.ts';
import type { NmPattern } from './prune-options.ts';
import { sparseGptSolveFactored } from './sparsegpt-solver.ts';
import { createFactorSlot, createGpuFactorScratch, destroyGpuFactors, refreshFactors, type FactorSlot,
  type GpuFactorScratch } from './sparsegpt-factors.ts';
import type { SparseGptFactorRun } from '../kernels/sparsegpt-factor.ts';

/** Where the column sweep runs: the GPU (default) or the float64 CPU solver (tests, benchmark). */
export type SparseGptSolver = 'gpu' | 'cpu';

export interface SparseGptLayersOptions {
  nm?: NmPattern;
  solver?: SparseGptSolver;
  /** Where H^-1's factor is computed: the GPU in f32 (default) or the CPU in float64 (always with solver 'cpu'). */
  factor?: 'gpu' | 'cpu';
  /** Keep every layer's factors (MRP re-prunes single layers); otherwise one set is reused layer after layer. */
  keepFactors?: boolean;
}

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
  /** CPU seconds: the float64 factorisations, plus the CPU solver when selected (transfers excluded). */
  solveSeconds = 0;
  /** Bytes read back from the GPU (the Hessians; with the CPU solver also the dense weights). */
  readBackBytes = 0;
  /** Wall seconds inside prune / reprune: read-backs, factorisations and the sweep (the calibration excluded). */
  layerSeconds = 0;
  /** Seconds factoring H^-1 (GPU factor: wall seconds of its runs, status read included). */
  factorSeconds = 0;
  /** Layers and inputs whose f32 factorisation met a bad pivot and ran again with more damping. */
  dampingRaised: Array<{ layer: number; input: LinearInput } & SparseGptFactorRun> = [];
  private sweeps = new Map<number, SparseGptSweep[]>();
  /** Per map stored as f16 / bf16: the widening copy of its dense weight into its (f32) override. */
  private widen = new Map<string, KernelCall>();

  private constructor(private readonly gpu: Gpu, private readonly spec: ModelSpec, private readonly weights: GpuWeights,
    private readonly masks: MaskSet, readonly overrides: ReadonlyMap<string, GPUBuffer>,
    readonly hessians: Record<LinearInput, GPUBuffer>, private readonly slots: FactorSlot[],
    private readonly counts: Map<Module, GPUBuffer>, private readonly scratch: { pruned: GPUBuffer; err: GPUBuffer },
    private readonly owned: GPUBuffer[], readonly opts: SparseGptLayersOptions,
    private readonly factorScratch?: GpuFactorScratch) {}

  /** Allocates an override for every linear map (the size of the layers' dense weights), one [K, K] Hessian per
   * input width, the factor slots (one, or one per layer with keepFactors) and the sweep's scratch. */
  static async create(gpu: Gpu, spec: ModelSpec, weights: GpuWeights, masks: MaskSet,
    opts: SparseGptLayersOptions = {}): Promise<SparseGptLayers> {
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
      const slots: FactorSlot[] = [];
      for (let s = 0; s < (opts.keepFactors ? spec.numLayers : 1); s++) slots.push(await createFactorSlot(gpu, spec, `slot ${s}`, owned));
      const counts = new Map<Module, GPUBuffer>();
      let maxN = 1;
      for (const m of layerMaps(spec, 0)) {
        const b = await createStorageBuffer(gpu, `sparsegpt block counts ${m.module}`, Math.ceil(m.K / SPARSEGPT_BLOCK) * 4);
        owned.push(b);
        counts.set(m.module, b);
        maxN = Math.max(maxN, m.N);
      }
      const pruned = await createStorageBuffer(gpu, `sparsegpt pruned flags [${maxN}, ${SPARSEGPT_BLOCK}]`, maxN * SPARSEGPT_BLOCK * 4);
      owned.push(pruned);
      const Np = Math.ceil(maxN / 4) * 4;
      const err = await createStorageBuffer(gpu, `sparsegpt errors [${SPARSEGPT_BLOCK}, ${Np}]`, Np * SPARSEGPT_BLOCK * 4);
      owned.push(err);
      const onGpu = opts.solver !== 'cpu' && opts.factor !== 'cpu' ? await createGpuFactorScratch(gpu, spec, owned) : undefined;
      const layers = new SparseGptLayers(gpu, spec, weights, masks, overrides, hessians, slots, counts, { pruned, err }, owned, opts, onGpu);
      // Weights stored as f16 / bf16 reach their f32 overrides through a widening kernel (no f32 copy of the model).
      for (let l = 0; l < spec.numLayers; l++) {
        for (const m of layerMaps(spec, l)) {
          const w = weights.tensors.get(m.name)!;
          if (w.dtype !== 'f32') layers.widen.set(m.name, await prepareWidenWeight(gpu, { w, out: overrides.get(m.name)!, n: m.N * m.K }));
        }
      }
      return layers;
    } catch (e) {
      owned.forEach((b) => b.destroy());
      throw e;
    }
  }

  private slot(l: number): FactorSlot { return this.slots[this.opts.keepFactors ? l : 0]; }

  /** Per layer and input, U's diagonal [K] f32 (the SparseGPT score is w^2 / U_jj^2); valid for layers whose
   * factors are kept (keepFactors) once they have been pruned. */
  get scoreDenominators(): LayerStatsBuffers[] {
    return Array.from({ length: this.spec.numLayers }, (_, l) => this.slot(l).diag);
  }

  /** Layer l's overrides <- its dense weights (one GPU copy each), and, with `hessians`, the Hessians zeroed. */
  private resetLayer(l: number, hessians: boolean): void {
    const enc = this.gpu.device.createCommandEncoder();
    const widen: KernelCall[] = [];
    for (const m of layerMaps(this.spec, l)) {
      const call = this.widen.get(m.name);
      if (call) widen.push(call);
      else enc.copyBufferToBuffer(this.weights.tensors.get(m.name)!.buffer, 0, this.overrides.get(m.name)!, 0, m.N * m.K * 4);
    }
    if (widen.length) {
      const pass = enc.beginComputePass();
      widen.forEach((c) => c.encode(pass));
      pass.end();
    }
    if (hessians) for (const input of LINEAR_INPUTS) enc.clearBuffer(this.hessians[input]);
    this.gpu.device.queue.submit([enc.finish()]);
  }

  /** Layer l's overrides hold its dense weights again and the Hessians are zero (before capturing layer l). */
  begin(l: number): void { this.resetLayer(l, true); }

  /** Prunes layer l's seven maps from their dense weights and the Hessians now on the GPU (sparsity ignored with N:M). */
  async prune(l: number, sparsity: number): Promise<void> {
    const t0 = performance.now();
    const r = await refreshFactors(this.gpu, this.spec, this.hessians, this.slot(l), this.opts.solver === 'cpu', this.factorScratch);
    this.readBackBytes += r.readBytes;
    if (this.factorScratch) this.factorSeconds += r.seconds;
    else { this.solveSeconds += r.seconds; this.factorSeconds += r.seconds; }
    for (const [input, run] of Object.entries(r.damping)) this.dampingRaised.push({ layer: l, input: input as LinearInput, ...run! });
    await this.solve(l, sparsity);
    this.layerSeconds += (performance.now() - t0) / 1000;
  }

  /** MRP: layer l again from its dense weights at a new sparsity, with the factors kept from its last prune(l). */
  async reprune(l: number, sparsity: number): Promise<void> {
    if (!this.opts.keepFactors) throw new Error('SparseGptLayers.reprune needs keepFactors');
    const t0 = performance.now();
    this.resetLayer(l, false);
    await this.solve(l, sparsity);
    this.layerSeconds += (performance.now() - t0) / 1000;
  }

  private async solve(l: number, sparsity: number): Promise<void> {
    const q = this.gpu.device.queue;
    if (this.opts.solver === 'cpu') {
      const factors = this.slot(l).cpu!;
      for (const m of layerMaps(this.spec, l)) {
        const dense = await readWeightF32(this.gpu, this.weights.tensors.get(m.name)!, m.N * m.K);
        this.readBackBytes += m.N * m.K * 4;
        const t0 = performance.now();
        const { weights, keep } = sparseGptSolveFactored(dense, m.N, m.K, factors.get(m.input)!, { sparsity, nm: this.opts.nm });
        this.solveSeconds += (performance.now() - t0) / 1000;
        q.writeBuffer(this.overrides.get(m.name)!, 0, weights);
        q.writeBuffer(this.masks.entries.get(m.name)!.mask, 0, keepToBits(keep, m.N, m.K));
      }
      await q.onSubmittedWorkDone();
      return;
    }
    for (const m of layerMaps(this.spec, l)) q.writeBuffer(this.counts.get(m.module)!, 0, sparseGptBlockCounts(m.N, m.K, sparsity));
    await runCalls(this.gpu, (await this.layerSweeps(l)).flatMap((s) => s.calls));
  }

  private async layerSweeps(l: number): Promise<SparseGptSweep[]> {
    let sweeps = this.sweeps.get(l);
    if (!sweeps) {
      sweeps = [];
      const slot = this.slot(l);
      for (const m of layerMaps(this.spec, l)) {
        sweeps.push(await prepareSparseGptSweep(this.gpu, {
          w: this.overrides.get(m.name)!, u: slot.u[m.input], dead: slot.dead[m.input],
          mask: this.masks.entries.get(m.name)!.mask, counts: this.counts.get(m.module)!,
          pruned: this.scratch.pruned, err: this.scratch.err, N: m.N, K: m.K, nm: this.opts.nm,
        }));
      }
      this.sweeps.set(l, sweeps);
    }
    return sweeps;
  }

  /** GPU bytes held by the overrides, Hessians, factors and scratch. */
  get bytes(): number {
    return this.owned.reduce((s, b) => s + b.size, 0);
  }

  destroy(): void {
    this.slots.forEach(destroyGpuFactors);
    this.owned.forEach((b) => b.destroy());
    for (const sweeps of this.sweeps.values()) for (const s of sweeps) s.uniforms.forEach((b) => b.destroy());
    this.sweeps.clear();
  }
}
