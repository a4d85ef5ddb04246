// The allocation overlay's slice: OWL's and MRP's per-layer sparsities for the slider's target, computed by
// the worker on demand (no perplexity evaluated; MRP's loop reports its progress) and cached per target and
// protocol, so going back to a target shows its allocations at once.
import type { PruneProgress } from '../core/prune/pruner.ts';
import type { AllocationsOutcome, WorkerErrorInfo } from '../worker/api.ts';
import type { StudioClient } from '../worker/client.ts';
import { toErrorInfo } from '../worker/error-info.ts';
import { methodProblem } from './prune-settings.ts';
import { isGpuBusy, type StudioState } from './studio-store.ts';

export interface AllocationSlice {
  status: 'idle' | 'running' | 'done' | 'cancelled' | 'error';
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

type Set = (fn: (s: StudioState) => Partial<StudioState>) => void;

export function allocationActions(set: Set, get: () => StudioState, client: StudioClient): AllocationActions {
  const patch = (fn: (p: AllocationSlice) => Partial<AllocationSlice>) => set((s) => ({ allocations: { ...s.allocations, ...fn(s.allocations) } }));
  const fail = (code: string, message: string) => patch(() => ({ status: 'error', progress: null, error: { code, message } }));

  return {
    async computeAllocations() {
      const s = get();
      if (isGpuBusy(s)) return;
      const sparsity = s.prune.sparsity;
      const key = allocationKey(s);
      if (s.allocations.cache[key]) return patch(() => ({ status: 'done', sparsity, error: null }));
      if (s.gpu.status !== 'ready') return fail('WebGPUUnavailable', 'No GPU device is available in this browser.');
      if (s.model.status !== 'ready' || !s.model.summary) return fail('BadRequest', 'Load a model first.');
      if (!s.text.file) return fail('BadRequest', 'Choose an evaluation text file first (OWL and MRP need calibration statistics).');
      if (!(sparsity > 0)) return fail('BadRequest', 'Move the slider to a sparsity above 0% first.');
      const { seqLen, maxWindows } = s.ppl.settings;
      const { method, calibFile } = s.prune;
      const problem = methodProblem(method, maxWindows, calibFile !== null);
      if (problem) return fail('BadRequest', problem);

      patch(() => ({ status: 'running', progress: null, sparsity, error: null }));
      try {
        const outcome = await client.allocations({ metric: method.metric, sparsity }, {
          text: s.text.file, calibText: calibFile ?? undefined, seqLen, evalWindows: maxWindows, calibWindows: method.calibWindows,
        }, (progress) => { if (get().allocations.status === 'running') patch(() => ({ progress })); });
        patch((a) => ({ status: 'done', progress: null, cache: { ...a.cache, [key]: outcome } }));
      } catch (e) {
        const error = toErrorInfo(e);
        const status = error.code === 'Cancelled' ? 'cancelled' : 'error';
        patch(() => ({ status, progress: null, error: status === 'error' ? error : null }));
      }
    },

    async cancelAllocations() {
      if (get().allocations.status !== 'running') return;
      try { await client.cancel(); } catch (e) { patch(() => ({ status: 'error', error: toErrorInfo(e) })); }
    },

    dismissAllocationError() {
      patch((p) => (p.status === 'error' ? { status: 'idle', error: null } : {}));
    },
  };
}
