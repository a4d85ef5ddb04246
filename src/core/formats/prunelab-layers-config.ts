// The "prunelab" field of config.json: per-layer widths of a structurally compacted model whose layers differ
// (or whose kept heads Hugging Face's config cannot express). Written by src/core/export, read back here.
//   "prunelab": { "version": 1, "layers": [
//     { "num_attention_heads": 6, "kv_head_of": [0, 1, 1, 2, 3, 3], "intermediate_size": 121 }, ... ] }
// One entry per decoder layer: its query heads, the kv head each of them reads (query head i of layer l reads
// k/v head kv_head_of[i]), and its MLP width; "num_key_value_heads" (optional, default the top-level count) when
// whole kv-groups were removed: k_proj/v_proj then have that many heads' rows and kv_head_of indexes them. The top-level
// num_attention_heads / intermediate_size stay the dense model's (every layer is at most that wide).
// transformers does not read this field: it builds every layer at the top-level widths and refuses the
// smaller tensors (size mismatch), so only Prunelab loads such a folder.
import { BadModelFile } from '../errors.ts';
import type { LayerWidths } from '../model/spec.ts';
import { quote } from '../quote.ts';

export const PRUNELAB_CONFIG_VERSION = 1;

/** Dense widths the per-layer entries are checked against. */
interface Bounds { numLayers: number; numHeads: number; numKvHeads: number; intermediateSize: number }

export function parseLayerWidths(raw: unknown, bounds: Bounds, file = 'config.json'): LayerWidths[] {
  const bad = (where: string, problem: string): never => { throw new BadModelFile(file, `"prunelab${where}" ${problem}`); };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('', 'is not an object');
  const { version, layers } = raw as { version?: unknown; layers?: unknown };
  if (version !== PRUNELAB_CONFIG_VERSION) {
    bad('.version', `is ${quote(version)}; this Prunelab reads version ${PRUNELAB_CONFIG_VERSION} (a newer Prunelab wrote it?)`);
  }
  if (!Array.isArray(layers) || layers.length !== bounds.numLayers) {
    bad('.layers', `must list one entry per layer (${bounds.numLayers}), got ${Array.isArray(layers) ? layers.length : quote(layers)}`);
  }
  return (layers as unknown[]).map((entry, l) => {
    const at = `.layers[${l}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) bad(at, 'is not an object');
    const e = entry as Record<string, unknown>;
    const int = (key: string, max: number): number => {
      const v = e[key];
      if (!Number.isSafeInteger(v) || (v as number) < 1 || (v as number) > max) {
        bad(`${at}.${key}`, `must be an integer in [1, ${max}], got ${quote(v)}`);
      }
      return v as number;
    };
    const numHeads = int('num_attention_heads', bounds.numHeads);
    const intermediateSize = int('intermediate_size', bounds.intermediateSize);
    const numKvHeads = e.num_key_value_heads === undefined ? bounds.numKvHeads : int('num_key_value_heads', bounds.numKvHeads);
    const kv = e.kv_head_of;
    if (!Array.isArray(kv) || kv.length !== numHeads) {
      bad(`${at}.kv_head_of`, `must list the kv head of each of the layer's ${numHeads} query heads, got ${quote(kv)}`);
    }
    (kv as unknown[]).forEach((k, i) => {
      if (!Number.isSafeInteger(k) || (k as number) < 0 || (k as number) >= numKvHeads) {
        bad(`${at}.kv_head_of[${i}]`, `must be a kv head in [0, ${numKvHeads}), got ${quote(k)}`);
      }
    });
    return { numHeads, ...(numKvHeads !== bounds.numKvHeads ? { numKvHeads } : {}), kvHeadOf: (kv as number[]).slice(), intermediateSize };
  });
}

export function layerWidthsToConfig(layers: LayerWidths[]): Record<string, unknown> {
  return {
    version: PRUNELAB_CONFIG_VERSION,
    layers: layers.map((w) => ({
      num_attention_heads: w.numHeads,
      ...(w.numKvHeads !== undefined ? { num_key_value_heads: w.numKvHeads } : {}),
      kv_head_of: w.kvHeadOf, intermediate_size: w.intermediateSize,
    })),
  };
}
