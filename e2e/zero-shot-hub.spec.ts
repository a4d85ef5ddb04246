// The Zero-shot panel with its task data from Hub datasets: huggingface.co is mocked with page.route, serving the
// fixture task files at a dataset path each. A malformed reference, a 404 and a network failure are typed errors in
// the task's row and leave the picked file; a slow fetch is cancelled; then both tasks fetched from the "Hub" are
// checked like picked files (same SHA-256 and documents) and the dense accuracies equal `prunelab eval` on the local
// files exactly; the result names the Hub files; the share link carries the references and a fresh page opening it
// gets them in its rows, fetches one and sees the same hash.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fixture, STORIES_HF, TINYSTORIES_TEXT } from '../test/helpers/fixtures.ts';
import { formatPercent, type ZeroShotSummary } from '../src/core/zeroshot/zero-shot-summary.ts';
import { decodeConfig, payloadFromHash } from '../src/state/share-codec.ts';
import { expect, openStudio, openWithModel, test } from './fixtures.ts';
import { cliEval } from './zero-shot-reference.ts';
import type { Page, Route } from '@playwright/test';

const LIMIT = 20;
const LOCAL = { hellaswag: fixture('tasks/tinystories-hellaswag.jsonl'), arc_easy: fixture('tasks/tinystories-arc.jsonl') };
/** Where the mocked Hub serves each fixture, and the references typed for them (the bare form and the hf:// form). */
const SERVED: Record<string, string> = {
  '/datasets/Rowan/hellaswag/resolve/main/data/validation.jsonl': LOCAL.hellaswag,
  '/datasets/allenai/ai2_arc/resolve/main/ARC-Easy/test.jsonl': LOCAL.arc_easy,
};
const REFS = { hellaswag: 'Rowan/hellaswag@main/data/validation.jsonl', arc_easy: 'hf://datasets/allenai/ai2_arc/resolve/main/ARC-Easy/test.jsonl' };
const CANONICAL = { hellaswag: 'hf://datasets/Rowan/hellaswag@main/data/validation.jsonl', arc_easy: 'hf://datasets/allenai/ai2_arc@main/ARC-Easy/test.jsonl' };
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The Hub's answers as the browser needs them from another origin (the page is cross-origin isolated). */
const CORS = { 'access-control-allow-origin': '*', 'access-control-expose-headers': '*', 'cross-origin-resource-policy': 'cross-origin' };

/** Mocks huggingface.co's dataset files; `special` answers some paths otherwise (hang, abort). Returns the GETs seen. */
async function mockHub(page: Page, special: Record<string, (route: Route) => Promise<void>> = {}): Promise<string[]> {
  const seen: string[] = [];
  await page.route('https://huggingface.co/datasets/**', async (route) => {
    const path = decodeURIComponent(new URL(route.request().url()).pathname);
    seen.push(`${route.request().method()} ${path}`);
    if (special[path]) return special[path](route);
    const file = SERVED[path];
    if (!file) {
      return route.fulfill({ status: 404, headers: { ...CORS, 'x-error-code': 'EntryNotFound', 'x-error-message': 'Entry not found' }, body: 'Entry not found' });
    }
    return route.fulfill({ status: 200, headers: { ...CORS, 'content-type': 'application/octet-stream' }, body: readFileSync(file) });
  });
  return seen;
}

const row = (page: Page, task: string) => page.getByTestId(`zs-task-${task}`);

async function fetchRef(page: Page, task: string, ref: string) {
  await page.getByTestId(`zs-hub-input-${task}`).fill(ref);
  await page.getByTestId(`zs-hub-fetch-${task}`).click();
}

test('Zero-shot data from the Hub: typed errors, cancel, and the accuracies of `prunelab eval` on the same files', async ({ page, problems }) => {
  test.setTimeout(240_000);
  const reference = cliEval(STORIES_HF, { tasks: LOCAL, limit: LIMIT });
  let releaseSlow: (() => void) | null = null;
  const seen = await mockHub(page, {
    '/datasets/Rowan/hellaswag/resolve/main/broken.jsonl': (route) => route.abort('connectionreset'),
    '/datasets/Rowan/hellaswag/resolve/main/slow.jsonl': (route) => new Promise<void>((resolve) => {
      releaseSlow = () => { void route.abort('aborted').catch(() => {}); resolve(); };
    }),
  });
  await openWithModel(page, STORIES_HF, TINYSTORIES_TEXT, { seqLen: 128, windows: 4 });
  const panel = page.getByTestId('zero-shot-panel');
  await expect(page.getByTestId('zs-hub-input-arc_easy')).toHaveAttribute('placeholder', 'allenai/ai2_arc@main/ARC-Easy/test-00000-of-00001.parquet');

  // A local file first: nothing that goes wrong with a Hub reference may lose it.
  await panel.getByTestId('zs-file-hellaswag').setInputFiles(LOCAL.hellaswag);
  const info = panel.getByTestId('zs-file-info-hellaswag');
  await expect(info).toContainText(/tinystories-hellaswag\.jsonl · \d+ docs · sha256/);

  await fetchRef(page, 'hellaswag', 'Rowan/hellaswag');
  await expect(row(page, 'hellaswag').getByTestId('zs-hub-error-hellaswag')).toHaveAttribute('data-error-code', 'BadHubId');
  await expect(row(page, 'hellaswag').getByTestId('zs-hub-error-hellaswag')).toContainText('names no file inside the repository');
  expect(seen).toEqual([]); // refused before any request

  await fetchRef(page, 'hellaswag', 'Rowan/hellaswag@main/data/missing.jsonl');
  await expect(page.getByTestId('zs-hub-error-hellaswag')).toHaveAttribute('data-error-code', 'HubNotFound', { timeout: 30_000 });
  await expect(page.getByTestId('zs-hub-error-hellaswag')).toContainText('404');

  await fetchRef(page, 'hellaswag', 'Rowan/hellaswag@main/broken.jsonl');
  await expect(page.getByTestId('zs-hub-error-hellaswag')).toHaveAttribute('data-error-code', 'HubNetworkError', { timeout: 30_000 });
  await expect(page.getByTestId('zs-hub-input-hellaswag')).toHaveValue('Rowan/hellaswag@main/broken.jsonl');
  await expect(info).toContainText('tinystories-hellaswag.jsonl');
  await row(page, 'hellaswag').screenshot({ path: 'e2e/screenshots/zero-shot-hub-error.png' });

  await fetchRef(page, 'hellaswag', 'Rowan/hellaswag@main/slow.jsonl');
  await expect(page.getByTestId('zs-hub-progress-hellaswag')).toBeVisible();
  await expect(page.getByTestId('run-zero-shot')).toBeDisabled();
  await page.getByTestId('zs-hub-progress-hellaswag-cancel').click();
  await expect(page.getByTestId('zs-hub-cancelled-hellaswag')).toBeVisible({ timeout: 30_000 });
  (releaseSlow as (() => void) | null)?.();
  await expect(info).toContainText('tinystories-hellaswag.jsonl');

  // Both tasks from the "Hub": checked like picked files, the same bytes as the local ones.
  for (const task of ['hellaswag', 'arc_easy'] as const) {
    await fetchRef(page, task, REFS[task]);
    const taskInfo = panel.getByTestId(`zs-file-info-${task}`);
    await expect(taskInfo).toContainText(CANONICAL[task], { timeout: 30_000 });
    await expect(taskInfo).toContainText(`sha256 ${sha(LOCAL[task]).slice(0, 12)}`);
    await expect(taskInfo.getByTestId('zs-hub-source')).toHaveAttribute('data-from-cache', 'false');
  }
  await panel.getByTestId('zs-limit').fill(String(LIMIT));
  await page.mouse.move(0, 0);
  await panel.getByTestId('zs-tasks').screenshot({ path: 'e2e/screenshots/zero-shot-hub-rows.png' });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(300);
  await panel.getByTestId('zs-tasks').screenshot({ path: 'e2e/screenshots/zero-shot-hub-rows-dark.png' });
  await page.emulateMedia({ colorScheme: 'light' });

  await panel.getByTestId('run-zero-shot').click();
  await expect(panel.getByTestId('zs-dense-acc').first()).toBeVisible({ timeout: 180_000 });
  const cli: ZeroShotSummary = await reference;
  for (const t of cli.tasks) {
    const r = panel.getByTestId(`zs-row-${t.task}`);
    await expect(r.getByTestId('zs-docs')).toHaveText(String(LIMIT));
    for (const [id, m] of [['zs-dense-acc', t.acc], ['zs-dense-acc-norm', t.accNorm]] as const) {
      await expect(r.getByTestId(id)).toHaveText(formatPercent(m));
      expect(Number(await r.getByTestId(id).getAttribute('data-value'))).toBe(m!.value);
    }
  }
  await expect(panel.getByTestId('zs-protocol').first()).toContainText(`hellaswag ${sha(LOCAL.hellaswag).slice(0, 12)} (Rowan/hellaswag@main)`);
  await expect(panel.getByTestId('zs-data-sources')).toHaveText(`data: hellaswag ${CANONICAL.hellaswag}; arc_easy ${CANONICAL.arc_easy}`);
  await panel.screenshot({ path: 'e2e/screenshots/zero-shot-hub-panel.png' });

  // The link names each task's hash and Hub file; a recipient's rows get the references, and fetching gives the same data.
  await page.getByTestId('copy-link').click();
  const url = await page.getByTestId('share-url').inputValue();
  const decoded = decodeConfig(payloadFromHash(new URL(url).hash)!);
  expect(decoded.ok && decoded.config.zeroShot).toEqual({ tasks: [
    { name: 'hellaswag', hash: sha(LOCAL.hellaswag), hub: CANONICAL.hellaswag },
    { name: 'arc_easy', hash: sha(LOCAL.arc_easy), hub: CANONICAL.arc_easy }], limit: LIMIT });
  const other = await page.context().newPage();
  await mockHub(other);
  await openStudio(other, new URL(url).pathname + new URL(url).hash);
  await expect(other.getByTestId('zs-hub-input-arc_easy')).toHaveValue(CANONICAL.arc_easy);
  await other.getByTestId('zs-hub-fetch-arc_easy').click();
  // Same browser profile: this time it comes from the Hub cache.
  await expect(other.getByTestId('zs-file-info-arc_easy')).toContainText(`sha256 ${sha(LOCAL.arc_easy).slice(0, 12)}`, { timeout: 30_000 });
  await expect(other.getByTestId('zs-file-info-arc_easy').getByTestId('zs-hub-source')).toHaveAttribute('data-from-cache', 'true');
  await other.close();
  // Chromium logs the deliberately failed requests (404, reset) itself; nothing else may reach the console.
  expect(problems.consoleErrors.filter((e) => !/Failed to load resource/.test(e)), 'console errors').toEqual([]);
});
