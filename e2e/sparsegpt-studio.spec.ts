// SparseGPT in the studio's method panel: 50% uniform through the slider equals `prunelab prune --method
// sparsegpt` with the same windows and calibration; MRP is offered with it exactly when the core accepts the
// pair (the tooltip is the core's reason otherwise); heads + channels is not offered with it.
import { STORIES_HF, TINYSTORIES_TEXT } from '../test/helpers/fixtures.ts';
import { BadRequest } from '../src/core/errors.ts';
import { validateRequest } from '../src/core/prune/prune-options.ts';
import { cliPrune } from './cli-reference.ts';
import { expect, openWithModel, test } from './fixtures.ts';

const SEQ_LEN = 128, WINDOWS = 4, CALIB_WINDOWS = 4;

function mrpRefusal(): string | null {
  try { validateRequest({ metric: 'sparsegpt', sparsity: 0.5, allocation: 'mrp' }, 1); return null; } catch (e) { if (e instanceof BadRequest) return e.message; throw e; }
}

test('SparseGPT 50% equals the CLI; MRP follows the core; no heads + channels', async ({ page, problems }) => {
  test.setTimeout(600_000);
  const reference = cliPrune(STORIES_HF, TINYSTORIES_TEXT, {
    method: 'sparsegpt', alloc: 'uniform', sparsity: 0.5, seqLen: SEQ_LEN, windows: WINDOWS, calibWindows: CALIB_WINDOWS,
  });
  await openWithModel(page, STORIES_HF, TINYSTORIES_TEXT, { seqLen: SEQ_LEN, windows: WINDOWS, calibWindows: CALIB_WINDOWS });
  await page.getByTestId('metric-sparsegpt').check();
  await expect(page.getByTestId('nm-heads')).toBeDisabled();
  const refusal = mrpRefusal();
  if (refusal) {
    await expect(page.getByTestId('allocation-mrp')).toBeDisabled();
    await expect(page.locator('label', { has: page.getByTestId('allocation-mrp') })).toHaveAttribute('title', refusal);
  } else {
    await expect(page.getByTestId('allocation-mrp')).toBeEnabled();
  }
  await expect(page.getByTestId('run-scan')).toBeDisabled();
  await expect(page.getByTestId('scan-subtitle')).toContainText('SparseGPT is not supported in the scan');

  const slider = page.getByTestId('sparsity-slider');
  await slider.focus();
  for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('prune-protocol')).toContainText('50% requested', { timeout: 300_000 });
  await expect(page.getByTestId('slider-method')).toHaveText('SparseGPT · UNIFORM');
  const shown = Number(await page.getByTestId('pruned-ppl').textContent());
  const cli = await reference;
  const note = `studio SparseGPT 50% ${shown}; CLI ${cli.ppl}; MRP+SparseGPT ${refusal ? 'refused' : 'accepted'} by the core`;
  test.info().annotations.push({ type: 'perplexity', description: note });
  console.log(note);
  if (shown.toFixed(4) !== cli.ppl.toFixed(4)) expect(Math.abs(shown - cli.ppl) / cli.ppl).toBeLessThan(1e-4);

  await page.mouse.move(0, 0);
  const method = page.locator('section[aria-labelledby="method-heading"]');
  await method.screenshot({ path: 'e2e/screenshots/panels-sparsegpt-method-light.png' });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(300);
  await method.screenshot({ path: 'e2e/screenshots/panels-sparsegpt-method-dark.png' });
  expect(problems.consoleErrors, 'console errors').toEqual([]);
});
