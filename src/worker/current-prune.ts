// "The current prune", one mechanism for every job that needs the slider's run back on the GPU: each finished
// prune job gets an id (its PruneOutcome.pruneId); the preview's pruned generation and the export name the run
// they mean by that id. The session remembers its last prune and which prune's state (masks, SparseGPT weights,
// compacted layers) is on the GPU now; any other GPU job may change that state and forgets it (forgetApplied),
// and the next job that names the id re-applies the same request on the same calibration: the same masks.
import { BadRequest } from '../core/errors.ts';
import type { PruneRequest } from '../core/prune/prune-options.ts';
import type { Pruner, PruneResult } from '../core/prune/pruner.ts';
import type { CalibrationSpec, PruneJobOptions } from './api.ts';
import type { PruneSession, Tokenized, WindowNll } from './prune-session.ts';

export interface PruneRecord {
  id: string;
  request: PruneRequest;
  opts: PruneJobOptions;
  pruner: Pruner;
  result: PruneResult;
  dense: WindowNll;
  pruned: WindowNll;
  text: Tokenized;
  calibration: CalibrationSpec;
  windows: number;
}

interface SessionPrunes { last: PruneRecord | null; applied: string | null }
const bySession = new WeakMap<PruneSession, SessionPrunes>();
const prunes = (s: PruneSession) => {
  let p = bySession.get(s);
  if (!p) bySession.set(s, p = { last: null, applied: null });
  return p;
};

/** Records a finished prune (its state is on the GPU now) and returns its id. Ids are unique across workers, so a
 * run restored from a saved session never names a prune of this one. */
export function rememberPrune(session: PruneSession, record: Omit<PruneRecord, 'id'>): string {
  const id = globalThis.crypto.randomUUID();
  const p = prunes(session);
  p.last = { ...record, id };
  p.applied = id;
  return id;
}

/** A GPU job that may change the masks or weights is starting: no prune's state can be assumed on the GPU. */
export function forgetApplied(session: PruneSession): void {
  prunes(session).applied = null;
}

/** The last prune, refused unless it is the run `id` names. */
export function pruneRecord(session: PruneSession, id: string): PruneRecord {
  const { last } = prunes(session);
  if (!last) throw new BadRequest('nothing is pruned yet: prune the model first (move the sparsity slider and release it)');
  if (last.id !== id) {
    throw new BadRequest('the run shown is not the model\'s last prune in this session (a restored or older run): ' +
      'prune it again (release the slider or press Apply), then retry');
  }
  return last;
}

/** The run `id` names with its state back on the GPU (re-applied when another job changed it; `onReapply` is told
 * first). `gpuState: false`: the caller reads only what lives on the CPU (a structured run's kept units), so
 * nothing is re-applied for it. */
export async function applyPrune(session: PruneSession, id: string, signal: AbortSignal,
  opts: { gpuState: boolean; onReapply?: () => void }): Promise<{ record: PruneRecord; reapplied: boolean }> {
  const p = prunes(session);
  const record = pruneRecord(session, id);
  if (p.applied === id || !opts.gpuState) return { record, reapplied: false };
  opts.onReapply?.();
  const { calibration, spec } = await session.windows(record.opts, signal);
  const pruner = await session.pruner(calibration, spec);
  const again = await pruner.prune(record.request, { signal });
  // Same request and calibration must give the same masks; a difference would use something never evaluated.
  if (again.achievedSparsity.some((s, l) => s !== record.result.achievedSparsity[l])) {
    throw new BadRequest('re-applying the last prune gave different masks than the evaluated run; prune again, then retry');
  }
  p.last = { ...record, pruner };
  p.applied = id;
  return { record: p.last, reapplied: true };
}
