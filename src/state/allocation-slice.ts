// The allocation overlay's slice: OWL's and MRP's per-layer sparsities for the slider's target, computed by
// the worker on demand (no perplexity evaluated; MRP's loop reports its progress) and cached per target and
// protocol, so going back to a target shows its allocations at once.
import type { PruneProgress } from '../core/prune/pruner.ts';
import type { AllocationsOutcome, WorkerErrorInfo } from '../worker/api.ts';
import { createJob, needsModel, needsText, refuse, refuseIf, type JobDeps, type JobStatus } from './job-slice.ts';
import { methodProblem } from './prune-settings.ts';
import type { StudioState } from './studio-store.ts';

export interface AllocationSlice {
  status: JobStatus;
  progress: PruneProgress | null;
  /** Target of the run in flight (or last run). */
  sparsity: number | null;
  /** Computed allocations by allocationKey(). */
  cache: Record<string, AllocationsOutcome>;
  error: WorkerErrorInfo | null;
}

export interface AllocationActions {
  /** Computes OWL's and MRP's allocations at the slider's target (taken from the cache when there). */
  computeAllocations(): Promise<void>;
  cancelAllocations(): Promise<void>;
  dismissAllocationError(): void;
}

export const idleAllocations = (): AllocationSlice => ({ status: 'idle', progress: null, sparsity: null, cache: {}, error: null });

/** Everything OWL's and MRP's allocations depend on: target, scores, calibration, model, text. */
export function allocationKey(s: StudioState, sparsity = s.prune.sparsity): string {
  const { method, calibFile } = s.prune;
  // An applied vector's mean is the target up to rounding (0.30000000000000004): same target, same entry.
  return JSON.stringify({ sparsity: +sparsity.toFixed(6), metric: method.metric, calibWindows: method.calibWindows,
    calib: calibFile ? [calibFile.name, calibFile.size] : null, seqLen: s.ppl.settings.seqLen, evalWindows: s.ppl.settings.maxWindows,
    text: s.text.file ? [s.text.name, s.text.bytes] : null, model: s.model.summary?.fingerprint ?? null });
}

export const cachedAllocations = (s: StudioState): AllocationsOutcome | null => s.allocations.cache[allocationKey(s)] ?? null;

export function allocationActions(deps: JobDeps): AllocationActions {
  const job = createJob(deps, 'allocations', { ended: () => ({ progress: null }) });

  const run = job.action((s) => {
    const sparsity = s.prune.sparsity;
    const key = allocationKey(s);
    if (s.allocations.cache[key]) {
      job.patch(() => ({ status: 'done', sparsity, error: null }));
      return null;
    }
    needsModel(s);
    const text = needsText(s, 'Choose an evaluation text file first (OWL and MRP need calibration statistics).');
    if (!(sparsity > 0)) refuse('BadRequest', 'Move the slider to a sparsity above 0% first.');
    const { seqLen, maxWindows } = s.ppl.settings;
    const { method, calibFile } = s.prune;
    refuseIf(methodProblem(method, maxWindows, calibFile !== null));
    return {
      start: (a) => ({ ...a, progress: null, sparsity }),
      work: (r) => deps.client.allocations({ metric: method.metric, sparsity }, {
        text, calibText: calibFile ?? undefined, seqLen, evalWindows: maxWindows, calibWindows: method.calibWindows,
      }, (progress) => r.patch(() => ({ progress }))),
      done: (a, outcome) => ({ progress: null, cache: { ...a.cache, [key]: outcome } }),
    };
  });

  return {
    async computeAllocations() { await run(); },
    cancelAllocations: job.cancel,
    dismissAllocationError: job.dismissError,
  };
}
