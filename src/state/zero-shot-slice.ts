// The Zero-shot panel's slice: which of lm-eval's tasks to evaluate, each one's data file (picked, or fetched from a
// Hub dataset by zero-shot-hub.ts; read and checked in the page as soon as it is there: documents, SHA-256, schema),
// the first-N-documents limit, and one run: the dense model (reused while the model, the data and the limit are
// unchanged), then the slider's shown prune by its id.
import { TASK_NAMES, type TaskName } from '../core/zeroshot/task-definition.ts';
import { taskByName } from '../core/zeroshot/task-registry.ts';
import { taskRequests } from '../core/zeroshot/task-requests.ts';
import type { WorkerErrorInfo, ZeroShotJobOutcome, ZeroShotJobProgress, ZeroShotJobRequest } from '../worker/api.ts';
import { toErrorInfo } from '../worker/error-info.ts';
import { etaSeconds } from './eta.ts';
import { createJob, needsModel, refuse, type JobDeps, type JobStatus } from './job-slice.ts';
import { sliderPruning } from './preview-slice.ts';
import type { StudioState } from './studio-store.ts';
import type { HubFileOrigin } from '../core/hub/hub-file.ts';
import type { ZeroShotHubFetch } from './zero-shot-hub.ts';

/** Where a task's data file came from when it was fetched from a Hub dataset. */
export interface ZeroShotHubSource {
  /** The reference in its canonical form (hf://datasets/owner/name[@revision]/file): what links carry. */
  ref: string;
  origin: HubFileOrigin;
  fromCache: boolean;
  downloadedBytes: number;
  seconds: number;
}

export interface ZeroShotFile {
  file: File;
  /** Set when the file was fetched from a Hub dataset (results, links and saved runs name it). */
  hub?: ZeroShotHubSource;
  /** SHA-256 of the file's bytes (as the worker and `prunelab eval` compute it); null while it is being read. */
  sha256: string | null;
  /** Documents in the whole file; null while it is being read or when it failed. */
  documents: number | null;
  /** Why the file cannot be used (the core's TaskDataError code and message). */
  error: WorkerErrorInfo | null;
}

export interface ZeroShotSettings {
  /** The picked tasks, in lm-eval's order. */
  tasks: TaskName[];
  /** The first N documents of each file (lm-eval's --limit; no shuffling); null: every document. */
  limit: number | null;
}

export interface ZeroShotSlice {
  settings: ZeroShotSettings;
  files: Partial<Record<TaskName, ZeroShotFile>>;
  /** Per task, the Hub reference typed in its row and its fetch (a failed fetch leaves `files` as it was). */
  hub: Partial<Record<TaskName, ZeroShotHubFetch>>;
  status: JobStatus;
  phase: 'dense' | 'pruned' | null;
  progress: ZeroShotJobProgress | null;
  etaSeconds: number | null;
  dense: ZeroShotJobOutcome | null;
  /** Null when no prune was shown when the run started (dense only). */
  pruned: ZeroShotJobOutcome | null;
  /** "Wanda · UNIFORM 50%": what the pruned column was made with, and its key (compared with the slider's). */
  prunedLabel: string;
  pruneKey: string | null;
  /** Model, tasks, data hashes and limit the results were measured on (see inputsKeyOf). */
  inputsKey: string | null;
  error: WorkerErrorInfo | null;
}

export interface ZeroShotActions {
  toggleZeroShotTask(task: TaskName, on: boolean): void;
  setZeroShotLimit(limit: number | null): void;
  /** Reads and checks a task's data file (null removes it; `hub`: where it was fetched from); picking a file also
   * picks its task. */
  pickZeroShotFile(task: TaskName, file: File | null, hub?: ZeroShotHubSource): Promise<void>;
  runZeroShot(): Promise<void>;
  cancelZeroShot(): Promise<void>;
  dismissZeroShotError(): void;
}

export const DEFAULT_ZERO_SHOT: ZeroShotSettings = { tasks: [], limit: null };

/** A fresh slice; the settings, picked files and Hub references survive a new model (the results do not). */
export const idleZeroShot = (settings: ZeroShotSettings = DEFAULT_ZERO_SHOT, files: ZeroShotSlice['files'] = {},
  hub: ZeroShotSlice['hub'] = {}): ZeroShotSlice => ({
  settings, files, hub, status: 'idle', phase: null, progress: null, etaSeconds: null, dense: null, pruned: null, prunedLabel: '',
  pruneKey: null, inputsKey: null, error: null,
});

/** The inputs a result depends on besides the pruning: a result under another key is stale. Null while a picked
 * task has no checked file. */
export function inputsKeyOf(s: StudioState): string | null {
  const fp = s.model.status === 'ready' ? s.model.summary?.fingerprint : null;
  const { tasks, limit } = s.zeroShot.settings;
  const hashes = tasks.map((t) => s.zeroShot.files[t]?.sha256 ?? null);
  if (!fp || tasks.length === 0 || hashes.includes(null)) return null;
  // The source too: a result names where its data came from.
  return JSON.stringify({ fp, tasks: tasks.map((t, i) => `${t}:${hashes[i]}:${s.zeroShot.files[t]?.hub?.ref ?? ''}`), limit });
}

/** The picked tasks' files as a job takes them (the zero-shot run and the search's zero-shot fitness). */
export function zeroShotTaskFiles(z: ZeroShotSlice): ZeroShotJobRequest['tasks'] {
  return z.settings.tasks.map((task) => {
    const f = z.files[task]!;
    return { task, file: f.file, ...(f.hub ? { hub: f.hub.origin } : {}) };
  });
}

/** Why the run cannot start, in the panel's words, or null. */
export function zeroShotProblem(s: StudioState): string | null {
  const { tasks, limit } = s.zeroShot.settings;
  if (tasks.length === 0) return 'Pick at least one task.';
  if (limit !== null && (!Number.isInteger(limit) || limit < 1)) return 'First N documents must be a whole number of at least 1 (or empty: all).';
  for (const t of tasks) {
    const f = s.zeroShot.files[t];
    if (s.zeroShot.hub[t]?.status === 'fetching') return `Still fetching the ${t} data from the Hub.`;
    if (!f) return `Choose a data file for ${t}.`;
    if (f.error) return `The ${t} file cannot be used: ${f.error.message}`;
    if (f.sha256 === null) return `Still reading the ${t} file.`;
  }
  return null;
}

/** The shown prune the pruned column evaluates, or null (dense only): none yet, or one restored from a saved
 * session, whose prune id this worker does not know. */
export function prunedRunOf(s: StudioState) {
  const outcome = s.prune.status === 'done' ? s.prune.outcome : null;
  return outcome && outcome !== s.history.restoredOutcome ? outcome : null;
}

export function zeroShotActions(deps: JobDeps): ZeroShotActions {
  const { get, client } = deps;
  const job = createJob(deps, 'zeroShot', { ended: () => ({ phase: null, progress: null, etaSeconds: null }) });
  const patchFile = (task: TaskName, file: File, fn: (f: ZeroShotFile) => Partial<ZeroShotFile>) => job.patch((z) => {
    const f = z.files[task];
    return f && f.file === file ? { files: { ...z.files, [task]: { ...f, ...fn(f) } } } : {}; // a newer pick wins
  });

  const run = job.action((s) => {
    needsModel(s);
    const problem = zeroShotProblem(s);
    if (problem) refuse('BadRequest', problem);
    const { tasks, limit } = s.zeroShot.settings;
    const key = inputsKeyOf(s)!;
    const reuse = s.zeroShot.inputsKey === key ? s.zeroShot.dense : null;
    const outcome = prunedRunOf(s);
    const { label, key: pruneKey } = sliderPruning(s);
    const req: ZeroShotJobRequest = { tasks: zeroShotTaskFiles(s.zeroShot), ...(limit !== null ? { limit } : {}) };
    return {
      start: (z) => ({ ...idleZeroShot(z.settings, z.files, z.hub), phase: reuse ? 'pruned' : 'dense', dense: reuse, inputsKey: key,
        prunedLabel: outcome ? label : '', pruneKey: outcome ? pruneKey : null }),
      work: async (r) => {
        let from = r.seconds();
        const onProgress = (p: ZeroShotJobProgress) => r.patch(() => ({
          progress: p, etaSeconds: etaSeconds(r.seconds() - from, p.index + (p.total > 0 ? p.done / p.total : 0), p.tasks),
        }));
        const dense = reuse ?? await client.zeroShot(req, onProgress);
        if (!outcome) return { dense, pruned: null };
        r.patch(() => ({ dense, phase: 'pruned', progress: null, etaSeconds: null }));
        from = r.seconds();
        return { dense, pruned: await client.zeroShot({ ...req, pruneId: outcome.pruneId }, onProgress) };
      },
      done: (_, result) => ({ ...result, phase: null, progress: null, etaSeconds: 0 }),
    };
  });

  return {
    toggleZeroShotTask(task, on) {
      job.patch((z) => ({ settings: { ...z.settings, tasks: TASK_NAMES.filter((t) => (t === task ? on : z.settings.tasks.includes(t))) } }));
    },

    setZeroShotLimit(limit) { job.patch((z) => ({ settings: { ...z.settings, limit } })); },

    async pickZeroShotFile(task, file, hub) {
      if (get().zeroShot.status === 'running') return;
      if (!file) {
        job.patch((z) => { const files = { ...z.files }; delete files[task]; return { files }; });
        return;
      }
      job.patch((z) => ({
        files: { ...z.files, [task]: { file, sha256: null, documents: null, error: null, ...(hub ? { hub } : {}) } },
        settings: { ...z.settings, tasks: TASK_NAMES.filter((t) => t === task || z.settings.tasks.includes(t)) },
      }));
      try {
        // The core's own reader, loaded on first use (hyparquet stays out of the first page load), and checks.
        const { loadTaskData } = await import('../core/zeroshot/task-data.ts');
        const data = await loadTaskData(taskByName(task), new Uint8Array(await file.arrayBuffer()), file.name);
        taskRequests(data);
        patchFile(task, file, () => ({ sha256: data.sha256, documents: data.documents.length }));
      } catch (e) {
        patchFile(task, file, () => ({ error: toErrorInfo(e) }));
      }
    },

    runZeroShot: async () => { await run(); },
    cancelZeroShot: job.cancel,
    dismissZeroShotError: job.dismissError,
  };
}
