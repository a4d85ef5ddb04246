// Structured pruning's per-layer scores: column scores of the dense o [d, nH*hd] and down [d, f] on the GPU from
// the layer's current calibration statistics, summed per head; only the [K] scores come back. The score calls
// read fixed buffers (the weights, the calibration statistics), so they are prepared once per layer and metric
// and reused by every later prune (a search evaluates many): no allocation or binding per layer and prune.
import type { Engine } from '../engine/engine.ts';
import { createStorageBuffer, readBuffers } from '../gpu/buffers.ts';
import { prepareColumnScores } from '../kernels/column-scores.ts';
import { runCalls, type KernelCall } from '../kernels/kernel-call.ts';
import { tensorNames } from '../model/spec.ts';
import type { CalibrationRun } from './calibration.ts';
import { headScores, type StructuredMetric } from './structured-selection.ts';

export class StructuredScorer {
  private calls = new Map<string, KernelCall[]>();
  private out: { o: GPUBuffer; down: GPUBuffer } | null = null; // [nH*hd] and [f], shared by every layer

  constructor(private readonly engine: Engine, private readonly calib: CalibrationRun) {}

  /** Head scores [nH] and channel scores [f] of layer l under its statistics now on the GPU. */
  async scores(l: number, metric: StructuredMetric): Promise<{ heads: Float64Array; channels: Float32Array }> {
    const { gpu, spec } = this.engine;
    const { intermediateSize: f, numHeads: nH, headDim: hd } = spec;
    const out = this.out ??= {
      o: await createStorageBuffer(gpu, 'o column scores', nH * hd * 4),
      down: await createStorageBuffer(gpu, 'down column scores', f * 4),
    };
    await runCalls(gpu, await this.layerCalls(l, metric, out));
    const [o, down] = await readBuffers(gpu, [{ buffer: out.o, bytes: nH * hd * 4 }, { buffer: out.down, bytes: f * 4 }]);
    return { heads: headScores(new Float32Array(o), nH, hd), channels: new Float32Array(down) };
  }

  private async layerCalls(l: number, metric: StructuredMetric, out: { o: GPUBuffer; down: GPUBuffer }): Promise<KernelCall[]> {
    const key = `${l}:${metric}`;
    let calls = this.calls.get(key);
    if (calls) return calls;
    const { gpu, spec, weights } = this.engine;
    const { hiddenSize: d, intermediateSize: f, numHeads: nH, headDim: hd } = spec;
    const n = tensorNames.layer(l);
    const w = (name: string) => weights.tensors.get(name)!;
    const stats = metric === 'magnitude-sp' ? undefined : this.calib.stats[l];
    const tokens = this.calib.tokens;
    calls = [
      await prepareColumnScores(gpu, { w: w(n.o), sq: stats?.oIn, out: out.o, N: d, K: nH * hd, metric, tokens }),
      await prepareColumnScores(gpu, { w: w(n.down), sq: stats?.downIn, out: out.down, N: d, K: f, metric, tokens }),
    ];
    this.calls.set(key, calls);
    return calls;
  }

  destroy(): void {
    this.out?.o.destroy();
    this.out?.down.destroy();
    this.out = null;
    this.calls.clear();
  }
}
