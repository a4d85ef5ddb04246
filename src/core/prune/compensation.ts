// FLAP's bias compensation (An et al. 2024): removing the input columns R of o_proj / down_proj takes
// W[:, R] x_R out of the output; adding W[:, R] @ mean(x_R) (mean over the calibration tokens) to the output bias
// keeps the expected output unchanged. Computed on the GPU as a one-row matmul over the DENSE weight
// (x = [1, K] the input mean with the kept columns zeroed) that also adds the layer's own bias, if it has one.
// One [d] buffer per layer and map; the calibration plan reads them (sequential: later layers see the
// compensated layer), and the results end up in each layer's KeptUnits (compaction, export).
import type { Engine } from '../engine/engine.ts';
import { f32Tensor } from '../engine/gpu-weights.ts';
import { createStorageBuffer, readF32 } from '../gpu/buffers.ts';
import { prepareMatmul } from '../kernels/matmul.ts';
import { runCalls } from '../kernels/kernel-call.ts';
import { tensorNames } from '../model/spec.ts';
import type { CalibrationRun } from './calibration.ts';
import type { KeptUnits } from './compaction.ts';

/** Input mean over `tokens` with every kept column zeroed: [K]. */
export function removedMean(sum: ArrayLike<number>, tokens: number, removed: (j: number) => boolean): Float32Array {
  return Float32Array.from({ length: sum.length }, (_, j) => (removed(j) ? sum[j] / tokens : 0));
}

export class OutputBiases {
  private constructor(private readonly engine: Engine, readonly byName: Map<string, GPUBuffer>) {}

  /** Every layer's o_proj / down_proj bias [d], starting as the model's own (zeros where it has none). */
  static async create(engine: Engine): Promise<OutputBiases> {
    const { gpu, spec, weights } = engine;
    const d = spec.hiddenSize;
    const byName = new Map<string, GPUBuffer>();
    const enc = gpu.device.createCommandEncoder();
    try {
      for (let l = 0; l < spec.numLayers; l++) {
        const n = tensorNames.layer(l);
        for (const [name, own] of [[n.oBias, spec.oProjBias], [n.downBias, spec.mlpBias]] as const) {
          const b = await createStorageBuffer(gpu, `${name} (compensated) [${d}]`, d * 4);
          byName.set(name, b);
          if (own) enc.copyBufferToBuffer(f32Tensor(weights, name), 0, b, 0, d * 4);
        }
      }
    } catch (e) {
      byName.forEach((b) => b.destroy());
      throw e;
    }
    gpu.device.queue.submit([enc.finish()]);
    return new OutputBiases(engine, byName);
  }

  /** Layer l's biases := own bias + W[:, removed] @ mean(x_removed), for o (removed heads) and down (channels). */
  async compensate(l: number, kept: KeptUnits, calib: CalibrationRun): Promise<void> {
    const { gpu, spec, weights, matmulVariant: variant } = this.engine;
    const { hiddenSize: d, intermediateSize: f, numHeads: nH, headDim: hd } = spec;
    const n = tensorNames.layer(l);
    const stats = await calib.readStats(l);
    const heads = new Set(kept.heads), channels = new Set(kept.channels);
    const xo = removedMean(stats.oIn.sum, calib.tokens, (j) => !heads.has(Math.floor(j / hd)));     // [1, nH*hd]
    const xdown = removedMean(stats.downIn.sum, calib.tokens, (j) => !channels.has(j));              // [1, f]
    const scratch: GPUBuffer[] = [];
    try {
      const upload = async (label: string, data: Float32Array) => {
        const b = await createStorageBuffer(gpu, label, data.byteLength, data);
        scratch.push(b);
        return b;
      };
      const w = (name: string) => weights.tensors.get(name)!;
      await runCalls(gpu, [
        await prepareMatmul(gpu, { x: await upload('o removed mean', xo), w: w(n.o), bias: spec.oProjBias ? f32Tensor(weights, n.oBias) : undefined,
          y: this.byName.get(n.oBias)!, M: 1, N: d, K: nH * hd, variant }),
        await prepareMatmul(gpu, { x: await upload('down removed mean', xdown), w: w(n.down), bias: spec.mlpBias ? f32Tensor(weights, n.downBias) : undefined,
          y: this.byName.get(n.downBias)!, M: 1, N: d, K: f, variant }),
      ]);
    } finally {
      scratch.forEach((b) => b.destroy());
    }
  }

  /** Layer l's current biases as plain f32 values (JSON-friendly for results and reports). */
  async read(l: number): Promise<{ oBias: number[]; downBias: number[] }> {
    const { gpu, spec } = this.engine;
    const n = tensorNames.layer(l);
    return {
      oBias: Array.from(await readF32(gpu, this.byName.get(n.oBias)!, spec.hiddenSize)),
      downBias: Array.from(await readF32(gpu, this.byName.get(n.downBias)!, spec.hiddenSize)),
    };
  }

  destroy(): void { this.byName.forEach((b) => b.destroy()); }
}
