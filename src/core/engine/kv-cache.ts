// The KV cache shared by all forward plans of an engine (a prefill plan and a decode plan write the same rows),
// with the RoPE cos/sin table for the same positions.
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer } from '../gpu/buffers.ts';
import { createRopeTable } from '../kernels/rope.ts';
import type { ModelSpec } from '../model/spec.ts';

/** Per-layer keys and values for `rows` positions, and the RoPE cos/sin table for those positions.
 *  k[l], v[l]: [rows, nKv*hd]; rope: [rows, hd/2, 2] */
export interface KvCache { rows: number; k: GPUBuffer[]; v: GPUBuffer[]; rope: GPUBuffer; destroy(): void }

export async function createKvCache(gpu: Gpu, spec: ModelSpec, rows: number): Promise<KvCache> {
  const width = spec.numKvHeads * spec.headDim;
  const k: GPUBuffer[] = [], v: GPUBuffer[] = [];
  for (let l = 0; l < spec.numLayers; l++) {
    k.push(await createStorageBuffer(gpu, `kcache.${l}`, rows * width * 4));
    v.push(await createStorageBuffer(gpu, `vcache.${l}`, rows * width * 4));
  }
  const rope = await createRopeTable(gpu, spec.headDim, spec.ropeTheta, rows);
  return { rows, k, v, rope, destroy: () => [...k, ...v, rope].forEach((b) => b.destroy()) };
}
