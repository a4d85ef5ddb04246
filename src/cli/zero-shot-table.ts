// Zero-shot results as the CLI prints them: lm-eval's columns (task, version, documents, acc, acc_norm with standard
// errors, in percent), dense next to pruned for prune, the protocol line, and the JSON without per-document scores.
import type { ZeroShotReport } from '../core/zeroshot/zero-shot-report.ts';
import { formatPercent as percent, withoutPerDocument, zeroShotProtocolLine as protocolLine } from '../core/zeroshot/zero-shot-summary.ts';

/** Columns aligned: the first two to the left, the numbers to the right. */
function alignRows(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
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
  return withoutPerDocument(report);
}

/** --json of a command that evaluates the model before and after pruning (prune, search). */
export const zeroShotComparisonJson = (dense: ZeroShotReport, pruned: ZeroShotReport) => ({ dense: zeroShotJson(dense), pruned: zeroShotJson(pruned) });
