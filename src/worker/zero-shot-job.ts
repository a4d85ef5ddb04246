// The studio's zero-shot job: every task file read and checked (the core's TaskDataError names the file, line and
// field) before the GPU is touched, then the model as the request names it, dense or the slider's prune (re-applied
// when another job changed the masks, see current-prune.ts), scored by the core's evaluateZeroShot: the function
// `prunelab eval` runs, so the studio's numbers are the CLI's.
import { BadRequest } from '../core/errors.ts';
import { clip } from '../core/quote.ts';
import { evaluateZeroShot } from '../core/zeroshot/evaluate-zero-shot.ts';
import { loadTaskData, type TaskData } from '../core/zeroshot/task-data.ts';
import { taskByName } from '../core/zeroshot/task-registry.ts';
import { withoutPerDocument } from '../core/zeroshot/zero-shot-summary.ts';
import type { ZeroShotJobOutcome, ZeroShotJobProgress, ZeroShotJobRequest } from './api.ts';
import { applyPrune } from './current-prune.ts';
import type { PruneSession } from './prune-session.ts';

export async function zeroShotJob(session: PruneSession, req: ZeroShotJobRequest, signal: AbortSignal,
  onProgress: (p: ZeroShotJobProgress) => void): Promise<ZeroShotJobOutcome> {
  const data = await readTaskFiles(req);
  const names = req.tasks.map((t) => t.task);
  if (req.pruneId !== undefined) await applyPrune(session, req.pruneId, signal, { gpuState: true });
  else session.makeDense();
  const worker = session.tokenizerWorker;
  const report = await evaluateZeroShot(session.engine, data, {
    signal,
    encodeElsewhere: worker && ((texts, s) => worker.encodeMany(texts, s)), // where cancel can stop it
    onProgress: (task, done, total) => onProgress({ task: task as ZeroShotJobProgress['task'], index: names.indexOf(task as never), tasks: names.length, done, total }),
  });
  return { ...withoutPerDocument(report), pruneId: req.pruneId ?? null };
}

/** Every task file read and checked (the search's zero-shot fitness reads the same files the same way). */
export async function readTaskFiles(req: Omit<ZeroShotJobRequest, 'pruneId'>): Promise<TaskData[]> {
  if (req.tasks.length === 0) throw new BadRequest('pick at least one zero-shot task');
  const names = req.tasks.map((t) => t.task);
  if (new Set(names).size !== names.length) throw new BadRequest(`a zero-shot task is named twice (${names.join(', ')})`);
  const data: TaskData[] = [];
  for (const { task, file, hub } of req.tasks) {
    const bytes = await file.arrayBuffer().catch(() => { throw new BadRequest(`cannot read task file ${clip(file.name, 200)}`); });
    data.push(await loadTaskData(taskByName(task), new Uint8Array(bytes), file.name, req.limit, hub));
  }
  return data;
}
