// Loading from a Hugging Face Hub in Chromium: a loopback stand-in with the Hub's URL layout serves stories260K
// and the WikiText-2 test file (gzip, at the default dataset path). Type the id, watch byte progress, evaluate
// the Hub-fetched text (equals `prunelab ppl` on the fixture file), load again from the persistent cache with no
// request reaching the stand-in (also after a reload), clear the cache; a wrong id shows its 404 error and the
// page goes on working; a download can be cancelled; pasted text is an evaluation text.
import { readFileSync } from 'node:fs';
import { STORIES_HF, WIKITEXT_TEST } from '../test/helpers/fixtures.ts';
import { filesFromDir, gzip, type HubStandIn, startHubStandIn } from '../test/helpers/hub-stand-in.ts';
import { DEFAULT_TEXT_SOURCE } from '../src/core/hub/hub-text.ts';
import { cliPerplexity, type CliPpl } from './cli-reference.ts';
import { expect, openStudio, test } from './fixtures.ts';
import type { Page } from '@playwright/test';

const ID = 'karpathy/stories260K';
const SEQ_LEN = 256;
const WINDOWS = 4;
/** Loading includes the engine's first upload; on a loaded 2-core machine SwiftShader needs its time. */
const LOAD_TIMEOUT = 150_000;
const GATED = 'gated-org/stories260K';
const BIG = 48 << 20;
const TOKEN = 'hf_e2e_standin_token';
let hub: HubStandIn;

test.beforeAll(async () => {
  hub = await startHubStandIn();
  hub.addModel(ID, filesFromDir(STORIES_HF));
  hub.addModel(GATED, filesFromDir(STORIES_HF), { token: TOKEN });
  hub.addDataset('bench/big-text', new Map([['big.txt', new Uint8Array(BIG).map((_, i) => 32 + (i % 90))]]));
  hub.addDataset(DEFAULT_TEXT_SOURCE.dataset, new Map([[DEFAULT_TEXT_SOURCE.file, gzip(new Uint8Array(readFileSync(WIKITEXT_TEST)))]]));
});
test.afterAll(async () => { await hub?.close(); });
test.beforeEach(() => hub.reset());

const modelCard = (page: Page) => page.locator('section.card').filter({ has: page.getByTestId('drop-zone') });
const pplCard = (page: Page) => page.locator('section.card').filter({ has: page.getByTestId('run-ppl') });

/** Points the studio at the stand-in (Advanced > Hub base URL) and types the id. */
async function typeHubId(page: Page, id: string) {
  await page.getByTestId('hub-advanced').locator('summary').click();
  await page.getByTestId('hub-base-input').fill(hub.url);
  await page.getByTestId('hub-id-input').fill(id);
}

test('a Hub id loads with byte progress; WikiText-2 from the Hub gives the CLI perplexity; the second load comes from the cache', async ({ page, problems }) => {
  test.setTimeout(480_000); // three model loads (download, cache, cache after a reload) and one evaluation on SwiftShader
  const reference: Promise<CliPpl> = cliPerplexity(STORIES_HF, WIKITEXT_TEST, SEQ_LEN, WINDOWS);
  await openStudio(page);
  await typeHubId(page, ID);
  await expect(page.getByTestId('hub-token-input')).toHaveAttribute('type', 'password');

  hub.throttle(250_000); // ~4 s for the 1 MB of weights: long enough to see the bar move
  await page.getByTestId('hub-load').click();
  const progress = page.getByTestId('hub-progress');
  await expect(progress).toContainText('model.safetensors', { timeout: 30_000 });
  await expect(progress).toContainText(/\/s · (~\d+ s left|< 1 s left)/);
  await expect(progress).toContainText(/ of 1\.\d MiB/);
  await page.screenshot({ path: 'e2e/screenshots/hub-downloading.png', fullPage: true });
  await modelCard(page).screenshot({ path: 'e2e/screenshots/hub-card-downloading.png' });
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: LOAD_TIMEOUT });
  hub.throttle(0);
  await expect(page.getByTestId('summary-layers')).toHaveText('5');
  await expect(page.getByTestId('model-summary')).toContainText(ID);
  const result = page.getByTestId('hub-result');
  await expect(result).toHaveAttribute('data-from-cache', 'false');
  await expect(result).toContainText(`${ID} downloaded 1.0 MiB`);
  const wanted = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors'];
  expect(hub.downloads().map((p) => decodeURIComponent(p).split('/').pop()).sort()).toEqual([...wanted].sort());

  // WikiText-2 test from the dataset repo (gzip on the wire), then dense perplexity.
  await page.getByTestId('hub-text-load').click();
  await expect(page.getByTestId('text-info')).toContainText('wiki.test.raw', { timeout: 30_000 });
  await expect(page.getByTestId('text-info')).toContainText('1.2 MiB');
  await expect(page.getByTestId('hub-text-result')).toContainText(`${DEFAULT_TEXT_SOURCE.dataset} · ${DEFAULT_TEXT_SOURCE.file}`);
  await page.getByTestId('seq-len-input').fill(String(SEQ_LEN));
  await page.getByTestId('max-windows-input').fill(String(WINDOWS));
  await page.getByTestId('run-ppl').click();
  const value = page.getByTestId('ppl-value');
  await expect(value).toBeVisible({ timeout: 150_000 });
  const shown = Number(await value.textContent());
  const cli = await reference;
  test.info().annotations.push({ type: 'perplexity', description: `studio (Hub model + Hub text) ${shown}, CLI ${cli.ppl}` });
  console.log(`perplexity: studio (Hub model + Hub WikiText-2) ${shown}, prunelab ppl on the fixture ${cli.ppl}`);
  if (shown.toFixed(4) !== cli.ppl.toFixed(4)) expect(Math.abs(shown - cli.ppl) / cli.ppl).toBeLessThan(1e-4);
  await page.getByTestId('hub-text-source-toggle').click();
  await page.getByTestId('paste-text-toggle').click();
  await page.screenshot({ path: 'e2e/screenshots/hub-loaded-light.png', fullPage: true });
  await modelCard(page).screenshot({ path: 'e2e/screenshots/hub-card-light.png' });
  await pplCard(page).screenshot({ path: 'e2e/screenshots/hub-text-light.png' });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(300);
  await page.screenshot({ path: 'e2e/screenshots/hub-loaded-dark.png', fullPage: true });
  await modelCard(page).screenshot({ path: 'e2e/screenshots/hub-card-dark.png' });
  await pplCard(page).screenshot({ path: 'e2e/screenshots/hub-text-dark.png' });
  await page.setViewportSize({ width: 420, height: 900 });
  await modelCard(page).screenshot({ path: 'e2e/screenshots/hub-card-narrow.png' });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.emulateMedia({ colorScheme: 'light' });

  // Load the same id again: every file from the Cache API, not one request to the stand-in.
  const before = hub.requests.length;
  await page.getByTestId('hub-load').click();
  await expect(result).toHaveAttribute('data-from-cache', 'true', { timeout: LOAD_TIMEOUT });
  await expect(result).toContainText(`${ID} from cache · 4 files · 1.0 MiB`);
  expect(hub.requests.slice(before)).toEqual([]);

  // The cache outlives the page: after a reload the base URL is remembered and nothing is downloaded.
  await page.reload();
  await expect(page.getByTestId('adapter-info')).not.toContainText('Starting', { timeout: 60_000 });
  await page.getByTestId('hub-advanced').locator('summary').click();
  await expect(page.getByTestId('hub-base-input')).toHaveValue(hub.url);
  await expect(page.getByTestId('hub-cache-info')).toContainText('5 files'); // 4 model files + the text
  await page.getByTestId('hub-id-input').fill(ID);
  const t0 = Date.now();
  await page.getByTestId('hub-load').click();
  await expect(result).toHaveAttribute('data-from-cache', 'true', { timeout: LOAD_TIMEOUT });
  test.info().annotations.push({ type: 'cache hit', description: `reload + load from cache to summary: ${Date.now() - t0} ms` });
  console.log(`cache hit after a reload: "${await result.textContent()}"; click to summary ${Date.now() - t0} ms; stand-in requests: ${hub.requests.length - before}`);
  await page.getByTestId('hub-text-load').click();
  await expect(page.getByTestId('hub-text-result')).toContainText('from cache');
  expect(hub.requests.slice(before)).toEqual([]);
  await page.screenshot({ path: 'e2e/screenshots/hub-from-cache.png', fullPage: true });

  await page.getByTestId('hub-clear-cache').click();
  await expect(page.getByTestId('hub-cache-info')).toContainText('0 files');
  await expect(page.getByTestId('hub-clear-cache')).toBeDisabled();
  expect(problems.consoleErrors, 'console errors while loading from the Hub').toEqual([]);
});

test('a wrong id shows the 404 error with its code and the page goes on working; cancel; pasted text', async ({ page }) => {
  test.setTimeout(300_000);
  await openStudio(page);
  await typeHubId(page, 'nobody/nothing');
  await page.getByTestId('hub-load').click();
  const box = page.getByTestId('error-box');
  await expect(box).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('error-code')).toHaveText('HubNotFound');
  await expect(page.getByTestId('error-message')).toContainText(`no model "nobody/nothing" at revision "main" on ${hub.url}`);
  expect(hub.downloads()).toEqual([]);
  await page.screenshot({ path: 'e2e/screenshots/hub-not-found.png', fullPage: true });

  // A malformed id is refused before any request.
  const n = hub.requests.length;
  await page.getByTestId('hub-id-input').fill('not an id');
  await page.getByTestId('hub-load').click();
  await expect(page.getByTestId('error-code')).toHaveText('BadHubId');
  expect(hub.requests.length).toBe(n);

  // Cancel a slow download: no error, the form is usable again, nothing half-downloaded is kept.
  hub.throttle(60_000);
  await page.getByTestId('hub-id-input').fill(ID);
  await page.getByTestId('hub-load').click();
  await expect(page.getByTestId('hub-progress')).toContainText('model.safetensors', { timeout: 30_000 });
  await page.getByTestId('hub-progress-cancel').click();
  await expect(page.getByTestId('hub-progress')).toHaveCount(0, { timeout: 10_000 });
  await expect(page.getByTestId('error-box')).toHaveCount(0);
  await expect(page.getByTestId('hub-load')).toBeEnabled();
  hub.throttle(0);
  // The small files were stored, the cancelled weights were not.
  await expect(page.getByTestId('hub-cache-info')).toContainText('3 files');

  // A gated model: without a token the 401 says what to do; with one (memory only) it loads.
  await page.getByTestId('hub-id-input').fill(GATED);
  await page.getByTestId('hub-load').click();
  await expect(page.getByTestId('error-code')).toHaveText('HubAuthRequired', { timeout: 30_000 });
  await expect(page.getByTestId('error-message')).toContainText('give an access token under Advanced');
  await page.getByTestId('hub-token-input').fill(TOKEN);
  const n2 = hub.requests.length;
  await page.getByTestId('hub-load').click();
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: LOAD_TIMEOUT });
  await expect(page.getByTestId('model-summary')).toContainText(GATED);
  await expect(page.getByTestId('hub-result')).toHaveAttribute('data-from-cache', 'false');
  console.log(`unthrottled browser download from the stand-in: "${await page.getByTestId('hub-result').textContent()}"`);
  expect(hub.requests.slice(n2).filter((r) => !r.path.startsWith('/cdn-lfs/') && r.method !== 'OPTIONS').every((r) => r.authorized)).toBe(true);
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + location.href);
  expect(stored).not.toContain(TOKEN);
  expect(hub.requests.some((r) => r.path.includes(TOKEN))).toBe(false);

  // Pasted text is an evaluation text.
  await page.getByTestId('paste-text-toggle').click();
  await page.getByTestId('paste-text-input').fill('Once upon a time, there was a little girl named Lily. She loved to play outside.');
  await page.getByTestId('paste-text-use').click();
  await expect(page.getByTestId('text-info')).toContainText('pasted text');
  await page.getByTestId('seq-len-input').fill('8');
  await page.getByTestId('max-windows-input').fill('2');
  await page.getByTestId('run-ppl').click();
  await expect(page.getByTestId('ppl-windows')).toHaveText('2 × 8', { timeout: 60_000 });
});

test('download throughput from the stand-in into the Cache API (48 MiB text file)', async ({ page }) => {
  await openStudio(page);
  await page.getByTestId('hub-advanced').locator('summary').click();
  await page.getByTestId('hub-base-input').fill(hub.url);
  await page.getByTestId('hub-text-source-toggle').click();
  await page.getByTestId('hub-dataset-input').fill('bench/big-text');
  await page.getByTestId('hub-dataset-file-input').fill('big.txt');
  await page.getByTestId('hub-text-load').click();
  const note = page.getByTestId('hub-text-result');
  await expect(note).toContainText('downloaded in', { timeout: 120_000 });
  await expect(page.getByTestId('text-info')).toContainText('48 MiB');
  console.log(`browser download of 48 MiB from the stand-in into the cache: "${await note.textContent()}"`);
  await page.getByTestId('hub-text-load').click();
  await expect(note).toContainText('from cache', { timeout: 60_000 });
});
