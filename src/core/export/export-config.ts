// config.json of an exported model: the source's own config.json (when it had one) with every field Prunelab
// knows rewritten from the exported spec (specToHfConfig): the widths, head_dim, tie_word_embeddings, torch_dtype,
// and, for per-layer compact exports, the "prunelab" field. Other source keys (pad_token_id, ...) are kept.
import { ROPE_AND_DTYPE_KEYS, specToHfConfig } from '../formats/hf-config.ts';
import type { SafetensorsDtype } from '../formats/safetensors.ts';
import type { ModelSpec } from '../model/spec.ts';

const TORCH_DTYPE: Record<SafetensorsDtype, string> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };

export function exportConfig(spec: ModelSpec, dtype: SafetensorsDtype, source?: Record<string, unknown>): Record<string, unknown> {
  // RoPE and dtype keep the source's own keys (transformers 5's rope_parameters / dtype, or 4's): pruning never
  // changes the rotation, and a second spelling beside the first would make the config ambiguous.
  const own: Record<string, unknown> = specToHfConfig(spec, source && 'dtype' in source ? 'transformers5' : 'transformers4');
  const sourceHasRope = ['rope_parameters', 'rope_theta', 'rope_scaling'].some((k) => source && k in source);
  for (const k of ROPE_AND_DTYPE_KEYS) if (sourceHasRope || k === 'dtype' || k === 'torch_dtype') delete own[k];
  own[source && 'dtype' in source ? 'dtype' : 'torch_dtype'] = TORCH_DTYPE[dtype];
  const kept = { ...(source ?? {}) };
  delete kept.prunelab; // never inherit stale per-layer widths
  return { ...kept, ...own };
}

/** The dtype holding most elements among the written tensors (norms may be F32 in an otherwise F16 model). */
export function dominantExportDtype(tensors: Array<{ dtype: SafetensorsDtype; shape: number[] }>): SafetensorsDtype {
  const count = new Map<SafetensorsDtype, number>();
  for (const t of tensors) count.set(t.dtype, (count.get(t.dtype) ?? 0) + t.shape.reduce((a, b) => a * b, 1));
  return [...count].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'F32';
}
