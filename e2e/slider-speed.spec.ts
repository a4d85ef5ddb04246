// The slider's answer time at the studio's default protocol (16 x 256 evaluation windows, 4 x 256 calibration
// windows after them): one keyboard step once the calibration and the dense baseline are cached, from the key
// press to the new perplexity on screen, next to the time of the evaluation alone. A measurement (annotated and
// printed for the closing note), not a timed assertion; the test asserts that the step really re-pruned.
import { STORIES_HF, TINYSTORIES_TEXT } from '../test/helpers/fixtures.ts';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, openStudio, test } from './fixtures.ts';

/** "1.23 s" or "456 ms" as printed by formatSeconds, in seconds. */
function parseSeconds(text: string): number {
  const m = /([\d.]+) (ms|s)\b/.exec(text);
  if (!m) throw new Error(`no duration in "${text}"`);
  return Number(m[1]) / (m[2] === 'ms' ? 1000 : 1);
}

test('slider step at the default protocol: release to number vs one evaluation', async ({ page }) => {
  test.setTimeout(300_000);
  await openStudio(page);
  await page.getByTestId('model-file-input').setInputFiles(readdirSync(STORIES_HF).map((f) => join(STORIES_HF, f)));
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('text-file-input').setInputFiles(TINYSTORIES_TEXT);
  // The protocol as a new user gets it: nothing typed.
  const seqLen = await page.getByTestId('seq-len-input').inputValue();
  const windows = await page.getByTestId('max-windows-input').inputValue();
  const calibWindows = await page.getByTestId('calib-windows-input').inputValue();
  expect([seqLen, windows, calibWindows]).toEqual(['256', '16', '4']);
  const slider = page.getByTestId('sparsity-slider');
  await slider.focus();
  for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('prune-protocol')).toContainText('50% requested', { timeout: 240_000 });
  const at50 = await page.getByTestId('pruned-ppl').textContent();

  await slider.focus();
  const pressed = Date.now();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('prune-protocol')).toContainText('55% requested', { timeout: 120_000 });
  const releaseToNumber = (Date.now() - pressed) / 1000;
  const at55 = await page.getByTestId('pruned-ppl').textContent();
  expect(at55).not.toBe(at50);
  const protocol = (await page.getByTestId('prune-protocol').textContent())!;
  expect(protocol).toContain(`${windows} × ${seqLen} evaluation windows · calibration ${calibWindows} × ${seqLen}`);
  const evaluation = parseSeconds(/evaluation ([\d.]+ m?s)/.exec(protocol)![1]);
  const job = parseSeconds(await page.getByTestId('prune-seconds').textContent() ?? '');
  const line = `release to number ${releaseToNumber.toFixed(2)} s (incl. the 300 ms key debounce), job ${job.toFixed(2)} s, ` +
    `evaluation ${evaluation.toFixed(2)} s: ${(releaseToNumber / evaluation).toFixed(2)}x one evaluation`;
  test.info().annotations.push({ type: 'slider step (defaults)', description: line });
  console.log(`slider step at the default protocol: ${line}`);
});
