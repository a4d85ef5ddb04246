// The Zero-shot panel in a share link: task names, each data file's SHA-256 (and the Hub dataset file it was fetched
// from, when it was) and the first-N limit, never the data. Opening a link picks its tasks and fills their Hub
// references; a file picked or fetched for a task is checked against the link's hash.
import { TASK_NAMES, type TaskName } from '../core/zeroshot/task-definition.ts';
import type { SharedConfig } from './share-codec.ts';
import type { StudioState } from './studio-store.ts';
import type { ZeroShotSettings, ZeroShotSlice } from './zero-shot-slice.ts';
import type { SearchState } from '../core/search/search-types.ts';
import { objectiveTasksOf } from '../core/search/fitness-objective.ts';

type LinkZeroShot = NonNullable<SharedConfig['zeroShot']>;

/** The panel's part of the configuration: a picked file's hash, else (nothing picked for the task yet) the link's. */
export function zeroShotConfigOf(s: StudioState): LinkZeroShot | undefined {
  const { tasks, limit } = s.zeroShot.settings;
  if (tasks.length === 0) return undefined;
  const fromLink = s.share.link?.zeroShot?.tasks ?? [];
  return {
    tasks: tasks.map((name) => {
      const picked = s.zeroShot.files[name];
      const linked = fromLink.find((t) => t.name === name);
      const hash = picked ? picked.sha256 : linked?.hash;
      const hub = picked ? picked.hub?.ref : linked?.hub;
      return { name, ...(hash ? { hash } : {}), ...(hub ? { hub } : {}) };
    }),
    ...(limit !== null ? { limit } : {}),
  };
}

export function zeroShotSettingsOf(link: LinkZeroShot): ZeroShotSettings {
  return { tasks: TASK_NAMES.filter((t) => link.tasks.some((x) => x.name === t)), limit: link.limit ?? null };
}

/** The link's hash and the picked file's when they differ (the numbers will not be the link's), else null. */
export function linkDataMismatch(s: StudioState, task: TaskName): { link: string; file: string } | null {
  const link = s.share.link?.zeroShot?.tasks.find((t) => t.name === task)?.hash;
  const file = s.zeroShot.files[task]?.sha256;
  return link && file && link !== file ? { link, file } : null;
}

/** The panel with the tasks and limit of a saved zero-shot-fitness search (unchanged for perplexity, or while it runs). */
export function zeroShotOfCheckpoint(z: ZeroShotSlice, state: SearchState): ZeroShotSlice {
  const tasks = objectiveTasksOf(state.protocol?.fitness);
  if (!tasks || z.status === 'running') return z;
  return { ...z, settings: { tasks: TASK_NAMES.filter((t) => tasks.some((x) => x.name === t)), limit: tasks[0]?.limit ?? null } };
}
