// Which config a compacted model gets. Hugging Face's LlamaConfig / Qwen2Config / MistralConfig have one head
// count and one MLP width for all layers, and map query head h to kv head h / (heads / kv_heads). So a standard
// config.json (transformers loads it) is written only when every layer keeps the same number of heads and
// channels AND every kv-group keeps the same number of query heads (kept heads in ascending order then map to
// their own kv head by that rule). Anything else keeps the dense top-level widths plus per-layer widths in the
// "prunelab" field (formats/prunelab-layers-config.ts), which only Prunelab reads.
import { BadRequest } from '../errors.ts';
import type { KeptUnits } from '../prune/compaction.ts';
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
  kept.forEach((k, l) => {
    const sorted = k.heads.every((h, i) => i === 0 || k.heads[i - 1] < h) && k.channels.every((c, i) => i === 0 || k.channels[i - 1] < c);
    if (!sorted || k.heads.some((h) => !(h >= 0 && h < nH)) || k.channels.some((c) => !(c >= 0 && c < f))) {
      throw new BadRequest(`layer ${l}: kept heads / channels must be ascending indices below ${nH} / ${f}`);
    }
    if (k.heads.length === 0 || k.channels.length === 0) throw new BadRequest(`layer ${l} keeps no heads or no MLP channels`);
  });
  const widths: LayerWidths[] = kept.map((k) => ({
    numHeads: k.heads.length,
    kvHeadOf: k.heads.map((h) => Math.floor(h / group)),
    intermediateSize: k.channels.length,
  }));
  const H = widths[0].numHeads, F = widths[0].intermediateSize;
  let reason: string | undefined;
  if (widths.some((w) => w.numHeads !== H)) {
    reason = `layers keep different numbers of attention heads (${widths.map((w) => w.numHeads).join(', ')})`;
  } else if (widths.some((w) => w.intermediateSize !== F)) {
    reason = `layers keep different MLP widths (${widths.map((w) => w.intermediateSize).join(', ')})`;
  } else {
    const uneven = kept.findIndex((k) => new Set(headsPerGroup(k.heads, nH, nKv)).size !== 1);
    if (uneven >= 0) {
      reason = `layer ${uneven} keeps ${headsPerGroup(kept[uneven].heads, nH, nKv).join(', ')} query heads per kv head; ` +
        'a Hugging Face config needs the same number for every kv head';
    }
  }
  if (reason) return { spec: { ...spec, layerWidths: widths }, hfCompatible: false, reason };
  return { spec: { ...spec, numHeads: H, intermediateSize: F }, hfCompatible: true };
}
