// The sparsity slider's slice: the method, the last released sparsity, the running prune + evaluation and
// the perplexity-vs-sparsity points explored so far. A newer release supersedes an in-flight one: only the
// newest request's answer (or failure) reaches the state; the worker aborts the older one.
import type { PruneProgress } from '../core/prune/pruner.ts';
import type { PruneOutcome, WorkerErrorInfo } from '../worker/api.ts';
import { ANOTHER_JOB, createJob, needsModel, needsText, refuseIf, type JobDeps, type JobStatus } from './job-slice.ts';
import { DEFAULT_METHOD, methodLabel, methodProblem, prunesDifferently, toPruneRequest, type MethodSettings, type VectorOrigin } from './prune-settings.ts';
import { isOtherGpuJobThanPrune } from './studio-store.ts';

/** A curve point: `sparsity` is the ACHIEVED share of linear-layer weights removed (counted from the masks, or the
 * removed heads' and channels' parameters), so unstructured, structured and non-uniform runs compare fairly. */
export interface CurvePoint { method: string; sparsity: number; ppl: number }

/** The share of the linear layers' weights a run removed (its layers are equally large: the mean of the layers). */
export const achievedOf = (o: PruneOutcome) =>
  o.result.achievedSparsity.reduce((a, b) => a + b, 0) / Math.max(1, o.result.achievedSparsity.length);

export interface PruneSlice {
  method: MethodSettings;
  /** Optional separate calibration text (else: the evaluation text after the evaluation windows). */
  calibFile: File | null;
  /** The last released slider value (what the shown result is for once it is done). */
  sparsity: number;
  status: JobStatus;
  progress: PruneProgress | null;
  outcome: PruneOutcome | null;
  error: WorkerErrorInfo | null;
  /** Every evaluated (method, sparsity, perplexity) under the current protocol, dense points at 0 included. */
  points: CurvePoint[];
  /** The protocol the points were measured under (model, text, windows, calibration); a new one starts over. */
  pointsProtocol: string | null;
  /** A per-layer vector applied instead of the allocation (the search's best); the slider clears it. */
  explicit: number[] | null;
  /** Where `explicit` came from: the search's best ('evolved') or typed in the studio ('explicit'). */
  explicitOrigin: VectorOrigin;
}

export interface PruneActions {
  /** Changes the method; a new metric, allocation or pattern re-runs the shown sparsity (the slider stays live). */
  setMethod(patch: Partial<MethodSettings>): void;
  setCalibFile(file: File | null): void;
  /** The slider was released at `sparsity`: prune and evaluate, superseding any prune in flight. */
  commitSparsity(sparsity: number): Promise<void>;
  /** Prunes with this per-layer vector (mean = the shown sparsity), structured or not, and evaluates. */
  applyVector(rates: number[], pattern: 'heads' | 'off', metric: MethodSettings['metric'], origin?: VectorOrigin,
    structured?: Pick<MethodSettings, 'flap' | 'kvGroups'>): Promise<void>;
  cancelPrune(): Promise<void>;
  dismissPruneError(): void;
}

export const idlePrune = (method: MethodSettings = DEFAULT_METHOD, calibFile: File | null = null): PruneSlice => ({
  method, calibFile, sparsity: 0, status: 'idle', progress: null, outcome: null, error: null, points: [], pointsProtocol: null,
  explicit: null, explicitOrigin: 'evolved',
});

/** Adds a point, replacing an earlier one of the same method and sparsity; sorted by sparsity. */
function withPoint(points: CurvePoint[], p: CurvePoint): CurvePoint[] {
  const rest = points.filter((q) => !(q.method === p.method && q.sparsity === p.sparsity));
  return [...rest, p].sort((a, b) => a.sparsity - b.sparsity);
}

export function pruneActions(deps: JobDeps): PruneActions {
  const { get, client } = deps;
  const job = createJob(deps, 'prune', {
    supersedes: true, checksOtherJobs: true, refusedFrom: (p) => ({ ...p, progress: null }), ended: () => ({ progress: null }),
  });

  /** Prunes to `sparsity` (allocation from the method, or `explicit` per layer) and evaluates; newest wins. */
  const run = job.action((s, sparsity: number, explicit: number[] | null, origin: VectorOrigin = 'evolved') => {
    job.patch(() => ({ sparsity, explicit, explicitOrigin: origin }));
    refuseIf(isOtherGpuJobThanPrune(s) && ANOTHER_JOB);
    needsModel(s);
    const text = needsText(s);
    const { seqLen, maxWindows } = s.ppl.settings;
    const { method, calibFile } = s.prune;
    refuseIf(methodProblem(method, maxWindows, calibFile !== null));
    return {
      start: (p) => ({ ...p, progress: null }),
      work: (r) => client.prune(toPruneRequest(method, sparsity, explicit ?? undefined), {
        text, calibText: calibFile ?? undefined, seqLen, evalWindows: maxWindows, calibWindows: method.calibWindows,
      }, (progress) => r.patch(() => ({ progress }))),
      done: (p, outcome) => {
        const protocol = `${outcome.modelHash}/${outcome.textHash}/${outcome.windows}x${outcome.seqLen}/${JSON.stringify(outcome.calibration)}`;
        const label = methodLabel(method, explicit !== null && origin);
        const base = p.pointsProtocol === protocol ? p.points : [];
        const dense = withPoint(base, { method: label, sparsity: 0, ppl: outcome.densePpl });
        return { progress: null, outcome, pointsProtocol: protocol, points: withPoint(dense, { method: label, sparsity: achievedOf(outcome), ppl: outcome.ppl }) };
      },
    };
  });

  return {
    setMethod(m) {
      const before = get().prune;
      job.patch((p) => ({ method: { ...p.method, ...m } }));
      const after = get().prune.method;
      const changed = prunesDifferently(before.method, after);
      // Calibration size edits do not re-run: each keystroke would rebuild the calibration.
      if (changed && before.outcome && before.status !== 'error') void get().commitSparsity(before.sparsity);
    },

    async applyVector(rates, pattern, metric, origin = 'evolved', structured) {
      job.patch((p) => ({ method: { ...p.method, nm: pattern, metric, ...structured } }));
      await run(rates.reduce((a, b) => a + b, 0) / rates.length, rates, origin);
    },
    setCalibFile(file) { job.patch(() => ({ calibFile: file })); },

    async commitSparsity(sparsity) { await run(sparsity, null); },
    cancelPrune: job.cancel,
    dismissPruneError: job.dismissError,
  };
}
