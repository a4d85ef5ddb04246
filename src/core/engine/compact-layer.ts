// A structurally pruned decoder layer as the forward plan runs it: its own head count and MLP width, with
// compacted copies of the maps whose shapes change (k, v and the norms stay the dense tensors: every kv head
// keeps at least one query head). Built by src/core/prune/compaction.ts from the dense weights, or, for a
// model loaded with per-layer widths (a Prunelab compact export), straight from its uploaded tensors.
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer } from '../gpu/buffers.ts';
import { tensorNames, type ModelSpec } from '../model/spec.ts';
import type { GpuWeights } from './gpu-weights.ts';

export interface CompactLayer {
  nHeads: number;        // kept query heads
  ffn: number;           // MLP width: kept channels, padded to a multiple of 4 with zero channels
  q: GPUBuffer;          // [nHeads*hd, d]   kept rows of q_proj
  qBias?: GPUBuffer;     // [nHeads*hd]      kept entries of q_proj's bias (qwen2)
  o: GPUBuffer;          // [d, nHeads*hd]   kept columns of o_proj
  gate: GPUBuffer;       // [ffn, d]         kept rows of gate_proj
  up: GPUBuffer;         // [ffn, d]         kept rows of up_proj
  down: GPUBuffer;       // [d, ffn]         kept columns of down_proj
  kvHeadOf: GPUBuffer;   // [nHeads] u32     kv head of each kept query head
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
      const kvHeadOf = await createStorageBuffer(gpu, `layer ${l} kvHeadOf [${lw.numHeads}]`, lw.numHeads * 4, Uint32Array.from(lw.kvHeadOf));
      owned.push(kvHeadOf);
      layers.push({
        nHeads: lw.numHeads, ffn: lw.intermediateSize, q: w(n.q), qBias: spec.attentionBias ? w(n.qBias) : undefined,
        o: w(n.o), gate: w(n.gate), up: w(n.up), down: w(n.down), kvHeadOf,
      });
    }
    return { layers, destroy: () => owned.forEach((b) => b.destroy()) };
  } catch (e) {
    owned.forEach((b) => b.destroy());
    throw e;
  }
}
