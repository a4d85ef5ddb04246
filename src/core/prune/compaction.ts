// Compaction for structured pruning: per layer, the kept heads' rows of q (and its bias) and columns of o, the
// kept kv heads' rows of k / v (when whole kv-groups went), and the kept channels' rows of gate / up (and their
// biases) and columns of down are gathered on the GPU from the DENSE weights (never modified) into new, smaller
// buffers that the forward plan reads; FLAP's compensated o / down biases ([d] each) are uploaded. A new selection
// builds a new set.
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer } from '../gpu/buffers.ts';
import { f32Tensor, type GpuWeights } from '../engine/gpu-weights.ts';
import type { CompactLayer } from '../engine/compact-layer.ts';
import { weightBufferBytes, type WeightInput } from '../kernels/weight-binding.ts';
import { allIndices, GATHER_PAD, prepareGather } from '../kernels/gather.ts';
import { runCalls, type KernelCall } from '../kernels/kernel-call.ts';
import type { ModelSpec } from '../model/spec.ts';
import { tensorNames } from '../model/spec.ts';

/** What one layer keeps: ascending query-head and MLP-channel indices, and what its pruning changed besides. */
export interface KeptUnits {
  heads: number[];
  channels: number[];
  /** Kept kv heads (ascending) when whole kv-groups were removed; absent = every kv head kept. */
  kvHeads?: number[];
  /** FLAP's bias compensation: the layer's whole o_proj / down_proj bias [d] (its own, if any, plus
   * W[:, removed] @ mean(x_removed)), f32 values; absent = the layer's biases are unchanged. */
  oBias?: number[];
  downBias?: number[];
}

/** Kv head index, among the layer's kept kv heads, of each kept query head. [heads.length] */
export function keptKvHeadOf(kept: KeptUnits, numHeads: number, numKvHeads: number): number[] {
  const group = numHeads / numKvHeads;
  const kvIndex = new Map((kept.kvHeads ?? Array.from({ length: numKvHeads }, (_, g) => g)).map((g, i) => [g, i]));
  return kept.heads.map((h) => {
    const i = kvIndex.get(Math.floor(h / group));
    if (i === undefined) throw new Error(`query head ${h} is kept but its kv head ${Math.floor(h / group)} is not`);
    return i;
  });
}

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
        // A compacted matrix keeps its dense weight's f16 / bf16 dtype (a packed gather: the same bits); others are f32
        // (q8_0 blocks cannot lose columns).
        const mat = async (label: string, src: string, elems: number): Promise<WeightInput> => {
          const dtype = w(src).dtype;
          if (dtype !== 'f16' && dtype !== 'bf16') return buf(label, elems);
          const b = await createStorageBuffer(gpu, `${label} ${dtype}`, weightBufferBytes(dtype, elems));
          owned.push(b);
          return { buffer: b, dtype };
        };
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
        const qkv = spec.attentionBias, mlp = spec.mlpBias;
        const kvHeads = kept[l].kvHeads, Kv = kvHeads?.length ?? nKv;
        // A FLAP-compensated bias is uploaded ([d], tiny); else the model's own bias, if any, is read as it is.
        const bias = (values: number[] | undefined, own: string, has: boolean | undefined) =>
          values ? buf(`layer ${l} ${own} [${d}]`, d, new Uint32Array(Float32Array.from(values).buffer)) : has ? f32Tensor(weights, own) : undefined;
        const layer: CompactLayer = {
          nHeads: H, ffn: F,
          q: await mat(`layer ${l} q compact [${H * hd}, ${d}]`, n.q, H * hd * d),
          qBias: qkv ? await buf(`layer ${l} q bias compact [${H * hd}]`, H * hd) : undefined,
          kv: Kv === nKv ? undefined : {
            nKvHeads: Kv,
            k: await mat(`layer ${l} k compact [${Kv * hd}, ${d}]`, n.k, Kv * hd * d),
            v: await mat(`layer ${l} v compact [${Kv * hd}, ${d}]`, n.v, Kv * hd * d),
            kBias: qkv ? await buf(`layer ${l} k bias compact [${Kv * hd}]`, Kv * hd) : undefined,
            vBias: qkv ? await buf(`layer ${l} v bias compact [${Kv * hd}]`, Kv * hd) : undefined,
          },
          o: await mat(`layer ${l} o compact [${d}, ${H * hd}]`, n.o, d * H * hd),
          oBias: await bias(kept[l].oBias, n.oBias, spec.oProjBias),
          gate: spec.plainMlp ? undefined : await mat(`layer ${l} gate compact [${F}, ${d}]`, n.gate, F * d),
          up: await mat(`layer ${l} up compact [${F}, ${d}]`, n.up, F * d),
          gateBias: mlp && !spec.plainMlp ? await buf(`layer ${l} gate bias compact [${F}]`, F) : undefined,
          upBias: mlp ? await buf(`layer ${l} up bias compact [${F}]`, F) : undefined,
          down: await mat(`layer ${l} down compact [${d}, ${F}]`, n.down, d * F),
          downBias: await bias(kept[l].downBias, n.downBias, mlp),
          kvHeadOf: await buf(`layer ${l} kvHeadOf [${H}]`, H, Uint32Array.from(keptKvHeadOf(kept[l], nH, nKv))),
        };
        const g = (src: string, srcRows: number, srcCols: number, rowIdx: GPUBuffer, colIdx: GPUBuffer,
          out: WeightInput, rows: number, cols: number) => 'dtype' in out
          ? prepareGather(gpu, { src: w(src), srcRows, srcCols, rowIdx, colIdx, out: out.buffer, rows, cols, packed: true })
          : prepareGather(gpu, { src: w(src), srcRows, srcCols, rowIdx, colIdx, out: out as GPUBuffer, rows, cols });
        calls.push(
          await g(n.q, nH * hd, d, headIdx, allD, layer.q, H * hd, d),
          await g(n.o, d, nH * hd, allD, headIdx, layer.o, d, H * hd),
          ...(layer.gate ? [await g(n.gate, f, d, chanIdx, allD, layer.gate, F, d)] : []),
          await g(n.up, f, d, chanIdx, allD, layer.up, F, d),
          await g(n.down, d, f, allD, chanIdx, layer.down, d, F),
        );
        if (layer.qBias) calls.push(await g(n.qBias, nH * hd, 1, headIdx, zero, layer.qBias, H * hd, 1));
        if (layer.gateBias) calls.push(await g(n.gateBias, f, 1, chanIdx, zero, layer.gateBias, F, 1));
        if (layer.upBias) calls.push(await g(n.upBias, f, 1, chanIdx, zero, layer.upBias, F, 1));
        if (layer.kv) {
          // k / v rows of kv head g are g*hd .. g*hd+hd-1.
          const kvDims = Uint32Array.from(kvHeads!.flatMap((g) => Array.from({ length: hd }, (_, i) => g * hd + i)));
          const kvIdx = await buf(`layer ${l} kept kv dims [${Kv * hd}]`, Kv * hd, kvDims, scratch);
          const { k, v, kBias, vBias } = layer.kv;
          calls.push(await g(n.k, nKv * hd, d, kvIdx, allD, k, Kv * hd, d), await g(n.v, nKv * hd, d, kvIdx, allD, v, Kv * hd, d));
          if (kBias && vBias) {
            calls.push(await g(n.kBias, nKv * hd, 1, kvIdx, zero, kBias, Kv * hd, 1), await g(n.vBias, nKv * hd, 1, kvIdx, zero, vBias, Kv * hd, 1));
          }
        }
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
