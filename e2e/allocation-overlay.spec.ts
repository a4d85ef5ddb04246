// The allocation overlay: at the slider's target, uniform + OWL + MRP (computed by the worker without any
// evaluation, MRP's loop with progress, cached per target) and, after a short search, the evolved vector; each
// series averages to the target; the allocation the slider uses is the highlighted one.
import { STORIES_HF, TINYSTORIES_TEXT } from '../test/helpers/fixtures.ts';
import type { Page } from '@playwright/test';
import { expect, openWithModel, test } from './fixtures.ts';

const TARGET = 0.3;
const LAYERS = 5;

async function seriesOf(page: Page) {
  return page.getByTestId('overlay-series').evaluateAll((els) => els.map((e) => ({
    name: e.getAttribute('data-name')!, values: e.getAttribute('data-values')!.split(',').map(Number),
    current: e.classList.contains('overlay__item--current'),
  })));
}

async function releaseAt(page: Page, steps: number, label: string) {
  const slider = page.getByTestId('sparsity-slider');
  await slider.focus();
  for (let i = 0; i < Math.abs(steps); i++) await page.keyboard.press(steps > 0 ? 'ArrowRight' : 'ArrowLeft');
  await expect(page.getByTestId('prune-protocol')).toContainText(`${label} requested`, { timeout: 150_000 });
}

test('uniform, OWL, MRP and evolved overlaid at the target, each averaging to it', async ({ page, problems }) => {
  test.setTimeout(900_000); // MRP's loop and a short search on a loaded 2-core machine
  await openWithModel(page, STORIES_HF, TINYSTORIES_TEXT, { seqLen: 128, windows: 4, calibWindows: 4 });
  await releaseAt(page, 6, '30%');
  const overlay = page.getByTestId('allocation-overlay');
  await expect(overlay).toHaveAttribute('data-target', String(TARGET));
  await expect(page.getByTestId('overlay-series')).toHaveCount(1); // uniform until OWL and MRP are computed
  await page.getByTestId('compute-allocations').click();
  await expect(page.getByTestId('allocations-progress')).toContainText(/MRP: mean sparsity|OWL|calibration|Calibration/, { timeout: 60_000 });
  await expect(page.getByTestId('overlay-series')).toHaveCount(3, { timeout: 400_000 });
  let series = await seriesOf(page);
  expect(series.map((s) => s.name)).toEqual(['uniform', 'owl', 'mrp']);
  for (const s of series) {
    expect(s.values).toHaveLength(LAYERS);
    expect(Math.abs(s.values.reduce((a, b) => a + b, 0) / LAYERS - TARGET), s.name).toBeLessThan(1e-6);
  }
  expect(series.find((s) => s.current)?.name).toBe('uniform');
  expect(series.find((s) => s.name === 'owl')!.values).not.toEqual(series[0].values); // OWL redistributes
  await expect(overlay).toContainText('sparsity (%)');
  await expect(overlay).toContainText('layer');
  await expect(overlay.locator('.recharts-line')).toHaveCount(3);

  // Cached per target: another target needs its own run; back at 30% the series are there at once.
  await releaseAt(page, 1, '35%');
  await expect(page.getByTestId('overlay-series')).toHaveCount(1);
  await expect(page.getByTestId('compute-allocations')).toContainText('35%');
  await releaseAt(page, -1, '30%');
  await expect(page.getByTestId('overlay-series')).toHaveCount(3);

  // A short search at the same target adds the evolved vector; applied on the slider, it is the current one.
  await page.getByTestId('search-method').selectOption('wanda'); // unstructured: the same kind of rate as OWL's and MRP's
  await page.getByTestId('search-target').fill(String(TARGET * 100));
  await page.getByTestId('search-population').fill('3');
  await page.getByTestId('search-generations').fill('1');
  await page.getByTestId('search-crossovers').fill('1');
  await page.getByTestId('search-mutations').fill('1');
  await page.getByTestId('run-search').click();
  await expect(page.getByTestId('search-result')).toContainText('uniform, same parameter count', { timeout: 400_000 });
  await expect(page.getByTestId('overlay-series')).toHaveCount(4);
  await page.getByTestId('apply-best').click();
  await expect(page.getByTestId('prune-protocol')).toContainText('30% requested', { timeout: 150_000 });
  series = await seriesOf(page);
  expect(series.map((s) => s.name)).toEqual(['uniform', 'owl', 'mrp', 'evolved']);
  for (const s of series) expect(Math.abs(s.values.reduce((a, b) => a + b, 0) / LAYERS - TARGET), s.name).toBeLessThan(1e-6);
  expect(series.find((s) => s.current)?.name).toBe('evolved');
  await expect(overlay.locator('.recharts-line')).toHaveCount(4);

  await page.mouse.move(0, 0);
  const card = page.locator('section[aria-labelledby="overlay-heading"]');
  await card.scrollIntoViewIfNeeded();
  await card.screenshot({ path: 'e2e/screenshots/panels-allocation-overlay-light.png' });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(300);
  await card.screenshot({ path: 'e2e/screenshots/panels-allocation-overlay-dark.png' });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.screenshot({ path: 'e2e/screenshots/panels-studio-full.png', fullPage: true });
  // The README's picture: the method and sparsity panels side by side, settled (copied to docs/images/studio.png by hand).
  await expect(page.getByTestId('cancel-prune')).toHaveCount(0, { timeout: 180_000 });
  const row = await page.evaluate(() => {
    const box = (sel: string) => document.querySelector(sel)!.getBoundingClientRect();
    const method = box('section[aria-labelledby="method-heading"]'), slider = box('section[aria-labelledby="slider-heading"]');
    const top = Math.min(method.top, slider.top);
    return { x: method.left + window.scrollX, y: top + window.scrollY, width: slider.right - method.left, height: Math.max(method.bottom, slider.bottom) - top };
  });
  await page.screenshot({ path: 'e2e/screenshots/readme-studio.png', fullPage: true,
    clip: { x: row.x, y: row.y, width: row.width, height: Math.min(row.height, 1100) } });
  expect(problems.consoleErrors, 'console errors').toEqual([]);
});
