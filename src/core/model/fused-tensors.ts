// Hub tensors that stack several of the engine's linear maps by rows: Phi-3's self_attn.qkv_proj = [q; k; v] and
// mlp.gate_up_proj = [gate; up] (Phi3Attention slices query_pos = heads * head_dim rows, then the kv rows; Phi3MLP
// chunks gate before up). The loader splits them into the canonical maps as byte ranges of the same file (no copy);
// the exporters write the canonical maps in order under one fused header entry, so the bytes are the same stream.
import { BadModelFile } from '../errors.ts';
import type { TensorEntry } from './loaded-model.ts';
import { expectedShapes, layersPresent, tensorNames, type ModelSpec } from './spec.ts';

/** A Hub tensor that is the row concatenation of `parts` (canonical names), in order. */
export interface FusedTensor { name: string; parts: string[] }

export function fusedTensors(spec: ModelSpec): FusedTensor[] {
  if (spec.architecture !== 'phi3') return [];
  return Array.from({ length: spec.numLayers }, (_, l) => {
    const n = tensorNames.layer(l);
    const p = `model.layers.${l}`;
    return [{ name: `${p}.self_attn.qkv_proj.weight`, parts: [n.q, n.k, n.v] }, { name: `${p}.mlp.gate_up_proj.weight`, parts: [n.gate, n.up] }];
  }).flat();
}

/** Replaces every fused entry of `all` by its parts (row ranges at the spec's shapes). */
export function splitFusedEntries(spec: ModelSpec, all: Map<string, TensorEntry>, file: string): void {
  if (spec.architecture !== 'phi3') return;
  // Up to the first layer the file lacks, which fails below: a config claiming 1e6 layers builds nothing for them.
  const upTo = Math.min(spec.numLayers, layersPresent(all.keys()) + 1);
  const view = upTo < spec.numLayers ? { ...spec, numLayers: upTo } : spec;
  const shapes = expectedShapes(view);
  for (const f of fusedTensors(view)) {
    const partShapes = f.parts.map((p) => shapes.get(p)!);
    const rows = partShapes.reduce((s, sh) => s + sh[0], 0), cols = partShapes[0][1];
    const e = all.get(f.name);
    if (!e) throw new BadModelFile(file, `missing tensor "${f.name}" (expected shape [${rows}, ${cols}]: ${f.parts.length} maps stacked)`);
    if (e.shape.length !== 2 || e.shape[0] !== rows || e.shape[1] !== cols) {
      throw new BadModelFile(e.source.name, `tensor "${f.name}" has shape [${e.shape.join(', ')}], expected [${rows}, ${cols}] from the model config`, e.byteOffset);
    }
    const rowBytes = e.byteLength / rows;
    let at = e.byteOffset;
    f.parts.forEach((name, i) => {
      const shape = partShapes[i];
      all.set(name, { name, dtype: e.dtype, shape, source: e.source, byteOffset: at, byteLength: shape[0] * rowBytes });
      at += shape[0] * rowBytes;
    });
    all.delete(f.name);
  }
}

/** The header's tensor list: each run of a fused tensor's parts (consecutive, one dtype) merged into it. */
export function fuseTensorList<T extends { name: string; dtype: string; shape: number[] }>(list: readonly T[], fused: readonly FusedTensor[]): T[] {
  if (!fused.length) return [...list];
  const byFirst = new Map(fused.map((f) => [f.parts[0], f]));
  const out: T[] = [];
  for (let i = 0; i < list.length; i++) {
    const f = byFirst.get(list[i].name);
    if (!f) { out.push(list[i]); continue; }
    const run = list.slice(i, i + f.parts.length);
    if (run.some((t, j) => t.name !== f.parts[j] || t.dtype !== run[0].dtype || t.shape[1] !== run[0].shape[1])) {
      throw new Error(`fused tensor ${f.name}: its parts ${f.parts.join(', ')} are not consecutive with one dtype and width`);
    }
    out.push({ ...run[0], name: f.name, shape: [run.reduce((s, t) => s + t.shape[0], 0), run[0].shape[1]] });
    i += f.parts.length - 1;
  }
  return out;
}
