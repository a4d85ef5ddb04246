// The KV cache shared by all forward plans of an engine (a prefill plan and a decode plan write the same rows),
// with the RoPE cos/sin tables for the same positions (one per distinct RoPE among the layers).
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer } from '../gpu/buffers.ts';
import { createRopeTable } from '../kernels/rope.ts';
import type { ModelSpec } from '../model/spec.ts';
import { layerRope, ropeKey, type RopeParams } from '../model/rope.ts';

/** One layer's rotation: its parameters and their cos/sin table [rows, rotaryDim/2, 2]. */
export interface LayerRopeTable { rope: RopeParams; table: GPUBuffer }

/** Per-layer keys and values for `windows` batched windows of `rows` positions each (window b at rows b*rows..),
 *  and each layer's RoPE table (null: a layer without RoPE) for `rows` positions.
 *  k[l], v[l]: [windows * rows, nKv*hd]. Dynamic and longrope tables are built for a forward over `rows` positions. */
export interface KvCache { rows: number; windows: number; k: GPUBuffer[]; v: GPUBuffer[]; rope: Array<LayerRopeTable | null>; destroy(): void }

export async function createKvCache(gpu: Gpu, spec: ModelSpec, rows: number, windows = 1): Promise<KvCache> {
  const width = spec.numKvHeads * spec.headDim;
  const k: GPUBuffer[] = [], v: GPUBuffer[] = [];
  for (let l = 0; l < spec.numLayers; l++) {
    k.push(await createStorageBuffer(gpu, `kcache.${l}`, windows * rows * width * 4));
    v.push(await createStorageBuffer(gpu, `vcache.${l}`, windows * rows * width * 4));
  }
  const tables = new Map<string, LayerRopeTable>();
  const rope: Array<LayerRopeTable | null> = [];
  for (let l = 0; l < spec.numLayers; l++) {
    const r = layerRope(spec, l);
    if (!r) { rope.push(null); continue; }
    const key = ropeKey(r);
    if (!tables.has(key)) tables.set(key, { rope: r, table: await createRopeTable(gpu, r, rows) });
    rope.push(tables.get(key)!);
  }
  return { rows, windows, k, v, rope, destroy: () => [...k, ...v, ...[...tables.values()].map((t) => t.table)].forEach((b) => b.destroy()) };
}
