// Shared e2e fixtures: every test fails on an uncaught page error; console errors are collected for the
// tests that require a clean console.
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

/** Opens the studio and waits until the worker has (or has not) got a GPU adapter. */
export async function openStudio(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByTestId('app-header')).toContainText('Prunelab');
  await expect(page.getByTestId('adapter-info')).not.toContainText('Starting', { timeout: 60_000 });
}
