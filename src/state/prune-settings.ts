// The pruning method as the user picks it (metric, allocation, N:M, calibration size), the sensitivity scan's
// settings, and their translation into core requests with validation before anything is sent.
import type { Metric, PruneRequest } from '../core/prune/prune-options.ts';
import { DEFAULT_LEVELS } from '../core/prune/sensitivity-scan.ts';

export type AllocationChoice = 'uniform' | 'owl' | 'mrp';
/** The pruning pattern: unstructured weights, an N:M pattern, or whole attention heads + MLP channels. */
export type NmChoice = 'off' | '2:4' | '4:8' | 'heads';

export interface MethodSettings {
  metric: Metric;
  allocation: AllocationChoice;
  nm: NmChoice;
  /** Calibration windows (of the evaluation seqLen) taken after the evaluation windows or from a calibration text. */
  calibWindows: number;
  /** Heads + channels only: FLAP's fluctuation score instead of the metric's -sp score. Optional: older links lack it. */
  flap?: boolean;
  /** Heads + channels only: remove whole kv-groups (their k/v heads and every query head reading them). */
  kvGroups?: boolean;
  /** FLAP only: bias compensation (undefined = on, the core's default). */
  biasCompensation?: boolean;
}

export const DEFAULT_METHOD: MethodSettings = { metric: 'wanda', allocation: 'uniform', nm: 'off', calibWindows: 4 };

export interface ScanSettings {
  /** Comma-separated sparsity levels as typed. */
  levelsText: string;
  /** Evaluation windows per cell (the scan's short slice). */
  windows: number;
}

export const DEFAULT_SCAN: ScanSettings = { levelsText: DEFAULT_LEVELS.join(', '), windows: 4 };

/** N:M fixes every layer's sparsity, and structured pruning takes uniform or explicit rates: both force uniform. */
export function effectiveAllocation(m: MethodSettings): AllocationChoice {
  return m.nm === 'off' ? m.allocation : 'uniform';
}

/** The core request; `explicit` (an applied per-layer vector, e.g. the search's best) replaces the allocation. */
export function toPruneRequest(m: MethodSettings, sparsity: number, explicit?: number[]): PruneRequest {
  const allocation = explicit ?? effectiveAllocation(m);
  if (m.nm === 'heads') {
    const structured = m.flap ? 'flap' : m.metric === 'wanda' ? 'wanda-sp' : 'magnitude-sp';
    // Only the non-defaults go in, so the request equals the CLI's for the same flags.
    return { metric: m.metric, sparsity, allocation, structured, ...(m.kvGroups ? { kvGroups: true } : {}),
      ...(m.flap && m.biasCompensation === false ? { biasCompensation: false } : {}) };
  }
  const nm = m.nm === 'off' ? undefined : { n: Number(m.nm.split(':')[0]), m: Number(m.nm.split(':')[1]) };
  return { metric: m.metric, sparsity, allocation, nm };
}

/** How the studio names each score. */
export const METRIC_NAMES: Record<MethodSettings['metric'], string> = { magnitude: 'Magnitude', wanda: 'Wanda', sparsegpt: 'SparseGPT' };

/** Where an applied per-layer vector came from: the search's best, or typed in the studio. */
export type VectorOrigin = 'evolved' | 'explicit';

/** A short name for the method, used to group the perplexity-vs-sparsity curve (`true` = an evolved vector). */
export function methodLabel(m: MethodSettings, explicit: boolean | VectorOrigin = false): string {
  const metric = METRIC_NAMES[m.metric];
  const origin = explicit === true ? 'evolved' : explicit || null;
  if (m.nm === 'heads') {
    const score = m.flap ? `FLAP${m.biasCompensation === false ? ' (no bias comp.)' : ''}` : `${metric}-sp`;
    return `${score} · ${m.kvGroups ? 'kv-groups' : 'heads'}+channels${origin ? ` · ${origin}` : ''}`;
  }
  if (origin) return `${metric} · ${origin}`;
  return m.nm === 'off' ? `${metric} · ${effectiveAllocation(m).toUpperCase()}` : `${metric} · ${m.nm}`;
}

/** Whether a change of settings changes what a prune does (calibration size aside: it never re-runs on its own). */
export function prunesDifferently(a: MethodSettings, b: MethodSettings): boolean {
  const heads = a.nm === 'heads' || b.nm === 'heads';
  return a.metric !== b.metric || a.allocation !== b.allocation || a.nm !== b.nm
    || (heads && (!!a.flap !== !!b.flap || !!a.kvGroups !== !!b.kvGroups
      || (a.biasCompensation !== false) !== (b.biasCompensation !== false)));
}

/** Removing whole kv-groups differs from removing query heads only when several query heads share a kv head. */
export const kvGroupsApply = (heads: number, kvHeads: number) => kvHeads < heads;

export function methodProblem(m: MethodSettings, evalWindows: number, hasCalibText: boolean): string | null {
  if (!Number.isInteger(m.calibWindows) || m.calibWindows < 1) {
    return `calibration windows must be a whole number of at least 1 (got ${m.calibWindows})`;
  }
  if (!hasCalibText && evalWindows === 0) {
    return 'calibration comes from the text after the evaluation windows: set max windows above 0 or pick a calibration text';
  }
  return null;
}

// The scan levels' parser lives apart so the share-link codec can use it without the core (Node e2e).
export { parseLevels } from './scan-levels.ts';
