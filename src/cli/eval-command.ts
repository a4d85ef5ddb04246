// prunelab eval: zero-shot multiple-choice accuracy (acc, acc_norm and their standard errors) of a model on lm-eval's
// tasks, from local JSONL / Parquet files in the Hugging Face datasets' schemas, computed as lm-eval-harness does.
import { evaluateZeroShot } from '../core/zeroshot/evaluate-zero-shot.ts';
import { requireString, type CliValues } from './args.ts';
import { openSession } from './session.ts';
import { readTaskFlags } from './task-data-args.ts';
import { formatZeroShotTable, zeroShotJson } from './zero-shot-table.ts';

/** Progress on a terminal's stderr: the task and its requests done. */
export const zeroShotProgress = (task: string, done: number, total: number) =>
  process.stderr.isTTY && process.stderr.write(`\r${task} ${done}/${total} requests`);

export async function runEval(values: CliValues): Promise<number> {
  const modelPath = requireString(values, 'model');
  const tasks = await readTaskFlags(values);
  const { gpu, engine } = await openSession(modelPath, values.variant as string | undefined);
  try {
    const report = await evaluateZeroShot(engine, tasks, { onProgress: zeroShotProgress });
    if (process.stderr.isTTY) process.stderr.write('\n');
    process.stdout.write(values.json ? `${JSON.stringify({ model: modelPath, ...zeroShotJson(report) })}\n` : `${formatZeroShotTable(report)}\n`);
    return 0;
  } finally {
    engine.destroy();
    gpu.destroy();
  }
}
