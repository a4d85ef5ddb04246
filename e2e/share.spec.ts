// Sharing and persistence end to end in Chromium's WebGPU: copy a link, open it in a fresh browser, the same
// settings show and loading the same model + text prunes to the same perplexity by itself; a link made for
// another model warns with both fingerprints; a malformed link says why and the page still works; the run
// history compares two runs; a reload brings the runs back; a reload mid-search offers to resume and the resumed
// run ends where `prunelab search` ends. Screenshots in light and dark.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { strToU8, zlibSync } from 'fflate';
import { STORIES_HF, TINYSTORIES_TEXT } from '../test/helpers/fixtures.ts';
import { decodeConfig, hashOf, payloadFromHash, type SharedConfig } from '../src/state/share-codec.ts';
import { cliSearch, type CliSearch } from './cli-reference.ts';
import { expect, openStudio, test } from './fixtures.ts';

const SEQ_LEN = 128, WINDOWS = 4, CALIB_WINDOWS = 4;
const modelFiles = (dir: string) => readdirSync(dir).map((f) => join(dir, f));

async function loadModelAndText(page: Page) {
  await page.getByTestId('model-file-input').setInputFiles(modelFiles(STORIES_HF));
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('text-file-input').setInputFiles(TINYSTORIES_TEXT);
  await expect(page.getByTestId('text-info')).toContainText('validation-prefix.txt');
}

async function setWindows(page: Page) {
  await page.getByTestId('seq-len-input').fill(String(SEQ_LEN));
  await page.getByTestId('max-windows-input').fill(String(WINDOWS));
  await page.getByTestId('calib-windows-input').fill(String(CALIB_WINDOWS));
}

async function slideTo(page: Page, percent: number) {
  const slider = page.getByTestId('sparsity-slider');
  await slider.focus();
  const now = Number((await page.getByTestId('sparsity-value').textContent())!.replace('%', ''));
  const key = percent > now ? 'ArrowRight' : 'ArrowLeft';
  for (let i = 0; i < Math.abs(percent - now) / 5; i++) await page.keyboard.press(key);
  await expect(page.getByTestId('sparsity-value')).toHaveText(`${percent}%`);
  await expect(page.getByTestId('prune-protocol')).toContainText(`${percent}% requested`, { timeout: 150_000 });
}

/** Light and dark screenshots of one element. */
async function shoot(page: Page, selector: string, name: string) {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.waitForTimeout(250);
  await page.locator(selector).first().screenshot({ path: `e2e/screenshots/${name}-light.png` });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(250);
  await page.locator(selector).first().screenshot({ path: `e2e/screenshots/${name}-dark.png` });
  await page.emulateMedia({ colorScheme: 'light' });
}

/** A payload from any JSON: how a link from another version (or a tampered one) looks. */
function rawPayload(value: unknown): string {
  return Buffer.from(zlibSync(strToU8(JSON.stringify(value)))).toString('base64url');
}

// (Literal settings: the studio's defaults modules import the core, which Node cannot load without Vite.)
const baseConfig = (over: Partial<SharedConfig>): SharedConfig => ({
  v: 1, ppl: { seqLen: SEQ_LEN, maxWindows: WINDOWS }, method: { metric: 'wanda', allocation: 'uniform', nm: 'off', calibWindows: CALIB_WINDOWS },
  sparsity: 0, scan: { levelsText: '0.3, 0.8', windows: 4 },
  search: { target: 0.3, method: 'wanda-sp', population: 30, generations: 20, crossovers: 10, mutations: 10, seed: 0, operator: 'ga',
    llmUrl: 'http://127.0.0.1:8080', llmModel: '', llmTemperature: 0.7, llmTimeoutSeconds: 120 },
  ...over,
});

test('copy link -> a fresh browser shows the same settings and, with the same model + text, the same perplexity', async ({ page, browser, problems }) => {
  test.setTimeout(420_000);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await openStudio(page);
  await loadModelAndText(page);
  await setWindows(page);
  await page.getByTestId('metric-magnitude').check();
  await page.getByTestId('scan-levels-input').fill('0.3, 0.8');
  await page.getByTestId('search-population').fill('3');
  await page.getByTestId('search-seed').fill('7');
  await slideTo(page, 30);
  const first = await page.getByTestId('pruned-ppl').textContent();

  // A second run, then the history compares them side by side.
  await slideTo(page, 50);
  await expect(page.getByTestId('history-row')).toHaveCount(2, { timeout: 15_000 });
  await page.getByTestId('history-pick').nth(0).check();
  await page.getByTestId('history-pick').nth(1).check();
  await expect(page.getByTestId('compare-column')).toHaveCount(2);
  await expect(page.getByTestId('compare-ppl').nth(0)).toHaveText(Number(await page.getByTestId('pruned-ppl').textContent()).toFixed(4));
  await expect(page.getByTestId('compare-ppl').nth(1)).toHaveText(Number(first).toFixed(4));
  await expect(page.getByTestId('compare-chart').locator('.recharts-bar-rectangle')).toHaveCount(10); // 2 runs x 5 layers
  await page.getByTestId('run-history').scrollIntoViewIfNeeded();
  await shoot(page, '[data-testid="run-history"]', 'share-history-compare');
  await slideTo(page, 30); // back to the first value: the link carries 30%
  await expect(page.getByTestId('pruned-ppl')).toHaveText(first!);

  await page.getByTestId('copy-link').click();
  const url = await page.getByTestId('share-url').inputValue();
  await expect(page.getByTestId('share-status')).toHaveText('Copied to the clipboard.');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#c=[A-Za-z0-9_-]+$/);
  test.info().annotations.push({ type: 'link', description: `${url.length} characters` });
  const decoded = decodeConfig(payloadFromHash(new URL(url).hash)!);
  expect(decoded.ok && decoded.config.sparsity).toBe(0.3);
  expect(decoded.ok && decoded.config.text?.name).toBe('validation-prefix.txt');
  await page.evaluate(() => window.scrollTo(0, 0));
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(250);
    await page.screenshot({ path: `e2e/screenshots/share-copy-link-${scheme}.png`, clip: { x: 0, y: 0, width: 1280, height: 380 } });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('share-panel')).toHaveCount(0);

  // Another browser profile (no IndexedDB, no session): the link alone.
  const fresh = await browser.newContext();
  const other = await fresh.newPage();
  const errors: string[] = [];
  other.on('pageerror', (e) => errors.push(e.message));
  await other.goto(url);
  await expect(other.getByTestId('adapter-info')).not.toContainText('Starting', { timeout: 60_000 });
  await expect(other.getByTestId('seq-len-input')).toHaveValue(String(SEQ_LEN));
  await expect(other.getByTestId('max-windows-input')).toHaveValue(String(WINDOWS));
  await expect(other.getByTestId('calib-windows-input')).toHaveValue(String(CALIB_WINDOWS));
  await expect(other.getByTestId('metric-magnitude')).toBeChecked();
  await expect(other.getByTestId('sparsity-value')).toHaveText('30%');
  await expect(other.getByTestId('scan-levels-input')).toHaveValue('0.3, 0.8');
  await expect(other.getByTestId('search-population')).toHaveValue('3');
  await expect(other.getByTestId('search-seed')).toHaveValue('7');
  await expect(other.getByTestId('link-status')).toContainText('Load llama model and the text validation-prefix.txt'); // picked files: the architecture names the model
  await shoot(other, '[data-testid="link-notice"]', 'share-link-opened');
  await loadModelAndText(other);
  await expect(other.getByTestId('prune-protocol')).toContainText('30% requested', { timeout: 150_000 });
  await expect(other.getByTestId('pruned-ppl')).toHaveText(first!);
  await expect(other.getByTestId('link-status')).toContainText('30% pruned and evaluated');
  const fromLink = `original ${first}, from the link ${await other.getByTestId('pruned-ppl').textContent()}`;
  test.info().annotations.push({ type: 'perplexity', description: fromLink });
  console.log(`share link: ${url.length} characters; perplexity ${fromLink}`);
  await shoot(other, '[data-testid="link-notice"]', 'share-link-reproduced');
  await other.screenshot({ path: 'e2e/screenshots/share-link-page.png', fullPage: true });
  expect(errors).toEqual([]);
  await fresh.close();

  // Reload: the settings come back quietly (no link notice, nothing re-runs) and the restore notice brings the runs back.
  await page.reload();
  await expect(page.getByTestId('adapter-info')).not.toContainText('Starting', { timeout: 60_000 });
  await expect(page.getByTestId('seq-len-input')).toHaveValue(String(SEQ_LEN));
  await expect(page.getByTestId('link-notice')).toHaveCount(0);
  await loadModelAndText(page);
  await expect(page.getByTestId('restore-notice')).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId('restore-runs')).toContainText('2 runs');
  await shoot(page, '[data-testid="restore-notice"]', 'share-restore-runs');
  await expect(page.getByTestId('prune-result')).toHaveCount(0); // nothing ran by itself
  await page.getByTestId('restore-runs').click();
  await expect(page.getByTestId('pruned-ppl')).toHaveText(first!);
  await expect(page.getByTestId('ppl-curve').locator('.recharts-line-dot, .recharts-dot')).toHaveCount(3); // dense, 30%, 50%
  await expect(page.getByTestId('restore-notice')).toHaveCount(0);
  expect(problems.consoleErrors, 'console errors').toEqual([]);
});

test('a link made for another model warns with both fingerprints and runs nothing by itself', async ({ page }) => {
  test.setTimeout(240_000);
  const foreign = 'ab'.repeat(32);
  await page.goto(`/${hashOf(baseConfig({ sparsity: 0.4, model: { fingerprint: foreign, name: 'SmolLM2-135M' } }))}`);
  await expect(page.getByTestId('adapter-info')).not.toContainText('Starting', { timeout: 60_000 });
  await expect(page.getByTestId('seq-len-input')).toHaveValue(String(SEQ_LEN));
  await loadModelAndText(page);
  const warning = page.getByTestId('link-mismatch');
  await expect(warning).toBeVisible();
  await expect(warning).toContainText('SmolLM2-135M');
  await expect(page.getByTestId('link-fingerprint')).toHaveText(`${foreign.slice(0, 16)}…`);
  await expect(page.getByTestId('link-fingerprint')).toHaveAttribute('title', foreign);
  const loaded = await page.getByTestId('loaded-fingerprint').getAttribute('title');
  expect(loaded).toMatch(/^[0-9a-f]{64}$/);
  expect(loaded).not.toBe(foreign);
  await expect(page.getByTestId('sparsity-value')).toHaveText('40%'); // applied, not run
  await page.waitForTimeout(1500);
  await expect(page.getByTestId('prune-progress')).toHaveCount(0);
  await expect(page.getByTestId('prune-result')).toHaveCount(0);
  await shoot(page, '[data-testid="link-notice"]', 'share-link-mismatch');
});

test('a malformed link says why, keeps the settings, and the studio still works', async ({ page }) => {
  test.setTimeout(240_000);
  const good = hashOf(baseConfig({ sparsity: 0.2 }));
  await page.goto(`/${good.slice(0, good.length - 12)}`);
  await expect(page.getByTestId('adapter-info')).not.toContainText('Starting', { timeout: 60_000 });
  await expect(page.getByTestId('link-error')).toContainText('This link could not be opened');
  await expect(page.getByTestId('link-error')).toContainText('damaged');
  await expect(page.getByTestId('link-error')).toContainText('The settings on screen were kept');
  await expect(page.getByTestId('seq-len-input')).toHaveValue('256'); // the defaults, untouched
  await shoot(page, '[data-testid="link-error"]', 'share-link-error');

  // A newer link version: named.
  await page.goto(`/#c=${rawPayload({ ...baseConfig({}), v: 2 })}`);
  await expect(page.getByTestId('link-error')).toContainText('newer Prunelab (link version 2');

  // The page works: it evaluates, and the hash becomes a good link again once a setting changes.
  await page.getByTestId('error-box').getByRole('button', { name: 'Dismiss error' }).click();
  await expect(page.getByTestId('link-error')).toHaveCount(0);
  await loadModelAndText(page);
  await page.getByTestId('seq-len-input').fill(String(SEQ_LEN));
  await page.getByTestId('max-windows-input').fill('2');
  await page.getByTestId('run-ppl').click();
  await expect(page.getByTestId('ppl-value')).toBeVisible({ timeout: 150_000 });
  await expect.poll(async () => {
    const d = decodeConfig(payloadFromHash(new URL(page.url()).hash) ?? '');
    return d.ok ? `${d.config.ppl.seqLen}x${d.config.ppl.maxWindows}` : d.message;
  }).toBe(`${SEQ_LEN}x2`);
});

test('a reload mid-search offers to resume; the resumed run ends where prunelab search ends', async ({ page, problems }) => {
  test.setTimeout(600_000);
  const SEARCH = { target: 0.3, population: 3, generations: 1, crossovers: 1, mutations: 1, seed: 0 };
  const reference: Promise<CliSearch> = cliSearch(STORIES_HF, TINYSTORIES_TEXT,
    { ...SEARCH, seqLen: SEQ_LEN, windows: WINDOWS, calibWindows: CALIB_WINDOWS });
  await openStudio(page);
  await loadModelAndText(page);
  await setWindows(page);
  await page.getByTestId('search-method').selectOption('wanda-sp'); // prunelab search's default (else: the method panel's)
  await page.getByTestId('search-target').fill(String(SEARCH.target * 100));
  await page.getByTestId('search-population').fill(String(SEARCH.population));
  await page.getByTestId('search-generations').fill(String(SEARCH.generations));
  await page.getByTestId('search-crossovers').fill(String(SEARCH.crossovers));
  await page.getByTestId('search-mutations').fill(String(SEARCH.mutations));
  await page.getByTestId('search-operator-llm').check();
  await page.getByTestId('llm-key').fill('sk-e2e-secret-key');
  await page.getByTestId('search-operator-ga').check();
  await page.getByTestId('run-search').click();
  await expect(page.getByTestId('search-progress')).toContainText(/[12] \/ 5 individuals/, { timeout: 240_000 });
  await page.waitForTimeout(300); // the checkpoint's IndexedDB write
  const saved = await page.evaluate(() => new Promise<string>((resolve, reject) => {
    const open = indexedDB.open('prunelab');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const req = open.result.transaction('saved-work').objectStore('saved-work').getAll();
      req.onsuccess = () => resolve(JSON.stringify(req.result));
      req.onerror = () => reject(req.error);
    };
  }));
  expect(saved).toContain('"population":3');
  expect(saved).not.toContain('sk-e2e-secret-key');
  expect(page.url()).not.toContain('sk-e2e');

  await page.reload();
  await expect(page.getByTestId('adapter-info')).not.toContainText('Starting', { timeout: 60_000 });
  await expect(page.getByTestId('search-population')).toHaveValue(String(SEARCH.population));
  await expect(page.getByTestId('llm-key')).toHaveCount(0); // GA again, and the key is gone with the tab's memory
  await loadModelAndText(page);
  const resume = page.getByTestId('resume-saved-search');
  await expect(resume).toContainText(/Resume search: generation 0 of 1, [0-4] individuals?/, { timeout: 15_000 });
  const label = await resume.textContent();
  await page.getByTestId('restore-notice').scrollIntoViewIfNeeded();
  await shoot(page, '[data-testid="restore-notice"]', 'share-restore-search');
  await resume.click();
  await expect(page.getByTestId('search-progress')).toBeVisible();
  await expect(page.getByTestId('search-result')).toContainText('uniform, same parameter count', { timeout: 400_000 });
  await expect(page.getByTestId('generations-caption')).toContainText('2 of 2 generations');
  const best = Number(await page.getByTestId('search-best-fitness').textContent());
  const uniform = Number(await page.getByTestId('search-uniform-fitness').textContent());
  const cli = await reference;
  const measured = `${label}; studio best ${best} uniform ${uniform}; CLI best ${cli.best.ppl} uniform ${cli.uniformPpl}`;
  test.info().annotations.push({ type: 'resume', description: measured });
  console.log(`resume after reload: ${measured}`);
  expect(best.toFixed(3)).toBe(cli.best.ppl.toFixed(3));
  expect(uniform.toFixed(3)).toBe(cli.uniformPpl.toFixed(3));
  await expect(page.getByTestId('generations-chart').locator('.recharts-scatter-symbol')).toHaveCount(cli.evaluations);
  expect(problems.consoleErrors, 'console errors').toEqual([]);
});
