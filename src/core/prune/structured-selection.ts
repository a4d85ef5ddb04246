// Structured pruning (ALGORITHMS.md "Structured pruning"): per-column scores of o_proj / down_proj (computed on
// the GPU by kernels/column-scores.ts; columnScores here is its float64 reference), head and channel scores from
// them, and which heads / channels a layer keeps (CPU: a sort of nH + f numbers per layer).
import { BadRequest } from '../errors.ts';

export type StructuredMetric = 'wanda-sp' | 'magnitude-sp';
export const STRUCTURED_METRICS: readonly StructuredMetric[] = ['wanda-sp', 'magnitude-sp'];

/**
 * Float64 reference of the column-scores kernel. Score of every input column j of W ([rows, cols], [out, in]): wanda-sp mean_i |W_ij| * sqrt(sq[j]);
 * magnitude-sp the column's L2 norm sqrt(sum_i W_ij^2).
 */
export function columnScores(W: Float32Array, rows: number, cols: number, metric: StructuredMetric,
  sq?: ArrayLike<number>): Float64Array {
  if (metric === 'wanda-sp' && !sq) throw new Error('wanda-sp column scores need the input statistics');
  const acc = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const w = W[i * cols + j];
      acc[j] += metric === 'wanda-sp' ? Math.abs(w) : w * w;
    }
  }
  return acc.map((a, j) => (metric === 'wanda-sp' ? (a / rows) * Math.sqrt(Math.max(0, sq![j])) : Math.sqrt(a)));
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
      'heads can be removed (removing whole kv-groups is not supported yet)');
  }
  return Array.from({ length: nHeads }, (_, i) => i).filter((i) => !removed.has(i));
}
