// Shared e2e fixtures: every test fails on an uncaught page error; console errors are collected for the
// tests that require a clean console.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';

export interface PageProblems {
  pageErrors: string[];
  consoleErrors: string[];
}

export const test = base.extend<{ problems: PageProblems }>({
  problems: [async ({ page }, use) => {
    const problems: PageProblems = { pageErrors: [], consoleErrors: [] };
    page.on('pageerror', (e) => problems.pageErrors.push(`${e.name}: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.consoleErrors.push(m.text()); });
    page.on('worker', (w) => w.on('console', (m) => { if (m.type() === 'error') problems.consoleErrors.push(`[worker] ${m.text()}`); }));
    await use(problems);
    expect(problems.pageErrors, 'uncaught errors in the page').toEqual([]);
  }, { auto: true }],
});

export { expect };

/** Opens the studio (at `path`, e.g. '/?test-hooks') and waits until the worker has (or has not) got a GPU adapter. */
export async function openStudio(page: Page, path = '/'): Promise<void> {
  await page.goto(path);
  await expect(page.getByTestId('app-header')).toContainText('Prunelab');
  await expect(page.getByTestId('adapter-info')).not.toContainText('Starting', { timeout: 60_000 });
}

/** Opens the studio with a model folder and an evaluation text loaded, at the given windows (and calibration). */
export async function openWithModel(page: Page, modelDir: string, textFile: string,
  protocol: { seqLen: number; windows: number; calibWindows?: number }, path = '/'): Promise<void> {
  await openStudio(page, path);
  await page.getByTestId('model-file-input').setInputFiles(readdirSync(modelDir).map((f) => join(modelDir, f)));
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('text-file-input').setInputFiles(textFile);
  await page.getByTestId('seq-len-input').fill(String(protocol.seqLen));
  await page.getByTestId('max-windows-input').fill(String(protocol.windows));
  if (protocol.calibWindows !== undefined) await page.getByTestId('calib-windows-input').fill(String(protocol.calibWindows));
}
