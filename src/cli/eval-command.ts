// prunelab eval: zero-shot multiple-choice accuracy (acc, acc_norm and their standard errors) of a model on lm-eval's
// tasks, from local JSONL / Parquet files in the Hugging Face datasets' schemas, computed as lm-eval-harness does.
import { evaluateZeroShot } from '../core/zeroshot/evaluate-zero-shot.ts';
import type { ZeroShotReport } from '../core/zeroshot/zero-shot-report.ts';
import type { MeanWithStderr } from '../core/zeroshot/choice-metrics.ts';
import { requireString, type CliValues } from './args.ts';
import { openSession } from './session.ts';
import { readTaskFlags } from './task-data-args.ts';

const percent = (m: MeanWithStderr | null) => (m === null ? '-' : `${(100 * m.value).toFixed(2)} ± ${m.stderr === null ? 'N/A' : (100 * m.stderr).toFixed(2)}`);

/** The report as a table (what lm-eval prints: task, version, n, acc, acc_norm with stderr) and its protocol. */
export function formatZeroShotTable(report: ZeroShotReport): string {
  const rows = [['task', 'version', 'docs', 'acc %', 'acc_norm %'],
    ...report.tasks.map((t) => [t.task, t.version, String(t.documents), percent(t.acc), percent(t.accNorm)])];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const lines = rows.map((r) => r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
  const p = report.protocol;
  const files = report.tasks.map((t) => `${t.task} ${t.dataSha256.slice(0, 12)}${t.limit === null ? '' : ` (limit ${t.limit})`}`);
  return [...lines,
    `0-shot, lm-eval multiple_choice; BOS ${p.addBos ? `on (id ${p.bosId})` : 'off'}; max length ${p.maxLength}; model ${p.modelHash.slice(0, 12)}; `
    + `data sha256 ${files.join(', ')}; ${report.seconds.toFixed(1)} s`].join('\n');
}

/** The report for --json: everything but the per-document scores. */
export function zeroShotJson(report: ZeroShotReport): object {
  return { ...report, tasks: report.tasks.map(({ perDocument: _, ...t }) => t) };
}

export async function runEval(values: CliValues): Promise<number> {
  const modelPath = requireString(values, 'model');
  const tasks = await readTaskFlags(values);
  const { gpu, engine } = await openSession(modelPath, values.variant as string | undefined);
  try {
    const onProgress = (task: string, done: number, total: number) => process.stderr.isTTY && process.stderr.write(`\r${task} ${done}/${total} requests`);
    const report = await evaluateZeroShot(engine, tasks, { onProgress });
    if (process.stderr.isTTY) process.stderr.write('\n');
    process.stdout.write(values.json ? `${JSON.stringify({ model: modelPath, ...zeroShotJson(report) })}\n` : `${formatZeroShotTable(report)}\n`);
    return 0;
  } finally {
    engine.destroy();
    gpu.destroy();
  }
}
