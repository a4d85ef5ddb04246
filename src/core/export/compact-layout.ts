// Which config a compacted model gets. Hugging Face's LlamaConfig / Qwen2Config / MistralConfig have one head
// count, one kv-head count and one MLP width for all layers, and map query head h to kv head h / (heads /
// kv_heads). So a standard config.json (transformers loads it) is written only when every layer keeps the same
// numbers of heads, kv heads and channels AND every kept kv-group keeps the same number of query heads (kept
// heads in ascending order then map to their own kv head by that rule). Anything else keeps the dense top-level widths plus per-layer widths in the
// "prunelab" field (formats/prunelab-layers-config.ts), which only Prunelab reads.
import { BadRequest } from '../errors.ts';
import { keptKvHeadOf, type KeptUnits } from '../prune/compaction.ts';
import type { LayerWidths, ModelSpec } from '../model/spec.ts';

export interface CompactLayout {
  /** The compacted model's spec (per-layer widths in layerWidths when HF cannot express them). */
  spec: ModelSpec;
  /** true: a standard config.json transformers loads; false: Prunelab-only per-layer config. */
  hfCompatible: boolean;
  /** Why the standard config was not possible (absent when it was). */
  reason?: string;
}

/** Query heads each kv-group keeps in one layer. [numKvHeads] */
export function headsPerGroup(heads: number[], numHeads: number, numKvHeads: number): number[] {
  const group = numHeads / numKvHeads;
  const counts = new Array<number>(numKvHeads).fill(0);
  for (const h of heads) counts[Math.floor(h / group)]++;
  return counts;
}

export function compactLayout(spec: ModelSpec, kept: KeptUnits[]): CompactLayout {
  const { numLayers: L, numHeads: nH, numKvHeads: nKv, intermediateSize: f } = spec;
  if (spec.layerWidths) throw new BadRequest('the model already has per-layer widths; compact the original model instead');
  if (kept.length !== L) throw new BadRequest(`kept units for ${kept.length} layers, the model has ${L}`);
  const group = nH / nKv;
  const ascending = (v: number[], below: number) => v.every((x, i) => (i === 0 || v[i - 1] < x) && x >= 0 && x < below);
  kept.forEach((k, l) => {
    if (!ascending(k.heads, nH) || !ascending(k.channels, f) || (k.kvHeads && !ascending(k.kvHeads, nKv))) {
      throw new BadRequest(`layer ${l}: kept heads / kv heads / channels must be ascending indices below ${nH} / ${nKv} / ${f}`);
    }
    if (k.heads.length === 0 || k.channels.length === 0) throw new BadRequest(`layer ${l} keeps no heads or no MLP channels`);
    if (k.kvHeads && k.heads.some((h) => !k.kvHeads!.includes(Math.floor(h / group)))) {
      throw new BadRequest(`layer ${l} keeps a query head whose kv head it removed`);
    }
  });
  const widths: LayerWidths[] = kept.map((k) => ({
    numHeads: k.heads.length,
    ...(k.kvHeads && k.kvHeads.length !== nKv ? { numKvHeads: k.kvHeads.length } : {}),
    kvHeadOf: keptKvHeadOf(k, nH, nKv),
    intermediateSize: k.channels.length,
  }));
  const H = widths[0].numHeads, F = widths[0].intermediateSize;
  const kvCount = (w: LayerWidths) => w.numKvHeads ?? nKv;
  const Kv = kvCount(widths[0]);
  // Query heads per kept kv head.
  const perGroup = (k: KeptUnits) => headsPerGroup(k.heads, nH, nKv).filter((_, g) => !k.kvHeads || k.kvHeads.includes(g));
  let reason: string | undefined;
  if (spec.learnedPositions && H !== nH) {
    // GPT2Attention / OPTAttention take head_dim = hidden_size / num_heads: fewer heads of the same size cannot be said.
    reason = `${spec.architecture} derives head_dim from hidden_size / heads, so a config cannot say ${H} heads of ${spec.headDim}`;
  } else if (widths.some((w) => w.numHeads !== H)) {
    reason = `layers keep different numbers of attention heads (${widths.map((w) => w.numHeads).join(', ')})`;
  } else if (widths.some((w) => kvCount(w) !== Kv)) {
    reason = `layers keep different numbers of kv heads (${widths.map(kvCount).join(', ')})`;
  } else if (widths.some((w) => w.intermediateSize !== F)) {
    reason = `layers keep different MLP widths (${widths.map((w) => w.intermediateSize).join(', ')})`;
  } else {
    const uneven = kept.findIndex((k) => new Set(perGroup(k)).size !== 1);
    if (uneven >= 0) {
      reason = `layer ${uneven} keeps ${perGroup(kept[uneven]).join(', ')} query heads per kv head; ` +
        'a Hugging Face config needs the same number for every kv head';
    }
  }
  if (reason) return { spec: { ...spec, layerWidths: widths }, hfCompatible: false, reason };
  return { spec: { ...spec, numHeads: H, numKvHeads: Kv, intermediateSize: F }, hfCompatible: true };
}
