// Pruning masks of every linear map, as GPU bitsets rewritten in place: changing the sparsity recomputes the
// bits and never touches (or re-uploads) a weight.  mask: [N, ceil(K/32)] u32, bit 1 = kept.
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer, createUniformBuffer, packUniform, readBuffers } from '../gpu/buffers.ts';
import { countKept } from '../kernels/prune-mask.ts';
import type { ModelSpec } from '../model/spec.ts';
import { layerMaps, type LinearMap, type Module } from './linear-maps.ts';

export interface MaskEntry {
  map: LinearMap;
  mask: GPUBuffer;       // [N, words] u32
  pruneCount: GPUBuffer; // uniform { k: u32 }: weights pruned per row
  words: number;         // ceil(K / 32)
}

/** Weights an unstructured mask prunes in each row of K at `sparsity`: floor(K * s) (+1e-9: MRP sums 0.01 steps). */
export const prunedPerRow = (K: number, sparsity: number) => Math.floor(K * sparsity + 1e-9);

export class MaskSet {
  /** Name -> bitset, for Engine.setMasks and forward plans (one stable map, so plans are not rebuilt). */
  readonly buffers: ReadonlyMap<string, GPUBuffer>;

  private constructor(readonly gpu: Gpu, readonly entries: Map<string, MaskEntry>, readonly layers: MaskEntry[][]) {
    this.buffers = new Map([...entries].map(([name, e]) => [name, e.mask]));
  }

  static async create(gpu: Gpu, spec: ModelSpec): Promise<MaskSet> {
    const entries = new Map<string, MaskEntry>();
    const layers: MaskEntry[][] = [];
    try {
      for (let l = 0; l < spec.numLayers; l++) {
        const row: MaskEntry[] = [];
        for (const map of layerMaps(spec, l)) {
          const words = Math.ceil(map.K / 32);
          const mask = await createStorageBuffer(gpu, `mask ${map.name}`, map.N * words * 4);
          const pruneCount = await createUniformBuffer(gpu, `prune count ${map.name}`, packUniform([{ u32: 0 }]));
          const e = { map, mask, pruneCount, words };
          entries.set(map.name, e);
          row.push(e);
        }
        layers.push(row);
      }
    } catch (err) {
      for (const e of entries.values()) { e.mask.destroy(); e.pruneCount.destroy(); }
      throw err;
    }
    const set = new MaskSet(gpu, entries, layers);
    for (let l = 0; l < spec.numLayers; l++) set.keepAll(l);
    return set;
  }

  /** Marks every weight of layer l kept (dense). */
  keepAll(l: number): void {
    for (const e of this.layers[l]) {
      const bits = new Uint32Array(e.map.N * e.words).fill(0xffffffff);
      const tail = e.map.K % 32;
      if (tail) for (let i = 0; i < e.map.N; i++) bits[i * e.words + e.words - 1] = (2 ** tail - 1) >>> 0;
      this.gpu.device.queue.writeBuffer(e.mask, 0, bits);
    }
  }

  /** Sets the per-row prune count of every map of layer l (or only of `only`; the others keep everything) to
   * floor(K * sparsity) (+1e-9: MRP sums 0.01 steps). */
  setSparsity(l: number, sparsity: number, only?: Module): void {
    for (const e of this.layers[l]) {
      const s = only && e.map.module !== only ? 0 : sparsity;
      this.gpu.device.queue.writeBuffer(e.pruneCount, 0, Uint32Array.of(prunedPerRow(e.map.K, s), 0, 0, 0));
    }
  }

  /** Sets the per-row prune count of each map of layer l (layerMaps order), as the count repair chose them. */
  setRowCounts(l: number, counts: readonly number[]): void {
    this.layers[l].forEach((e, i) => {
      this.gpu.device.queue.writeBuffer(e.pruneCount, 0, Uint32Array.of(Math.min(e.map.K, counts[i]), 0, 0, 0));
    });
  }

  /** Kept weights per layer counted from the masks on the GPU, and the layer's total. */
  async keptPerLayer(): Promise<Array<{ kept: number; total: number }>> {
    const out: Array<{ kept: number; total: number }> = [];
    for (const row of this.layers) {
      const bits = await readBuffers(this.gpu, row.map((e) => ({ buffer: e.mask, bytes: e.map.N * e.words * 4 })));
      let kept = 0, total = 0;
      row.forEach((e, i) => {
        kept += countKept(new Uint32Array(bits[i]), e.map.N, e.map.K).reduce((a, b) => a + b, 0);
        total += e.map.N * e.map.K;
      });
      out.push({ kept, total });
    }
    return out;
  }

  destroy(): void {
    for (const e of this.entries.values()) { e.mask.destroy(); e.pruneCount.destroy(); }
  }
}
