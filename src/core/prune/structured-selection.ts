// Structured pruning (docs/algorithms.md §12): per-column scores of o_proj / down_proj (computed on
// the GPU by kernels/column-scores.ts; columnScores here is its float64 reference), head and channel scores from
// them, and which heads / kv-groups / channels a layer keeps (CPU: a sort of nH + f numbers per layer).
import { BadRequest } from '../errors.ts';

export type StructuredMetric = 'wanda-sp' | 'magnitude-sp' | 'flap';
export const STRUCTURED_METRICS: readonly StructuredMetric[] = ['wanda-sp', 'magnitude-sp', 'flap'];

/** Sums and token count of a map's input (FLAP's mean and variance). */
export interface ColumnSums { sum: ArrayLike<number>; tokens: number }

/**
 * Float64 reference of the column-scores kernel. Score of every input column j of W ([rows, cols], [out, in]):
 * wanda-sp mean_i |W_ij| * sqrt(sq[j]); magnitude-sp the column's L2 norm sqrt(sum_i W_ij^2); flap (An et al.
 * 2024's fluctuation) var_j * sum_i W_ij^2 with var_j = sq[j] / n - (sum[j] / n)^2 over the n calibration tokens.
 */
export function columnScores(W: Float32Array, rows: number, cols: number, metric: StructuredMetric,
  sq?: ArrayLike<number>, sums?: ColumnSums): Float64Array {
  if (metric !== 'magnitude-sp' && !sq) throw new Error(`${metric} column scores need the input statistics`);
  if (metric === 'flap' && !sums) throw new Error('flap column scores need the input sums and token count');
  const acc = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const w = W[i * cols + j];
      acc[j] += metric === 'wanda-sp' ? Math.abs(w) : w * w;
    }
  }
  return acc.map((a, j) => {
    if (metric === 'wanda-sp') return (a / rows) * Math.sqrt(Math.max(0, sq![j]));
    if (metric === 'magnitude-sp') return Math.sqrt(a);
    const mean = sums!.sum[j] / sums!.tokens;
    return Math.max(0, sq![j] / sums!.tokens - mean * mean) * a;
  });
}

/** A head's score: the sum of its headDim consecutive column scores. [nHeads] */
export function headScores(cols: ArrayLike<number>, nHeads: number, headDim: number): Float64Array {
  const out = new Float64Array(nHeads);
  for (let h = 0; h < nHeads; h++) for (let d = 0; d < headDim; d++) out[h] += cols[h * headDim + d];
  return out;
}

/** Indices from lowest to highest score; ties: lower index first. */
function ascending(scores: ArrayLike<number>): number[] {
  return Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b] || a - b);
}

/** Number of units removed at rate p: floor(p * count) (+1e-9 so 0.3 * 10 is 3, not 2). */
export function removedCount(p: number, count: number): number {
  return Math.floor(p * count + 1e-9);
}

/** Kept MLP channels (ascending) after removing the `remove` lowest-scoring ones. */
export function keptChannels(scores: ArrayLike<number>, remove: number): number[] {
  const removed = new Set(ascending(scores).slice(0, remove));
  return Array.from({ length: scores.length }, (_, i) => i).filter((i) => !removed.has(i));
}

/**
 * Kept query heads (ascending) after removing the `remove` lowest-scoring heads such that every kv-group
 * (consecutive nHeads / nKvHeads heads) keeps at least one: a head that would empty its group is skipped and the
 * next lowest is taken. Throws BadRequest when the request cannot be met that way.
 */
export function keptHeads(scores: ArrayLike<number>, nKvHeads: number, remove: number, layer = 0): number[] {
  const nHeads = scores.length;
  const group = nHeads / nKvHeads;
  const left = new Array(nKvHeads).fill(group);
  const removed = new Set<number>();
  for (const h of ascending(scores)) {
    if (removed.size === remove) break;
    const g = Math.floor(h / group);
    if (left[g] === 1) continue;
    left[g]--;
    removed.add(h);
  }
  if (removed.size < remove) {
    throw new BadRequest(`layer ${layer}: removing ${remove} of ${nHeads} attention heads would leave a kv-group ` +
      `(${group} query heads share each of ${nKvHeads} kv heads) with no query head; at most ${nHeads - nKvHeads} ` +
      'heads can be removed (or remove whole kv-groups: kvGroups option, CLI --kv-groups)');
  }
  return Array.from({ length: nHeads }, (_, i) => i).filter((i) => !removed.has(i));
}

/**
 * Whole kv-groups removed (the kvGroups option): a group's score is the sum of its query heads' scores; the
 * `removeGroups` lowest-scoring groups go with all their query heads (ties: lower index first). Returns the kept
 * query heads and kv heads, ascending.
 */
export function keptKvGroups(headScores: ArrayLike<number>, nKvHeads: number, removeGroups: number, layer = 0):
  { heads: number[]; kvHeads: number[] } {
  const group = headScores.length / nKvHeads;
  if (removeGroups >= nKvHeads) throw new BadRequest(`layer ${layer}: removing ${removeGroups} of ${nKvHeads} kv-groups leaves none`);
  const groupScores = Array.from({ length: nKvHeads }, (_, g) => {
    let s = 0;
    for (let i = 0; i < group; i++) s += headScores[g * group + i];
    return s;
  });
  const gone = new Set(ascending(groupScores).slice(0, removeGroups));
  const kvHeads = Array.from({ length: nKvHeads }, (_, g) => g).filter((g) => !gone.has(g));
  return { heads: kvHeads.flatMap((g) => Array.from({ length: group }, (_, i) => g * group + i)), kvHeads };
}
