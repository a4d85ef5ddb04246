// A zero-shot report without its per-document scores (what the CLI's --json, the studio, saved runs, share-free
// exports and prunelab-report.json carry), and the protocol line and percentages as `prunelab eval` prints them,
// so the studio and the CLI state a result in the same words.
import type { MeanWithStderr } from './choice-metrics.ts';
import type { TaskResult, ZeroShotReport } from './zero-shot-report.ts';
import { hubDatasetRefText } from '../hub/hub-dataset-ref.ts';

export type TaskSummary = Omit<TaskResult, 'perDocument'>;
export type ZeroShotSummary = Omit<ZeroShotReport, 'tasks'> & { tasks: TaskSummary[] };

export function withoutPerDocument(report: ZeroShotReport): ZeroShotSummary {
  return { ...report, tasks: report.tasks.map(({ perDocument: _, ...t }) => t) };
}

/** "30.00 ± 4.61" in percent; "-" where the task has no such metric, "N/A" for the stderr of one document. */
export const formatPercent = (m: MeanWithStderr | null) =>
  (m === null ? '-' : `${(100 * m.value).toFixed(2)} ± ${m.stderr === null ? 'N/A' : (100 * m.stderr).toFixed(2)}`);

/** The protocol of a result in one line: BOS, max length, the model's and each data file's hash (with the Hub dataset
 * and revision of a file that came from the Hub), the limit. */
export function zeroShotProtocolLine(report: Pick<ZeroShotReport, 'protocol'> & { tasks: Array<Pick<TaskResult, 'task' | 'dataSha256' | 'limit' | 'dataHub'>> }): string {
  const p = report.protocol;
  const files = report.tasks.map((t) => `${t.task} ${t.dataSha256.slice(0, 12)}${t.dataHub ? ` (${t.dataHub.id}@${t.dataHub.revision})` : ''}`
    + `${t.limit === null ? '' : ` (limit ${t.limit})`}`);
  return `0-shot, lm-eval multiple_choice; BOS ${p.addBos ? `on (id ${p.bosId})` : 'off'}; max length ${p.maxLength}; model ${p.modelHash.slice(0, 12)}; `
    + `data sha256 ${files.join(', ')}`;
}

/** Where each task's data came from, e.g. "hellaswag hs.jsonl; arc_easy hf://datasets/allenai/ai2_arc@main/ARC-Easy/test.parquet":
 * the Hub dataset file a task's data was fetched from, else the file as it was given. */
export function zeroShotDataSources(report: { tasks: Array<Pick<TaskResult, 'task' | 'dataFile' | 'dataHub'>> }): string {
  return report.tasks.map((t) => `${t.task} ${t.dataHub ? hubDatasetRefText(t.dataHub) : t.dataFile}`).join('; ');
}
