// The pruning panels end to end in Chromium's WebGPU: Wanda uniform at 50% through the keyboard-operated
// slider equals `prunelab prune` with the same windows and calibration; the allocation chart has a bar per
// layer; a two-level sensitivity scan fills the heatmap with layers x levels cells; MRP shows its redundancy
// before and after; screenshots.
import { STORIES_HF, TINYSTORIES_TEXT } from '../test/helpers/fixtures.ts';
import { cliPrune, type CliPrune } from './cli-reference.ts';
import { expect, openWithModel, test } from './fixtures.ts';

const SEQ_LEN = 128;
const WINDOWS = 4;
const CALIB_WINDOWS = 4;
const LAYERS = 5;

test('slider: Wanda uniform 50% equals the CLI; the heatmap fills with layers x levels cells', async ({ page, problems }) => {
  test.setTimeout(360_000); // the MRP step alone takes minutes on SwiftShader under load
  const reference: Promise<CliPrune> = cliPrune(STORIES_HF, TINYSTORIES_TEXT, {
    method: 'wanda', alloc: 'uniform', sparsity: 0.5, seqLen: SEQ_LEN, windows: WINDOWS, calibWindows: CALIB_WINDOWS,
  });
  await openWithModel(page, STORIES_HF, TINYSTORIES_TEXT, { seqLen: SEQ_LEN, windows: WINDOWS, calibWindows: CALIB_WINDOWS });
  await expect(page.getByTestId('metric-wanda')).toBeChecked();
  await expect(page.getByTestId('allocation-uniform')).toBeChecked();
  await expect(page.getByTestId('nm-off')).toBeChecked();

  // Keyboard: ten steps of 5% to 50%, then the key is released and the prune runs.
  const slider = page.getByTestId('sparsity-slider');
  await slider.focus();
  for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('sparsity-value')).toHaveText('50%');
  await expect(page.getByTestId('prune-protocol')).toContainText('50% requested', { timeout: 150_000 });
  const shown = Number(await page.getByTestId('pruned-ppl').textContent());
  const dense = Number(await page.getByTestId('dense-ppl').textContent());
  const cli = await reference;
  test.info().annotations.push({ type: 'perplexity', description: `studio pruned ${shown} dense ${dense}; CLI pruned ${cli.ppl} dense ${cli.densePpl}` });
  if (shown.toFixed(4) !== cli.ppl.toFixed(4)) expect(Math.abs(shown - cli.ppl) / cli.ppl).toBeLessThan(1e-4);
  if (dense.toFixed(4) !== cli.densePpl.toFixed(4)) expect(Math.abs(dense - cli.densePpl) / cli.densePpl).toBeLessThan(1e-4);
  await expect(page.getByTestId('prune-protocol')).toContainText(`calibration ${CALIB_WINDOWS} × ${SEQ_LEN}`);
  await expect(page.getByTestId('prune-protocol')).toContainText(`after ${WINDOWS * SEQ_LEN} tokens`);

  const firstSeries = page.getByTestId('allocation-chart').locator('.recharts-bar').first();
  await expect(firstSeries.locator('.recharts-bar-rectangle')).toHaveCount(LAYERS);
  await expect(page.getByTestId('allocation-chart')).toContainText('sparsity (%)');
  await expect(page.getByTestId('allocation-chart')).toContainText('layer');
  await expect(page.getByTestId('ppl-curve').locator('.recharts-line-dot, .recharts-dot')).toHaveCount(2); // dense + 50%

  // Sensitivity scan: two levels, cells stream in.
  await page.getByTestId('scan-levels-input').fill('0.3, 0.8');
  await page.getByTestId('run-scan').click();
  await expect(page.getByTestId('scan-progress')).toBeVisible();
  await expect(page.getByTestId('heatmap-cell')).toHaveCount(LAYERS * 2, { timeout: 150_000 });
  await expect(page.getByTestId('scan-dense')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('heatmap-legend')).toContainText('perplexity increase over dense');
  await expect(page.getByTestId('heatmap-cell').first().locator('title')).toContainText('over dense');

  // One more step once calibration and the dense baseline are cached: how long the slider takes to answer.
  await slider.focus();
  const released = Date.now();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('prune-protocol')).toContainText('55% requested', { timeout: 60_000 });
  const step = `55%: release to number ${Date.now() - released} ms (incl. 300 ms key debounce); job ${await page.getByTestId('prune-protocol').textContent()}`;
  test.info().annotations.push({ type: 'slider step', description: step });
  console.log(`slider step ${step}`);

  // Choosing MRP re-runs the shown 55% (a long MRP run on SwiftShader); moving to 10% right away supersedes it:
  // the panel ends on MRP at 10% with the redundancy chart, and the curve has a second line.
  await page.getByTestId('allocation-mrp').check();
  await expect(page.getByTestId('prune-progress')).toBeVisible();
  await slider.focus();
  for (let i = 0; i < 9; i++) await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('sparsity-value')).toHaveText('10%');
  await expect(page.getByTestId('redundancy-chart')).toBeVisible({ timeout: 150_000 });
  await expect(page.getByTestId('prune-protocol')).toContainText('10% requested');
  const before = Number(await page.getByTestId('spread-before').textContent());
  const after = Number(await page.getByTestId('spread-after').textContent());
  expect(after).toBeLessThan(before); // MRP evens out the redundancy across layers
  await expect(page.getByTestId('ppl-curve').locator('.recharts-line')).toHaveCount(2);

  await page.mouse.move(0, 0); // no hover tooltip in the screenshots
  await page.locator('#scan-heading').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'e2e/screenshots/studio-prune-light.png', fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(300);
  await page.screenshot({ path: 'e2e/screenshots/studio-prune-dark.png', fullPage: true });
  await page.setViewportSize({ width: 420, height: 900 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: 'e2e/screenshots/studio-prune-narrow.png', fullPage: true });
  // The full narrow page is very tall; the pruning panels on their own are what one inspects.
  await page.locator('section[aria-labelledby="method-heading"]').screenshot({ path: 'e2e/screenshots/studio-prune-narrow-method.png' });
  await page.locator('section[aria-labelledby="slider-heading"]').screenshot({ path: 'e2e/screenshots/studio-prune-narrow-slider.png' });

  expect(problems.consoleErrors, 'console errors while pruning and scanning').toEqual([]);
});

test('a running scan shows progress with an ETA, and cancel keeps the cells measured so far', async ({ page }) => {
  await openWithModel(page, STORIES_HF, TINYSTORIES_TEXT, { seqLen: SEQ_LEN, windows: WINDOWS });
  await page.getByTestId('scan-windows-input').fill('2');
  await page.getByTestId('run-scan').click(); // default levels 0.1 .. 0.9: 45 cells
  const progress = page.getByTestId('scan-progress');
  await expect(progress).toContainText(/[1-9]\d* \/ 45 cells/, { timeout: 120_000 });
  await expect(progress).toContainText(/left/);
  await expect(page.getByTestId('run-ppl')).toBeDisabled(); // one GPU job at a time
  await page.getByTestId('heatmap').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'e2e/screenshots/studio-scan-running.png' });
  await page.getByTestId('cancel-scan').click();
  await expect(page.getByTestId('scan-cancelled')).toBeVisible({ timeout: 60_000 });
  const kept = await page.getByTestId('heatmap-cell').count();
  expect(kept).toBeGreaterThan(0);
  expect(kept).toBeLessThan(45);
  await expect(page.getByTestId('scan-cancelled')).toHaveText(`Cancelled after ${kept} of 45 cells.`);
  await expect(page.getByTestId('run-scan')).toBeEnabled();
});
