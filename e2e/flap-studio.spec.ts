// FLAP and whole kv-group removal in the studio's method panel (stories260K: 8 heads, 4 kv heads): Heads +
// channels + FLAP at 30% equals `prunelab prune --structured flap`; 75% removes more heads than a kv-group can
// spare (at most 8 - 4), which only whole kv-groups allow: with the box ticked the studio keeps 2 heads per
// layer and equals `--structured flap --kv-groups`. Screenshots of the method panel, light and dark.
import { STORIES_HF, TINYSTORIES_TEXT } from '../test/helpers/fixtures.ts';
import { cliPrune } from './cli-reference.ts';
import { expect, openWithModel, test } from './fixtures.ts';

const SEQ_LEN = 128, WINDOWS = 4, CALIB_WINDOWS = 4;
const protocol = { seqLen: SEQ_LEN, windows: WINDOWS, calibWindows: CALIB_WINDOWS };

function expectSame(shown: number, cli: number) {
  if (shown.toFixed(4) !== cli.toFixed(4)) expect(Math.abs(shown - cli) / cli).toBeLessThan(1e-4);
}

test('Heads + channels with FLAP equals the CLI; whole kv-groups go past heads - kv_heads', async ({ page, problems }) => {
  test.setTimeout(600_000);
  const flap30 = cliPrune(STORIES_HF, TINYSTORIES_TEXT, { method: 'wanda', alloc: 'uniform', sparsity: 0.3, structured: 'flap', ...protocol });
  await openWithModel(page, STORIES_HF, TINYSTORIES_TEXT, protocol);
  await expect(page.getByTestId('structured-options')).toHaveCount(0);
  await page.getByTestId('nm-heads').check();
  await expect(page.getByTestId('structured-wanda-sp')).toBeChecked();
  await expect(page.getByTestId('bias-compensation')).toHaveCount(0);
  await page.getByTestId('structured-flap').check();
  await expect(page.getByTestId('bias-compensation')).toBeChecked();
  await expect(page.getByTestId('kv-groups')).toBeEnabled();
  await expect(page.getByTestId('kv-groups')).not.toBeChecked();

  const slider = page.getByTestId('sparsity-slider');
  await slider.focus();
  for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('prune-protocol')).toContainText('30% requested', { timeout: 300_000 });
  await expect(page.getByTestId('slider-method')).toHaveText('FLAP · heads+channels');
  // Compacted layers: dense vs pruned tokens/s of the same windows, and the speedup (issue 13 §6).
  await expect(page.getByTestId('prune-speed')).toHaveText(/· dense [\d,]+ tok\/s, pruned [\d,]+ tok\/s \(\d+\.\d\dx faster\)$/);
  // Exactly 30% of the removable weights: floor rounding's 2 heads per layer plus one more in layers 0-1 (count repair).
  await expect(page.getByTestId('prune-kept')).toContainText('kept heads 5 5 6 6 6');
  const shown30 = Number(await page.getByTestId('pruned-ppl').textContent());
  const cli30 = await flap30;
  expectSame(shown30, cli30.ppl);

  // Ticking kv-groups re-runs the shown 30% (one group of two heads per layer), then 75% takes three of four groups.
  const kv75 = cliPrune(STORIES_HF, TINYSTORIES_TEXT, { method: 'wanda', alloc: 'uniform', sparsity: 0.75, structured: 'flap', kvGroups: true, ...protocol });
  await page.getByTestId('kv-groups').check();
  await expect(page.getByTestId('slider-method')).toHaveText('FLAP · kv-groups+channels', { timeout: 300_000 });
  await slider.focus();
  for (let i = 0; i < 9; i++) await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('prune-protocol')).toContainText('75% requested', { timeout: 300_000 });
  await expect(page.getByTestId('prune-kept')).toContainText('kept heads 2 2 2 2 2');
  const shown75 = Number(await page.getByTestId('pruned-ppl').textContent());
  const cli75 = await kv75;
  expectSame(shown75, cli75.ppl);
  const note = `studio FLAP 30% ${shown30} (CLI ${cli30.ppl}); FLAP + kv-groups 75% ${shown75} (CLI ${cli75.ppl})`;
  test.info().annotations.push({ type: 'perplexity', description: note });
  console.log(note);

  await page.mouse.move(0, 0);
  const method = page.locator('section[aria-labelledby="method-heading"]');
  await method.screenshot({ path: 'e2e/screenshots/panels-flap-method-light.png' });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(300);
  await method.screenshot({ path: 'e2e/screenshots/panels-flap-method-dark.png' });
  expect(problems.consoleErrors, 'console errors').toEqual([]);
});
