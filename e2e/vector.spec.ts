// A typed per-layer allocation vector in the studio: it prunes to the perplexity `prunelab prune --alloc '[...]'`
// gives with the same windows and calibration, and bad vectors are refused with the core's wording.
import { STORIES_HF, TINYSTORIES_TEXT } from '../test/helpers/fixtures.ts';
import { cliPrune } from './cli-reference.ts';
import { expect, openWithModel, test } from './fixtures.ts';

const SEQ_LEN = 128;
const WINDOWS = 4;
const CALIB_WINDOWS = 4;
const VECTOR = [0.3, 0.4, 0.5, 0.6, 0.7];

test('a typed allocation vector equals the CLI; bad vectors show the core\'s message', async ({ page, problems }) => {
  const reference = cliPrune(STORIES_HF, TINYSTORIES_TEXT, {
    method: 'wanda', alloc: JSON.stringify(VECTOR), sparsity: 0.5, seqLen: SEQ_LEN, windows: WINDOWS, calibWindows: CALIB_WINDOWS,
  });
  await openWithModel(page, STORIES_HF, TINYSTORIES_TEXT, { seqLen: SEQ_LEN, windows: WINDOWS, calibWindows: CALIB_WINDOWS });
  const input = page.getByTestId('vector-input');

  // Wrong length, NaN, out of range: nothing runs, the message is the core's.
  await input.fill('0.2, 0.3');
  await page.getByTestId('apply-vector').click();
  await expect(page.getByTestId('vector-error')).toHaveText('the allocation vector has 2 entries but the model has 5 layers');
  await expect(input).toHaveAttribute('aria-invalid', 'true');
  await page.getByTestId('vector-error').screenshot({ path: 'e2e/screenshots/panels-vector-error.png' });
  await input.fill('0.2, NaN, 0.4, 0.5, 0.5');
  await input.press('Enter');
  await expect(page.getByTestId('vector-error')).toHaveText('allocation[1] = NaN is not a sparsity in [0, 1)');
  await input.fill('[0.2, 0.3, 1, 0.5, 0.5]');
  await input.press('Enter');
  await expect(page.getByTestId('vector-error')).toHaveText('allocation[2] = 1 is not a sparsity in [0, 1)');
  await expect(page.getByTestId('prune-result')).toHaveCount(0);
  await page.locator('#slider-heading').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'e2e/screenshots/panels-vector-error-light.png' });

  await input.fill(VECTOR.join(', '));
  await expect(page.getByTestId('vector-error')).toHaveCount(0);
  await page.getByTestId('apply-vector').click();
  await expect(page.getByTestId('prune-protocol')).toContainText('50% requested', { timeout: 150_000 });
  await expect(page.getByTestId('sparsity-value')).toHaveText('50%');
  await expect(page.getByTestId('slider-method')).toHaveText('Wanda · explicit');
  const shown = Number(await page.getByTestId('pruned-ppl').textContent());
  const cli = await reference;
  expect(cli.allocation).toEqual(VECTOR);
  test.info().annotations.push({ type: 'perplexity', description: `studio ${shown}; CLI ${cli.ppl}` });
  console.log(`typed vector [${VECTOR.join(', ')}]: studio ${shown}; CLI ${cli.ppl}`);
  if (shown.toFixed(4) !== cli.ppl.toFixed(4)) expect(Math.abs(shown - cli.ppl) / cli.ppl).toBeLessThan(1e-4);
  // The chart shows the typed vector as the requested allocation.
  const requested = page.getByTestId('allocation-chart').locator('.recharts-bar').first().locator('.recharts-bar-rectangle');
  await expect(requested).toHaveCount(VECTOR.length);

  await page.mouse.move(0, 0);
  await page.locator('#slider-heading').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'e2e/screenshots/panels-vector-light.png' });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(300);
  await page.screenshot({ path: 'e2e/screenshots/panels-vector-dark.png' });
  expect(problems.consoleErrors, 'console errors').toEqual([]);
});
