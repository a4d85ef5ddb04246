// Compaction for structured pruning: per layer, the kept heads' rows of q (and its bias) and columns of o, and
// the kept channels' rows of gate / up and columns of down are gathered on the GPU from the DENSE weights (never
// modified) into new, smaller buffers that the forward plan reads. A new selection builds a new set.
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer } from '../gpu/buffers.ts';
import type { GpuWeights } from '../engine/gpu-weights.ts';
import type { CompactLayer } from '../engine/compact-layer.ts';
import { allIndices, GATHER_PAD, prepareGather } from '../kernels/gather.ts';
import { runCalls, type KernelCall } from '../kernels/kernel-call.ts';
import type { ModelSpec } from '../model/spec.ts';
import { tensorNames } from '../model/spec.ts';

/** What one layer keeps: ascending query-head and MLP-channel indices. */
export interface KeptUnits { heads: number[]; channels: number[] }

export class CompactedLayers {
  private constructor(readonly layers: CompactLayer[], private readonly owned: GPUBuffer[]) {}

  static async create(gpu: Gpu, spec: ModelSpec, weights: GpuWeights, kept: KeptUnits[]): Promise<CompactedLayers> {
    const { hiddenSize: d, intermediateSize: f, numHeads: nH, numKvHeads: nKv, headDim: hd } = spec;
    const owned: GPUBuffer[] = [];
    const scratch: GPUBuffer[] = [];   // index lists, only needed until the gathers ran
    const buf = async (label: string, elems: number, data?: Uint32Array, list = owned) => {
      const b = await createStorageBuffer(gpu, label, elems * 4, data);
      list.push(b);
      return b;
    };
    try {
      const calls: KernelCall[] = [];
      const layers: CompactLayer[] = [];
      const allD = await buf('indices [d]', d, allIndices(d), scratch);
      const zero = await buf('indices [1]', 1, Uint32Array.of(0), scratch);
      for (let l = 0; l < spec.numLayers; l++) {
        const n = tensorNames.layer(l);
        const w = (name: string) => weights.tensors.get(name)!;
        const { heads, channels } = kept[l];
        // The MLP width is padded to a multiple of 4 with zero rows of gate/up and zero columns of down
        // (silu(0) * 0 = 0 adds nothing), so the matmuls keep their vec4 kernels (~2x faster on SwiftShader).
        // Never past the dense width f: the forward plan's activations are [T, f].
        const H = heads.length, F = Math.min(Math.ceil(channels.length / 4) * 4, f);
        // q rows / o columns of head h are h*hd .. h*hd+hd-1.
        const headDims = Uint32Array.from(heads.flatMap((h) => Array.from({ length: hd }, (_, i) => h * hd + i)));
        const headIdx = await buf(`layer ${l} kept head dims [${H * hd}]`, H * hd, headDims, scratch);
        const chanIdx = await buf(`layer ${l} kept channels [${F}]`, F,
          Uint32Array.from({ length: F }, (_, i) => (i < channels.length ? channels[i] : GATHER_PAD)), scratch);
        const group = nH / nKv;
        const layer: CompactLayer = {
          nHeads: H, ffn: F,
          q: await buf(`layer ${l} q compact [${H * hd}, ${d}]`, H * hd * d),
          qBias: spec.attentionBias ? await buf(`layer ${l} q bias compact [${H * hd}]`, H * hd) : undefined,
          o: await buf(`layer ${l} o compact [${d}, ${H * hd}]`, d * H * hd),
          gate: await buf(`layer ${l} gate compact [${F}, ${d}]`, F * d),
          up: await buf(`layer ${l} up compact [${F}, ${d}]`, F * d),
          down: await buf(`layer ${l} down compact [${d}, ${F}]`, d * F),
          kvHeadOf: await buf(`layer ${l} kvHeadOf [${H}]`, H, Uint32Array.from(heads, (h) => Math.floor(h / group))),
        };
        const g = (src: string, srcRows: number, srcCols: number, rowIdx: GPUBuffer, colIdx: GPUBuffer,
          out: GPUBuffer, rows: number, cols: number) =>
          prepareGather(gpu, { src: w(src), srcRows, srcCols, rowIdx, colIdx, out, rows, cols });
        calls.push(
          await g(n.q, nH * hd, d, headIdx, allD, layer.q, H * hd, d),
          await g(n.o, d, nH * hd, allD, headIdx, layer.o, d, H * hd),
          await g(n.gate, f, d, chanIdx, allD, layer.gate, F, d),
          await g(n.up, f, d, chanIdx, allD, layer.up, F, d),
          await g(n.down, d, f, allD, chanIdx, layer.down, d, F),
        );
        if (layer.qBias) calls.push(await g(n.qBias, nH * hd, 1, headIdx, zero, layer.qBias, H * hd, 1));
        layers.push(layer);
      }
      await runCalls(gpu, calls);
      return new CompactedLayers(layers, owned);
    } catch (e) {
      owned.forEach((b) => b.destroy());
      throw e;
    } finally {
      scratch.forEach((b) => b.destroy());
    }
  }

  /** GPU bytes held by the compacted tensors. */
  get bytes(): number { return this.owned.reduce((s, b) => s + b.size, 0); }

  destroy(): void { this.owned.forEach((b) => b.destroy()); }
}
