// The studio's last finished prune, per session: what the export writes. The GPU masks match it only until
// another GPU job runs (the perplexity panel and generation reset the pruner to dense, a scan rewrites masks),
// so the record carries the job-slot serial it finished under; the export re-applies the request when a job
// has run since (same request, same calibration: the same masks).
import type { PruneRequest } from '../core/prune/prune-options.ts';
import type { Pruner, PruneResult } from '../core/prune/pruner.ts';
import type { CalibrationSpec, PruneJobOptions } from './api.ts';
import { jobsStarted } from './job-slot.ts';
import type { PruneSession, Tokenized, WindowNll } from './prune-session.ts';

export interface LastPrune {
  request: PruneRequest;
  opts: PruneJobOptions;
  pruner: Pruner;
  result: PruneResult;
  dense: WindowNll;
  pruned: WindowNll;
  text: Tokenized;
  calibration: CalibrationSpec;
  windows: number;
  /** jobsStarted() when the prune ran: equal now means no other job has touched the masks since. */
  serial: number;
}

const records = new WeakMap<PruneSession, LastPrune>();

export function rememberPrune(session: PruneSession, record: Omit<LastPrune, 'serial'>): void {
  records.set(session, { ...record, serial: jobsStarted() });
}

export function lastPrune(session: PruneSession): LastPrune | null {
  return records.get(session) ?? null;
}

/** Whether the pruner still holds this prune's masks, seen from inside a job that has just started. */
export function masksAreCurrent(record: LastPrune): boolean {
  return jobsStarted() === record.serial + 1;
}

/** Marks the record as re-applied by the job running now. */
export function markReapplied(session: PruneSession, record: LastPrune, pruner: Pruner): void {
  records.set(session, { ...record, pruner, serial: jobsStarted() });
}
