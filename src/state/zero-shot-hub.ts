// A zero-shot task's data from a Hub dataset: the reference typed in the task's row (owner/name[@revision]/file,
// hf://datasets/... or the file's Hub URL), fetched by the worker through the Hub cache with byte progress and a
// per-task cancel (the Hub slice's base URL, token and cache setting, as the model and the text use them), then
// handed to pickZeroShotFile: checked exactly like a picked file. A fetch that fails leaves the task's file as it
// was; the typed reference stays in its row.
import { hubDatasetRefText, parseHubDatasetInput, type HubDatasetFileRef } from '../core/hub/hub-dataset-ref.ts';
import { DEFAULT_REVISION } from '../core/hub/hub-id.ts';
import type { TaskName } from '../core/zeroshot/task-definition.ts';
import { ZERO_SHOT_TASKS } from '../core/zeroshot/task-registry.ts';
import type { WorkerErrorInfo } from '../worker/api.ts';
import { toErrorInfo } from '../worker/error-info.ts';
import { downloadView, type HubDownloadView } from './hub-slice.ts';
import type { JobDeps } from './job-slice.ts';
import type { ZeroShotSlice } from './zero-shot-slice.ts';

export interface ZeroShotHubFetch {
  /** The reference as typed (kept whatever happens to a fetch). */
  input: string;
  status: 'idle' | 'fetching' | 'done' | 'cancelled' | 'error';
  progress: HubDownloadView | null;
  /** BadHubId (a malformed reference), HubNotFound (404), HubAuthRequired, HubNetworkError, HubHttpError, ... */
  error: WorkerErrorInfo | null;
}

export interface ZeroShotHubActions {
  setZeroShotHubRef(task: TaskName, input: string): void;
  /** Fetches the task's typed reference and checks it as its data file. */
  fetchZeroShotHubData(task: TaskName): Promise<void>;
  cancelZeroShotHubData(task: TaskName): Promise<void>;
}

/** An example reference for a task's row: lm-eval's dataset and split in the Hub's usual Parquet layout
 * (config/split-00000-of-00001.parquet, e.g. allenai/ai2_arc@main/ARC-Easy/test-00000-of-00001.parquet). */
export function hubRefPlaceholder(task: TaskName): string {
  const d = ZERO_SHOT_TASKS[task].dataset;
  return `${d.path}@${DEFAULT_REVISION}/${d.name ?? 'data'}/${d.split}-00000-of-00001.parquet`;
}

const idleFetch = (input = ''): ZeroShotHubFetch => ({ input, status: 'idle', progress: null, error: null });

/** The panel's Hub references for a link's tasks (an opened link fills the rows; fetching stays the user's click). */
export function withLinkHubRefs(z: ZeroShotSlice, tasks: Array<{ name: TaskName; hub?: string }>): ZeroShotSlice['hub'] {
  const hub = { ...z.hub };
  for (const t of tasks) {
    if (t.hub && hub[t.name]?.status !== 'fetching') hub[t.name] = idleFetch(t.hub);
  }
  return hub;
}

export function zeroShotHubActions({ set, get, client, now }: JobDeps): ZeroShotHubActions {
  const patch = (task: TaskName, fn: (f: ZeroShotHubFetch) => Partial<ZeroShotHubFetch>) => set((s) => {
    const f = s.zeroShot.hub[task] ?? idleFetch();
    return { zeroShot: { ...s.zeroShot, hub: { ...s.zeroShot.hub, [task]: { ...f, ...fn(f) } } } };
  });

  return {
    setZeroShotHubRef(task, input) {
      if (get().zeroShot.hub[task]?.status === 'fetching') return;
      patch(task, () => ({ input, status: 'idle', error: null }));
    },

    async fetchZeroShotHubData(task) {
      const s0 = get();
      const row = s0.zeroShot.hub[task];
      if (!row || row.status === 'fetching' || s0.zeroShot.status === 'running') return;
      let ref: HubDatasetFileRef;
      try {
        ref = parseHubDatasetInput(row.input);
      } catch (e) {
        patch(task, () => ({ status: 'error', progress: null, error: toErrorInfo(e) }));
        return;
      }
      const { base, useCache } = s0.hub.settings;
      const started = now();
      patch(task, () => ({ status: 'fetching', progress: null, error: null }));
      try {
        const got = await client.fetchHubDataFile(
          { base, dataset: ref.id, file: ref.file, revision: ref.revision, token: s0.hub.token || undefined, useCache, download: `task:${task}` },
          (p) => { if (get().zeroShot.hub[task]?.status === 'fetching') patch(task, () => ({ progress: downloadView(p, (now() - started) / 1000) })); },
        );
        const name = got.origin.file.split('/').pop()!;
        const file = new File([got.blob], name);
        patch(task, () => ({ status: 'done', progress: null }));
        await get().pickZeroShotFile(task, file, {
          ref: hubDatasetRefText({ id: got.origin.id, revision: got.origin.revision, file: got.origin.file }), origin: got.origin,
          fromCache: got.fromCache, downloadedBytes: got.downloadedBytes, seconds: got.seconds,
        });
      } catch (e) {
        const error = toErrorInfo(e);
        const cancelled = error.code === 'Cancelled';
        patch(task, () => ({ status: cancelled ? 'cancelled' : 'error', progress: null, error: cancelled ? null : error }));
      }
    },

    async cancelZeroShotHubData(task) {
      try { await client.cancelDownloads(`task:${task}`); } catch { /* nothing in flight */ }
    },
  };
}
