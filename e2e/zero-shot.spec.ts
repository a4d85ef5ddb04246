// The Zero-shot panel on stories260K with the fixture task sets (first 20 documents of each): dense equals
// `prunelab eval` and 50% Wanda equals `prunelab prune --tasks` with the studio's windows and calibration, to the
// last document (acc and acc_norm exactly, stderr within 1e-12); the protocol line is the CLI's; cancel; the
// exported report and the run history carry the pair; screenshots of the panel in light and dark.
import { fixture, STORIES_HF, TINYSTORIES_TEXT } from '../test/helpers/fixtures.ts';
import { formatPercent, zeroShotProtocolLine, type TaskSummary, type ZeroShotSummary } from '../src/core/zeroshot/zero-shot-summary.ts';
import { downloadExport, pruneTo, removeExportDirs } from './export-flow.ts';
import { expect, openWithModel, test } from './fixtures.ts';
import { cliEval, cliPruneZeroShot } from './zero-shot-reference.ts';
import type { Locator } from '@playwright/test';

const SEQ_LEN = 128, WINDOWS = 4, CALIB_WINDOWS = 4, LIMIT = 20;
const FILES = { tasks: { hellaswag: fixture('tasks/tinystories-hellaswag.jsonl'), arc_easy: fixture('tasks/tinystories-arc.jsonl') }, limit: LIMIT };

test.afterAll(removeExportDirs);

/** The row's shown numbers equal the CLI's task result (the exact fraction in data-value, the text as the CLI prints it). */
async function expectRow(row: Locator, column: 'dense' | 'pruned', cli: TaskSummary) {
  for (const [id, m] of [[`zs-${column}-acc`, cli.acc], [`zs-${column}-acc-norm`, cli.accNorm]] as const) {
    const cell = row.getByTestId(id);
    await expect(cell).toHaveText(formatPercent(m));
    expect(Number(await cell.getAttribute('data-value'))).toBe(m!.value);
    expect(Math.abs(Number(await cell.getAttribute('data-stderr')) - m!.stderr!)).toBeLessThan(1e-12);
  }
}

test('Zero-shot panel: dense and 50% Wanda equal the CLI on the fixture tasks', async ({ page, problems }) => {
  test.setTimeout(300_000);
  const started = Date.now();
  const reference = Promise.all([cliEval(STORIES_HF, FILES), cliPruneZeroShot(STORIES_HF, TINYSTORIES_TEXT, FILES,
    { method: 'wanda', sparsity: 0.5, seqLen: SEQ_LEN, windows: WINDOWS, calibWindows: CALIB_WINDOWS })]);
  await openWithModel(page, STORIES_HF, TINYSTORIES_TEXT, { seqLen: SEQ_LEN, windows: WINDOWS, calibWindows: CALIB_WINDOWS });
  const panel = page.getByTestId('zero-shot-panel');
  for (const [task, file] of Object.entries(FILES.tasks)) {
    await panel.getByTestId(`zs-file-${task}`).setInputFiles(file);
    await expect(panel.getByTestId(`zs-file-info-${task}`)).toContainText(/\d+ docs · sha256/);
  }
  await panel.getByTestId('zs-limit').fill(String(LIMIT));
  await expect(panel.getByTestId('run-zero-shot')).toHaveText('Evaluate dense');

  // Cancel stops the run and leaves no result.
  await panel.getByTestId('run-zero-shot').click();
  await expect(panel.getByTestId('zs-progress')).toBeVisible();
  await panel.getByTestId('cancel-zero-shot').click();
  await expect(panel.getByTestId('zs-cancelled')).toBeVisible({ timeout: 60_000 });
  await expect(panel.getByTestId('zs-table')).toHaveCount(0);

  await page.getByTestId('metric-wanda').check();
  await pruneTo(page, 50, false);
  await expect(panel.getByTestId('zs-target')).toContainText('Wanda · UNIFORM 50%');
  await panel.getByTestId('run-zero-shot').click();
  await expect(panel.getByTestId('zs-pruned-acc').first()).toBeVisible({ timeout: 240_000 });

  const [dense, pair] = await reference;
  const ids = (r: ZeroShotSummary) => r.tasks.map((t) => [t.task, t.documents, t.dataSha256]);
  expect(ids(pair.dense)).toEqual(ids(dense));
  for (const [i, t] of dense.tasks.entries()) {
    const row = panel.getByTestId(`zs-row-${t.task}`);
    await expect(row.getByTestId('zs-docs')).toHaveText(String(LIMIT));
    await expectRow(row, 'dense', t);
    await expectRow(row, 'pruned', pair.pruned.tasks[i]);
  }
  // Pruning changed something, so the pruned column cannot be the dense model by mistake.
  const scores = (r: ZeroShotSummary) => r.tasks.flatMap((t) => [t.acc.value, t.accNorm?.value]);
  expect(scores(pair.pruned)).not.toEqual(scores(dense));
  await expect(panel.getByTestId('zs-protocol')).toContainText(zeroShotProtocolLine(dense));
  const note = dense.tasks.map((t, i) => `${t.task} acc ${formatPercent(t.acc)} -> ${formatPercent(pair.pruned.tasks[i].acc)}, `
    + `acc_norm ${formatPercent(t.accNorm)} -> ${formatPercent(pair.pruned.tasks[i].accNorm)}`).join('; ');
  test.info().annotations.push({ type: 'zero-shot', description: `studio = CLI (limit ${LIMIT}): ${note}; ${((Date.now() - started) / 1000).toFixed(0)} s` });
  console.log(`studio = CLI (limit ${LIMIT}): ${note}`);

  await page.mouse.move(0, 0);
  await panel.screenshot({ path: 'e2e/screenshots/zero-shot-panel-light.png' });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(300);
  await panel.screenshot({ path: 'e2e/screenshots/zero-shot-panel-dark.png' });
  await page.emulateMedia({ colorScheme: 'light' });

  // The export's report carries the pair measured on the exported run.
  const { report } = await downloadExport(page, 'masked', 'wanda-50pct');
  const zs = (report as unknown as { zeroShot: { dense: ZeroShotSummary; pruned: ZeroShotSummary } }).zeroShot;
  expect(zs.pruned.tasks.map((t) => t.acc.value)).toEqual(pair.pruned.tasks.map((t) => t.acc.value));
  expect(zs.dense.tasks.map((t) => t.accNorm?.value)).toEqual(dense.tasks.map((t) => t.accNorm?.value));
  // ... and the run history keeps it with the run.
  await expect(page.getByTestId('history-row').first()).toContainText('0-shot');
  expect(problems.consoleErrors, 'console errors').toEqual([]);
});
