// Measuring a (pruned) model: perplexity over windows and the sparsity each layer actually has.
import type { ModelSpec } from '../../../src/core/model/spec.ts';
import { referenceWindowNll, type ReferenceWeights } from '../../../src/core/engine/reference-forward.ts';
import { mapNames, mapWeights } from './maps.ts';

/** exp(mean NLL over every predicted token of every window). */
export function referencePerplexity(spec: ModelSpec, w: ReferenceWeights, windows: number[][]): number {
  let sum = 0, count = 0;
  for (const tokens of windows) {
    const r = referenceWindowNll(spec, w, tokens);
    sum += r.sum; count += r.count;
  }
  return Math.exp(sum / count);
}

/** Per layer, the fraction of exact zeros over its seven maps. */
export function achievedSparsity(w: ReferenceWeights, spec: ModelSpec): number[] {
  const out: number[] = [];
  for (let l = 0; l < spec.numLayers; l++) {
    let zeros = 0, count = 0;
    for (const map of mapNames(spec)) {
      const W = mapWeights(w, l, map);
      for (const v of W) if (v === 0) zeros++;
      count += W.length;
    }
    out.push(zeros / count);
  }
  return out;
}
