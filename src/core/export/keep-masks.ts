// Which weights a pruned model keeps, tensor by tensor, as host-side bitsets [N, ceil(K/32)] u32 (bit j of
// word i*words + (j >> 5) is 1 when element (i, j) is kept): the layout of the GPU masks (prune/mask-set.ts).
// Unstructured / N:M masks are read back from the GPU one tensor at a time; structured selections (kept heads
// and channels) are turned into row / column bitsets on the CPU, q_proj's bias included.
import { BadRequest } from '../errors.ts';
import { readBuffer } from '../gpu/buffers.ts';
import type { KeptUnits } from '../prune/compaction.ts';
import type { MaskSet } from '../prune/mask-set.ts';
import { tensorNames, type ModelSpec } from '../model/spec.ts';

export interface KeepMasks {
  /** Bitset of tensor `name` seen as [N, K] (a bias as [N, 1]); null when nothing in it is pruned. */
  bits(name: string, N: number, K: number): Promise<Uint32Array | null>;
}

/** The pruner's GPU masks (unstructured, N:M), read back per tensor when asked. */
export function maskSetKeepMasks(masks: MaskSet): KeepMasks {
  return {
    async bits(name, N, K) {
      const e = masks.entries.get(name);
      if (!e) return null;
      if (e.map.N !== N || e.map.K !== K) throw new BadRequest(`mask of ${name} is [${e.map.N}, ${e.map.K}] but the tensor is [${N}, ${K}]`);
      return new Uint32Array(await readBuffer(masks.gpu, e.mask, N * e.words * 4));
    },
  };
}

/** Bitset [N, ceil(K/32)] keeping rows where keepRow and columns where keepCol. */
export function rowColumnBits(N: number, K: number, keepRow: (i: number) => boolean, keepCol: (j: number) => boolean): Uint32Array {
  const words = Math.ceil(K / 32);
  const bits = new Uint32Array(N * words);
  const row = new Uint32Array(words);     // the bits of every kept row are the same
  for (let j = 0; j < K; j++) if (keepCol(j)) row[j >> 5] |= (1 << (j & 31)) >>> 0;
  for (let i = 0; i < N; i++) if (keepRow(i)) bits.set(row, i * words);
  return bits;
}

/** Structured selection as masks: removed heads' q rows (and q bias) and o columns, removed kv-groups' k / v rows
 * (and biases), removed channels' gate/up rows (and biases) and down columns. Everything else is kept whole. */
export function structuredKeepMasks(spec: ModelSpec, kept: KeptUnits[]): KeepMasks {
  if (kept.length !== spec.numLayers) throw new BadRequest(`kept units for ${kept.length} layers, the model has ${spec.numLayers}`);
  const hd = spec.headDim;
  const byName = new Map<string, { l: number; kind: 'headRows' | 'headCols' | 'kvRows' | 'chanRows' | 'chanCols' }>();
  for (let l = 0; l < spec.numLayers; l++) {
    const n = tensorNames.layer(l);
    byName.set(n.q, { l, kind: 'headRows' });
    if (spec.attentionBias) byName.set(n.qBias, { l, kind: 'headRows' });
    if (kept[l].kvHeads) {
      for (const name of [n.k, n.v, ...(spec.attentionBias ? [n.kBias, n.vBias] : [])]) byName.set(name, { l, kind: 'kvRows' });
    }
    byName.set(n.o, { l, kind: 'headCols' });
    if (!spec.plainMlp) byName.set(n.gate, { l, kind: 'chanRows' });
    byName.set(n.up, { l, kind: 'chanRows' });
    if (spec.mlpBias) {
      if (!spec.plainMlp) byName.set(n.gateBias, { l, kind: 'chanRows' });
      byName.set(n.upBias, { l, kind: 'chanRows' });
    }
    byName.set(n.down, { l, kind: 'chanCols' });
  }
  return {
    async bits(name, N, K) {
      const m = byName.get(name);
      if (!m) return null;
      const heads = new Set(kept[m.l].heads), channels = new Set(kept[m.l].channels), kvHeads = new Set(kept[m.l].kvHeads);
      const head = (i: number) => heads.has(Math.floor(i / hd));
      const kvHead = (i: number) => kvHeads.has(Math.floor(i / hd));
      const chan = (i: number) => channels.has(i);
      const all = () => true;
      switch (m.kind) {
        case 'headRows': return rowColumnBits(N, K, head, all);
        case 'kvRows': return rowColumnBits(N, K, kvHead, all);
        case 'headCols': return rowColumnBits(N, K, all, head);
        case 'chanRows': return rowColumnBits(N, K, chan, all);
        case 'chanCols': return rowColumnBits(N, K, all, chan);
      }
    },
  };
}

/** Zeroes, in place, every element of `bytes` (a row-major [N, K] tensor of elemBytes-wide values) whose bit is 0.
 * Returns how many were zeroed. Zero bits are exact zeros in F32, F16 and BF16. */
export function zeroPruned(bytes: Uint8Array, elemBytes: number, N: number, K: number, bits: Uint32Array): number {
  const words = Math.ceil(K / 32);
  if (bits.length !== N * words) throw new BadRequest(`mask has ${bits.length} words, [${N}, ${K}] needs ${N * words}`);
  if (bytes.byteLength !== N * K * elemBytes) throw new BadRequest(`tensor has ${bytes.byteLength} bytes, [${N}, ${K}] x ${elemBytes} needs ${N * K * elemBytes}`);
  let zeroed = 0;
  for (let i = 0; i < N; i++) {
    for (let w = 0; w < words; w++) {
      const word = bits[i * words + w];
      if (word === 0xffffffff) continue;
      const end = Math.min(32, K - w * 32);
      for (let b = 0; b < end; b++) {
        if ((word >>> b) & 1) continue;
        const at = (i * K + w * 32 + b) * elemBytes;
        bytes.fill(0, at, at + elemBytes);
        zeroed++;
      }
    }
  }
  return zeroed;
}
