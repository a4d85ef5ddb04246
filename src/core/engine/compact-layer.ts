// A structurally pruned decoder layer as the forward plan runs it: its own head count and MLP width, with
// compacted copies of the maps whose shapes change (k, v stay the dense tensors unless whole kv-groups were
// removed; the norms always do). Built by src/core/prune/compaction.ts from the dense weights, or, for a model
// loaded with per-layer widths (a Prunelab compact export), straight from its uploaded tensors. Matrices are
// WeightInputs: compacted copies keep an f16 / bf16 source's dtype (else f32), a compact export's own tensors their
// stored dtype; biases are f32.
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer } from '../gpu/buffers.ts';
import { layerShape, tensorNames, type ModelSpec } from '../model/spec.ts';
import { f32Tensor, type GpuWeights } from './gpu-weights.ts';
import type { WeightInput } from '../kernels/weight-binding.ts';

/** The kept kv heads' rows of k_proj / v_proj when a layer has fewer kv heads than the model. */
export interface CompactKv {
  nKvHeads: number;      // kept kv heads
  k: WeightInput;        // [nKvHeads*hd, d]
  v: WeightInput;        // [nKvHeads*hd, d]
  kBias?: GPUBuffer;     // [nKvHeads*hd]
  vBias?: GPUBuffer;     // [nKvHeads*hd]
}

export interface CompactLayer {
  nHeads: number;        // kept query heads
  ffn: number;           // MLP width: kept channels, padded to a multiple of 4 with zero channels
  q: WeightInput;        // [nHeads*hd, d]   kept rows of q_proj
  qBias?: GPUBuffer;     // [nHeads*hd]      kept entries of q_proj's bias (qwen2)
  /** Absent: the layer reads every kv head of the dense k_proj / v_proj. */
  kv?: CompactKv;
  o: WeightInput;        // [d, nHeads*hd]   kept columns of o_proj
  oBias?: GPUBuffer;     // [d]              o_proj's bias (llama attention_bias, or FLAP's compensation)
  gate?: WeightInput;    // [ffn, d]         kept rows of gate_proj (absent: a plain MLP)
  up: WeightInput;       // [ffn, d]         kept rows of up_proj
  gateBias?: GPUBuffer;  // [ffn]            kept entries of gate_proj's bias (llama mlp_bias)
  upBias?: GPUBuffer;    // [ffn]
  down: WeightInput;     // [d, ffn]         kept columns of down_proj
  downBias?: GPUBuffer;  // [d]              down_proj's bias (llama mlp_bias, or FLAP's compensation)
  kvHeadOf: GPUBuffer;   // [nHeads] u32     kv head of each kept query head (among this layer's kv heads)
}

/**
 * The layers of a model whose spec has per-layer widths, over its own uploaded weights (already at those
 * widths; ffn is the stored width, unpadded). Only the kvHeadOf maps are new buffers, owned by the result.
 */
export async function perLayerCompactLayers(gpu: Gpu, spec: ModelSpec, weights: GpuWeights):
  Promise<{ layers: CompactLayer[]; destroy(): void }> {
  const owned: GPUBuffer[] = [];
  try {
    const layers: CompactLayer[] = [];
    for (const [l, lw] of (spec.layerWidths ?? []).entries()) {
      const n = tensorNames.layer(l);
      const w = (name: string) => weights.tensors.get(name)!;
      const vec = (name: string) => f32Tensor(weights, name);
      const kvHeadOf = await createStorageBuffer(gpu, `layer ${l} kvHeadOf [${lw.numHeads}]`, lw.numHeads * 4, Uint32Array.from(lw.kvHeadOf));
      owned.push(kvHeadOf);
      const qkv = spec.attentionBias, mlp = spec.mlpBias;
      const nKvHeads = layerShape(spec, l).numKvHeads;
      layers.push({
        nHeads: lw.numHeads, ffn: lw.intermediateSize, q: w(n.q), qBias: qkv ? vec(n.qBias) : undefined,
        kv: nKvHeads === spec.numKvHeads ? undefined
          : { nKvHeads, k: w(n.k), v: w(n.v), kBias: qkv ? vec(n.kBias) : undefined, vBias: qkv ? vec(n.vBias) : undefined },
        o: w(n.o), oBias: spec.oProjBias ? vec(n.oBias) : undefined,
        gate: spec.plainMlp ? undefined : w(n.gate), up: w(n.up), down: w(n.down),
        gateBias: mlp && !spec.plainMlp ? vec(n.gateBias) : undefined, upBias: mlp ? vec(n.upBias) : undefined, downBias: mlp ? vec(n.downBias) : undefined,
        kvHeadOf,
      });
    }
    return { layers, destroy: () => owned.forEach((b) => b.destroy()) };
  } catch (e) {
    owned.forEach((b) => b.destroy());
    throw e;
  }
}
