// prunelab eval: zero-shot multiple-choice accuracy (acc, acc_norm and their standard errors) of a model on lm-eval's
// tasks, from JSONL / Parquet files (local or a Hub dataset's) in the Hugging Face datasets' schemas, computed as lm-eval-harness does.
import type { Engine } from '../core/engine/engine.ts';
import { evaluateZeroShot } from '../core/zeroshot/evaluate-zero-shot.ts';
import type { TaskData } from '../core/zeroshot/task-data.ts';
import type { ZeroShotReport } from '../core/zeroshot/zero-shot-report.ts';
import { requireString, type CliValues } from './args.ts';
import { openSession } from './session.ts';
import { readTaskFlags } from './task-data-args.ts';
import { formatZeroShotTable, zeroShotJson } from './zero-shot-table.ts';

/** Progress on a terminal's stderr: the task and its requests done. */
export const zeroShotProgress = (task: string, done: number, total: number) =>
  process.stderr.isTTY && process.stderr.write(`\r${task} ${done}/${total} requests`);

/** evaluateZeroShot with the progress line (ended on a terminal): what eval, prune and search run on their model. */
export async function runZeroShot(engine: Engine, tasks: TaskData[], signal?: AbortSignal): Promise<ZeroShotReport> {
  const report = await evaluateZeroShot(engine, tasks, { signal, onProgress: zeroShotProgress });
  if (process.stderr.isTTY) process.stderr.write('\n');
  return report;
}

export async function runEval(values: CliValues): Promise<number> {
  const modelPath = requireString(values, 'model');
  const tasks = await readTaskFlags(values);
  const { gpu, engine } = await openSession(modelPath, values.variant as string | undefined);
  try {
    const report = await runZeroShot(engine, tasks);
    process.stdout.write(values.json ? `${JSON.stringify({ model: modelPath, ...zeroShotJson(report) })}\n` : `${formatZeroShotTable(report)}\n`);
    return 0;
  } finally {
    engine.destroy();
    gpu.destroy();
  }
}
