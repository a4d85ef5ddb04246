// Greedy generation in the studio: stories260K from BOS reproduces llama2.c's known text, a prompt gives the
// CLI's continuation, and Cancel stops a long run.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { goldenGreedyText, STORIES_HF, TINYSTORIES_TEXT } from '../test/helpers/fixtures.ts';
import { cliGenerate } from './cli-reference.ts';
import { expect, openStudio, test } from './fixtures.ts';
import type { Page } from '@playwright/test';

const modelFiles = (dir: string) => readdirSync(dir).map((f) => join(dir, f));

async function loadStories(page: Page): Promise<void> {
  await openStudio(page);
  await page.getByTestId('model-file-input').setInputFiles(modelFiles(STORIES_HF));
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 60_000 });
}

test('200 greedy steps from BOS give the known stories260K text', async ({ page, problems }) => {
  await loadStories(page);
  await expect(page.getByTestId('gen-prompt-input')).toHaveValue('');
  await expect(page.getByTestId('gen-steps-input')).toHaveValue('200');
  await page.getByTestId('run-gen').click();

  const text = page.getByTestId('gen-text');
  await expect(text).toBeVisible({ timeout: 120_000 });
  // textContent, not toHaveText: the comparison must see every newline and space exactly.
  expect(await text.textContent()).toBe(goldenGreedyText());
  await expect(page.getByTestId('gen-prompt-echo')).toHaveCount(0);
  await expect(page.getByTestId('gen-tokens')).toHaveText(/^\d+$/);
  test.info().annotations.push({ type: 'generation', description: `${await page.getByTestId('gen-tps').textContent()}, ${await page.getByTestId('gen-seconds').textContent()}` });
  await page.screenshot({ path: 'e2e/screenshots/studio-generate.png', fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(300); // let the colour transitions finish
  await page.screenshot({ path: 'e2e/screenshots/studio-generate-dark.png', fullPage: true });
  await page.setViewportSize({ width: 420, height: 900 });
  await page.screenshot({ path: 'e2e/screenshots/studio-generate-narrow.png', fullPage: true });

  expect(problems.consoleErrors, 'console errors during generation').toEqual([]);
});

// One page for the prompt, cancel and bad-steps paths: each model load costs seconds on SwiftShader.
test('a prompt is continued as the CLI continues it; cancel stops a long run; bad steps are refused', async ({ page }) => {
  const prompt = 'The dog';
  const steps = 48;
  const reference = cliGenerate(STORIES_HF, prompt, steps);
  await loadStories(page);
  await page.getByTestId('gen-prompt-input').fill(prompt);
  await page.getByTestId('gen-steps-input').fill(String(steps));
  await page.getByTestId('run-gen').click();
  const text = page.getByTestId('gen-text');
  await expect(text).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('gen-prompt-echo')).toHaveText(prompt);
  expect(await text.textContent()).toBe(await reference);
  await page.getByTestId('gen-result').screenshot({ path: 'e2e/screenshots/studio-generate-prompt.png' });

  await page.getByTestId('text-file-input').setInputFiles(TINYSTORIES_TEXT);
  await expect(page.getByTestId('run-ppl')).toBeEnabled();
  await page.getByTestId('gen-prompt-input').fill('');
  await page.getByTestId('gen-steps-input').fill('512'); // the model's whole context
  await page.getByTestId('run-gen').click();
  const progress = page.getByTestId('gen-progress');
  await expect(progress).toContainText(/\b([2-9]\d|\d{3}) \/ 512 steps/, { timeout: 60_000 });
  await expect(page.getByTestId('run-ppl')).toBeDisabled(); // one GPU job at a time
  await page.screenshot({ path: 'e2e/screenshots/studio-generating.png', fullPage: true });
  await page.getByTestId('cancel-gen').click();
  await expect(page.getByTestId('gen-cancelled')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('gen-text')).toHaveCount(0);
  await expect(page.getByTestId('run-ppl')).toBeEnabled();

  await page.getByTestId('gen-steps-input').fill('1');
  await page.getByTestId('run-gen').click();
  await expect(page.getByTestId('error-code')).toHaveText('BadRequest');
  await expect(page.getByTestId('error-message')).toContainText('at least 2');
  await page.getByTestId('gen-steps-input').fill('16');
  await page.getByTestId('run-gen').click();
  await expect(page.getByTestId('gen-text')).toHaveText(/\S/, { timeout: 60_000 });
  await expect(page.getByTestId('error-box')).toHaveCount(0);
});
