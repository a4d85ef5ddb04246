// Zero-shot results as the CLI prints them: lm-eval's columns (task, version, documents, acc, acc_norm with standard
// errors, in percent), dense next to pruned for prune, the protocol line, and the JSON without per-document scores.
import type { MeanWithStderr } from '../core/zeroshot/choice-metrics.ts';
import type { ZeroShotReport } from '../core/zeroshot/zero-shot-report.ts';

const percent = (m: MeanWithStderr | null) => (m === null ? '-' : `${(100 * m.value).toFixed(2)} ± ${m.stderr === null ? 'N/A' : (100 * m.stderr).toFixed(2)}`);

/** Columns aligned: the first two to the left, the numbers to the right. */
function alignRows(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
}

function protocolLine(report: ZeroShotReport): string {
  const p = report.protocol;
  const files = report.tasks.map((t) => `${t.task} ${t.dataSha256.slice(0, 12)}${t.limit === null ? '' : ` (limit ${t.limit})`}`);
  return `0-shot, lm-eval multiple_choice; BOS ${p.addBos ? `on (id ${p.bosId})` : 'off'}; max length ${p.maxLength}; model ${p.modelHash.slice(0, 12)}; `
    + `data sha256 ${files.join(', ')}`;
}

export function formatZeroShotTable(report: ZeroShotReport): string {
  const rows = [['task', 'version', 'docs', 'acc %', 'acc_norm %'],
    ...report.tasks.map((t) => [t.task, t.version, String(t.documents), percent(t.acc), percent(t.accNorm)])];
  return [...alignRows(rows), `${protocolLine(report)}; ${report.seconds.toFixed(1)} s`].join('\n');
}

/** Dense and pruned side by side (the same tasks and documents, evaluated before and after pruning). */
export function formatZeroShotComparison(dense: ZeroShotReport, pruned: ZeroShotReport): string {
  const rows = [['task', 'version', 'docs', 'dense acc %', 'pruned acc %', 'dense acc_norm %', 'pruned acc_norm %'],
    ...dense.tasks.map((t, i) => [t.task, t.version, String(t.documents), percent(t.acc), percent(pruned.tasks[i].acc),
      percent(t.accNorm), percent(pruned.tasks[i].accNorm)])];
  return [...alignRows(rows), protocolLine(dense)].join('\n');
}

/** The report for --json: everything but the per-document scores. */
export function zeroShotJson(report: ZeroShotReport): object {
  return { ...report, tasks: report.tasks.map(({ perDocument: _, ...t }) => t) };
}
