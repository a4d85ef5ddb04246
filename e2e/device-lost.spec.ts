// A lost GPU device mid-session, in Chromium's WebGPU: the test hook (only with ?test-hooks) destroys the
// worker's device; the studio says so and keeps the model, the slider's result, the dense perplexity and the run
// history; "Reload the model and continue" starts a new device, loads the same files again and re-runs the
// slider's 50%, which gives the same perplexity (and dense baseline) as before the loss; a second loss in the
// middle of a sensitivity scan fails the scan with DeviceLost and recovers the same way. Screenshots of the notice.
import { STORIES_HF, TINYSTORIES_TEXT } from '../test/helpers/fixtures.ts';
import { expect, openStudio, openWithModel, test } from './fixtures.ts';

const PROTOCOL = { seqLen: 128, windows: 4, calibWindows: 4 };

test('without ?test-hooks the page has no way to destroy the device', async ({ page }) => {
  await openStudio(page);
  expect(await page.evaluate(() => typeof (window as { __prunelabTestHooks?: unknown }).__prunelabTestHooks)).toBe('undefined');
});

test('device lost mid-session: notice, reload the model and continue, same perplexity', async ({ page, problems }) => {
  test.setTimeout(400_000);
  await openWithModel(page, STORIES_HF, TINYSTORIES_TEXT, PROTOCOL, '/?test-hooks');
  await page.getByTestId('run-ppl').click();
  const densePpl = page.getByTestId('ppl-value');
  await expect(densePpl).toBeVisible({ timeout: 120_000 });
  const dense = await densePpl.textContent();

  const slider = page.getByTestId('sparsity-slider');
  await slider.focus();
  for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('prune-protocol')).toContainText('50% requested', { timeout: 150_000 });
  const before = await page.getByTestId('pruned-ppl').textContent();
  const denseOfRun = await page.getByTestId('dense-ppl').textContent();
  const runs = await page.getByTestId('run-history').locator('tbody tr').count();
  expect(runs).toBeGreaterThan(0);

  await page.evaluate(() => (window as unknown as { __prunelabTestHooks: { loseDevice(): Promise<void> } }).__prunelabTestHooks.loseDevice());
  const notice = page.getByTestId('device-lost');
  await expect(notice).toBeVisible({ timeout: 30_000 });
  await expect(notice).toContainText('The GPU device was lost (destroyed');
  await expect(notice).toContainText('Your settings and results are kept.');
  await expect(notice).toContainText('prunes it again at 50%');
  await expect(page.getByTestId('adapter-info')).toHaveText('GPU lost');
  // Everything the user had is still on screen; GPU actions wait for the reload.
  await expect(page.getByTestId('model-summary')).toBeVisible();
  await expect(page.getByTestId('pruned-ppl')).toHaveText(before!);
  await expect(densePpl).toHaveText(dense!);
  await expect(page.getByTestId('run-history').locator('tbody tr')).toHaveCount(runs);
  await expect(page.getByTestId('run-ppl')).toBeDisabled();
  await expect(slider).toBeDisabled();
  await page.mouse.move(0, 0);
  await slider.scrollIntoViewIfNeeded(); // where the user is when it happens: the notice stays in view (sticky)
  await expect(notice).toBeInViewport();
  await page.screenshot({ path: 'e2e/screenshots/device-lost-light.png' });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(300);
  await page.screenshot({ path: 'e2e/screenshots/device-lost-dark.png' });
  await notice.screenshot({ path: 'e2e/screenshots/device-lost-notice-dark.png' });
  await page.emulateMedia({ colorScheme: 'light' });

  await page.getByTestId('device-reload').click();
  await expect(notice).toHaveCount(0, { timeout: 120_000 });
  await expect(page.getByTestId('adapter-info')).not.toHaveText('GPU lost');
  await expect(page.getByTestId('prune-progress')).toHaveCount(0, { timeout: 150_000 });
  await expect(page.getByTestId('prune-protocol')).toContainText('50% requested');
  const after = await page.getByTestId('pruned-ppl').textContent();
  test.info().annotations.push({ type: 'perplexity', description: `before the loss ${before}, after the reload ${after}` });
  expect(after).toBe(before);
  // The new device measured the dense baseline again (a new session): the same number.
  await expect(page.getByTestId('dense-ppl')).toHaveText(denseOfRun!);
  await expect(page.getByTestId('run-ppl')).toBeEnabled();

  // Lost again, this time in the middle of a job: the scan fails with DeviceLost, the same notice offers the reload.
  await page.getByTestId('scan-windows-input').fill('2');
  await page.getByTestId('run-scan').click(); // default levels: 45 cells, far more than the loss leaves time for
  await expect(page.getByTestId('scan-progress')).toContainText(/[1-9]\d* \/ 45 cells/, { timeout: 120_000 });
  await page.evaluate(() => (window as unknown as { __prunelabTestHooks: { loseDevice(): Promise<void> } }).__prunelabTestHooks.loseDevice());
  await expect(notice).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('error-code').filter({ hasText: 'DeviceLost' })).toBeVisible();
  await expect(page.getByTestId('heatmap-cell').first()).toBeVisible(); // the cells measured before the loss stay
  await page.getByTestId('device-reload').click();
  await expect(notice).toHaveCount(0, { timeout: 120_000 });
  await expect(page.getByTestId('prune-progress')).toHaveCount(0, { timeout: 150_000 });
  await expect(page.getByTestId('pruned-ppl')).toHaveText(before!);
  expect(problems.consoleErrors, 'console errors around the device loss').toEqual([]);
});
