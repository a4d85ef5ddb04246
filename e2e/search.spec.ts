// The Self-Pruner search end to end in Chromium's WebGPU: a 2-generation structured Wanda-sp search streams its
// individuals into the generations chart, ends with the same best vector and perplexity as `prunelab search`
// with the same windows and seed, shows the best vector per layer; cancel + resume; screenshots.
import { STORIES_HF, TINYSTORIES_TEXT } from '../test/helpers/fixtures.ts';
import { cliSearch, type CliSearch } from './cli-reference.ts';
import type { Page } from '@playwright/test';
import { expect, openWithModel, test } from './fixtures.ts';

const SEQ_LEN = 128, WINDOWS = 4, CALIB_WINDOWS = 4, LAYERS = 5;
const SEARCH = { target: 0.3, population: 4, generations: 2, crossovers: 2, mutations: 2, seed: 0 };

async function setUp(page: Page) {
  await openWithModel(page, STORIES_HF, TINYSTORIES_TEXT, { seqLen: SEQ_LEN, windows: WINDOWS, calibWindows: CALIB_WINDOWS });
  // The search follows the method panel (Wanda on weights) until its method or target is edited: choose Wanda-sp.
  await page.getByTestId('search-method').selectOption('wanda-sp');
  await page.getByTestId('search-target').fill(String(SEARCH.target * 100));
  await page.getByTestId('search-population').fill(String(SEARCH.population));
  await page.getByTestId('search-generations').fill(String(SEARCH.generations));
  await page.getByTestId('search-crossovers').fill(String(SEARCH.crossovers));
  await page.getByTestId('search-mutations').fill(String(SEARCH.mutations));
  await page.getByTestId('search-seed').fill(String(SEARCH.seed));
}

test('a 2-generation search streams into the chart and equals prunelab search', async ({ page, problems }) => {
  test.setTimeout(600_000);
  const reference: Promise<CliSearch> = cliSearch(STORIES_HF, TINYSTORIES_TEXT,
    { ...SEARCH, seqLen: SEQ_LEN, windows: WINDOWS, calibWindows: CALIB_WINDOWS });
  await setUp(page);
  await expect(page.getByTestId('search-method')).toHaveValue('wanda-sp');
  await expect(page.getByText('up to 12 evaluations')).toBeVisible();
  await page.getByTestId('run-search').click();
  const progress = page.getByTestId('search-progress');
  await expect(progress).toContainText(/[1-9]\d* \/ 12 individuals/, { timeout: 240_000 });
  await expect(progress).toContainText(/left/);
  await expect(page.getByTestId('run-ppl')).toBeDisabled(); // one GPU job at a time
  // The chart fills while the search runs: the initial population is in before the run ends.
  await expect(page.getByTestId('generations-caption')).toContainText('1 of 3 generations', { timeout: 240_000 });
  await page.getByTestId('generations-chart').scrollIntoViewIfNeeded();
  await page.mouse.move(0, 0);
  await page.screenshot({ path: 'e2e/screenshots/studio-search-running.png' });
  await expect(page.getByTestId('search-result')).toContainText('uniform, same parameter count', { timeout: 400_000 });
  await expect(page.getByTestId('generations-caption')).toContainText('3 of 3 generations');

  const best = Number(await page.getByTestId('search-best-fitness').textContent());
  const uniform = Number(await page.getByTestId('search-uniform-fitness').textContent());
  expect(best).toBeLessThan(uniform);
  const cli = await reference;
  test.info().annotations.push({ type: 'search', description: `studio best ${best} uniform ${uniform}; CLI best ${cli.best.ppl} uniform ${cli.uniformPpl}` });
  expect(best.toFixed(3)).toBe(cli.best.ppl.toFixed(3));
  expect(uniform.toFixed(3)).toBe(cli.uniformPpl.toFixed(3));
  // Every evaluation is a dot; best and mean are lines; the best vector has a bar per layer.
  await expect(page.getByTestId('generations-chart').locator('.recharts-scatter-symbol')).toHaveCount(cli.evaluations);
  await expect(page.getByTestId('generations-chart').locator('.recharts-line')).toHaveCount(2);
  await expect(page.getByTestId('generations-chart')).toContainText('perplexity (log)');
  await expect(page.getByTestId('rates-chart').locator('.recharts-bar-rectangle')).toHaveCount(LAYERS);
  await expect(page.getByTestId('rates-chart')).toContainText('removed (%)');

  // The best vector applied on the slider: the same pruned model, so the same perplexity, with its kept units.
  await page.getByTestId('apply-best').click();
  await expect(page.getByTestId('prune-protocol')).toContainText('heads + channels: 30% requested', { timeout: 120_000 });
  expect(Math.abs(Number(await page.getByTestId('pruned-ppl').textContent()) - cli.best.ppl)).toBeLessThan(1e-3);
  await expect(page.getByTestId('prune-kept')).toContainText('kept heads');
  await expect(page.getByTestId('allocation-chart').locator('.recharts-bar').first().locator('.recharts-bar-rectangle')).toHaveCount(LAYERS);
  await expect(page.getByTestId('nm-heads')).toBeChecked();
  await page.locator('#slider-heading').scrollIntoViewIfNeeded();
  await page.mouse.move(0, 0);
  await page.locator('section[aria-labelledby="slider-heading"]').screenshot({ path: 'e2e/screenshots/studio-slider-evolved.png' });

  await page.locator('#search-heading').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'e2e/screenshots/studio-search-light.png', fullPage: true });
  await page.locator('.search-card').screenshot({ path: 'e2e/screenshots/studio-search-panel-light.png' });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(300);
  await page.locator('.search-card').screenshot({ path: 'e2e/screenshots/studio-search-panel-dark.png' });
  await page.setViewportSize({ width: 420, height: 900 });
  await page.waitForTimeout(300);
  await page.locator('.search-card').screenshot({ path: 'e2e/screenshots/studio-search-panel-narrow.png' });
  expect(problems.consoleErrors, 'console errors during the search').toEqual([]);
});

test('a cancelled search resumes where it stopped; the LLM key field is a password field', async ({ page }) => {
  test.setTimeout(600_000);
  await setUp(page);
  await page.getByTestId('search-operator-llm').check();
  await expect(page.getByTestId('llm-key')).toHaveAttribute('type', 'password');
  await page.getByTestId('search-operator-ga').check();
  await page.getByTestId('run-search').click();
  await expect(page.getByTestId('search-progress')).toContainText(/[2-9] \/ 12 individuals/, { timeout: 240_000 });
  await page.getByTestId('cancel-search').click();
  await expect(page.getByTestId('search-cancelled')).toContainText('Resume continues exactly where it stopped', { timeout: 120_000 });
  const dots = await page.getByTestId('generations-chart').locator('.recharts-scatter-symbol').count();
  expect(dots).toBeGreaterThan(1);
  await page.getByTestId('resume-search').click();
  await expect(page.getByTestId('search-result')).toContainText('uniform, same parameter count', { timeout: 400_000 });
  await expect(page.getByTestId('generations-caption')).toContainText('3 of 3 generations');
  expect(await page.getByTestId('generations-chart').locator('.recharts-scatter-symbol').count()).toBeGreaterThanOrEqual(dots);
});
