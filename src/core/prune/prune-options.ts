// What a pruning request may ask for, and its validation (clear errors before any GPU work).
import { BadRequest } from '../errors.ts';
import { STRUCTURED_METRICS, type StructuredMetric } from './structured-selection.ts';

/** Unstructured scores: |W|, Wanda's |W| * sqrt(sq), or SparseGPT (w^2 / [H^-1]_jj^2 per block, with weight updates). */
export type Metric = 'magnitude' | 'wanda' | 'sparsegpt';
export const METRICS: readonly Metric[] = ['magnitude', 'wanda', 'sparsegpt'];
/** 'flap-global': FLAP's global allocation over standardized dense scores (structured flap only; flap-global.ts). */
export type AllocationRequest = 'uniform' | 'owl' | 'mrp' | 'alpha' | 'flap-global' | number[];

export interface NmPattern { n: number; m: number }

export interface MrpParams {
  /** Outlier threshold multiple of the mean score (OWL's M). */
  M: number;
  /** Starting uniform sparsity; default S / 2. */
  s0?: number;
  step: number;
  sMax: number;
  /** Re-propagate and refresh every layer after this much mean-sparsity progress. */
  refresh: number;
}

export const DEFAULT_MRP: MrpParams = { M: 5, step: 0.01, sMax: 0.95, refresh: 0.05 };
export const DEFAULT_OWL = { M: 5, lambda: 0.08 };

export interface PruneRequest {
  metric: Metric;
  sparsity: number;
  allocation: AllocationRequest;
  nm?: NmPattern;
  mrp?: Partial<MrpParams>;
  /** Structured pruning instead of weight masks: sparsity = fraction of heads and of MLP channels removed per
   * layer; `metric` is then unused; allocation uniform or an explicit vector. */
  structured?: StructuredMetric;
  /** Structured only: remove whole kv-groups (their k, v rows and all their query heads), floor(p_l * numKvHeads)
   * groups per layer (a group's score = the sum of its query heads' scores), instead of single query heads. */
  kvGroups?: boolean;
  /** FLAP only: add W[:, removed] @ mean(x_removed) to o_proj / down_proj's biases (default true). */
  biasCompensation?: boolean;
}

/** Parses "2:4" into { n: 2, m: 4 }. */
export function parseNm(text: string): NmPattern {
  const m = /^(\d+):(\d+)$/.exec(text.trim());
  if (!m) throw new BadRequest(`N:M pattern "${text}" is not of the form N:M (e.g. 2:4)`);
  const nm = { n: Number(m[1]), m: Number(m[2]) };
  if (nm.n < 1 || nm.n >= nm.m) throw new BadRequest(`N:M pattern ${text}: N must be at least 1 and below M`);
  return nm;
}

/** Why the core refuses `req` on a model of `numLayers` layers (BadRequest's message), or null when it accepts it. */
export function requestRefusal(req: PruneRequest, numLayers: number): string | null {
  if (!(req.sparsity >= 0 && req.sparsity < 1)) return `sparsity ${req.sparsity} is outside [0, 1)`;
  if (req.nm && !(req.nm.n >= 1 && req.nm.n < req.nm.m)) {
    return `N:M pattern ${req.nm.n}:${req.nm.m}: N must be at least 1 and below M`;
  }
  const a = req.allocation;
  if (Array.isArray(a)) {
    if (a.length !== numLayers) return `the allocation vector has ${a.length} entries but the model has ${numLayers} layers`;
    const i = a.findIndex((s) => typeof s !== 'number' || !(s >= 0 && s < 1));
    if (i >= 0) return `allocation[${i}] = ${a[i]} is not a sparsity in [0, 1)`;
  } else if (!['uniform', 'owl', 'mrp', 'alpha', 'flap-global'].includes(a)) {
    return `unknown allocation "${String(a)}" (expected uniform, owl, mrp, alpha, flap-global or a per-layer vector)`;
  }
  if (a === 'flap-global' && (req.structured !== 'flap' || req.kvGroups)) {
    return 'the flap-global allocation ranks FLAP\'s head and channel scores of all layers together: it needs ' +
      '--structured flap (and removes query heads, not whole kv-groups)';
  }
  if (req.structured !== undefined) {
    if (!STRUCTURED_METRICS.includes(req.structured)) {
      return `unknown structured method "${String(req.structured)}" (expected ${STRUCTURED_METRICS.join(', ')})`;
    }
    if (req.nm) return 'structured pruning removes whole heads and channels: it cannot be combined with N:M';
    if (!Array.isArray(a) && a !== 'uniform' && a !== 'flap-global') {
      return `structured pruning supports uniform or explicit allocations, not ${a} (FLAP also takes flap-global)`;
    }
  }
  if (req.kvGroups && req.structured === undefined) return 'kvGroups (--kv-groups) needs structured pruning (--structured ...)';
  if (req.biasCompensation !== undefined && req.structured !== 'flap') {
    return 'bias compensation is part of FLAP (--structured flap); other methods leave the biases unchanged';
  }
  if (req.nm && a !== 'uniform') return 'N:M patterns fix the sparsity of every layer: use --alloc uniform';
  if (req.structured === undefined && !METRICS.includes(req.metric)) {
    return `unknown method "${String(req.metric)}" (expected ${METRICS.join(', ')})`;
  }
  return null;
}

export function validateRequest(req: PruneRequest, numLayers: number): void {
  const why = requestRefusal(req, numLayers);
  if (why !== null) throw new BadRequest(why);
}
