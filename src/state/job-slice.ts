// One GPU job's lifecycle, written once for the store's job slices (perplexity, generation, prune, scan, search,
// export, preview, allocations, zero-shot): the checks they share, status idle -> running -> done | cancelled | error (a
// Cancelled error is a cancel, not an error), progress only from the run its slice shows, cancel through the
// worker's one cancel(), and the store's `gpuJob`: the job whose run holds the GPU, set as a run starts and
// cleared as it ends, so whether the GPU is busy is one field.
import type { ModelSummary, WorkerErrorInfo } from '../worker/api.ts';
import type { StudioClient } from '../worker/client.ts';
import { toErrorInfo } from '../worker/error-info.ts';
import type { StudioState } from './studio-store.ts';

export type JobStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'error';

/** The job slices by their key in the state; `gpuJob` holds the one whose run is in flight. */
export type JobKind = 'ppl' | 'gen' | 'prune' | 'scan' | 'search' | 'exportJob' | 'preview' | 'allocations' | 'zeroShot';

/** What every job slice has. */
export interface JobState { status: JobStatus; error: WorkerErrorInfo | null }

/** What the store gives each job slice. */
export interface JobDeps {
  set(fn: (s: StudioState) => Partial<StudioState>): void;
  get(): StudioState;
  client: StudioClient;
  now(): number;
}

export const NO_GPU = 'No GPU device is available in this browser.';
export const TEXT_FIRST = 'Choose an evaluation text file first.';
export const ANOTHER_JOB = 'Another GPU job is running; wait for it or cancel it first.';

/** Thrown by a job's prepare(): the run does not start and its slice shows the error. */
class Refusal {
  constructor(readonly error: WorkerErrorInfo) {}
}

export function refuse(code: string, message: string): never {
  throw new Refusal({ code, message });
}

/** Refuses with `problem` (a BadRequest) when there is one. */
export function refuseIf(problem: string | null | false): void {
  if (problem) refuse('BadRequest', problem);
}

/** The checks every job starts with: a GPU device, then a loaded model (whose summary is returned). */
export function needsModel(s: StudioState): ModelSummary {
  if (s.gpu.status !== 'ready') refuse('WebGPUUnavailable', NO_GPU);
  if (s.model.status !== 'ready' || !s.model.summary) refuse('BadRequest', 'Load a model first.');
  return s.model.summary;
}

/** What a panel that prunes still needs, in words ("Load a model first.", "Pick an evaluation text first.", or
 * both), or null when the GPU, a model and a text are there. */
export function missingForPruning(s: StudioState): string | null {
  if (s.gpu.status !== 'ready') return NO_GPU;
  const model = s.model.status === 'ready', text = !!s.text.file;
  if (model && text) return null;
  return !model && !text ? 'Load a model and pick an evaluation text first.' : !model ? 'Load a model first.' : 'Pick an evaluation text first.';
}

/** The evaluation text; `message` when the panel says why it is needed. */
export function needsText(s: StudioState, message = TEXT_FIRST): File {
  if (!s.text.file) refuse('BadRequest', message);
  return s.text.file;
}

/** A run in flight, as its work sees it. */
export interface JobRun<K extends JobKind> {
  /** Whether this run is still the one its slice shows (running, not superseded): only then is progress written. */
  live(): boolean;
  /** Writes progress into the slice while the run is live. */
  patch(fn: (slice: StudioState[K]) => Partial<StudioState[K]>): void;
  /** Seconds since the run started (for the ETA). */
  seconds(): number;
}

/** The run a job's prepare() plans once its checks passed. */
export interface JobPlan<K extends JobKind, R> {
  /** The slice as the run starts (status 'running' and error null are set on it); default: as it is. */
  start?(slice: StudioState[K], s: StudioState): StudioState[K];
  work(run: JobRun<K>): Promise<R>;
  /** The slice's new fields once the work resolved (status 'done' is set). */
  done(slice: StudioState[K], result: R): Partial<StudioState[K]>;
}

export interface JobOptions<K extends JobKind> {
  /** A newer run replaces the one in flight (the worker aborts that one; its answer is dropped). */
  supersedes?: boolean;
  /** prepare() refuses with ANOTHER_JOB itself while another GPU job runs (where its checks put it); without
   * this the action does nothing then. */
  checksOtherJobs?: boolean;
  /** The slice a refused run shows its error on; default: as it is. */
  refusedFrom?(slice: StudioState[K]): StudioState[K];
  /** What a run that ends without a result (cancelled, failed) clears: its progress, its ETA. */
  ended?(slice: StudioState[K]): Partial<StudioState[K]>;
}

export interface Job<K extends JobKind> {
  /**
   * An action: prepare() checks (refuse()) and plans a run, or returns null when there is nothing to run. It
   * resolves with the work's result, or null when the run was skipped, refused, superseded, cancelled or failed
   * (the slice says which).
   */
  action<A extends unknown[], R>(prepare: (s: StudioState, ...args: A) => JobPlan<K, R> | null): (...args: A) => Promise<R | null>;
  /** Patches the slice (settings and the like). */
  patch(fn: (slice: StudioState[K]) => Partial<StudioState[K]>): void;
  /** Asks the worker to cancel the running run (which then ends as 'cancelled'). */
  cancel(): Promise<void>;
  dismissError(): void;
}

export function createJob<K extends JobKind>({ set, get, client, now }: JobDeps, kind: K, opts: JobOptions<K> = {}): Job<K> {
  type Slice = StudioState[K];
  let latest = 0; // the newest run; an older one's answer is dropped
  /** Every write of the slice goes here: `gpuJob` follows its status (this job while it runs, cleared as it ends). */
  const put = (fn: (slice: Slice, s: StudioState) => Slice) => set((s) => {
    const slice = fn(s[kind], s);
    const gpuJob = slice.status === 'running' ? kind : s.gpuJob === kind ? null : s.gpuJob;
    return { [kind]: slice, gpuJob } as Partial<StudioState>;
  });
  const patch = (fn: (slice: Slice) => Partial<Slice>) => put((j) => ({ ...j, ...fn(j) }));

  return {
    patch,

    action: (prepare) => async (...args) => {
      const s = get();
      if (s.gpuJob !== null && (s.gpuJob === kind ? !opts.supersedes : !opts.checksOtherJobs)) return null;
      const id = ++latest;
      let plan;
      try {
        plan = prepare(s, ...args);
      } catch (e) {
        if (!(e instanceof Refusal)) throw e;
        put((j) => ({ ...(opts.refusedFrom?.(j) ?? j), status: 'error', error: e.error }));
        return null;
      }
      if (!plan) return null;
      const { start, work, done } = plan;
      const started = now();
      const live = () => id === latest && get()[kind].status === 'running';
      put((j, st) => ({ ...(start?.(j, st) ?? j), status: 'running', error: null }));
      try {
        const result = await work({
          live,
          patch: (fn) => { if (live()) patch(fn); },
          seconds: () => (now() - started) / 1000,
        });
        if (id !== latest) return null;
        put((j) => ({ ...j, ...done(j, result), status: 'done' }));
        return result;
      } catch (e) {
        if (id !== latest) return null; // superseded: the newer run owns the slice
        const error = toErrorInfo(e);
        const status = error.code === 'Cancelled' ? 'cancelled' : 'error';
        put((j) => ({ ...j, ...opts.ended?.(j), status, error: status === 'error' ? error : null }));
        return null;
      }
    },

    async cancel() {
      if (get()[kind].status !== 'running') return;
      try {
        await client.cancel();
      } catch (e) {
        put((j) => ({ ...j, status: 'error', error: toErrorInfo(e) }));
      }
    },

    dismissError() {
      put((j) => (j.status === 'error' ? { ...j, status: 'idle', error: null } : j));
    },
  };
}
