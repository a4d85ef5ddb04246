// Pruning masks of every linear map, as GPU bitsets rewritten in place: changing the sparsity recomputes the
// bits and never touches (or re-uploads) a weight.  mask: [N, ceil(K/32)] u32, bit 1 = kept.
// Whole-row / whole-column masks (dense, structured) are filled on the GPU from two small bitsets, and kept
// weights are counted there: nothing mask-sized crosses the bus on a re-prune.
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer, createUniformBuffer, packUniform, readBuffer } from '../gpu/buffers.ts';
import { runCalls, submitCalls, type KernelCall } from '../kernels/kernel-call.ts';
import { keepBits, prepareMaskFill, prepareMaskPopcount } from '../kernels/mask-bits.ts';
import type { ModelSpec } from '../model/spec.ts';
import { layerMaps, type LinearMap, type Module } from './linear-maps.ts';

export interface MaskEntry {
  map: LinearMap;
  mask: GPUBuffer;       // [N, words] u32
  pruneCount: GPUBuffer; // uniform { k: u32 }: weights pruned per row
  words: number;         // ceil(K / 32)
  rowKeep: GPUBuffer;    // [ceil(N/32)] u32: the rows fill() keeps
  colWords: GPUBuffer;   // [words] u32: a kept row's bits for fill()
  fill: KernelCall;      // mask <- rowKeep x colWords
  popcount: KernelCall;  // counts[slot] += kept bits of mask
}

/** Which rows and columns of one map a whole-row / whole-column mask keeps. */
export interface RowsColumns { row: (i: number) => boolean; col: (j: number) => boolean }
const ALL: RowsColumns = { row: () => true, col: () => true };

/** Weights an unstructured mask prunes in each row of K at `sparsity`: floor(K * s) (+1e-9: MRP sums 0.01 steps). */
export const prunedPerRow = (K: number, sparsity: number) => Math.floor(K * sparsity + 1e-9);

export class MaskSet {
  /** Name -> bitset, for Engine.setMasks and forward plans (one stable map, so plans are not rebuilt). */
  readonly buffers: ReadonlyMap<string, GPUBuffer>;

  private constructor(readonly gpu: Gpu, readonly entries: Map<string, MaskEntry>, readonly layers: MaskEntry[][],
    private readonly counts: GPUBuffer, private readonly owned: GPUBuffer[]) {
    this.buffers = new Map([...entries].map(([name, e]) => [name, e.mask]));
  }

  static async create(gpu: Gpu, spec: ModelSpec): Promise<MaskSet> {
    const entries = new Map<string, MaskEntry>();
    const layers: MaskEntry[][] = [];
    const owned: GPUBuffer[] = [];
    const buf = async (label: string, words: number) => { const b = await createStorageBuffer(gpu, label, words * 4); owned.push(b); return b; };
    try {
      const maps = Array.from({ length: spec.numLayers }, (_, l) => layerMaps(spec, l));
      const counts = await buf('kept counts', maps.flat().length); // [maps] u32, one slot per map
      for (let l = 0; l < spec.numLayers; l++) {
        const row: MaskEntry[] = [];
        for (const map of maps[l]) {
          const words = Math.ceil(map.K / 32);
          const mask = await buf(`mask ${map.name}`, map.N * words);
          const pruneCount = await createUniformBuffer(gpu, `prune count ${map.name}`, packUniform([{ u32: 0 }]));
          owned.push(pruneCount);
          const rowKeep = await buf(`kept rows ${map.name}`, Math.ceil(map.N / 32));
          const colWords = await buf(`kept columns ${map.name}`, words);
          const e: MaskEntry = {
            map, mask, pruneCount, words, rowKeep, colWords,
            fill: await prepareMaskFill(gpu, { mask, rowKeep, colWords, N: map.N, words }),
            popcount: await prepareMaskPopcount(gpu, { mask, n: map.N * words, counts, slot: entries.size }),
          };
          entries.set(map.name, e);
          row.push(e);
        }
        layers.push(row);
      }
      const set = new MaskSet(gpu, entries, layers, counts, owned);
      for (let l = 0; l < spec.numLayers; l++) set.keepAll(l);
      return set;
    } catch (err) {
      owned.forEach((b) => b.destroy());
      throw err;
    }
  }

  /** Marks every weight of layer l kept (dense). Queued: later GPU work sees it. */
  keepAll(l: number): void {
    this.keepRowsColumns(l, () => ALL);
  }

  /** Layer l's masks keep exactly these rows and columns of each map (structured pruning). Queued like keepAll. */
  keepRowsColumns(l: number, of: (e: MaskEntry) => RowsColumns): void {
    const q = this.gpu.device.queue;
    for (const e of this.layers[l]) {
      const { row, col } = of(e);
      q.writeBuffer(e.rowKeep, 0, keepBits(e.map.N, row));
      q.writeBuffer(e.colWords, 0, keepBits(e.map.K, col));
    }
    submitCalls(this.gpu, this.layers[l].map((e) => e.fill));
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

  /** Kept weights per layer counted from the masks on the GPU (only the per-map counts come back), and the
   * layer's total. */
  async keptPerLayer(): Promise<Array<{ kept: number; total: number }>> {
    return this.keptInLayers(this.layers.map((_, l) => l));
  }

  /** keptPerLayer for these layers only. */
  async keptInLayers(layers: readonly number[]): Promise<Array<{ kept: number; total: number }>> {
    const slots = this.entries.size, slotOf = new Map([...this.entries.values()].map((e, i) => [e, i]));
    const entries = layers.flatMap((l) => this.layers[l]);
    this.gpu.device.queue.writeBuffer(this.counts, 0, new Uint32Array(slots));
    await runCalls(this.gpu, entries.map((e) => e.popcount));
    const counts = new Uint32Array(await readBuffer(this.gpu, this.counts, slots * 4));
    return layers.map((l) => this.layers[l].reduce((t, e) => ({ kept: t.kept + counts[slotOf.get(e)!], total: t.total + e.map.N * e.map.K }),
      { kept: 0, total: 0 }));
  }

  destroy(): void {
    this.owned.forEach((b) => b.destroy());
  }
}
